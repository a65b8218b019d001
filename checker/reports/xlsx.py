"""A small writer for .xlsx tables, built column by column.

Why not a general library: XlsxWriter (which wrote these workbooks until November 2026) spends about 4 µs in
Python on every cell, so the breach workbook and inspection pack of a 25,000-plan LA (about 3 million cells)
took 16-18 s, more than the whole check. Here each column is encoded once per *distinct* value (a status, a
rule id, a date) and the row XML is assembled with array operations, which writes the same workbooks about
ten times faster (see ``bench/README.md``). It writes only what the reports use: string, number and date
cells, a fixed set of styles, column widths, a frozen header row, an autofilter and "cell equals text"
conditional formatting.

What a reader sees is fixed by design:

* every text value is a shared-string cell, so no text can ever become a formula; text that a spreadsheet
  could read as the start of one also carries Excel's quote prefix (see :mod:`checker.reports.safety`);
* dates are real Excel dates (1900 date system) shown as dd/mm/yyyy; a date Excel's calendar cannot hold
  (before 1 March 1900, where Excel's phantom 29 February 1900 shifts serials) is written as text instead;
* the file is deterministic: the same tables give a byte-identical workbook (fixed zip timestamps, no
  creation date, strings numbered in first-use order).

The format is ECMA-376 SpreadsheetML; the tests read every workbook back with openpyxl and python-calamine.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from itertools import filterfalse, repeat
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

from ..textscan import flagged, starting
from .safety import FORMULA_START, ILLEGAL_CHAR, cell_text, is_dangerous

MAX_ROWS = 1_048_575  # Excel's row limit less the header row
MAX_TEXT = 32_767  # characters Excel holds in one cell; longer text is cut there (Excel would refuse the file)
CHUNK_ROWS = 50_000  # rows encoded at a time: bounds memory at national scale
DATE_FORMAT = "dd/mm/yyyy"
ZIP_LEVEL = 1  # deflate level: 1 is ~4x faster than the default for ~15% more bytes

# Cell styles (indexes into cellXfs in styles.xml).
PLAIN, DATE, QUOTED, HEADER, TITLE, BOLD = range(6)
QUOTED_ATTR = f' s="{QUOTED}"'
TAB_SELECTED = ' tabSelected="1"'
STYLE_NAMES = {"plain": PLAIN, "date": DATE, "quoted": QUOTED, "header": HEADER, "title": TITLE, "bold": BOLD}

_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_FIRST_SERIAL_DATE = np.datetime64("1900-03-01", "D")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Column:
    """One column of a table sheet: its header, the frame column it shows, how to write it and its width."""

    header: str
    key: str
    kind: str = "text"  # text, date, int, number
    width: float = 14


@dataclass
class _Sheet:
    name: str
    widths: list[float]
    frame: pd.DataFrame | None = None  # a table sheet
    columns: list[Column] = field(default_factory=list)
    highlights: dict[str, tuple[str, str]] = field(default_factory=dict)  # first-column text -> (fill, font)
    cells: list[list[tuple[object, int | None]]] | None = None  # a free-form sheet: rows of (value, style)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Workbook:
    """Collects sheets, then writes the whole .xlsx in one pass on :meth:`save`."""

    def __init__(self, title: str = "sendcheck report", creator: str = "sendcheck"):
        self.title = title
        self.creator = creator
        self.sheets: list[_Sheet] = []
        self._strings: dict[str, int] = {}
        self._dxfs: list[tuple[str, str]] = []

    # -- building ----------------------------------------------------------------------------------------

    def add_table(self, name: str, columns: list[Column], frame: pd.DataFrame,
                  highlights: dict[str, tuple[str, str]] | None = None) -> None:
        """A table sheet: header row, then one row per frame row. ``highlights`` colours first-column cells
        whose text equals a key (conditional formatting, hex fill and font colours); the text stays too."""
        self.sheets.append(_Sheet(name, [c.width for c in columns], frame=frame, columns=list(columns),
                                  highlights=dict(highlights or {})))

    def add_cells(self, name: str, rows: list[list[tuple[object, str | None]]], widths: list[float]) -> None:
        """A free-form sheet (a summary): rows of (value, style name or None), written cell by cell."""
        styled = [[(v, None if s is None else STYLE_NAMES[s]) for v, s in row] for row in rows]
        self.sheets.append(_Sheet(name, list(widths), cells=styled))

    # -- writing -----------------------------------------------------------------------------------------

    def save(self, path: Path) -> Path:
        path = Path(path)
        count = len(self.sheets)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zf:
            _put(zf, "[Content_Types].xml", _content_types(count))
            _put(zf, "_rels/.rels", _ROOT_RELS)
            _put(zf, "docProps/core.xml", self._core())
            _put(zf, "docProps/app.xml", _APP)
            filters = []
            for i, sheet in enumerate(self.sheets):
                name = f"xl/worksheets/sheet{i + 1}.xml"
                big = sheet.frame is not None and len(sheet.frame) * max(len(sheet.columns), 1) > 20_000_000
                with zf.open(name, "w", force_zip64=big) as out:
                    last = self._write_sheet(out, sheet, selected=(i == 0))
                if sheet.frame is not None:
                    filters.append((i, sheet.name, len(sheet.columns), last))
            _put(zf, "xl/workbook.xml", _workbook_xml(self.sheets, filters))
            _put(zf, "xl/_rels/workbook.xml.rels", _workbook_rels(count))
            _put(zf, "xl/styles.xml", self._styles())
            _put(zf, "xl/sharedStrings.xml", self._shared_strings())
        return path

    def _write_sheet(self, out, sheet: _Sheet, selected: bool) -> int:
        """Stream one worksheet's XML; return its last row number (1-based)."""
        if sheet.frame is not None:
            n_cols, last_row = len(sheet.columns), max(len(sheet.frame), 1) + 1
        else:
            n_cols = max((len(r) for r in sheet.cells), default=1)
            last_row = max(len(sheet.cells), 1)
        last_col = column_letter(max(n_cols, 1) - 1)
        pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>') if sheet.frame is not None else ""
        cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w:g}" customWidth="1"/>'
                       for i, w in enumerate(sheet.widths))
        out.write((f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                   f'<dimension ref="A1:{last_col}{last_row}"/>'
                   f'<sheetViews><sheetView{TAB_SELECTED if selected else ""} '
                   f'workbookViewId="0">{pane}</sheetView></sheetViews>'
                   f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}'
                   '<sheetData>').encode())
        if sheet.frame is not None:
            self._write_table_rows(out, sheet)
        else:
            for r, row in enumerate(sheet.cells, start=1):
                parts = [self._cell(f"{column_letter(c)}{r}", value, style) for c, (value, style) in enumerate(row)]
                out.write(f'<row r="{r}">{"".join(parts)}</row>'.encode())
        tail = "</sheetData>"
        if sheet.frame is not None:
            tail += f'<autoFilter ref="A1:{last_col}{last_row}"/>'
            rules = []
            for text, colours in sheet.highlights.items():
                rules.append(f'<cfRule type="cellIs" dxfId="{self._dxf(colours)}" priority="{len(rules) + 1}" '
                             f'operator="equal"><formula>{escape(_formula_text(text))}</formula></cfRule>')
            if rules:
                tail += f'<conditionalFormatting sqref="A2:A{last_row}">{"".join(rules)}</conditionalFormatting>'
        tail += '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
        out.write(tail.encode())
        return last_row

    def _write_table_rows(self, out, sheet: _Sheet) -> None:
        header = "".join(self._cell(f"{column_letter(c)}1", col.header, HEADER)
                         for c, col in enumerate(sheet.columns))
        out.write(f'<row r="1" ht="30" customHeight="1">{header}</row>'.encode())
        frame = sheet.frame
        letters = [column_letter(c) for c in range(len(sheet.columns))]
        width = 3 * len(sheet.columns) + 4  # per row: '<row r="', its number, '">', three pieces a cell, '</row>'
        for start in range(0, len(frame), CHUNK_ROWS):
            chunk = frame.iloc[start:start + CHUNK_ROWS]
            n = len(chunk)
            numbers = np.arange(start + 2, start + 2 + n).astype(str).astype(object)
            every_number = numbers.tolist()
            # The chunk's XML as one flat list of pieces, row after row, joined once: each cell is its opening
            # ('<c r="B'), the row number and its encoded tail, or three empty pieces when it has no value.
            pieces: list[str] = [""] * (n * width)
            pieces[0::width] = ['<row r="'] * n
            pieces[1::width] = every_number
            pieces[2::width] = ['">'] * n
            pieces[width - 1::width] = ["</row>"] * n
            for c, (col, letter) in enumerate(zip(sheet.columns, letters)):
                present, tails = self._encode(chunk[col.key] if col.key in chunk.columns else None, col.kind, n)
                at = 3 + 3 * c
                if present.all():
                    pieces[at::width] = [f'<c r="{letter}'] * n
                    pieces[at + 1::width] = every_number
                elif present.any():
                    pieces[at::width] = np.where(present, f'<c r="{letter}', "").tolist()
                    pieces[at + 1::width] = np.where(present, numbers, "").tolist()
                else:
                    continue
                pieces[at + 2::width] = tails.tolist()
            out.write("".join(pieces).encode())

    # -- encoding values ---------------------------------------------------------------------------------

    def _encode(self, values: pd.Series | None, kind: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """For one column of a chunk: which rows have a value, and each row's cell XML after the reference.

        Each distinct value is encoded once, with array operations; rows then pick their encoding by index."""
        if values is None:
            return np.zeros(n, dtype=bool), np.full(n, "", dtype=object)
        if kind == "date":
            return self._encode_dates(values)
        if kind in ("int", "number"):
            numbers = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
            present = np.isfinite(numbers)
            codes, uniques = pd.factorize(numbers[present])
            encoded = np.array([f'"><v>{_number(v, kind)}</v></c>' for v in uniques] + [""], dtype=object)
            tails = np.full(n, "", dtype=object)
            tails[present] = encoded[codes]
            return present, tails
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        texts = (uniques.tolist() if pd.api.types.infer_dtype(uniques, skipna=False) == "string"
                 else [v if type(v) is str else cell_text(v) for v in uniques])
        for i in flagged(texts, ILLEGAL_CHAR):
            texts[i] = cell_text(texts[i])
        encoded = self._string_tails(texts)
        for i in starting(texts, FORMULA_START):
            encoded[i] = self._string_tail(texts[i], quoted=True)
        encoded = np.append(encoded, "")
        present = np.append(encoded[:-1] != "", False)
        return present[codes], encoded[codes]  # code -1 (missing) picks the trailing ""

    def _string_tails(self, texts: list[str]) -> np.ndarray:
        """Shared-string cells (after the reference) for distinct texts, numbering new strings in first-use
        order; "" for an empty text."""
        strings = self._strings
        keys = texts
        if texts and max(map(len, texts)) > MAX_TEXT:
            keys = [t[:MAX_TEXT] for t in texts]
        new = list(filterfalse(strings.__contains__, dict.fromkeys(keys)))
        if "" in new:
            new.remove("")
        strings.update(zip(new, range(len(strings), len(strings) + len(new))))
        ids = np.fromiter(map(strings.get, keys, repeat(0)), dtype=np.int64, count=len(keys))  # "" -> 0, unused
        tails = '" t="s"><v>' + ids.astype(str).astype(object) + "</v></c>"
        tails[np.array(keys, dtype=object) == ""] = ""
        return tails

    def _encode_dates(self, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        stamps = pd.to_datetime(values, errors="coerce")
        days = stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        present = ~np.isnat(days)
        codes, uniques = pd.factorize(days[present])
        uniques = np.asarray(uniques, dtype="datetime64[D]")
        serials = (uniques - _EXCEL_EPOCH).astype(np.int64)
        encoded = f'" s="{DATE}"><v>' + serials.astype(str).astype(object) + "</v></c>"
        for i in np.flatnonzero(uniques < _FIRST_SERIAL_DATE):  # rare: dates Excel's calendar cannot hold
            encoded[i] = self._date_tail(uniques[i])
        tails = np.full(len(days), "", dtype=object)
        tails[present] = np.append(encoded, "")[codes]
        return present, tails

    def _date_tail(self, day: np.datetime64) -> str:
        day = np.datetime64(day, "D")
        if day < _FIRST_SERIAL_DATE:  # outside Excel's usable calendar: keep it readable as text
            return self._text_tail(pd.Timestamp(day).strftime("%d/%m/%Y"))
        return f'" s="{DATE}"><v>{int((day - _EXCEL_EPOCH).astype(int))}</v></c>'

    def _text_tail(self, text: str) -> str:
        return self._string_tail(text, is_dangerous(text))

    def _string_tail(self, text: str, quoted: bool) -> str:
        """A shared-string cell after its reference ("" for no text); ``quoted`` adds the quote prefix."""
        if not text:
            return ""
        index = self._strings.setdefault(text[:MAX_TEXT], len(self._strings))
        return f'"{QUOTED_ATTR if quoted else ""} t="s"><v>{index}</v></c>'

    def _cell(self, ref: str, value, style: int | None) -> str:
        """One cell written on its own (headers and summary sheets)."""
        if value is None or (isinstance(value, float) and not np.isfinite(value)) or value is pd.NaT:
            return ""
        style_attr = "" if style is None else f' s="{style}"'
        if isinstance(value, (dt.date, pd.Timestamp, np.datetime64)):  # always the date style
            return f'<c r="{ref}{self._date_tail(np.datetime64(pd.Timestamp(value).date(), "D"))}'
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
            return f'<c r="{ref}"{style_attr}><v>{_number(float(value), "number")}</v></c>'
        tail = self._text_tail(cell_text(value))
        if not tail:
            return ""
        if style is not None and ' s="' not in tail:
            tail = f'"{style_attr}' + tail[1:]
        return f'<c r="{ref}{tail}'

    def _dxf(self, colours: tuple[str, str]) -> int:
        if colours not in self._dxfs:
            self._dxfs.append(colours)
        return self._dxfs.index(colours)

    # -- fixed parts -------------------------------------------------------------------------------------

    def _core(self) -> str:
        return (f'{_XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f'<dc:title>{escape(self.title)}</dc:title><dc:creator>{escape(self.creator)}</dc:creator>'
                '</cp:coreProperties>')

    def _shared_strings(self) -> str:
        n = len(self._strings)
        # Escaped in one pass over the strings joined by NUL, which no cell text holds (cell_text removes it).
        opening = '<si><t xml:space="preserve">'
        items = ((opening + escape("\0".join(self._strings)).replace("\0", "</t></si>" + opening) + "</t></si>")
                 if n else "")
        return f'{_XML_HEAD}<sst xmlns="{_MAIN_NS}" count="{n}" uniqueCount="{n}">{items}</sst>'

    def _styles(self) -> str:
        font = '<sz val="{size}"/>{color}<name val="Calibri"/><family val="2"/>'
        fonts = [
            "<font>" + font.format(size=11, color="") + "</font>",
            "<font><b/>" + font.format(size=11, color='<color rgb="FFFFFFFF"/>') + "</font>",
            "<font><b/>" + font.format(size=16, color="") + "</font>",
            "<font><b/>" + font.format(size=11, color="") + "</font>",
        ]
        xfs = [
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>',
            '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
            'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>',
            '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
            '<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
        ]
        dxfs = "".join(f'<dxf><font><color rgb="FF{font_colour}"/></font><fill><patternFill patternType="solid">'
                       f'<bgColor rgb="FF{fill}"/></patternFill></fill></dxf>' for fill, font_colour in self._dxfs)
        return (f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
                f'<numFmts count="1"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/></numFmts>'
                f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
                '<fills count="3"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill>'
                '<fill><patternFill patternType="solid"><fgColor rgb="FF0B0C0C"/><bgColor indexed="64"/>'
                '</patternFill></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                f'<dxfs count="{len(self._dxfs)}">{dxfs}</dxfs>'
                '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
                '</styleSheet>')


def _number(value: float, kind: str) -> str:
    if kind == "int" or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _formula_text(text: str) -> str:
    """A text constant as an Excel formula: in double quotes, with inner quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def _put(zf: zipfile.ZipFile, name: str, text: str) -> None:
    with zf.open(name, "w") as out:  # a ZipInfo made from a name carries a fixed 1980 timestamp
        out.write(text.encode("utf-8"))


def _content_types(sheets: int) -> str:
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(sheets))
    return (f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'{overrides}'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            '</Types>')


_ROOT_RELS = (f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'officeDocument" Target="xl/workbook.xml"/>'
              '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
              'core-properties" Target="docProps/core.xml"/>'
              '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'extended-properties" Target="docProps/app.xml"/>'
              '</Relationships>')

_APP = (f'{_XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<Application>sendcheck</Application></Properties>')


def _workbook_rels(sheets: int) -> str:
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    rels = [f'<Relationship Id="rId{i + 1}" Type="{base}worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(sheets)]
    rels.append(f'<Relationship Id="rId{sheets + 1}" Type="{base}styles" Target="styles.xml"/>')
    rels.append(f'<Relationship Id="rId{sheets + 2}" Type="{base}sharedStrings" Target="sharedStrings.xml"/>')
    return f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{"".join(rels)}</Relationships>'


def _workbook_xml(sheets: list[_Sheet], filters: list[tuple[int, str, int, int]]) -> str:
    entries = "".join(f'<sheet name={quoteattr(s.name)} sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                      for i, s in enumerate(sheets))
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_sheet_ref(name))}!$A$1:${column_letter(cols - 1)}${last}</definedName>"
        for i, name, cols, last in filters)
    defined = f"<definedNames>{names}</definedNames>" if names else ""
    return (f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{entries}</sheets>{defined}</workbook>")


def _sheet_ref(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"
