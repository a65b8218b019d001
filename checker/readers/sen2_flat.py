"""Reading the flat forms of the SEN2 return: the COLLECT "Blade" CSV export and the pre-submission workbook.

Both hold the same modules as the XML, one table per module, with lower-case element names as headers and
``<module>tableid`` columns linking each row to its parent module. The header maps live in the bundled
profiles ``sen2-blade`` and ``sen2-presubmission`` (profiles/); what is SEN2's own structure - which
module hangs off which, and how ids are built - is here, so the result is the same tables, with the same
person and request ids, as reading the XML of the same return.
"""

from __future__ import annotations

import csv
import fnmatch
import io
from pathlib import Path

import pandas as pd

from ..dataset import ERROR, QUERY, DataIssue, Dataset, InputError
from ..quality.registry import GUIDE, OURS, check
from . import sen2_years
from .convert import clean_text, parse_dates
from .extract import CSV_ENCODING
from .profile import Profile, SheetSpec, fold, load_profile
from .sen2_canonical import canonical_frame, map_sen2_items, person_ids, request_ids, review_rows, unique_ids
from .sen2_elements import HEADER_ITEMS
from .sen2_xml import SEN2_NO_PLACEMENT_FOR_ITEM

BLADE_PROFILE = "sen2-blade"
WORKBOOK_PROFILE = "sen2-presubmission"

# SEN2 modules in file order, the canonical table each feeds, and its parent module.
MODULES = ("person", "requests", "assessment", "namedplan", "plandetail", "activeplans", "placementdetail", "senneed")
TABLE = {"person": "person", "requests": "request", "assessment": "assessment", "namedplan": "named_plan",
         "plandetail": "plan_detail", "activeplans": "active_plan", "placementdetail": "placement",
         "senneed": "sen_need"}
PARENT = {"person": None, "requests": "person", "assessment": "requests", "namedplan": "assessment",
          "plandetail": "namedplan", "activeplans": "requests", "placementdetail": "activeplans",
          "senneed": "activeplans"}
BLADE_SUFFIXES = {f"_{m}.csv": m for m in MODULES} | {"_sen2.csv": "sen2"}
WORKBOOK_SHEETS = {"person": "person", "requests": "requests", "assessments": "assessment",
                   "assessment": "assessment", "namedplan": "namedplan", "plandetail": "plandetail",
                   "activeplan": "activeplans", "activeplans": "activeplans", "placementdetail": "placementdetail",
                   "senneed": "senneed"}
_HEADER_SEARCH_ROWS = 20

CSV_EXTRA_CELLS = check(
    "CSV-EXTRA-CELLS", ERROR,
    "A row of a Blade CSV has more cells than its header (usually a stray comma); the extra cells are not read.",
    action="Find the stray comma (often in a free-text value) and export the file again.",
    source=OURS, tables="input file")
SEN2_UNKNOWN_SHEET = check(
    "SEN2-UNKNOWN-SHEET", QUERY, "A sheet of the pre-submission workbook that is not a SEN2 module; it is ignored.",
    action="Nothing to do if it holds notes; if it holds a module, name the sheet after it.",
    source=f"{GUIDE} (modules)", tables="input file")
SEN2_UNKNOWN_COLUMN = check(
    "SEN2-UNKNOWN-COLUMN", QUERY,
    "A column of a SEN2 flat file that is not an item of its module; it is ignored. Reported once per column.",
    action="Nothing to do if it is a supplier's own extra; if it should be a SEN2 item, check its spelling.",
    source=f"{GUIDE} (item list)", tables="input file")
SEN2_NO_PERSON = check(
    "SEN2-NO-PERSON", QUERY,
    "A request row of a SEN2 flat file names a person key with no Person row. The request is kept under that "
    "key (the data checks then report it as an ORPHAN).",
    action="Export the missing Person row, or correct the request's persontableid.",
    source=f"{GUIDE} (module structure)", tables="request")
SEN2_ORPHAN_ROW = check(
    "SEN2-ORPHAN-ROW", ERROR,
    "A row of a SEN2 flat file links to no request (its parent module's key is missing or unknown), so it "
    "cannot be checked and is left out.",
    action="Export the parent module's rows too, or correct the row's <module>tableid link.",
    source=f"{GUIDE} (module structure)", tables="assessment, named_plan, plan_detail, active_plan, placement, "
                                                 "sen_need")
_BLADE_DATES = ("%Y-%b-%d %H:%M:%S", "%Y-%b-%d")


def key_column(module: str) -> str:
    return f"{module}tableid"


# -- detection ------------------------------------------------------------------------------------------------

def looks_like_sen2_blade(paths: list[Path]) -> bool:
    """True when every file is a Blade module export (by its name, or by its own ``<module>tableid`` column)."""
    paths = [Path(p) for p in paths]
    return bool(paths) and all(_blade_module(p, _first_line(p)) is not None for p in paths)


def looks_like_sen2_workbook(sheet_names: list[str]) -> bool:
    """True when at least four sheets are named for SEN2 modules (Person, Requests, Named Plan, ...)."""
    return len({WORKBOOK_SHEETS[fold(n)] for n in sheet_names if fold(n) in WORKBOOK_SHEETS}) >= 4


def _first_line(path: Path) -> list[str]:
    try:
        with open(path, "rb") as fh:
            line = fh.readline(65536).decode("utf-8-sig", errors="replace")
    except OSError:
        return []
    return [fold(c) for c in line.split(",")]


def _blade_module(path: Path, header: list[str]) -> str | None:
    name = path.name.lower()
    for suffix, module in BLADE_SUFFIXES.items():
        if name.endswith(suffix):
            return module
    # Renamed file: the first <module>tableid column is the module's own key.
    for cell in header:
        if cell.endswith("tableid") and cell[:-7] in (*MODULES, "sen2"):
            return cell[:-7]
    return None


# -- Blade CSV ------------------------------------------------------------------------------------------------

def read_sen2_blade(paths: list[Path], profile: str | Path | Profile = BLADE_PROFILE,
                    columns_found: dict[str, list[str]] | None = None) -> Dataset:
    """Read a set of Blade CSV files (one per module; the sen2 header file is optional). ``columns_found``, if
    given, is filled with each module's columns that hold a SEN2 item, as the files spell them (``inspect``)."""
    prof = load_profile(profile)
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no Blade CSV files given.")
    issues: list[DataIssue] = []
    modules: dict[str, list[_Sheet]] = {}
    header: dict[str, str] = {}
    for p in paths:
        frame, found = _read_csv(p, prof.encoding or "utf-8-sig")
        issues += found
        module = _blade_module(p, [fold(c) for c in frame.columns])
        if module is None:
            raise InputError(f"{p.name} is not a SEN2 Blade export file: expected a name ending _person.csv, "
                             f"_requests.csv, ... or a <module>tableid column such as persontableid.")
        if module == "sen2":
            header.update(_blade_header(frame))
            issues += sen2_years.header_issues(header, p.name)
            continue
        spec = _spec_for(prof, p.name, module)
        modules.setdefault(module, []).append(_Sheet(p.name, "", frame, None, spec))
    ds = _build(modules, prof, issues, sen2_years.collection_year(header), columns_found)
    ds.header.update(header)
    ds.sources = [p.name for p in paths]
    ds.sen2_headers = {p.name: dict(header) for p in paths}
    return ds


def _read_csv(path: Path, encoding: str) -> tuple[pd.DataFrame, list[DataIssue]]:
    """The CSV as a frame of strings under its header row. Rows with more cells than the header keep the
    first cells and the rest are reported, never dropped silently."""
    issues: list[DataIssue] = []
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    for enc in (encoding, "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if enc != encoding:
        issues.append(CSV_ENCODING.issue(f"{path.name} is not {encoding}; it was read as "
                            f"{'Windows-1252' if enc == 'cp1252' else 'Latin-1'} (check names with accents).",
                            file=path.name))
    text = text.replace("\x00", "")
    try:  # the usual, well-formed export: pandas' C parser, no per-row Python work
        grid = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                           skip_blank_lines=False, engine="c")
        fast = True
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        fast = False
    if fast:
        grid = grid.fillna("")
        blank = grid.eq("").all(axis=1).to_numpy()
        first = int(blank.argmin()) if not blank.all() else None
        if first is None:
            raise InputError(f"{path.name} is empty; expected a Blade CSV with a header row.")
        header = [str(c).strip() for c in grid.iloc[first]]
        frame = grid.iloc[first + 1:].copy()
        frame.columns = _unique_names(header)
        frame.index = pd.Index(range(first + 2, first + 2 + len(frame)), dtype=object)  # rows as a person sees them
        frame = frame[~blank[first + 1:]]
        return frame.loc[:, [h != "" for h in header]], issues
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"{path.name} is not a readable CSV file ({exc}).") from None
    skipped = 0
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
        skipped += 1
    if not rows:
        raise InputError(f"{path.name} is empty; expected a Blade CSV with a header row.")
    header = [c.strip() for c in rows[0]]
    width = len(header)
    body = []
    for n, row in enumerate(rows[1:], start=2 + skipped):
        if not any(c.strip() for c in row):
            continue
        if len(row) > width and any(c.strip() for c in row[width:]):
            extra = ",".join(row[width:])
            issues.append(CSV_EXTRA_CELLS.issue(f"{path.name}, row {n}: {len(row)} cells but the header has "
                                f"{width}; the extra cells ({extra[:60]!r}) are not read. Check for a stray comma.",
                                file=path.name, row=n, value=extra[:200]))
        body.append((n, (row + [""] * width)[:width]))
    names = _unique_names(header)
    frame = pd.DataFrame([r for _, r in body], columns=range(width), dtype=object) if body else \
        pd.DataFrame({i: pd.Series(dtype=object) for i in range(width)})
    frame.columns = names
    frame = frame.loc[:, [h != "" for h in header]]
    frame.index = pd.Index([n for n, _ in body], dtype=object) if body else pd.RangeIndex(0)
    return frame, issues


def _unique_names(header: list[str]) -> list[str]:
    """Column names with repeats numbered ("urn", "urn (2)") so no column hides another."""
    seen: dict[str, int] = {}
    names = []
    for h in header:
        seen[h] = seen.get(h, 0) + 1
        names.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return names


def blade_header(path: Path) -> dict[str, str]:
    """The header items of a Blade export's ``_sen2.csv`` ({} for any other module's file)."""
    path = Path(path)
    frame, _ = _read_csv(path, "utf-8-sig")
    if _blade_module(path, [fold(c) for c in frame.columns]) != "sen2":
        return {}
    return _blade_header(frame)


def _blade_header(frame: pd.DataFrame) -> dict[str, str]:
    if frame.empty:
        return {}
    row = frame.iloc[0]
    header = {HEADER_ITEMS[fold(c)]: str(row[c]).strip() for c in frame.columns if fold(c) in HEADER_ITEMS}
    if header.get("ReferenceDate"):  # COLLECT writes 2024-Jan-18 00:00:00; the XML has 2024-01-18
        date = parse_dates(pd.Series([header["ReferenceDate"]], dtype=object), _BLADE_DATES)[0].iloc[0]
        if not pd.isna(date):
            header["ReferenceDate"] = date.strftime("%Y-%m-%d")
    return header


def _spec_for(prof: Profile, name: str, module: str) -> SheetSpec:
    spec = prof.sheet_for(name)
    if spec is not None and module in _modules_of(spec):
        return spec
    for spec in prof.sheets:  # renamed file: the entry that feeds the module's table
        if spec.tables[0] == TABLE[module]:
            return spec
    raise InputError(f"profile {prof.name} has no entry for the SEN2 {module} module ({name}).")


def _modules_of(spec: SheetSpec) -> set[str]:
    return {m for m, t in TABLE.items() if t == spec.tables[0]}


# -- pre-submission workbook ------------------------------------------------------------------------------------

def read_sen2_workbook(path: Path, profile: str | Path | Profile = WORKBOOK_PROFILE,
                       columns_found: dict[str, list[str]] | None = None) -> Dataset:
    """Read the pre-submission workbook (sheets Person, Requests, Assessments, Named Plan, ...);
    ``columns_found`` as for :func:`read_sen2_blade`."""
    prof = load_profile(profile)
    path = Path(path)
    sheets = _workbook_rows(path)
    issues: list[DataIssue] = []
    modules: dict[str, list[_Sheet]] = {}
    for name, rows in sheets:
        module = WORKBOOK_SHEETS.get(fold(name))
        if module is None:
            issues.append(SEN2_UNKNOWN_SHEET.issue(f'{path.name}, sheet "{name}" is not a SEN2 module sheet; '
                                f"it is ignored.", file=path.name, sheet=name))
            continue
        spec = _spec_for(prof, name, module)
        frame, header_row = _grid_to_frame(rows, spec, module)
        if frame is None:
            if any(any(_blank(c) is False for c in r) for r in rows):
                raise InputError(f'{path.name}, sheet "{name}": no header row found in the first '
                                 f"{_HEADER_SEARCH_ROWS} rows (expected SEN2 element names such as "
                                 f"{', '.join(list(spec.columns)[:3])}).")
            continue
        modules.setdefault(module, []).append(_Sheet(path.name, name, frame, header_row + 1, spec))
    if not modules:
        raise InputError(f"{path.name} has no SEN2 module sheets (expected Person, Requests, Assessments, "
                         f"Named Plan, Plan Detail, Active Plan, Placement Detail, SEN Need).")
    ds = _build(modules, prof, issues, None, columns_found)
    ds.sources = [path.name]
    ds.sen2_headers = {path.name: {}}  # the workbook carries no header: its collection year is not known
    return ds


def _workbook_rows(path: Path) -> list[tuple[str, list[list]]]:
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        return [(n, book.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in book.sheet_names]
    except Exception:  # noqa: BLE001 - calamine's errors are not typed; openpyxl gets a second try
        pass
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in book.worksheets]
        finally:
            book.close()
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"{path.name} cannot be read as an Excel workbook ({type(exc).__name__}: "
                         f"{str(exc)[:120]}).") from None


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def _grid_to_frame(rows: list[list], spec: SheetSpec, module: str) -> tuple[pd.DataFrame | None, int]:
    """The sheet as a frame of raw cells under its header row (found within the first rows)."""
    known = {fold(h) for h in (*spec.columns, *spec.ignore)} | {key_column(module)}
    for i, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        cells = [fold(c) if not _blank(c) else "" for c in row]
        if sum(c in known for c in cells) >= 2 or (key_column(module) in cells):
            headers = ["" if _blank(c) else str(c).strip() for c in row]
            body = [list(r) + [None] * (len(headers) - len(r)) for r in rows[i + 1:]]
            body = [r[:len(headers)] for r in body]
            frame = pd.DataFrame(body, columns=range(len(headers)), dtype=object)
            frame.columns = headers
            frame = frame.loc[:, [h != "" for h in headers]]
            frame.index = range(i + 2, i + 2 + len(frame))  # spreadsheet row numbers
            if len(frame):
                frame = frame[~frame.map(_blank).all(axis=1).to_numpy()]
            return frame, i + 1
    return None, 0


# -- shared: columns -> canonical tables --------------------------------------------------------------------

class _Sheet:
    def __init__(self, file: str, sheet: str, frame: pd.DataFrame, first_row: int, spec: SheetSpec):
        self.file, self.sheet, self.spec = file, sheet, spec
        if isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and first_row is not None:
            rows = pd.Series(range(first_row, first_row + len(frame)), dtype=object)
        else:
            rows = pd.Series(list(frame.index), dtype=object)  # already spreadsheet row numbers
        self.frame = frame.reset_index(drop=True)
        self.rows = rows.reset_index(drop=True)


def _map_sheet(sh: _Sheet, module: str) -> tuple[pd.DataFrame, dict[str, str], list[DataIssue]]:
    """Raw canonical columns (field or table.field), link keys and ``_row`` for one module sheet."""
    table = TABLE[module]
    by_fold = {fold(h): t for h, t in sh.spec.columns.items()}
    ignored = {fold(h) for h in sh.spec.ignore}
    raw = pd.DataFrame({"_row": sh.rows})
    labels: dict[str, str] = {}
    issues: list[DataIssue] = []
    for col in sh.frame.columns:
        f = fold(col)
        values = sh.frame[col]
        if f.endswith("tableid"):
            raw["_key:" + f[:-7]] = clean_text(values).to_numpy()
        if f in by_fold:
            target = by_fold[f]
            key = target.split(".", 1)[1] if target.startswith(table + ".") else target
            if key in raw.columns:  # two headers for one field (Sex and GenderCurrent): first non-blank wins
                raw[key] = raw[key].where(clean_text(raw[key]).notna(), values.to_numpy())
            else:
                raw[key] = values.to_numpy()
                labels[key.split(".")[-1]] = str(col)
        elif f not in ignored and not f.endswith("tableid") and f not in ("nativeid", "sourceid") \
                and not f.endswith("orderseqcolumn"):
            issues.append(SEN2_UNKNOWN_COLUMN.issue(f'{sh.file}{_sheet_part(sh.sheet)}: column "{col}" is not a SEN2 '
                                f"{module} item; it is ignored.", file=sh.file, sheet=sh.sheet, column=str(col)))
    return raw, labels, issues


def _sheet_part(sheet: str) -> str:
    return f', sheet "{sheet}"' if sheet else ""


def _build(modules: dict[str, list[_Sheet]], prof: Profile, issues: list[DataIssue],
           year: int | None = None, columns_found: dict[str, list[str]] | None = None) -> Dataset:
    ds = Dataset()
    formats = tuple(prof.date_formats) or None
    raws: dict[str, pd.DataFrame] = {}
    meta: dict[str, tuple[str, str, dict]] = {}
    for module in MODULES:
        parts = []
        for sh in modules.get(module, []):
            raw, labels, found = _map_sheet(sh, module)
            issues += found
            raw["_file"], raw["_sheet"] = sh.file, sh.sheet
            parts.append(raw)
            meta[module] = (sh.file, sh.sheet, labels)
            if columns_found is not None:
                known = columns_found.setdefault(module, [])
                known.extend(h for h in labels.values() if h not in known)
        if parts:
            raws[module] = pd.concat(parts, ignore_index=True)

    # Persons: person_id is the file's own person key; UPN/ULN/row only if that is missing.
    people = raws.get("person", pd.DataFrame({"_row": [], "_file": [], "_sheet": []}))
    for col in ("_key:person", "person_id", "upn", "uln"):
        if col not in people.columns:
            people[col] = None
    own = clean_text(people["_key:person"]).fillna(clean_text(people["person_id"]))
    pid = person_ids(own, people["upn"], people["uln"], people["_row"])
    pid, dup = unique_ids(pid, people["_row"], file=_file_of(people), sheet=_sheet_of(people), table="person",
                          what="person")
    issues += dup
    people["person_id"] = pid
    who_by_key = pd.Series(clean_text(people["upn"]).fillna(clean_text(people["uln"])).fillna(pid).to_numpy(),
                           index=own.fillna("").to_numpy())
    who_by_key = who_by_key[~who_by_key.index.duplicated()]
    _add(ds, issues, "person", people, prof, meta.get("person"), pid, formats, year)

    # Requests: request_id as for XML, from the person's UPN/ULN/id and the received date.
    req = raws.get("requests")
    request_key: pd.Series = pd.Series(dtype=object)
    if req is not None:
        for col in ("_key:person", "person_id", "_key:requests", "received_date"):
            if col not in req.columns:
                req[col] = None
        pkey = clean_text(req["_key:person"]).fillna(clean_text(req["person_id"]))
        req["person_id"] = pkey.map(lambda k: None if k is None else k)
        known_person = pkey.isin(who_by_key.index)
        who = pkey.map(who_by_key).where(known_person, pkey)
        who = who.where(who.notna(), "R" + req["_row"].astype(str))
        for i in req.index[~known_person]:
            issues.append(SEN2_NO_PERSON.issue(f"{req.at[i, '_file']}{_sheet_part(req.at[i, '_sheet'])}, row "
                                f"{req.at[i, '_row']}: request's person {pkey.at[i]!r} has no Person row.",
                                file=req.at[i, "_file"], sheet=req.at[i, "_sheet"], row=int(req.at[i, "_row"]),
                                value=str(pkey.at[i] or ""), table="request"))
        received = parse_dates(req["received_date"], formats)[0]
        rid = request_ids(who, received, req["received_date"])
        rid, dup = unique_ids(rid, req["_row"], file=_file_of(req), sheet=_sheet_of(req), table="request",
                              what="request")
        issues += dup
        req["request_id"] = rid
        request_key = pd.Series(rid.to_numpy(), index=clean_text(req["_key:requests"]).fillna("").to_numpy())
        request_key = request_key[~request_key.index.duplicated()]
        _add(ds, issues, "requests", req, prof, meta.get("requests"), rid, formats, year)

    # Child modules: resolve each row to its request through the linking keys.
    to_request: dict[str, pd.Series] = {"requests": request_key}
    for module in MODULES[2:]:
        raw = raws.get(module)
        if raw is None:
            continue
        if "_key:requests" in raw.columns:
            rid = clean_text(raw["_key:requests"]).map(request_key)
        else:
            parent = PARENT[module]
            link = raw.get("_key:" + parent, pd.Series(None, index=raw.index, dtype=object))
            rid = clean_text(link).map(to_request.get(parent, pd.Series(dtype=object)))
        own = raw.get("_key:" + module)
        if own is not None:
            mapping = pd.Series(rid.to_numpy(), index=clean_text(own).fillna("").to_numpy())
            to_request[module] = mapping[~mapping.index.duplicated()]
        orphan = rid.isna()
        for i in raw.index[orphan]:
            issues.append(SEN2_ORPHAN_ROW.issue(f"{raw.at[i, '_file']}{_sheet_part(raw.at[i, '_sheet'])}, "
                                f"row {raw.at[i, '_row']}: this {module} row does not link to any request (its "
                                f"{PARENT[module]} key is missing or unknown); it cannot be checked and is left out.",
                                file=raw.at[i, "_file"], sheet=raw.at[i, "_sheet"], row=int(raw.at[i, "_row"]),
                                table=TABLE[module]))
        raw = raw[~orphan].copy()
        raw["request_id"] = rid[~orphan]
        raws[module] = raw

    if "activeplans" in raws:
        _plan_level_placement_items(raws, issues)
    for module in MODULES[2:]:
        if module in raws:
            raw = raws[module]
            _add(ds, issues, module, raw, prof, meta.get(module), raw["request_id"], formats, year)
    _reviews(ds)
    ds.issues.extend(issues)
    map_sen2_items(ds)
    return ds


def _plan_level_placement_items(raws: dict[str, pd.DataFrame], issues: list[DataIssue]) -> None:
    """2023 returns give Res/WBP per active plan; copy them to that plan's placements (2024+ shape)."""
    active = raws["activeplans"]
    placement = raws.get("placementdetail")
    for field in ("res", "wbp"):
        key = f"placement.{field}"
        if key not in active.columns or not clean_text(active[key]).notna().any():
            continue
        by_request = pd.Series(clean_text(active[key]).to_numpy(), index=active["request_id"].to_numpy())
        by_request = by_request[by_request.notna() & ~by_request.index.duplicated()]
        if placement is not None and len(placement):
            if field not in placement.columns:
                placement[field] = None
            placement[field] = clean_text(placement[field]).fillna(placement["request_id"].map(by_request))
        covered = set(placement["request_id"]) if placement is not None else set()
        for i in active.index[clean_text(active[key]).notna() & ~active["request_id"].isin(covered)]:
            issues.append(SEN2_NO_PLACEMENT_FOR_ITEM.issue(f"{active.at[i, '_file']}"
                                f"{_sheet_part(active.at[i, '_sheet'])}, row {active.at[i, '_row']}: the active plan "
                                f"gives {field} {active.at[i, key]!r} but has no placement row to hold it; the value "
                                f"is not used.",
                                file=active.at[i, "_file"], sheet=active.at[i, "_sheet"],
                                row=int(active.at[i, "_row"]), column=field, value=str(active.at[i, key]),
                                table="placement", record_id=str(active.at[i, "request_id"])))


def _add(ds: Dataset, issues: list[DataIssue], module: str, raw: pd.DataFrame, prof: Profile,
         meta: tuple | None, ids: pd.Series, formats, year: int | None = None) -> None:
    table = TABLE[module]
    labels = meta[2] if meta else {}
    codes = {}
    for sh_spec in prof.sheets:
        if sh_spec.tables[0] == table:
            codes = {k.split(".")[-1]: v for k, v in sh_spec.codes.items()}
            break
    raw = raw.reset_index(drop=True)
    frames = []
    # One file per source part (a module can come from several files); provenance is per row anyway.
    for (file, sheet), part in raw.groupby(["_file", "_sheet"], sort=False):
        part_ids = pd.Series(pd.Series(ids.to_numpy(), dtype=object)[part.index].to_numpy(), index=part.index)
        frame, found = canonical_frame(table, part, file=file, sheet=sheet, columns=labels,
                                       record_ids=part_ids, date_formats=formats, codes=codes,
                                       date1904=prof.date1904, year=year)
        frames.append(frame)
        issues += found
    if frames:
        ds.add(table, pd.concat(frames, ignore_index=True))


def _reviews(ds: Dataset) -> None:
    """The review row each active plan reports (``review_rows``: a meeting later than LastReview awaits its
    decision)."""
    active = ds.tables.get("active_plan")
    if active is None or not len(active):
        return
    has = active["review_meeting"].notna() | active["last_review"].notna()
    if not has.any():
        return
    ds.add("review", review_rows(active[has]))


def _file_of(frame: pd.DataFrame) -> str:
    return str(frame["_file"].iloc[0]) if len(frame) else ""


def _sheet_of(frame: pd.DataFrame) -> str:
    return str(frame["_sheet"].iloc[0]) if len(frame) else ""


def matches_blade_name(name: str) -> bool:
    return fnmatch.fnmatchcase(name.lower(), "blade-export_*.csv")
