"""sendcheck: statutory compliance checks for SEND caseloads in England.

Data flows one way: file -> canonical tables -> facts -> findings -> reports.
"""

__version__ = "0.1.0"
