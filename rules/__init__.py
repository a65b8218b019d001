"""The rule files: installed inside the package as ``checker.rules`` (see checker/resources.py)."""
