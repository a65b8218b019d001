"""Telling what a file really is from its bytes, because councils rename files freely.

A CSV saved with an .xlsx name, an old binary .xls, a password-protected workbook or a zip bomb must each be
refused with a message that says what the file is and what was expected, before any parser sees it.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ..dataset import InputError

XLSX = "xlsx"
XML = "xml"
CSV = "csv"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"

# Zip-bomb limits, checked on the sizes the archive declares before anything is decompressed. A real
# workbook's sheet XML compresses 5-30 times; a national extract of 720,000 plans is well under 4 GiB.
MAX_UNCOMPRESSED = 4 * 1024**3
MAX_RATIO = 200
RATIO_APPLIES_ABOVE = 10 * 1024**2

# Largest input file read, in MiB. Reading takes about ten times a CSV's size in memory, so the default keeps a
# run on an 8 GB council laptop; a national extract (720,000 plans) is about 150 MiB as CSV. Raise it with the
# environment variable SENDCHECK_MAX_INPUT_MB (the CLI's --max-input-mb sets the same) on a bigger machine.
MAX_INPUT_MB = 512
MAX_INPUT_ENV = "SENDCHECK_MAX_INPUT_MB"

WORKBOOK_NAMES = {".xlsx", ".xlsm", ".xltx", ".xltm"}
SAVE_AS = "open it in Excel and save it as an Excel Workbook (.xlsx) or CSV"


def detect_format(path: Path) -> str:
    """The file's real format: ``"xlsx"``, ``"xml"`` or ``"csv"``; InputError for anything unusable."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise InputError(f"{path}: no such file.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the extract files themselves.")
    _check_size(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc}).") from None
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise InputError(f"{name}: the file is empty; expected a caseload extract (.xlsx or .csv) or a SEN2 XML file.")

    if head.startswith(OLE_MAGIC):
        if _is_encrypted_package(path):
            raise InputError(f"{name}: the workbook is password-protected; remove the password in Excel "
                             "(File > Info > Protect Workbook) and save it again as .xlsx.")
        raise InputError(f"{name}: this is an old-style Excel 97-2003 workbook (.xls), which is not read; {SAVE_AS}.")
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        _check_workbook_zip(path)
        return XLSX

    text = _sniff_text(head)
    if text is None:
        raise InputError(f"{name}: this is not a spreadsheet, CSV or XML file (it holds binary data); expected a "
                         "caseload extract (.xlsx or .csv) or a SEN2 XML file.")
    lead = text.lstrip("\ufeff \t\r\n").lower()
    if lead.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in lead or "<?mso-application" in lead:
            raise InputError(f"{name}: this is an Excel 2003 XML spreadsheet, which is not read; {SAVE_AS}.")
        if lead.startswith("<!doctype html") or lead.startswith("<html") or "<html" in lead[:1024]:
            raise InputError(f"{name}: this is a web page (HTML) saved with a spreadsheet name, not a workbook; "
                             f"{SAVE_AS}.")
        if lead.startswith("<?xml") or lead.startswith("<message") or lead.startswith("<!--"):
            return XML
    if path.suffix.lower() in WORKBOOK_NAMES:
        raise InputError(f"{name}: the name says Excel workbook but the file holds plain text (probably CSV); "
                         "rename it to .csv, or open it in Excel and save it as an Excel Workbook (.xlsx).")
    if path.suffix.lower() == ".xml":
        raise InputError(f"{name}: the name says XML but the file does not start with an XML declaration or "
                         "<Message>; expected a SEN2 XML return.")
    return CSV


def max_input_mb() -> int:
    """The size limit in force: SENDCHECK_MAX_INPUT_MB if set to a whole number, else MAX_INPUT_MB."""
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return MAX_INPUT_MB
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{MAX_INPUT_ENV}={raw!r} is not a whole number of megabytes, e.g. {MAX_INPUT_ENV}=2048.") \
            from None
    if value <= 0:
        raise InputError(f"{MAX_INPUT_ENV}={raw!r} must be a positive number of megabytes, e.g. {MAX_INPUT_ENV}=2048.")
    return value


def _check_size(path: Path) -> None:
    """Refuse a file too big to read in memory before any byte of it is parsed."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # reported by the open() that follows
    limit = max_input_mb()
    if size > limit * 1024**2:
        raise InputError(f"{path.name}: the file is {size / 1024**2:,.0f} MiB, more than the {limit:,} MiB limit "
                         f"for one input file; split the extract (for example one file per year of requests), or "
                         f"raise the limit with --max-input-mb (or {MAX_INPUT_ENV}) on a computer with more memory "
                         "(about ten times the file size is needed).")


def _sniff_text(head: bytes) -> str | None:
    """Decoded start of a text file, or None if it looks binary (NUL bytes outside UTF-16)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head.decode("utf-16")
        except UnicodeDecodeError:
            return head[2:].decode("utf-16-le", errors="replace")
    if b"\x00" in head:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a multi-byte character cut by the 8 KB window
            return head[: exc.start].decode("utf-8")
        return head.decode("cp1252", errors="replace")


def _is_encrypted_package(path: Path) -> bool:
    """Office encrypts an .xlsx by wrapping it in an OLE file holding an ``EncryptedPackage`` stream."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with open(path, "rb") as fh:
        data = fh.read(4 * 1024**2)
    return marker in data


def _check_workbook_zip(path: Path) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{name}: the file looks like a workbook (zip) but is damaged ({exc}); "
                         "open it in Excel and save it again as .xlsx.") from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            what = "a binary Excel workbook (.xlsb)"
        elif "mimetype" in names and "content.xml" in names:
            what = "an OpenDocument file (.ods)"
        elif "word/document.xml" in names:
            what = "a Word document"
        else:
            what = "a zip archive that is not an Excel workbook"
        raise InputError(f"{name}: this is {what}, not an Excel workbook (.xlsx); expected a caseload extract "
                         "(.xlsx or .csv) or a SEN2 XML file. If it is a zip of extracts, unzip it first.")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise InputError(f"{name}: the workbook would unpack to {total / 1024**3:.1f} GiB, more than the "
                         f"{MAX_UNCOMPRESSED / 1024**3:.0f} GiB limit; it is refused as unsafe. Split the extract or "
                         "export it as CSV.")
    for info in infos:
        if info.file_size > RATIO_APPLIES_ABOVE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(f"{name}: part {info.filename!r} would unpack to {info.file_size / 1024**2:,.0f} MiB "
                             f"from {info.compress_size / 1024:,.0f} KiB (more than {MAX_RATIO}:1), which is "
                             "how a zip bomb looks; the file is refused as unsafe. Save it again from Excel.")
