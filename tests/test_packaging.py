"""sendcheck installs anywhere: the wheel carries every rule file, template and bundled profile, and the installed
package finds them through importlib.resources, never through the checkout.

The wheel is built from a clean copy of the source (a build in the checkout would reuse a stale build/ folder)
with the test environment's setuptools, so no network is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checker import resources

ROOT = Path(__file__).resolve().parent.parent
# Each data folder of the repository and the package folder it is installed as (setup.py says the same).
DATA_FOLDERS = {"rules": "checker/rules", "reports/templates": "checker/templates", "profiles": "checker/profiles",
                "checker/data": "checker/data"}
NOT_SOURCE = shutil.ignore_patterns(".*", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", "fixtures", "tests",
                                    "bench", "sendcheck-reports", "sendcheck-web")


def source_files(folder: str) -> set[str]:
    """Every file in a repository folder, as a slash-separated path inside it (compiled Python left out)."""
    root = ROOT / folder
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, tmp / "src", ignore=NOT_SOURCE)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir",
                           "-q", "-w", str(tmp / "dist"), str(tmp / "src")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    [built] = (tmp / "dist").glob("sendcheck-*.whl")
    return built


def test_the_wheel_holds_every_rule_template_and_profile(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, package in DATA_FOLDERS.items():
        shipped = {n.removeprefix(package + "/") for n in names if n.startswith(package + "/")}
        missing, extra = sorted(source_files(folder) - shipped), sorted(shipped - source_files(folder))
        assert not missing, f"{folder}/: {missing} not in the wheel; add a pattern to [tool.setuptools.package-data]"
        assert not extra, f"{package}/ in the wheel has {extra}, which {folder}/ does not"
    assert {"checker/rules/assessment.yaml", "checker/templates/manager.html", "checker/templates/web/progress.js",
            "checker/profiles/la-tracker-a.yaml"} <= names


def test_the_wheel_holds_every_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(f"checker/{name}" for name in source_files("checker") if f"checker/{name}" not in names)
    assert not missing, f"not in the wheel: {missing}"


def test_the_unpacked_wheel_runs_away_from_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site))

    def python(code: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code, *args], cwd=elsewhere, env=env, capture_output=True,
                              text=True)

    where = python("import checker, checker.resources as r; print(checker.__file__); print(r.rules_folder()); "
                   "print(r.template_file('web/progress.js')); print(*r.profile_files(), sep='\\n')")
    assert where.returncode == 0, where.stderr
    lines = where.stdout.splitlines()
    bundled = len(list((ROOT / "profiles").glob("*.yaml")))
    assert len(lines) == 3 + bundled and all(Path(line).is_relative_to(site) for line in lines), lines

    sendcheck = "import sys; from checker.cli import entry; sys.argv[0] = 'sendcheck'; entry()"
    listed = python(sendcheck, "rules", "list")
    assert listed.returncode == 0, listed.stderr
    assert "EHC-FINAL-20W" in listed.stdout and "REVIEW-12M" in listed.stdout

    small = ROOT / "fixtures" / "small" / "tracker_small.csv"
    checked = python(sendcheck, "check", str(small), "--profile", "la-tracker-a", "--as-at", "2026-10-31",
                     "--out", str(tmp_path / "out"))
    assert checked.returncode in (0, 1), checked.stderr
    assert "<style>" in (tmp_path / "out" / "send-manager-report.html").read_text(encoding="utf-8")


def test_the_installed_package_finds_every_bundled_file():
    assert {f.name for f in resources.yaml_files(resources.rules_folder())} == {
        n for n in source_files("rules") if n.endswith(".yaml")}
    assert {f.name for f in resources.profile_files()} == {n for n in source_files("profiles") if n.endswith(".yaml")}
    for name in source_files("reports/templates"):
        assert resources.template_file(name).read_bytes() == (ROOT / "reports" / "templates" / name).read_bytes()
    loader = resources.template_loader("web")
    assert "layout.html" in loader.list_templates()


def test_a_rules_folder_on_disk_still_works(tmp_path):
    from checker.engine.fingerprint import rules_fingerprint
    from checker.engine.rules import load_rules

    shutil.copy(ROOT / "rules" / "reviews.yaml", tmp_path / "reviews.yaml")
    assert {r.family for r in load_rules(tmp_path)} == {"reviews"}
    assert rules_fingerprint(load_rules(tmp_path)) != rules_fingerprint(load_rules())
    shutil.copytree(ROOT / "rules", tmp_path / "all", ignore=shutil.ignore_patterns("__pycache__"))
    assert rules_fingerprint(load_rules(tmp_path / "all")) == rules_fingerprint(load_rules())
