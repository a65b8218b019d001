"""The "map the columns" step: a profile shown as one select per header, and the edited profile saved back.

The starting point is a bundled profile (named, or the best match for the upload) or a draft made from the
file's own headers. What the manager sees is what ``sendcheck inspect`` sees, so the form lists exactly the
headers in the uploaded file; the edited profile is written into the run folder and used for the check.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

from ..dataset import InputError
from ..model import TABLES
from ..readers.profile import fold, parse_profile

BASE_FILE = "profile-base.yaml"
PROFILE_FILE = "profile.yaml"
FORM_FILE = "mapping.json"
NOT_USED = ""
MAX_COLUMNS = 1000  # a sheet wider than this is refused: no caseload extract is, and the page would not load
MAX_LISTED = 250  # columns shown per sheet: every mapped one, then unused ones in file order


def field_choices() -> list[tuple[str, str]]:
    """(value, label) for every mapping target: each field once, plus table.field where a name is shared."""
    owners: dict[str, list[str]] = {}
    for table in TABLES.values():
        for f in table.fields:
            owners.setdefault(f.name, []).append(table.name)
    out = []
    for name in sorted(owners):
        out.append((name, name if len(owners[name]) == 1 else f"{name} (every table that has it)"))
        if len(owners[name]) > 1:
            out += [(f"{t}.{name}", f"{name} ({t} only)") for t in owners[name]]
    return out


def valid_targets() -> set[str]:
    """Every target a profile may name: each field, unqualified or as table.field."""
    return {f.name for t in TABLES.values() for f in t.fields} | \
        {f"{t.name}.{f.name}" for t in TABLES.values() for f in t.fields}


def base_profile(extracts: list[Path], choice: str) -> tuple[dict, str]:
    """The profile document to start from, and a sentence saying where it came from."""
    from ..readers import choose_profile
    from ..readers.profile import draft_profile, load_profile

    if choice not in ("auto", "draft"):
        prof = load_profile(choice)  # InputError for an unknown name
        return _bundled_doc(prof.name), f"the bundled profile {prof.name}"
    if choice == "auto":
        try:
            prof, score = choose_profile(extracts)
            return _bundled_doc(prof.name), (f"the bundled profile {prof.name}, the best match for your file "
                                             f"({score:.0%} of its headers found)")
        except InputError:
            pass
    doc: dict = {}
    for path in extracts:
        draft = yaml.safe_load(draft_profile(path))
        if not doc:
            doc = draft
        else:
            doc["sheets"] += draft["sheets"]
    doc["name"] = "web-" + str(doc.get("name") or "extract")
    return doc, "a draft made from your file's headers (no bundled profile matched)" if choice == "auto" else \
        "a draft made from your file's headers"


def _bundled_doc(name: str) -> dict:
    from ..readers.profile import list_profiles, profile_name

    path = next(p for p in list_profiles() if profile_name(p) == name)
    return yaml.safe_load(path.read_text(encoding="utf-8-sig"))


def form_rows(folder: Path, extracts: list[Path]) -> list[dict]:
    """One block per sheet read: its file, sheet, profile entry and (header, current target) rows."""
    from ..readers.inspect import inspect_file

    blocks = []
    for path in extracts:
        info = inspect_file(path, folder / BASE_FILE)
        for sheet in info["sheets"]:
            block = {"file": path.name, "sheet": sheet["name"], "entry": sheet["entry"], "read": sheet["read"],
                     "why_not": sheet["why_not"], "header_row": sheet["header_row"], "rows": []}
            if sheet["read"]:
                block["rows"] = ([{"header": m["column"], "target": m["field"]} for m in sheet["mapped"]]
                                 + [{"header": h, "target": NOT_USED} for h in sheet["ignored"] + sheet["unknown"]])
            blocks.append(block)
    return blocks


def refuse_too_wide(extracts: list[Path]) -> None:
    """InputError for a sheet with more than MAX_COLUMNS columns holding anything in its first rows, before the
    slow work of matching headers: a 10,000-column file would make a page of tens of megabytes."""
    from ..readers.extract import HEADER_SCAN_ROWS, read_grids

    for path in extracts:
        for grid in read_grids(path, header_probe_only=True):
            cells = grid.frame.head(HEADER_SCAN_ROWS).to_numpy(dtype=object)
            width = len({i for row in cells for i, cell in enumerate(row) if _filled(cell)})
            if width > MAX_COLUMNS:
                where = path.name + (f', sheet "{grid.sheet}"' if grid.sheet else "")
                raise InputError(f"{where} has {width:,} columns; the web app maps at most {MAX_COLUMNS:,}. Save a "
                                 "copy with only the columns the check needs and upload that, or check the file "
                                 "with the sendcheck command, which has no such limit.")


def _filled(cell) -> bool:
    return cell is not None and cell == cell and bool(str(cell).strip())  # cell != cell: NaN


def limit_listed(blocks: list[dict], limit: int = MAX_LISTED) -> None:
    """Mark which rows the page lists: every mapped column, then unused ones in file order up to ``limit`` a
    sheet. An unlisted column stays "Not used" (a select missing from the post keeps what was shown)."""
    for block in blocks:
        room = limit - sum(1 for row in block["rows"] if row["target"] != NOT_USED)
        for row in block["rows"]:
            row["listed"] = row["target"] != NOT_USED or room > 0
            room -= row["target"] == NOT_USED
        block["unlisted"] = sum(1 for row in block["rows"] if not row["listed"])


def prepare(folder: Path, extracts: list[Path], choice: str) -> dict:
    """Make the starting profile and the form for a run; saved so the POST sees exactly what was shown."""
    refuse_too_wide(extracts)
    doc, origin = base_profile(extracts, choice)
    (folder / BASE_FILE).write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    form = {"origin": origin, "name": doc.get("name", ""), "blocks": form_rows(folder, extracts)}
    limit_listed(form["blocks"])
    (folder / FORM_FILE).write_text(json.dumps(form, indent=1), encoding="utf-8")
    return form


def load_form(folder: Path) -> dict | None:
    path = folder / FORM_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def apply(folder: Path, form: dict, chosen: dict[str, str]) -> tuple[Path | None, list[str]]:
    """Write the edited profile; return its path, or None and the problems to show on the form.

    ``chosen`` maps the select names (``map-<block>-<row>``) to targets; a select missing from the post keeps
    what was shown. A target whose table the sheet does not yet feed adds that table to the entry.
    """
    doc = yaml.safe_load((folder / BASE_FILE).read_text(encoding="utf-8"))
    valid = valid_targets()
    problems: list[str] = []
    entries = {str(s.get("match")): s for s in doc.get("sheets", [])}
    for b, block in enumerate(form["blocks"]):
        entry = entries.get(block["entry"] or "")
        if entry is None or not block["read"]:
            continue
        columns = dict(entry.get("columns") or {})
        ignore = list(entry.get("ignore") or [])
        for r, row in enumerate(block["rows"]):
            target = chosen.get(f"map-{b}-{r}", row["target"]).strip()
            key = fold(row["header"])
            kept = [t for h, t in columns.items() if fold(h) == key]
            if target and target == row["target"] and kept:
                continue  # unchanged: keep the profile's entry as it is (a column may feed several fields)
            if target and target not in valid:
                problems.append(f'Column "{row["header"]}": {target!r} is not a field sendcheck knows.')
                continue
            columns = {h: t for h, t in columns.items() if fold(h) != key}
            ignore = [h for h in ignore if fold(h) != key]
            if target:
                columns[row["header"]] = target
            else:
                ignore.append(row["header"])
        entry["columns"], entry["ignore"] = columns, ignore
        entry["tables"] = _tables_needed(list(entry.get("tables") or []), _flat(columns.values()))
        mapped = {t.split(".")[-1] for t in _flat(columns.values())} | {str(k) for k in entry.get("keys") or {}}
        label = f'{block["file"]}' + (f', sheet "{block["sheet"]}"' if block["sheet"] else "")
        for req in entry.get("required") or []:
            if str(req).split(".")[-1] not in mapped:
                problems.append(f"{label}: no column is mapped to {req}, which this profile needs. "
                                "Choose the column that holds it.")
    targets = [t for s in doc.get("sheets", []) for t in _flat((s.get("columns") or {}).values())]
    dupes = sorted({t for t in targets if targets.count(t) > 1 and len(doc.get("sheets", [])) == 1})
    for t in dupes:
        problems.append(f"{t} is chosen for more than one column; choose it for one only.")
    if problems:
        return None, problems
    try:
        parse_profile(copy.deepcopy(doc), source=PROFILE_FILE, default_name="web-profile")
    except InputError as exc:
        return None, [str(exc)]
    path = folder / PROFILE_FILE
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    path.chmod(0o600)
    return path, []


def _flat(targets) -> list[str]:
    """Mapping targets with a list (a column feeding several fields) spread out."""
    return [t for target in targets for t in (target if isinstance(target, list) else [target])]


def _tables_needed(tables: list[str], targets) -> list[str]:
    """The entry's tables plus any a chosen target needs, in the model's order."""
    wanted = set(tables)
    for target in targets:
        if "." in target:
            wanted.add(target.split(".", 1)[0])
        elif not any(target in TABLES[t].columns for t in wanted if t in TABLES):
            owner = next((t.name for t in TABLES.values() if target in t.columns), None)
            if owner:
                wanted.add(owner)
    return [t for t in tables if t in wanted] + [t for t in TABLES if t in wanted and t not in tables]
