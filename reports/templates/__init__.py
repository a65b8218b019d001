"""The report and web templates: installed inside the package as ``checker.templates`` (see checker/resources.py)."""
