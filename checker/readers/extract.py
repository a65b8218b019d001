"""Reading a council's own caseload extract (CSV or XLSX) into the canonical tables through a mapping profile.

Every input row is accounted for: blank rows are counted and skipped, exact duplicates are reported and
dropped, every cell that will not convert becomes a data issue naming its file, sheet, row and column.
Work is column-at-a-time so that a national extract (hundreds of thousands of rows) reads in seconds.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import ERROR, QUERY, DataIssue, Dataset, InputError
from ..distinct import per_unique
from ..model import DATE, FLAG, INT, TABLES
from ..quality.registry import OURS, check
from . import detect
from .convert import Cells, cell_text, convert, parse_dates
from .profile import Lookup, Profile, SheetSpec, alias_targets, fold, fold_short, load_profile, one_line, targets_in

HEADER_SCAN_ROWS = 20

# What reading an extract can report (cells that will not convert are the converter's: see convert.py).
FORMULA_NO_RESULT = check(
    "FORMULA-NO-RESULT", QUERY,
    "Workbook cells hold a formula with no saved result (the file was written by a program that does not "
    "calculate formulas), so they read as blank. Reported once per sheet, naming the first cells.",
    action="Open the workbook in Excel and save it again, or export values instead of formulas.",
    source=OURS, tables="input file")
CSV_ENCODING = check(
    "CSV-ENCODING", QUERY,
    "A CSV file is not valid text in the expected encoding (UTF-8 unless the profile says otherwise), so it was "
    "read as Windows-1252 (or Latin-1).",
    action="Check that names with accents and symbols such as £ read correctly, or save the file as CSV UTF-8.",
    source=OURS, tables="input file")
SHEET_NOT_READ = check(
    "SHEET-NOT-READ", QUERY,
    "A workbook sheet holding data is not read: no sheets entry of the mapping profile matches it, or it is "
    "hidden and the profile does not name it.",
    action="If the sheet holds case records, add a sheets entry for it to the profile (or name the hidden "
           "sheet); otherwise nothing to do.", source=OURS, tables="input file")
SHEET_EMPTY = check(
    "SHEET-EMPTY", QUERY, "A sheet or CSV file the profile reads has no data rows.",
    action="Check that the right file was exported and that the report behind it returned its records.",
    source=OURS, tables="input file")
PROFILE_SHEET_MISSING = check(
    "PROFILE-SHEET-MISSING", QUERY,
    "A sheets entry of the mapping profile matched no input sheet or file, so nothing was read for its tables.",
    action="Give the missing file or sheet, or correct the entry's match pattern in the profile.",
    source=OURS, tables="input file")
COLUMN_NOT_MAPPED = check(
    "COLUMN-NOT-MAPPED", QUERY,
    "Columns that the mapping profile neither maps to a canonical field nor ignores; their values are not read.",
    action="Map each column to its canonical field in the profile, or list it under ignore.",
    source=OURS, tables="input file")
COLUMN_NO_HEADER = check(
    "COLUMN-NO-HEADER", QUERY, "Columns hold values but have no header; those values are not read.",
    action="Give the column a header and map it, or delete the stray values.", source=OURS, tables="input file")
DUPLICATE_ROW = check(
    "DUPLICATE-ROW", QUERY, "A row is an exact copy of an earlier row of the same sheet; the copy is not read.",
    action="Remove the duplicate from the export (often a join in the report that builds it).",
    source=OURS, tables="input file")
PERSON_CONFLICT = check(
    "PERSON-CONFLICT", QUERY,
    "A person repeated across the rows of a wide sheet (once per request) is given different values on "
    "different rows; the first row's values are used.",
    action="Correct the person's details so that every row agrees, then run again.",
    source=OURS, tables="person")
KEY_NOT_FOUND = check(
    "KEY-NOT-FOUND", ERROR,
    "A row links to another sheet by that sheet's own id (a profile lookup, as the Standard Safeguarding "
    "Dataset's tables link named plan -> assessment -> request), and no row there has that id, so the key it "
    "should give (person_id, request_id) is unknown and the row is not evaluated.",
    action="Include the linked sheet's row in the extract, or correct the id; check that the profile's lookup "
           "names the right column.", source=OURS, tables="tables fed through a profile lookup")
RECORD_CONFLICT = check(
    "RECORD-CONFLICT", QUERY,
    "A record other than a person (a request, plan, ...) repeated across the rows of a wide sheet is given "
    "different values on different rows; the first row's values are used.",
    action="Correct the record so that every row agrees, then run again.",
    source=OURS, tables="every table but person")


# ---------------------------------------------------------------------------------------------- raw grids

@dataclass
class Grid:
    """One sheet (or CSV file) as cells, row 0 = spreadsheet row 1."""

    file: str
    sheet: str  # "" for CSV
    frame: pd.DataFrame
    hidden: bool = False
    text_only: bool = False  # CSV: every cell already a str
    notes: list[DataIssue] = field(default_factory=list)

    @property
    def rows(self) -> list[list]:
        return self.frame.head(HEADER_SCAN_ROWS).where(self.frame.head(HEADER_SCAN_ROWS).notna(), "").values.tolist()

    @cached_property
    def empty_sheet(self) -> bool:
        if self.frame.empty:
            return True
        for rows in (self.frame.head(HEADER_SCAN_ROWS), self.frame):
            if any(filled.any() for filled in _text_and_filled(rows, self.text_only)[1].values()):
                return False
        return True


class Workbook:
    """An .xlsx opened with python-calamine (fast), falling back to openpyxl's read-only mode."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.engine = "calamine"
        try:
            import python_calamine as pc

            self._book = pc.CalamineWorkbook.from_path(str(self.path))
            self.sheets = [(m.name, str(m.visible).rsplit(".", 1)[-1].lower() != "visible")
                           for m in self._book.sheets_metadata
                           if str(m.typ).rsplit(".", 1)[-1].lower() == "worksheet"]
        except Exception as first:  # noqa: BLE001 - any calamine failure: try the slower reader
            self.engine = "openpyxl"
            try:
                import openpyxl

                self._book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
                self.sheets = [(ws.title, ws.sheet_state != "visible") for ws in self._book.worksheets]
            except Exception as exc:  # noqa: BLE001
                raise InputError(f"{self.path.name}: the workbook cannot be opened ({first}; {exc}); open it in "
                                 "Excel and save it again as .xlsx.") from None

    def rows(self, sheet: str, nrows: int | None = None) -> list[list]:
        try:
            if self.engine == "calamine":
                return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
            ws = self._book[sheet]
            return [list(r) for r in ws.iter_rows(values_only=True, max_row=nrows)]
        except Exception as exc:  # noqa: BLE001
            raise InputError(f'{self.path.name}, sheet "{sheet}": cannot be read ({exc}); open it in Excel and '
                             "save it again as .xlsx.") from None

    def close(self) -> None:
        close = getattr(self._book, "close", None)
        if close:
            close()


FORMULA_SCAN_CHUNK = 4 * 1024**2


def formulas_without_results(path: Path, sheets: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Cells of the named sheets that hold a formula but no saved result: {sheet: [(cell, formula), ...]}.

    Excel saves each formula's last result beside it; a file written by another program (a reporting tool, a
    script) may not, and every reader then sees a blank cell. Saying so is kinder than "date is blank".
    Sheet XML is streamed in chunks, so a large workbook is never held whole in memory.
    """
    import re
    import zipfile

    from defusedxml.ElementTree import fromstring

    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    out: dict[str, list[tuple[str, str]]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            book = fromstring(zf.read("xl/workbook.xml"))
            rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels}
            parts = {}
            for el in book.iter():
                if el.tag.endswith("}sheet") and el.get("name") in sheets:
                    target = targets.get(el.get(rel_ns), "")
                    parts[el.get("name")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
            cell = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
            ref = re.compile(rb'\br="([A-Z]+[0-9]+)"')
            formula = re.compile(rb"<f\b[^>]*>(.*?)</f>", re.S)

            def scan(data: bytes, found: list) -> None:
                if b"<f" not in data:
                    return
                for m in cell.finditer(data):
                    body = m.group(2) or b""
                    empty_text = b't="str"' in m.group(1) and b"<v" in body  # Excel: formula gave ""
                    if b"<f" in body and not re.search(rb"<v>[^<]", body) and not empty_text:
                        at, f = ref.search(m.group(1)), formula.search(body)
                        found.append((at.group(1).decode() if at else "?",
                                      "=" + (f.group(1).decode("utf-8", "replace") if f else "")))

            for name, part in parts.items():
                if part not in zf.namelist():
                    continue
                found: list[tuple[str, str]] = []
                carry = b""
                with zf.open(part) as fh:
                    while chunk := fh.read(FORMULA_SCAN_CHUNK):
                        data = carry + chunk
                        cut = data.rfind(b"<c ")
                        data, carry = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                        scan(data, found)
                scan(carry, found)
                if found:
                    out[name] = found
    except Exception:  # noqa: BLE001 - a hint, never a reason to stop: the cells are read as blank regardless
        return out
    return out


def _formula_notes(path: Path, grids: list[Grid], ds: Dataset) -> None:
    read = {g.sheet for g in grids}
    for sheet, cells in formulas_without_results(path, read).items():
        first, text = cells[0]
        row = int("".join(ch for ch in first if ch.isdigit()))
        shown = ", ".join(c for c, _ in cells[:5]) + (f" and {len(cells) - 5:,} more" if len(cells) > 5 else "")
        ds.issues.append(FORMULA_NO_RESULT.issue(
            f'{path.name}, sheet "{sheet}": {len(cells):,} cell(s) hold a formula with no saved result ({shown}; '
            f'{first} is "{text}"), so they read as blank. The file was written by a program that does not '
            "calculate formulas: open it in Excel and save it again, or export values.",
            file=path.name, sheet=sheet, row=row, value=text))


def read_grids(path: Path, *, header_probe_only: bool = False, encoding: str | None = None,
               wanted=None) -> list[Grid]:
    """Every sheet of a workbook (or the one table of a CSV) as a Grid; ``wanted(name, hidden)`` limits loading."""
    path = Path(path)
    fmt = detect.detect_format(path)
    if fmt == detect.XLSX:
        book = Workbook(path)
        try:
            grids = []
            for name, hidden in book.sheets:
                if wanted is not None and not wanted(name, hidden):
                    grids.append(Grid(path.name, name, pd.DataFrame(book.rows(name, HEADER_SCAN_ROWS)), hidden))
                    continue
                rows = book.rows(name, HEADER_SCAN_ROWS if header_probe_only else None)
                grids.append(Grid(path.name, name, pd.DataFrame(rows), hidden))
            return grids
        finally:
            book.close()
    if fmt == detect.CSV:
        return [_read_csv(path, encoding, nrows=HEADER_SCAN_ROWS if header_probe_only else None)]
    raise InputError(f"{path.name}: this is a SEN2 XML file, not a caseload extract; it is read without a profile.")


def _read_csv(path: Path, encoding: str | None, nrows: int | None = None) -> Grid:
    raw = path.read_bytes()
    notes: list[DataIssue] = []
    enc = encoding or "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" export: UTF-16 with its mark
        enc = "utf-16"
    bad_byte = _first_undecodable(raw, enc)
    if bad_byte is None:  # pandas parses the bytes itself: far faster than handing it decoded text
        source, read_options = (lambda: io.BytesIO(raw)), {"encoding": enc}
        head = raw[:65536].decode(enc, errors="ignore")
    else:
        body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        text = body.decode("cp1252", errors="replace")
        line = raw[:bad_byte].count(b"\n") + 1
        notes.append(CSV_ENCODING.issue(
            f"{path.name}: not valid {enc} text (first odd byte on row {line}); read as Windows-1252 instead. Check "
            "names with accents and symbols such as £ read correctly, or save the file as CSV UTF-8.",
            file=path.name, row=line))
        source, read_options = (lambda: io.StringIO(text)), {}
        head = text[:65536]
    head = head[1:] if head.startswith("\ufeff") else head
    sep = _sniff_separator(head)
    options = dict(header=None, dtype=str, keep_default_na=False, skip_blank_lines=False, sep=sep, nrows=nrows,
                   **read_options)
    try:
        frame = pd.read_csv(source(), **options)
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame()
    except pd.errors.ParserError:
        text = _decoded(raw, enc) if bad_byte is None else text
        width = max((len(r) for r in csv.reader(io.StringIO(text), delimiter=sep)), default=0)
        try:
            frame = pd.read_csv(source(), names=list(range(width)), **options)
        except pd.errors.ParserError as exc:
            line = _unclosed_quote_line(text)
            where = f"{path.name}, row {line}" if line else path.name
            what = "a quote opened here is never closed" if line else f"the CSV cannot be read ({exc})"
            raise InputError(f"{where}: {what}; check for a stray double quote (\") in that row, or save the "
                             "file again as CSV from Excel.") from None
    frame = frame.fillna("")
    frame.columns = range(frame.shape[1])
    return Grid(path.name, "", frame, text_only=True, notes=notes)


def _first_undecodable(raw: bytes, encoding: str) -> int | None:
    """Where ``raw`` stops being valid in ``encoding`` (None if it never does), checked in pieces so that a
    national file is never held twice, as bytes and as text."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    step = 16 * 1024 * 1024
    for start in range(0, len(raw), step):
        pending = len(decoder.getstate()[0])  # bytes of a character cut at the last piece's end
        try:
            decoder.decode(raw[start:start + step], final=start + step >= len(raw))
        except UnicodeDecodeError as exc:
            return start - pending + exc.start
    if not raw:
        decoder.decode(b"", final=True)
    return None


def _decoded(raw: bytes, encoding: str) -> str:
    text = raw.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def _unclosed_quote_line(text: str) -> int | None:
    """The row (1-based, as a spreadsheet counts them) where a quoted cell opens and never closes."""
    import re

    opened_at = None
    for m in re.finditer('"', text):
        opened_at = None if opened_at is not None else m.start()
    return text.count("\n", 0, opened_at) + 1 if opened_at is not None else None


def _sniff_separator(sample: str) -> str:
    lines = [line for line in sample.splitlines() if line.strip()][:HEADER_SCAN_ROWS]  # a title line may come first
    counts = {s: max((line.count(s) for line in lines), default=0) for s in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


# ----------------------------------------------------------------------------------------- cell handling

def _text_column(col: pd.Series, text_only: bool) -> tuple[pd.Series, np.ndarray]:
    """The column as stripped text, and which of its cells hold any; each distinct value is converted once."""
    def as_text(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
        if text_only:  # a CSV read as text
            texts = [v.strip() if type(v) is str else str(v).strip() for v in uniques]
        else:
            texts = [cell_text(v) for v in uniques]
        texts = pd.Series(texts, index=uniques.index, dtype=str)
        return texts, texts.ne("")

    text, filled = per_unique(col, as_text, ("", False))
    return text, filled.to_numpy(dtype=bool)


def _text_and_filled(frame: pd.DataFrame, text_only: bool) -> tuple[pd.DataFrame, dict]:
    """The sheet as stripped text, and for each column which cells hold any (so blank rows and columns are
    found without comparing every cell again)."""
    columns, filled = {}, {}
    for c in frame.columns:
        columns[c], filled[c] = _text_column(frame[c], text_only)
    return pd.DataFrame(columns, index=frame.index), filled


# ----------------------------------------------------------------------------------------- header mapping

@dataclass
class SheetMap:
    """How one sheet's headers line up with the profile."""

    header_row: int
    headers: list[str]
    mapped: dict[int, str]  # column position -> target (as written in the profile or the alias list)
    auto: set[int]  # positions mapped by the built-in alias list rather than the profile
    ignored: list[int]
    unknown: list[int]
    missing_required: list[str]
    extra: dict[int, tuple[str, ...]] = field(default_factory=dict)  # further targets of a column feeding several
    links: dict[int, str] = field(default_factory=dict)  # position -> what the column links (row id, lookup)

    def targets(self, pos: int) -> tuple[str, ...]:
        """Every target the column at ``pos`` feeds."""
        return (self.mapped[pos], *self.extra.get(pos, ()))

    def position(self, header: str) -> int | None:
        """Where a header (as a profile writes it) is, by its fold."""
        key = fold(header)
        return next((p for p, h in enumerate(self.headers) if h and fold(h) == key), None)


def find_header_row(rows: list[list], spec: SheetSpec | None) -> int | None:
    """1-based number of the first of the top 20 rows whose cells map at least two fields."""
    known = {fold(k) for k in (*spec.columns, *_link_headers(spec))} if spec else set()
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        hits = 0
        for cell in row:
            text = cell_text(cell)
            if not text:
                continue
            if fold(text) in known or _alias_for(text, spec) is not None:
                hits += 1
        if hits >= 2:
            return i + 1
    return None


def _link_headers(spec: SheetSpec) -> list[str]:
    """Headers a sheet uses to link rows across sheets (its own row id, the ids it looks up)."""
    return ([spec.row_id] if spec.row_id else []) + [k.column for k in spec.keys.values() if isinstance(k, Lookup)]


def _alias_for(header: str, spec: SheetSpec | None) -> str | None:
    for target in alias_targets(header):
        if spec is None or targets_in(target, spec.tables):
            return target
    return None


def map_sheet(grid: Grid, spec: SheetSpec, profile: Profile) -> SheetMap | None:
    """Line the sheet's headers up with the profile; None for an empty sheet. InputError for a sheet that can't
    be used."""
    where = f'{grid.file}, sheet "{grid.sheet}"' if grid.sheet else grid.file
    if grid.empty_sheet:
        return None
    header_row = spec.header_row or find_header_row(grid.rows, spec)
    if header_row is None:
        expected = ", ".join(f'"{h}"' for h in list(spec.columns)[:6]) or "the mapped headers"
        raise InputError(f"{where}: no header row found in the first {HEADER_SCAN_ROWS} rows (looked for a row "
                         f"holding headers such as {expected}); set header_row in profile {profile.name}.")
    if header_row > len(grid.frame):
        raise InputError(f"{where}: header_row {header_row} in profile {profile.name} is past the last row "
                         f"({len(grid.frame)}).")
    headers = [one_line(cell_text(c)) for c in grid.frame.iloc[header_row - 1].tolist()]
    by_fold = {fold(k): k for k in spec.columns}
    ignore = {fold(i) for i in spec.ignore}
    link_roles = {fold(spec.row_id): f"row id ({spec.name})"} if spec.row_id else {}
    for key, how in spec.keys.items():
        if isinstance(how, Lookup):
            link_roles.setdefault(fold(how.column), f"{key} via {how.sheet}")

    seen: dict[str, list[str]] = {}
    for h in headers:
        if h and fold(h) not in ignore:
            seen.setdefault(fold(h), []).append(h)
    dupes = [v for v in seen.values() if len(v) > 1]
    if dupes:
        names = "; ".join(" and ".join(f'"{h}"' for h in v) for v in dupes)
        raise InputError(f"{where}, row {header_row}: the same header appears more than once ({names}); rename or "
                         "remove the extra column so each value has one place.")

    mapped: dict[int, str] = {}
    extra: dict[int, tuple[str, ...]] = {}
    covered: dict[tuple[str, str], int] = {}
    given = {pair for t in (*spec.constants, *spec.keys) for pair in targets_in(t, spec.tables)}
    for pos, h in enumerate(headers):
        if h and fold(h) in by_fold:
            targets = spec.targets(by_fold[fold(h)])
            for target in targets:
                for pair in targets_in(target, spec.tables):
                    if pair in covered:
                        other = headers[covered[pair]]
                        raise InputError(f'{where}, row {header_row}: columns "{other}" and "{h}" both map to '
                                         f"{pair[0]}.{pair[1]} in profile {profile.name}; keep one and ignore the "
                                         "other.")
                    if pair in given:
                        raise InputError(f'{where}, row {header_row}: column "{h}" maps to {pair[0]}.{pair[1]}, '
                                         f"which profile {profile.name} also gives as a constant or derived key; "
                                         "keep one.")
                    covered[pair] = pos
            mapped[pos] = targets[0]
            if len(targets) > 1:
                extra[pos] = targets[1:]
    for pair in given:
        covered.setdefault(pair, -1)
    links: dict[int, str] = {}
    auto: set[int] = set()
    ignored, unknown = [], []
    for pos, h in enumerate(headers):
        if not h or pos in mapped:
            continue
        if fold(h) in link_roles:
            links[pos] = link_roles[fold(h)]
            continue
        if fold(h) in ignore:
            ignored.append(pos)
            continue
        target = _alias_for(h, spec)
        if target is not None:
            pairs = targets_in(target, spec.tables)
            if pairs and not any(p in covered for p in pairs):
                for p in pairs:
                    covered[p] = pos
                mapped[pos] = target
                auto.add(pos)
                continue
        unknown.append(pos)
    for header in _link_headers(spec):
        if fold(header) not in {fold(h) for h in headers if h}:
            raise InputError(f'{where}, row {header_row}: no column "{header}", which profile {profile.name} '
                             "uses to link this sheet's rows to another sheet.")

    missing = []
    for r in spec.required:
        pairs = targets_in(r, spec.tables)
        if not any(p in covered for p in pairs):
            missing.append(r)
    return SheetMap(header_row, headers, mapped, auto, ignored, unknown, missing, extra, links)


def missing_required_message(where: str, smap: SheetMap, spec: SheetSpec, profile: Profile) -> str:
    parts = []
    present = [h for h in smap.headers if h]
    folded = {fold_short(h) or fold(h): h for h in present}
    for r in smap.missing_required:
        name = r.split(".")[-1]
        expected = [h for h in spec.columns if any(t == r or t.split(".")[-1] == name for t in spec.targets(h))]
        probes = [fold_short(e) for e in expected] + [fold(name)]
        near: list[str] = []
        for p in probes:
            for m in difflib.get_close_matches(p, list(folded), n=3, cutoff=0.6):
                if folded[m] not in near:
                    near.append(folded[m])
        exp = " or ".join(f'"{e}"' for e in expected) if expected else f"a {name} column"
        hint = ("nearest headers found: " + ", ".join(f'"{n}"' for n in near[:3])) if near else \
            "no similar header found"
        parts.append(f"no column for {r} (profile {profile.name} expects {exp}); {hint}")
    return f"{where}, row {smap.header_row}: " + "; ".join(parts) + "."


# ----------------------------------------------------------------------------------------------- reading

@dataclass
class _SheetRead:
    """One sheet converted to canonical columns, waiting for the keys other sheets give (lookups) before its
    rows join the tables. Sheets join the tables in the order they were read."""

    spec: SheetSpec
    grid: Grid
    index: pd.Index  # the data rows' spreadsheet row numbers
    columns: dict[tuple[str, str], pd.Series]
    given: set[tuple[str, str]] = field(default_factory=set)  # from constants and derived keys: no evidence of data
    lookups: list[tuple[str, Lookup, pd.Series, str]] = field(default_factory=list)  # key, how, ids, header
    ids: pd.Series | None = None  # this sheet's own row ids, which other sheets' lookups name


@dataclass
class _Context:
    profile: Profile
    dataset: Dataset
    empty: list[tuple[str, str]] = field(default_factory=list)
    rows_with_data: int = 0
    matched_specs: set[int] = field(default_factory=set)
    reads: list[_SheetRead] = field(default_factory=list)


def read_extract(paths: list[Path], profile) -> Dataset:
    """Read CSV/XLSX extracts through a profile (name, path or Profile) into one Dataset."""
    profile = load_profile(profile)
    ds = Dataset()
    ctx = _Context(profile, ds)
    for path in paths:
        path = Path(path)
        ds.sources.append(path.name)
        fmt = detect.detect_format(path)
        if fmt == detect.XML:
            raise InputError(f"{path.name}: this is a SEN2 XML file, not a caseload extract; give it without a "
                             "profile.")
        if fmt == detect.CSV:
            spec = profile.sheet_for(path.name) or (profile.sheets[0] if len(profile.sheets) == 1 else None)
            if spec is None:
                pats = ", ".join(f'"{s.match}"' for s in profile.sheets)
                raise InputError(f"{path.name}: no sheets entry of profile {profile.name} matches this file name "
                                 f"(patterns: {pats}); rename the file or add an entry.")
            grid = _read_csv(path, profile.encoding)
            ds.issues.extend(grid.notes)
            _read_sheet(grid, spec, ctx)
            continue
        book_specs = {}

        def wanted(name, hidden, book_specs=book_specs):
            spec = profile.sheet_for(name, hidden)
            book_specs[name] = spec
            return spec is not None

        grids = read_grids(path, wanted=wanted)
        _formula_notes(path, [g for g in grids if book_specs.get(g.sheet) is not None], ds)
        for grid in grids:
            spec = book_specs.get(grid.sheet)
            if spec is None:
                if not grid.empty_sheet:
                    why = ("it is hidden, and the profile does not name it" if grid.hidden and
                           profile.sheet_for(grid.sheet) else "no sheets entry of the profile matches it")
                    ds.issues.append(SHEET_NOT_READ.issue(f'{path.name}, sheet "{grid.sheet}": not read: {why} '
                                                          f"(profile {profile.name}).", file=path.name,
                                                          sheet=grid.sheet))
                continue
            _read_sheet(grid, spec, ctx)
    if ctx.rows_with_data == 0:
        where = "; ".join(f'{f}, sheet "{s}"' if s else f for f, s in ctx.empty) or ", ".join(ds.sources)
        raise InputError(f"no data rows found ({where}); expected an extract with a header row and at least one "
                         f"record, read through profile {profile.name}.")
    for f, s in ctx.empty:
        where = f'{f}, sheet "{s}"' if s else f
        ds.issues.append(SHEET_EMPTY.issue(f"{where}: the sheet has no data rows.", file=f, sheet=s))
    for i, spec in enumerate(profile.sheets):
        if i not in ctx.matched_specs:
            ds.issues.append(PROFILE_SHEET_MISSING.issue(
                f'profile {profile.name}: no input sheet or file matched "{spec.match}", so nothing was read for '
                f"{', '.join(spec.tables)} from it."))
    _resolve_lookups(ctx)
    for read in ctx.reads:
        _add_tables(read, ds)
    merge_repeated_records(ds)
    return ds


def _read_sheet(grid: Grid, spec: SheetSpec, ctx: _Context) -> None:
    profile, ds = ctx.profile, ctx.dataset
    ctx.matched_specs.add(profile.sheets.index(spec))
    where = f'{grid.file}, sheet "{grid.sheet}"' if grid.sheet else grid.file
    smap = map_sheet(grid, spec, profile)
    counts = {"file": grid.file, "sheet": grid.sheet, "header_row": None, "rows_read": 0, "blank_rows": 0,
              "duplicate_rows": 0, "rows_used": 0}
    ds.read_counts.append(counts)
    if smap is None:
        ctx.empty.append((grid.file, grid.sheet))
        return
    counts["header_row"] = smap.header_row
    if smap.missing_required:
        raise InputError(missing_required_message(where, smap, spec, profile))
    if smap.unknown:
        names = ", ".join(f'"{smap.headers[p]}"' for p in smap.unknown)
        ds.issues.append(COLUMN_NOT_MAPPED.issue(f"{where}: columns not mapped by profile {profile.name} and not read: "
                                   f"{names}. Map them or list them under ignore.", file=grid.file, sheet=grid.sheet,
                                   row=smap.header_row))

    body = grid.frame.iloc[smap.header_row:]
    body.index = pd.RangeIndex(smap.header_row + 1, smap.header_row + 1 + len(body))  # spreadsheet row numbers
    counts["rows_read"] = len(body)
    text, filled = _text_and_filled(body, grid.text_only)
    nonblank_header = [p for p, h in enumerate(smap.headers) if h]
    unheaded = [c for c in text.columns if c not in nonblank_header and c < len(smap.headers) or
                c >= len(smap.headers)]
    stray = [c for c in unheaded if filled[c].any()]
    if stray:
        first = text[stray[0]].ne("")
        ds.issues.append(COLUMN_NO_HEADER.issue(f"{where}: {len(stray)} column(s) have values but no header "
                                   f"(first at row {first[first].index[0]}); those values are not read.",
                                   file=grid.file, sheet=grid.sheet, row=int(first[first].index[0])))
    blank = np.ones(len(text), dtype=bool)
    for column in filled.values():
        blank &= ~column
    counts["blank_rows"] = int(blank.sum())
    keep = ~blank
    text, body = text[keep], body[keep]

    if len(text):
        hashes = pd.util.hash_pandas_object(text, index=False, categorize=True)
        dup = hashes.duplicated(keep="first")
        if dup.any():
            first_row = pd.Series(hashes.index, index=hashes.to_numpy()).groupby(level=0).first()
            for row, h in hashes[dup].items():
                ds.issues.append(DUPLICATE_ROW.issue(f"{where}, row {row}: exact copy of row {first_row[h]}; the copy "
                                           "is not read.", file=grid.file, sheet=grid.sheet, row=int(row),
                                           value=f"same as row {first_row[h]}"))
            counts["duplicate_rows"] = int(dup.sum())
            text, body = text[~dup.to_numpy()], body[~dup.to_numpy()]
    counts["rows_used"] = len(text)
    ctx.rows_with_data += len(text)
    if not len(text):
        ctx.empty.append((grid.file, grid.sheet))
        return

    record_id = _record_ids(text, smap, spec)
    dated = _dates_parsed_together(body, text, smap, spec, grid, profile)
    columns: dict[tuple[str, str], pd.Series] = {}
    headers: dict[tuple[str, str], str] = {}
    for pos in smap.mapped:
        header = smap.headers[pos]
        converted: dict[str, pd.Series] = {}
        for target in smap.targets(pos):
            for table, name in targets_in(target, spec.tables):
                ds.source_headers[(grid.file, grid.sheet, table, name)] = header  # so later checks name it as written
                headers[(table, name)] = header
                fld = TABLES[table].field(name)
                codes = _codes_for(spec, target, table, name)
                # Converted once per kind; per table too where a bad cell is an issue, so that it rejects the
                # row in every table the column feeds.
                cache_key = f"{fld.kind}:{','.join(fld.codes or ())}:{id(codes)}" + \
                    (f":{table}" if fld.kind in (DATE, FLAG, INT) and pos in smap.extra else "")
                if cache_key not in converted:
                    converted[cache_key] = _convert(body[pos], text[pos], fld, codes, profile, grid, header, table,
                                                    record_id, ds, dated.get(pos))
                columns[(table, name)] = converted[cache_key]
                ds.map_fields(table, [name])  # mapped, even where no row of this month's file holds a value
    read = _SheetRead(spec, grid, text.index, columns)
    for target, value in spec.constants.items():
        for table, name in targets_in(target, spec.tables):
            cells = Cells(grid.file, grid.sheet, "", table, rows=pd.Series(text.index, dtype=object))
            columns[(table, name)] = convert(pd.Series(value, index=text.index, dtype=object),
                                             TABLES[table].field(name), cells, [])
            read.given.add((table, name))
            ds.map_fields(table, [name])
    for key, how in spec.keys.items():
        if isinstance(how, Lookup):
            header = smap.headers[smap.position(how.column)]
            read.lookups.append((key, how, text[smap.position(how.column)], header))
            derived = pd.Series(None, index=text.index, dtype=object)
        else:
            derived, header = _from_template(how, columns, headers, key, where, profile)
        for table in spec.tables:
            if key in TABLES[table].columns:
                columns[(table, key)] = derived
                read.given.add((table, key))
                ds.map_fields(table, [key])
                ds.source_headers[(grid.file, grid.sheet, table, key)] = header
    if spec.row_id:
        read.ids = text[smap.position(spec.row_id)]
    ctx.reads.append(read)


_PLACEHOLDER = re.compile(r"({[a-z0-9_.]+})")


def _field_series(columns: dict[tuple[str, str], pd.Series], target: str) -> tuple[tuple[str, str], pd.Series] | None:
    """The converted column a target (``field`` or ``table.field``) names on this sheet, with its pair."""
    for pair, series in columns.items():
        if pair == tuple(target.split(".", 1)) or ("." not in target and pair[1] == target):
            return pair, series
    return None


def _from_template(template: str, columns: dict, headers: dict, key: str, where: str,
                   profile: Profile) -> tuple[pd.Series, str]:
    """A key made from this row's own fields (``"{person_id}"``, ``"{person_id}/plan"``): blank where any field
    it uses is blank. Also the header it comes from, so a later issue about the key names that column."""
    index = next(iter(columns.values())).index if columns else pd.RangeIndex(0)
    out = pd.Series("", index=index, dtype=object)
    blank = np.zeros(len(index), dtype=bool)
    source = ""
    for part in _PLACEHOLDER.split(template):
        if not (part.startswith("{") and part.endswith("}")):
            out = out + part
            continue
        found = _field_series(columns, part[1:-1])
        if found is None:
            raise InputError(f"{where}: profile {profile.name} makes {key} from {part}, but no column of this sheet "
                             f"gives {part[1:-1]}; map the column that holds it.")
        pair, series = found
        source = source or headers.get(pair, "")
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            text = series.dt.strftime("%Y-%m-%d")
        else:
            text = series.astype(object).map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v))
                                             else str(v))
        blank |= text.isna().to_numpy()
        out = out + text.fillna("").astype(object)
    return out.where(~blank, None).astype(object), source


def _resolve_lookups(ctx: _Context) -> None:
    """Fill the keys sheets look up on other sheets (SSD-style links by each table's own id), in an order where
    a sheet's key is filled before another sheet looks it up there. An id with no row is KEY-NOT-FOUND."""
    named: dict[str, list[_SheetRead]] = {}
    for read in ctx.reads:
        if read.spec.name:
            named.setdefault(read.spec.name, []).append(read)
    pending = [(read, item) for read in ctx.reads for item in read.lookups]
    waiting = {(id(read), item[0]) for read, item in pending}
    while pending:
        ready = [(r, it) for r, it in pending
                 if not any((id(src), it[0]) in waiting for src in named.get(it[1].sheet, []) if src is not r)]
        for read, item in ready or pending:  # a cycle of lookups is resolved as far as it goes
            _resolve_one(ctx, read, item, named.get(item[1].sheet, []))
            waiting.discard((id(read), item[0]))
        pending = [p for p in pending if p not in (ready or pending)]


def _resolve_one(ctx: _Context, read: _SheetRead, item, sources: list[_SheetRead]) -> None:
    key, how, ref, header = item
    grid = read.grid
    where = f'{grid.file}, sheet "{grid.sheet}"' if grid.sheet else grid.file
    table = read.spec.tables[0]
    if not sources:
        ctx.dataset.issues.append(KEY_NOT_FOUND.issue(
            f'{where}: no sheet matching the profile\'s entry "{how.sheet}" was read, so {key} cannot be looked up '
            f'from column "{header}" for any row.', file=grid.file, sheet=grid.sheet, column=header, table=table))
        return
    ids, values = [], []
    for src in sources:
        found = _field_series(src.columns, key)
        if src.ids is None or found is None:
            continue
        ids.append(src.ids.to_numpy(dtype=object))
        values.append(found[1].to_numpy(dtype=object))
    lookup = pd.Series(np.concatenate(values) if values else [], index=np.concatenate(ids) if ids else [],
                       dtype=object)
    lookup = lookup[(lookup.index != "") & ~lookup.index.duplicated(keep="first")]
    got = ref.map(lookup).astype(object)
    got = got.where(got.notna(), None)
    for t in read.spec.tables:
        if key in TABLES[t].columns:
            read.columns[(t, key)] = got
    missing = ref.ne("") & got.isna()
    src = sources[0]
    theirs = f'"{src.spec.match}" (column "{src.spec.row_id}")'
    for row, value in ref[missing].items():
        ctx.dataset.issues.append(KEY_NOT_FOUND.issue(
            f'{where}, row {row}, column "{header}": "{value}" is not the id of any row of {theirs}, so this row\'s '
            f"{key} is not known and it is not evaluated.", file=grid.file, sheet=grid.sheet, row=int(row),
            column=header, value=str(value), table=table))


def _add_tables(read: _SheetRead, ds: Dataset) -> None:
    """The sheet's rows as rows of its tables. A table after the first gets a row only where the row holds some
    of its data (constants and derived keys are not data), except the tables ``one_row_per`` makes records in."""
    spec, grid, columns = read.spec, read.grid, read.columns
    records = spec.record_tables()
    for i, table in enumerate(spec.tables):
        fields = {name: s for (t, name), s in columns.items() if t == table}
        if not fields:
            continue
        frame = pd.DataFrame(fields, index=read.index)
        if i > 0 and table not in records:
            non_key = [c for c in frame.columns if c not in TABLES[table].key and (table, c) not in read.given]
            if not non_key:
                continue
            frame = frame[frame[non_key].notna().any(axis=1)]
        if frame.empty:
            continue
        frame = frame.assign(_file=grid.file, _sheet=grid.sheet, _row=frame.index.to_numpy(dtype="int64"))
        ds.add(table, frame.reset_index(drop=True))


def _record_ids(text: pd.DataFrame, smap: SheetMap, spec: SheetSpec) -> pd.Series:
    for key in ("request_id", "person_id", "order_id", "urn"):
        for pos, target in smap.mapped.items():
            if target.split(".")[-1] == key:
                return text[pos]
    return pd.Series("", index=text.index)


def _codes_for(spec: SheetSpec, target: str, table: str, name: str) -> dict[str, str] | None:
    for key in (target, f"{table}.{name}", name):
        if key in spec.codes:
            return spec.codes[key]
    return None


def _dates_parsed_together(body: pd.DataFrame, text: pd.DataFrame, smap: SheetMap, spec: SheetSpec, grid: Grid,
                           profile: Profile) -> dict[int, tuple[pd.Series, pd.Series]]:
    """Every date column of a sheet (those without code translations) parsed in one go: ``{position: (dates,
    bad)}`` as :func:`parse_date_series` gives them.

    A tracker has a dozen date columns holding mostly the same few thousand days, and each parse carries a fixed
    cost per format tried; parsing the distinct cells of all the columns at once gives the same answers for a
    fraction of the work."""
    positions = []
    for pos in smap.mapped:
        if any(TABLES[t].field(n).kind == DATE and _codes_for(spec, target, t, n) is None
               for target in smap.targets(pos) for t, n in targets_in(target, spec.tables)):
            positions.append(pos)
    if not positions:
        return {}
    source = text if grid.text_only else body
    cells = pd.Series(np.concatenate([source[pos].to_numpy(dtype=object) for pos in positions]), dtype=object)
    dates, bad = parse_dates(cells, profile.date_formats, profile.date1904)
    out, n = {}, len(text)
    for i, pos in enumerate(positions):
        part = slice(i * n, (i + 1) * n)
        out[pos] = (pd.Series(dates.to_numpy()[part], index=text.index),
                    pd.Series(bad.to_numpy(dtype=bool)[part], index=text.index))
    return out


def _convert(raw: pd.Series, text: pd.Series, fld, codes, profile: Profile, grid: Grid, header: str, table: str,
             record_id: pd.Series, ds: Dataset, dated: tuple[pd.Series, pd.Series] | None = None) -> pd.Series:
    """One column converted to its canonical kind by the shared converter; unconvertible cells become data
    issues. ``dated`` is the column already parsed as dates (see :func:`_dates_parsed_together`)."""
    cells = Cells(grid.file, grid.sheet, header, table, rows=pd.Series(text.index, dtype=object),
                  record_ids=record_id.reindex(text.index).fillna(""))
    values = raw if not grid.text_only else text
    return convert(values, fld, cells, ds.issues, text=text, codes=codes, formats=profile.date_formats,
                   date1904=profile.date1904, dated=dated, lettered=True)


# ------------------------------------------------------------------------------------------- merge records

def merge_repeated_records(ds: Dataset) -> None:
    """Rows of one record repeated across a wide sheet (a person on each of their requests) become one row.

    Identical content merges silently; differing values keep the first and raise a query naming both rows.
    """
    for name, frame in list(ds.tables.items()):
        key = list(TABLES[name].key)
        if frame.empty or not all(k in frame.columns for k in key):
            continue
        has_key = frame[key].notna().all(axis=1)
        if not (frame.duplicated(key, keep=False) & has_key).any():
            continue
        data_cols = [c for c in frame.columns if c not in key and not c.startswith("_") and frame[c].notna().any()]
        # Fast path: rows identical to an earlier row of the same record go first (the common case).
        content = pd.util.hash_pandas_object(frame[data_cols], index=False, categorize=True) if data_cols else \
            pd.Series(0, index=frame.index, dtype="uint64")
        same = frame[key].assign(_content=content.to_numpy()).duplicated(keep="first") & has_key
        dropped = int(same.sum())
        if dropped:
            frame = frame[~same.to_numpy()]
            has_key = has_key[~same.to_numpy()]
            ds.merged_rows[name] = ds.merged_rows.get(name, 0) + dropped
            ds.tables[name] = frame.reset_index(drop=True)
        repeated = frame.duplicated(key, keep=False) & has_key
        if not repeated.any():
            continue
        sub = frame[repeated]
        groups = sub.groupby(key, sort=False, dropna=True)
        if data_cols:
            varying = groups[data_cols].nunique() > 1
            for k, row in varying[varying.any(axis=1)].iterrows():
                kk = k if isinstance(k, tuple) else (k,)
                members = sub[(sub[key] == pd.Series(kk, index=key)).all(axis=1)]
                cols = [c for c in data_cols if row[c]]
                a, b = members.iloc[0], next(m for _, m in members.iloc[1:].iterrows()
                                             if any(_differs(members.iloc[0][c], m[c]) for c in cols))
                detail = "; ".join(f'{c} "{_show(a[c])}" vs "{_show(b[c])}"' for c in cols if _differs(a[c], b[c]))
                ident = ", ".join(str(x) for x in kk)
                ds.issues.append((PERSON_CONFLICT if name == "person" else RECORD_CONFLICT).issue(
                    f"{_where(a)} and {_where(b)}: {name} {ident} is given twice with different values "
                    f"({detail}); the first is used.", file=str(a["_file"]), sheet=str(a["_sheet"]),
                    row=int(a["_row"]), table=name, record_id=ident, column=cols[0], value=_show(b[cols[0]])))
        merged = groups.first().reset_index()
        firsts = groups.head(1)
        merged["_file"] = firsts["_file"].to_numpy()
        merged["_sheet"] = firsts["_sheet"].to_numpy()
        merged["_row"] = firsts["_row"].to_numpy()
        merged.index = firsts.index
        out = pd.concat([frame[~repeated], merged[frame.columns]]).sort_index()
        for c in frame.columns:
            if str(frame[c].dtype) != str(out[c].dtype):
                try:
                    out[c] = out[c].astype(frame[c].dtype)
                except (TypeError, ValueError):
                    pass
        ds.merged_rows[name] = ds.merged_rows.get(name, 0) + int(len(sub) - len(merged))
        ds.tables[name] = out.reset_index(drop=True)


def _differs(a, b) -> bool:
    return not (pd.isna(a) or pd.isna(b)) and a != b


def _show(v) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _where(row) -> str:
    sheet = f', sheet "{row["_sheet"]}"' if row["_sheet"] else ""
    return f"{row['_file']}{sheet}, row {row['_row']}"
