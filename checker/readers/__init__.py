"""Readers: every input file becomes the canonical tables, whatever system exported it.

``load_inputs`` looks at each file's content (not its name) and sends it to the right reader: SEN2 XML,
the SEN2 flat forms (COLLECT Blade CSVs, the pre-submission workbook), or an LA caseload extract read
through a mapping profile, chosen by the caller or by how well a bundled profile's headers match.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..dataset import Dataset, InputError
from .detect import CSV, XLSX, XML, detect_format
from .profile import Profile, fold, list_profiles, load_profile

PRESUBMISSION_SHEETS = {"person", "requests", "assessment", "assessments", "namedplan", "plandetail", "activeplan",
                        "activeplans", "placementdetail", "senneed"}
AUTO_PROFILE_MIN_SCORE = 0.6


def load_inputs(paths: list[Path], profile: str | Path | Profile | None = None) -> Dataset:
    """Read every input into one Dataset (InputError, naming the file, for anything unusable)."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no input files given; expected SEN2 XML, SEN2 flat files or a caseload extract.")
    formats = {p: detect_format(p) for p in paths}
    ds = Dataset()
    extracts: list[Path] = []
    blade: list[Path] = []
    for p in paths:
        if formats[p] == XML:
            from .sen2_xml import read_sen2_xml

            ds.merge(read_sen2_xml(p))
        elif profile is None and formats[p] == CSV and is_blade_csv(p):
            blade.append(p)
        elif profile is None and formats[p] == XLSX and is_presubmission_workbook(p):
            ds.merge(_sen2_flat().read_sen2_workbook(p))
        else:
            extracts.append(p)
    if blade:
        ds.merge(_sen2_flat().read_sen2_blade(blade))
    if extracts:
        chosen = profile if profile is not None else choose_profile(extracts)[0]
        from .extract import read_extract

        ds.merge(read_extract(extracts, chosen))
    return ds


def expand_inputs(paths: list[Path]) -> list[Path]:
    """The input files, with a folder holding a COLLECT Blade export (one CSV per SEN2 module, as COLLECT
    writes it) replaced by its CSV files; InputError for any other folder."""
    out: list[Path] = []
    for path in (Path(p) for p in paths):
        if not path.is_dir():
            out.append(path)
            continue
        csvs = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        blade = [p for p in csvs if is_blade_csv(p)]
        if not blade:
            raise InputError(f"{path}: is a folder; give the extract files themselves (a folder is read only when "
                             "it holds a SEN2 Blade export, Blade-Export_..._person.csv and the rest).")
        out.extend(blade)
    return out


def _sen2_flat():
    try:
        from . import sen2_flat
    except ImportError:
        raise InputError("SEN2 flat files (Blade CSVs, pre-submission workbook) cannot be read by this version; "
                         "give the SEN2 XML instead.") from None
    return sen2_flat


def is_blade_csv(path: Path) -> bool:
    """A COLLECT "Blade" export: named Blade-Export_..., or carrying its linking columns (…tableid, NativeId)."""
    if path.name.lower().startswith("blade-export"):
        return True
    try:
        with open(path, "rb") as fh:
            first = fh.readline(65536).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    raw = [c.strip().strip('"').lower() for c in first.replace(";", ",").split(",")]
    cells = [fold(c) for c in raw]
    # Blade's linking columns are "<module>tableid" as one word; the Standard Safeguarding Dataset's tables have
    # their own "..._table_id" columns and are LA extracts.
    return "nativeid" in cells or any(re.fullmatch(r"[a-z0-9]+tableid", c) and len(c) > 7 for c in raw)


def is_presubmission_workbook(path: Path) -> bool:
    """The SEN2 pre-submission workbook: one sheet per module (Person, Requests, Named Plan, ...)."""
    from .extract import Workbook

    book = Workbook(path)
    try:
        names = {fold(n) for n, _ in book.sheets}
    finally:
        book.close()
    return len(names & PRESUBMISSION_SHEETS) >= 4


def header_cells(paths: list[Path]) -> set[str]:
    """Folded cell texts from the top rows of every visible sheet of the inputs (used to pick a profile)."""
    from .convert import cell_text
    from .extract import read_grids

    cells: set[str] = set()
    for p in paths:
        for grid in read_grids(p, header_probe_only=True):
            if grid.hidden:
                continue
            for row in grid.rows:
                cells.update(fold(cell_text(c)) for c in row if cell_text(c))
    return cells


def rank_profiles(paths: list[Path]) -> list[tuple[float, Profile]]:
    """Bundled profiles with the share of their mapped headers found in the inputs, best first."""
    cells = header_cells(paths)
    ranked = []
    for ref in list_profiles():
        try:
            prof = load_profile(ref)
        except InputError:
            continue  # a broken bundled profile is reported when named, not when guessing
        keys = {fold(h) for s in prof.sheets for h in s.columns}
        if keys:
            ranked.append((len(keys & cells) / len(keys), prof))
    ranked.sort(key=lambda sp: (-sp[0], sp[1].name))
    return ranked


def choose_profile(paths: list[Path]) -> tuple[Profile, float]:
    """The bundled profile whose headers best match the inputs; InputError listing candidates if none fits."""
    ranked = rank_profiles(paths)
    names = ", ".join(p.name for p in paths)
    if ranked and ranked[0][0] >= AUTO_PROFILE_MIN_SCORE:
        return ranked[0][1], ranked[0][0]
    if ranked:
        best = "; ".join(f"{p.name} ({score:.0%} of its headers found)" for score, p in ranked[:3])
        cand = f"closest bundled profiles: {best}"
    else:
        cand = "no bundled profiles are installed"
    raise InputError(f"{names}: no mapping profile given and none of the bundled ones matches these headers well "
                     f"({cand}). Name one with --profile, or draft one with `sendcheck profile new "
                     f"{paths[0].name}`.")


from .inspect import format_inspection, inspect_file, inspect_files  # noqa: E402  (re-exported for the CLI)

__all__ = ["load_inputs", "inspect_file", "inspect_files", "format_inspection", "choose_profile", "rank_profiles",
           "is_blade_csv", "is_presubmission_workbook", "expand_inputs"]
