"""What the checker would make of a file, before running any rule (``sendcheck inspect FILE``).

An analyst setting up a new extract needs to see which sheets will be read, where the headers are, which
columns land in which canonical field and which are left out, without reading code or the profile's YAML.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..dataset import InputError
from ..model import TABLES
from . import inspect_sen2
from .detect import CSV, XML, detect_format
from .profile import Profile, SheetSpec, load_profile

_ANY_TABLE = SheetSpec(match="*", tables=tuple(TABLES))


def inspect_file(path: Path, profile: str | Path | Profile | None = None) -> dict:
    """A description of one input: format, sheets (rows, hidden), header row, mapped/ignored/unknown columns."""
    from . import choose_profile, is_blade_csv, is_presubmission_workbook
    from .extract import map_sheet, read_grids

    path = Path(path)
    fmt = detect_format(path)
    info: dict = {"file": path.name, "format": fmt, "kind": "extract", "profile": None, "profile_source": None,
                  "profile_error": None, "sheets": [], "notes": []}
    # A SEN2 return is read whole by the reader check uses (inspect_sen2): what check refuses is refused here.
    if fmt == XML:
        info["kind"] = "sen2-xml"
        info["notes"].append("SEN2 XML return: read by the SEN2 reader; no mapping profile is needed.")
        info["sen2"] = inspect_sen2.about_xml(path)
        return info
    if profile is None and fmt == CSV and is_blade_csv(path):
        info["kind"] = "sen2-blade"
        info["notes"].append("SEN2 COLLECT Blade CSV: read by the SEN2 reader with its companion files (inspect "
                             "the export's folder, or all its files at once, to see the whole return).")
        info["sen2"] = inspect_sen2.about_blade([path])
        return info
    if profile is None and fmt != CSV and is_presubmission_workbook(path):
        info["kind"] = "sen2-workbook"
        info["notes"].append("SEN2 pre-submission workbook: read by the SEN2 reader; no mapping profile is needed.")
        info["sen2"] = inspect_sen2.about_workbook(path)
        return info

    prof: Profile | None = None
    if profile is not None:
        prof = load_profile(profile)
        info["profile_source"] = "given"
    elif info["kind"] == "extract":
        try:
            prof, score = choose_profile([path])
            info["profile_source"] = f"best match among bundled profiles ({score:.0%} of its headers found)"
        except InputError as exc:
            info["profile_error"] = str(exc)
    if prof is not None:
        info["profile"] = prof.name

    for grid in read_grids(path, encoding=prof.encoding if prof else None):
        sheet = {"name": grid.sheet, "hidden": grid.hidden, "rows": int(len(grid.frame)), "read": False,
                 "why_not": "", "entry": None, "header_row": None, "data_rows": 0, "mapped": [], "ignored": [],
                 "unknown": [], "missing_required": [], "links": [], "given": []}
        info["sheets"].append(sheet)
        info["notes"].extend(i.message for i in grid.notes)
        spec = None
        if prof is not None:
            spec = prof.sheet_for(grid.sheet or path.name, grid.hidden)
            if spec is None and fmt == CSV and len(prof.sheets) == 1:
                spec = prof.sheets[0]
            if spec is None:
                sheet["why_not"] = ("hidden, and the profile does not name it exactly" if grid.hidden and
                                    prof.sheet_for(grid.sheet) else "no sheets entry of the profile matches it")
            else:
                sheet["entry"] = spec.match
        elif grid.hidden:
            sheet["why_not"] = "hidden (read only if a profile names it)"
        if grid.empty_sheet:
            sheet["why_not"] = sheet["why_not"] or "empty"
            continue
        try:
            smap = map_sheet(grid, spec or _ANY_TABLE, prof or Profile(name="(built-in aliases)"))
        except InputError as exc:
            sheet["why_not"] = sheet["why_not"] or str(exc)
            continue
        if smap is None:
            continue
        sheet["read"] = spec is not None
        sheet["header_row"] = smap.header_row
        sheet["data_rows"] = max(0, len(grid.frame) - smap.header_row)
        sheet["mapped"] = [{"column": smap.headers[p], "field": ", ".join(smap.targets(p)),
                            "by": "alias" if p in smap.auto else "profile"} for p in sorted(smap.mapped)]
        sheet["links"] = [{"column": smap.headers[p], "role": role} for p, role in sorted(smap.links.items())]
        if spec is not None:
            sheet["given"] = [f"{t} = {v} (every row)" for t, v in spec.constants.items()] + \
                [f"{k} = {v if isinstance(v, str) else f'looked up on {v.sheet}'} (derived)"
                 for k, v in spec.keys.items()]
        sheet["ignored"] = [smap.headers[p] for p in smap.ignored]
        sheet["unknown"] = [smap.headers[p] for p in smap.unknown]
        sheet["missing_required"] = list(smap.missing_required)
        if spec is None and prof is None:
            sheet["why_not"] = sheet["why_not"] or "no profile: mapping shown is by the built-in aliases only"
    return info


def inspect_files(paths: list[Path], profile: str | Path | Profile | None = None) -> list[dict]:
    """:func:`inspect_file` for each input; the files of one COLLECT Blade export (or its folder) together, as
    one return."""
    from . import expand_inputs, is_blade_csv

    paths = expand_inputs([Path(p) for p in paths])
    blade = [p for p in paths if profile is None and detect_format(p) == CSV and is_blade_csv(p)]
    out = [inspect_file(p, profile) for p in paths if p not in blade]
    if len(blade) > 1:
        common = os.path.commonprefix([p.name for p in blade])
        out.append({"file": f"{common}*.csv ({len(blade)} files)", "format": CSV,
                    "kind": "sen2-blade", "profile": None, "profile_source": None, "profile_error": None,
                    "sheets": [], "notes": ["SEN2 COLLECT Blade CSV export: the files are read together as one "
                                            "return."], "sen2": inspect_sen2.about_blade(blade)})
    elif blade:
        out.append(inspect_file(blade[0], profile))
    return out


def format_inspection(info: dict) -> str:
    """The inspection as plain text for the terminal."""
    out = [f"{info['file']}: {_KINDS.get(info['kind'], info['kind'])} ({info['format']})"]
    if info.get("sen2"):
        out.extend(f"note: {note}" for note in info["notes"])
        out.extend(inspect_sen2.format_sen2(info["sen2"]))
        return "\n".join(out) + "\n"
    if info["profile"]:
        out.append(f"profile: {info['profile']} ({info['profile_source']})")
    elif info["profile_error"]:
        out.append(f"profile: none chosen. {info['profile_error']}")
    for note in info["notes"]:
        out.append(f"note: {note}")
    for s in info["sheets"]:
        title = f'sheet "{s["name"]}"' if s["name"] else "table"
        flags = [f"{s['rows']} rows"]
        if s["hidden"]:
            flags.append("hidden")
        flags.append("read" if s["read"] else f"not read: {s['why_not']}" if s["why_not"] else "not read")
        out.append("")
        out.append(f"{title} ({', '.join(flags)})")
        if s["read"] and s["why_not"]:
            out.append(f"  note: {s['why_not']}")
        if s["header_row"]:
            out.append(f"  header row {s['header_row']}, {s['data_rows']} rows below it"
                       + (f" (profile entry \"{s['entry']}\")" if s["entry"] else ""))
        width = max((len(m["column"]) for m in s["mapped"]), default=0)
        for m in s["mapped"]:
            by = "   (built-in alias)" if m["by"] == "alias" else ""
            out.append(f"  {m['column']:<{width}}  -> {m['field']}{by}")
        for link in s.get("links", []):
            out.append(f"  {link['column']:<{width}}  links rows: {link['role']}")
        for given in s.get("given", []):
            out.append(f"  {given}")
        if s["ignored"]:
            out.append("  ignored: " + ", ".join(f'"{h}"' for h in s["ignored"]))
        if s["unknown"]:
            out.append("  not mapped (not read): " + ", ".join(f'"{h}"' for h in s["unknown"]))
        if s["missing_required"]:
            out.append("  REQUIRED FIELDS MISSING: " + ", ".join(s["missing_required"]))
    return "\n".join(out) + "\n"


_KINDS = {"extract": "caseload extract", "sen2-xml": "SEN2 XML return", "sen2-blade": "SEN2 Blade CSV export",
          "sen2-workbook": "SEN2 pre-submission workbook"}
