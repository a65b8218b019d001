"""The files sendcheck reads at run time, found inside the installed package with ``importlib.resources``.

The rule files, the report templates and the bundled mapping profiles are kept at the top of the repository
(``rules/``, ``reports/templates/``, ``profiles/``: the layout the client asked for) and ship inside the package
as the sub-packages ``checker.rules``, ``checker.templates`` and ``checker.profiles`` (the mapping is in
setup.py, the file patterns in pyproject.toml). They are always found through the import system, never by a
path relative to the checkout, so a wheel, ``pip install .`` and ``pip install -e .`` behave alike.

``checker/data/`` is the place for any other package data read at run time (code lists, GIAS establishment
types, DfE statistics): put the file there, add its pattern to ``[tool.setuptools.package-data]`` if it is a
new kind of file, and read it with :func:`data_file`. tests/test_packaging.py checks that every file in these
folders is in the wheel.

Each function hands out an ``importlib.resources`` Traversable (a ``pathlib.Path`` for any unzipped install),
read with ``read_text``/``read_bytes``; templates come as a Jinja2 loader. A folder the user names
(``--rules DIR``) is a ``pathlib.Path``, which is a Traversable too, so callers treat both alike.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

RULES = "checker.rules"
TEMPLATES = "checker.templates"
PROFILES = "checker.profiles"
DATA = "checker.data"


def rules_folder() -> Traversable:
    """The bundled rule files (``rules/*.yaml`` in the repository)."""
    return files(RULES)


def template_loader(folder: str = ""):
    """A Jinja2 loader for the report templates, or for one of their sub-folders (``"web"``)."""
    import jinja2  # here, so that loading the rules does not import the template engine

    return jinja2.PackageLoader(TEMPLATES, folder or ".")


def template_file(name: str) -> Traversable:
    """One template file by its slash-separated name (``"report.css"``, ``"web/progress.js"``)."""
    return files(TEMPLATES).joinpath(*name.split("/"))


def profile_files() -> list[Traversable]:
    """The bundled mapping profiles (``profiles/*.yaml`` in the repository), sorted by name."""
    return yaml_files(files(PROFILES))


def data_file(name: str) -> Traversable:
    """One file of package data (``checker/data/``) by its slash-separated name."""
    return files(DATA).joinpath(*name.split("/"))


def yaml_files(folder: Traversable) -> list[Traversable]:
    """The ``*.yaml`` files directly in ``folder`` (bundled or on disk), sorted by name."""
    return sorted((f for f in folder.iterdir() if f.name.endswith(".yaml") and f.is_file()), key=lambda f: f.name)

