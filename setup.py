"""The one part of the build that pyproject.toml cannot say: which packages ship, and where the data ones live.

The code packages under checker/ are found, with or without an __init__.py, so a new one ships without anyone
listing it. The data folders kept at the top of the repository (the client's layout) become sub-packages of
``checker``, found at run time with importlib.resources (see pyproject.toml and checker/resources.py).
"""

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = {
    "checker.rules": "rules",
    "checker.templates": "reports/templates",
    "checker.profiles": "profiles",
}
CODE_PACKAGES = find_namespace_packages(include=["checker", "checker.*"], exclude=["*__pycache__"])

setup(packages=CODE_PACKAGES + list(DATA_PACKAGES), package_dir=DATA_PACKAGES)
