"""Month-by-month history of check runs, kept in one SQLite file beside the reports.

``store`` records runs and reads them back, ``compare`` says what changed since the previous month, ``trend``
turns the stored months into a trend page and CSV, and ``since`` shapes the changes for the manager report.
No server: the standard library's ``sqlite3`` is the whole database.
"""

from .compare import Changes, compare, finding_ids
from .store import HistoryError, Store, open_store

__all__ = ["Changes", "HistoryError", "Store", "compare", "finding_ids", "open_store"]
