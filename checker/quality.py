"""Data-quality checks run before any compliance rule, so a rule never reasons from a record that cannot be trusted.

Every check has a stable ``issue_id`` and a severity:

* ``error``: the record cannot be evaluated safely (a missing key, a code the rules cannot read, dates in an
  impossible order, an orphan). The row is *rejected*: it is counted and reported, never silently dropped, and
  the compliance rules skip it. Rejection cascades down the record: a rejected person takes their requests with
  them, and a rejected request takes its assessment, plan, placements, reviews and so on, because their
  statutory clocks start from the request.
* ``query``: worth a look (an invalid UPN, a date after the as-at date, an "other" code used a lot), but the
  record is still evaluated. Severity here follows what the compliance rules need, not DfE COLLECT: COLLECT
  rejects a bad UPN, but a bad UPN does not change whether a plan was issued on time.

Duplicate keys: the first row in file order is kept and evaluated; every later copy is rejected with
DUPLICATE-KEY and its message names the row it duplicates.

Orphans are only checked against a parent table the input actually supplied: an extract with no person sheet
does not make every request an orphan.

The checks are vectorised (pandas/numpy over whole columns); Python only loops over the rows that fail, to
build their issue objects. ``checks_catalogue()`` lists every check for ``docs/data-quality.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .dataset import ERROR, QUERY, DataIssue, Dataset
from .model import CODE, DATE, FLAG, TABLES, YES_NO, empty_frame

GUIDE = "DfE SEN2 guide"
OURS = "sendcheck data check"


@dataclass(frozen=True)
class Check:
    """One data-quality check as documented: what it finds, how serious it is and where the rule comes from."""

    issue_id: str
    severity: str
    description: str
    source: str
    tables: str = "all"


CHECKS: tuple[Check, ...] = (
    Check("REQUIRED-MISSING", ERROR,
          "A required field or a key field is blank, so the record cannot be identified or linked (but see "
          "RANK-MISSING and KEY-PART-MISSING).",
          f"{OURS}; data dictionary (required and key fields)"),
    Check("RANK-MISSING", QUERY,
          "A setting or type of need has no rank but is the only one for its request, so it is taken as the "
          "primary (rank 1). Raised once per table when the input has no rank column at all (wide LA trackers), "
          "otherwise per row. With two or more rows for the request a blank rank is REQUIRED-MISSING.",
          f"{GUIDE} items 4.7d, 5.7d, 5.8b", "plan_detail, placement, sen_need"),
    Check("KEY-PART-MISSING", QUERY,
          "A key field after request_id (review meeting date, placement entry date, advice type, ...) is blank on "
          "the request's only row in that table, so the row is kept (SEN2 2023 returns have no ReviewMeeting). "
          "Once per table when the input has no such column at all. With two or more rows for the request it is "
          "REQUIRED-MISSING.", OURS, "placement, review, advice, health_provision"),
    Check("DATE-INVALID", ERROR,
          "A date column holds something that is not a date (normally caught by the reader).", OURS),
    Check("CODE-INVALID", ERROR,
          "A coded field holds a value outside its code list (codes are exact, e.g. \"Y\" not \"y\").",
          "SEN2 technical specification, code lists (sen2-data A.3, A.5(b))"),
    Check("FLAG-INVALID", ERROR, "A yes/no field holds something other than 1 or 0.",
          "SEN2 technical specification (booleans coded 1/0)"),
    Check("DUPLICATE-KEY", ERROR,
          "Two rows share the table's key. The first row in file order is kept; later copies are rejected.",
          f"{OURS}; SEN2 one Requests element per request", "tables with a key"),
    Check("ORPHAN", ERROR,
          "A request names a person with no person row, or a child row names a request with no request row "
          "(checked only when the input supplied persons / requests).", OURS,
          "request and every table with request_id"),
    Check("RECEIVED-DATE-MISSING", ERROR,
          "G1: the request has an outcome other than H (historical) but no date received, so no statutory "
          "clock can start.", f"{GUIDE} item 2.1 (ReceivedDate not required only when RequestOutcome = H)",
          "request"),
    Check("REQUEST-OUTCOME-DATE-MISSING", ERROR,
          "G2: the decision whether to assess is Y or N but its date is blank.",
          f"{GUIDE} items 2.4-2.5 (not required when the outcome is A, W or H)", "request"),
    Check("ASSESSMENT-OUTCOME-DATE-MISSING", ERROR,
          "G5: the decision whether to issue a plan is Y or N but its date is blank.",
          f"{GUIDE} item 3.2 (required when AssessmentOutcome is Y or N)", "assessment"),
    Check("DATE-ORDER", ERROR,
          "Dates in an impossible order: request decision before the request; assessment outcome before the "
          "request; plan ceased before it started; placement left before it started; review decision before "
          "the review meeting (review history); exception period ending before it starts; draft response "
          "before the draft; child born after the request.", OURS,
          "request, assessment, named_plan, placement, review"),
    Check("AGE-NEGATIVE", ERROR, "Date of birth after the as-at date.", "D2I Annex A SEND check 105a", "person"),
    Check("AGE-26-PLUS", ERROR,
          "Aged 26 or over at the as-at date (or, if every plan has ceased, at the latest cease date): outside "
          "the 0-25 SEND system, so the date of birth is probably wrong.", "D2I Annex A SEND check 102b",
          "person"),
    Check("SETTING-NOT-ONE", ERROR,
          "G6: a plan setting or placement gives none, or more than one, of URN, UKPRN and SEN setting type.",
          f"{GUIDE} items 4.7a-c and 5.7a-c (complete only one)", "plan_detail, placement"),
    Check("PARENT-REJECTED", ERROR,
          "Rows hanging off a rejected person or request (its requests; its assessment, plan, settings, "
          "placements, needs, reviews, ...) are not evaluated either. They are counted under this reason; one "
          "issue on the parent's row lists them.", OURS,
          "request and every table with request_id"),
    Check("AGE-25", QUERY, "Aged 25 at the as-at date: the plan should be ending (end of the academic year).",
          "D2I Annex A SEND check 102a", "person"),
    Check("DATE-FUTURE", QUERY,
          "A date after the as-at date: it cannot have happened yet (due dates and planned events excepted, e.g. "
          "phase_transfer_due_date, post16_transfer_date).",
          "D2I Annex A SEND checks 105a-d"),
    Check("DATE-ORDER-QUERY", QUERY,
          "SEN2 active plan: the latest review decision (LastReview) is before the latest review meeting; it may "
          "belong to the previous review.", f"{GUIDE} items 5.4a-b", "active_plan"),
    Check("UPN-FORMAT", QUERY,
          "UPN is not 13 characters: a letter, 11 digits, then a digit or a letter (temporary UPN).",
          "DfE Unique Pupil Numbers guidance; SEN2 item 1.7a", "person"),
    Check("UPN-CHECK-LETTER", QUERY, "UPN check letter (first character) does not match the other 12.",
          "DfE Unique Pupil Numbers guidance (modulus 23 check letter)", "person"),
    Check("UPN-TEMPORARY", QUERY, "UPN is a temporary UPN (ends in a letter); a permanent UPN should replace it.",
          "DfE Unique Pupil Numbers guidance", "person"),
    Check("UPN-DUPLICATE", QUERY, "The same UPN is given for more than one person.",
          "D2I Annex A SEND check 109", "person"),
    Check("ULN-FORMAT", QUERY, "ULN is not 10 digits.", "SEN2 item 1.7b; Learning Records Service", "person"),
    Check("ULN-CHECK-DIGIT", QUERY,
          "ULN check digit (10th digit) does not match the first nine (weights 10..2, modulo 11), or is the "
          "placeholder 9999999999.", "ESFA ILR validation ULN_04 (ULN check digit, derived data DD01)", "person"),
    Check("IDENTIFIER-MISSING", QUERY,
          "Neither UPN nor ULN is given and no reason (UPNunknown) is recorded.",
          f"{GUIDE} item 1.7c; D2I Annex A SEND check 107", "person"),
    Check("UPN-UNKNOWN-WITH-UPN", QUERY, "A reason for no UPN/ULN is given although a UPN or ULN is present.",
          f"{GUIDE} item 1.7c", "person"),
    Check("URN-FORMAT", QUERY, "URN is not 6 digits.", "SEN2 items 4.7a, 5.7a; GIAS"),
    Check("UKPRN-FORMAT", QUERY, "UKPRN is not 8 digits.", "SEN2 items 4.7b, 5.7b; UKRLP"),
    Check("REQUEST-UNDECIDED-HAS-ASSESSMENT", QUERY,
          "G2: the decision whether to assess is N, A or W, yet the assessment records an outcome.",
          f"{GUIDE} item 2.5 (if A, W or H nothing further is required)", "assessment"),
    Check("EXPORTED-HAS-LATER-DATA", QUERY,
          "G3: the request was exported to another LA, yet a plan or active plan is recorded here.",
          f"{GUIDE} item 2.8", "named_plan, active_plan"),
    Check("ASSESSMENT-UNDECIDED-HAS-PLAN", QUERY,
          "G4: the decision whether to issue a plan is A or W, yet a plan or active plan is recorded.",
          f"{GUIDE} item 3.1 (if A or W nothing further in this or later modules)", "named_plan, active_plan"),
    Check("SETTING-OTHER-DETAIL-MISSING", QUERY,
          "G7: SEN setting is OTH or NIEO but no detail (SENSettingOther) is given.", f"{GUIDE} item 5.7c(i)",
          "plan_detail, placement"),
    Check("ATTENDANCE-PATTERN-MISSING", QUERY,
          "G8 (2023 returns only): no attendance pattern for a placement of a child of compulsory school age.",
          f"{GUIDE} 2023 item 5.5g", "placement"),
    Check("SEN-NEED-NO-PRIMARY", QUERY, "Types of need are recorded but none is ranked 1 (primary).",
          "SEN2 technical specification (SENneed: one with rank 1)", "sen_need"),
    Check("OTHER-CODE-FREQUENT", QUERY,
          "G9: an 'other' code (RequestSource 5, CeaseReason 9, SEN setting OTH/NIEO) is used for more than "
          "10% of at least 20 coded rows; COLLECT queries this.", f"{GUIDE} code notes (COLLECT query)"),
)

_BY_ID = {c.issue_id: c for c in CHECKS}
_ORDER = {c.issue_id: i for i, c in enumerate(CHECKS)}

# Dates that are expected to lie in the future (deadlines, planned events), or checked by an age check instead.
NOT_FUTURE_CHECKED = {("active_plan", "phase_transfer_due_date"), ("active_plan", "post16_transfer_date"),
                      ("person", "birth_date")}


def _may_be_future(table: str, f) -> bool:
    """Deadlines and planned events may lie after the as-at date; everything else records something done."""
    text = f.description.lower()
    return (table, f.name) in NOT_FUTURE_CHECKED or "due" in f.name.split("_") or text.startswith("planned") \
        or "date by which" in text

# (table, earlier field, later field): the later must not be before the earlier.
SAME_ROW_ORDER = (
    ("request", "received_date", "request_outcome_date", ERROR),
    ("named_plan", "start_date", "cease_date", ERROR),
    ("placement", "entry_date", "leaving_date", ERROR),
    ("review", "meeting_date", "decision_date", ERROR),
    ("assessment", "exception_start", "exception_end", ERROR),
    ("assessment", "draft_plan_date", "draft_response_date", ERROR),
    ("active_plan", "review_meeting", "last_review", QUERY),
)

# Rank key fields that may be left blank on the only row of a request (wide trackers carry one of each).
RANK_KEYS = {"plan_detail": "placement_rank", "placement": "placement_rank", "sen_need": "sen_type_rank"}

OTHER_CODES = (("request", "request_source", ("5",)), ("named_plan", "cease_reason", ("9",)),
               ("plan_detail", "sen_setting", ("OTH",)), ("placement", "sen_setting", ("OTH", "NIEO")))
OTHER_SHARE, OTHER_MIN_ROWS = 0.10, 20

# The UPN check-letter alphabet (DfE): letters without I, O and S, then the digits. Index = value.
UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"


def checks_catalogue() -> list[dict]:
    """Every check, in the order they run, for the docs and the CLI."""
    return [{"issue_id": c.issue_id, "severity": c.severity, "description": c.description, "source": c.source,
             "tables": c.tables} for c in CHECKS]


def catalogue_markdown() -> str:
    """docs/data-quality.md, generated from CHECKS so the two never disagree."""
    lines = ["# Data-quality checks", "",
             "Generated from `checker/quality.py` (`checks_catalogue()`). These checks run on the canonical tables "
             "before any compliance rule.", "",
             "* **error**: the row is rejected: counted, reported with its file, sheet, row and column, and not "
             "evaluated by the compliance rules. A rejected person or request takes its dependent rows with it "
             "(PARENT-REJECTED).",
             "* **query**: worth a look; the row is still evaluated.", "",
             "A row a reader already reported an error for (for example `DATE-NOT-A-DATE`) is rejected too, with "
             "the reader's issue id as its reason; the reader's message stands and no second issue is raised.", "",
             "Severity follows what the compliance rules need, not DfE COLLECT: for example COLLECT rejects an "
             "invalid UPN, but here it is a query because the statutory clocks do not depend on it.", "",
             "Duplicate keys: the first row in file order is kept; every later copy is rejected and its message "
             "names the row it repeats.", "",
             "G1-G9 refer to the SEN2 guide's conditional rules as listed in the SEN2 reference (A.5). DfE's own "
             "numbered validation rules were not available, so no DfE rule numbers are quoted.", "",
             "| id | severity | tables | what it finds | source |", "|---|---|---|---|---|"]
    for c in CHECKS:
        lines.append(f"| `{c.issue_id}` | {c.severity} | {c.tables} | {c.description} | {c.source} |")
    lines += ["", "## UPN check letter", "",
              "The first character of a UPN is a check letter. Each of characters 2-13 has a value, its position in "
              "`ABCDEFGHJKLMNPQRTUVWXYZ0123456789` (A=0, B=1, ..., Z=22, then 0=23, ..., 9=32; I, O and S are not "
              "used); multiply them by the weights 2 to 13, take the sum modulo 23, and the check letter is the "
              "letter with that value. A temporary UPN ends in a letter instead of a digit. "
              "This is the same algorithm as `stdnum.gb.upn.calc_check_digit`; the checker runs it vectorised over "
              "the whole column and does not use `stdnum`'s 2011 list of LA numbers, which lacks LAs created since "
              "(e.g. Dorset 838, BCP 839, North and West Northamptonshire 940/941, Cumberland 942, Westmorland and "
              "Furness 943).", ""]
    return "\n".join(lines)


@dataclass
class QualityResult:
    """New issues plus, per table, which rows are rejected and why (the first error found for the row)."""

    issues: list[DataIssue] = field(default_factory=list)
    rejected: dict[str, pd.Series] = field(default_factory=dict)
    reasons: dict[str, pd.Series] = field(default_factory=dict)

    def rejected_count(self) -> int:
        return int(sum(int(s.sum()) for s in self.rejected.values()))


# --------------------------------------------------------------------------------------------------------------
# Vector helpers


def blank(s: pd.Series) -> np.ndarray:
    """True where a cell is missing or empty text."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        return s.isna().to_numpy()
    arr = s.to_numpy(dtype=object)
    return pd.isna(arr) | (arr == "")


def _codepoints(values: np.ndarray, width: int) -> np.ndarray:
    """Unicode code points of each value as an (n, width) array, zero-padded; longer values are cut at width."""
    arr = np.asarray(values, dtype=object).astype(f"U{width}")  # astype truncates to width
    return np.ascontiguousarray(arr).view(np.uint32).reshape(len(values), width)


# Value of each character in the UPN alphabet (-1 if not in it); lower case folds to upper case.
_UPN_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _ch in enumerate(UPN_ALPHABET):
    _UPN_VALUE[ord(_ch)] = _i
    _UPN_VALUE[ord(_ch.lower())] = _i
_UPN_WEIGHTS = np.arange(2, 14)


def _upn_values(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(alphabet values (n, 13), True where the value is exactly 13 characters)."""
    cp = _codepoints(values, 14)
    exact13 = (cp[:, 12] != 0) & (cp[:, 13] == 0)
    return _UPN_VALUE[np.minimum(cp[:, :13], 255)], exact13


def upn_check_letter(body: pd.Series) -> pd.Series:
    """The DfE check letter for each 12-character UPN body (characters 2-13), vectorised; None if uncomputable.

    Sum of (alphabet value x weight) over the 12 characters with weights 2..13, modulo 23, as a letter of
    ``UPN_ALPHABET`` (the same algorithm as ``stdnum.gb.upn.calc_check_digit``).
    """
    out = np.full(len(body), None, dtype=object)
    present = ~blank(body)
    if present.any():
        vals = body.to_numpy(dtype=object)[present]
        cp = _codepoints(vals, 13)
        values = _UPN_VALUE[np.minimum(cp[:, :12], 255)]
        ok = (cp[:, 11] != 0) & (cp[:, 12] == 0) & (values >= 0).all(axis=1)
        letters = np.array(list(UPN_ALPHABET), dtype=object)[(values * _UPN_WEIGHTS).sum(axis=1) % 23]
        letters[~ok] = None
        out[np.flatnonzero(present)] = letters
    return pd.Series(out, index=body.index, dtype=object)


def upn_problems(upn: pd.Series) -> pd.DataFrame:
    """Per UPN: ``format`` (bad shape), ``check`` (wrong check letter), ``temporary`` (ends in a letter)."""
    present = ~blank(upn)
    out = pd.DataFrame(False, index=upn.index, columns=["format", "check", "temporary"])
    if not present.any():
        return out
    values, exact13 = _upn_values(upn.to_numpy(dtype=object)[present])
    shape = exact13 & (values[:, 0] >= 0) & (values[:, 0] < 23) & (values[:, 1:12] >= 23).all(axis=1) \
        & (values[:, 12] >= 0)
    check_bad = shape & (((values[:, 1:] * _UPN_WEIGHTS).sum(axis=1) % 23) != values[:, 0])
    temporary = shape & ~check_bad & (values[:, 12] < 23)
    idx = np.flatnonzero(present)
    for col, flags in (("format", ~shape), ("check", check_bad), ("temporary", temporary)):
        col_values = np.zeros(len(upn), dtype=bool)
        col_values[idx] = flags
        out[col] = col_values
    return out


def _digits(s: pd.Series, n: int) -> np.ndarray:
    """True where the cell is present and is not exactly n digits."""
    present = ~blank(s)
    bad = np.zeros(len(s), dtype=bool)
    if present.any():
        cp = _codepoints(s.to_numpy(dtype=object)[present], n + 1)
        ok = ((cp[:, :n] >= 48) & (cp[:, :n] <= 57)).all(axis=1) & (cp[:, n] == 0)
        bad[np.flatnonzero(present)] = ~ok
    return bad


def first_positions(codes: np.ndarray, n: int) -> np.ndarray:
    """Position of the first row holding each code 0..n-1 (-1 if none)."""
    first = np.full(n, -1, dtype=np.int64)
    valid = np.flatnonzero(codes >= 0)
    if len(valid):
        uniq, idx = np.unique(codes[valid], return_index=True)
        first[uniq] = valid[idx]
    return first


def take(values: pd.Series, pos: np.ndarray, index: pd.Index) -> pd.Series:
    """values[pos] aligned to ``index``; missing where pos is -1 (NaT for dates, None otherwise)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        arr = values.to_numpy(dtype="datetime64[ns]")
        out = arr[np.maximum(pos, 0)] if len(arr) else np.full(len(pos), np.datetime64("NaT"), "datetime64[ns]")
        out = np.where(pos >= 0, out, np.datetime64("NaT"))
        return pd.Series(out, index=index, dtype="datetime64[ns]")
    arr = values.to_numpy(dtype=object)
    out = arr[np.maximum(pos, 0)] if len(arr) else np.full(len(pos), None, dtype=object)
    out = np.where(pos >= 0, out, None)
    return pd.Series(out, index=index, dtype=object)


def _texts(values: np.ndarray) -> list[str]:
    """Provenance text cells as str ("" for missing)."""
    return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values.tolist()]


def _row_numbers(values: np.ndarray) -> list[int | None]:
    """Provenance row numbers as int (None if missing or not a number)."""
    out = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    return [None if pd.isna(v) else int(v) for v in out.tolist()]


def uln_check_digit_bad(uln: pd.Series) -> np.ndarray:
    """True where a 10-digit ULN fails its check digit: sum of the first nine digits x 10..2, modulo 11, must be
    non-zero and 10 minus it must equal the last digit (ESFA's DD01). The placeholder 9999999999 also fails;
    a leading zero cannot occur in a real ULN."""
    present = ~blank(uln)
    bad = np.zeros(len(uln), dtype=bool)
    if not present.any():
        return bad
    cp = _codepoints(uln.to_numpy(dtype=object)[present], 11).astype(np.int64)
    digits = cp[:, :10] - 48
    shaped = ((digits >= 0) & (digits <= 9)).all(axis=1) & (cp[:, 10] == 0)
    remainder = (digits[:, :9] * np.arange(10, 1, -1)).sum(axis=1) % 11
    wrong = (remainder == 0) | ((10 - remainder) != digits[:, 9]) | (digits[:, 0] == 0) \
        | (digits == 9).all(axis=1)
    bad[np.flatnonzero(present)] = shaped & wrong
    return bad


def _fmt(v) -> str:
    """A cell value as people read it: dates as YYYY-MM-DD, blanks as empty text."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, (pd.Timestamp, dt.datetime, np.datetime64)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    return str(v)


def _age(birth: pd.Series, ref: pd.Series) -> pd.Series:
    """Whole years from birth to ref (vectorised); NaN where either is missing."""
    years = ref.dt.year - birth.dt.year
    before_birthday = (ref.dt.month * 100 + ref.dt.day) < (birth.dt.month * 100 + birth.dt.day)
    return years - before_birthday.astype("float")


def _complete(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table with every canonical and provenance column (a copy only if some were missing)."""
    missing = [c for c in TABLES[name].columns if c not in frame.columns]
    missing_prov = [c for c in ("_file", "_sheet", "_row") if c not in frame.columns]
    if not missing and not missing_prov:
        return frame
    frame = frame.copy()
    base = empty_frame(name)
    for c in missing:
        frame[c] = pd.Series([pd.NaT] * len(frame) if base[c].dtype.kind == "M" else [None] * len(frame),
                             index=frame.index, dtype=base[c].dtype)
    for c in missing_prov:
        frame[c] = None if c == "_row" else ""
    return frame


# --------------------------------------------------------------------------------------------------------------
# The collector: every check reports (table, failing rows, column, message per row) here.


class _Run:
    def __init__(self, dataset: Dataset, as_at: dt.date):
        self.dataset = dataset
        self.as_at = pd.Timestamp(as_at)
        self.frames = {name: _complete(name, frame) for name, frame in dataset.tables.items() if name in TABLES}
        self.issues: list[tuple[int, int, int, DataIssue]] = []  # (table order, row position, check order, issue)
        self.errors = {name: np.zeros(len(f), dtype=bool) for name, f in self.frames.items()}
        self.reasons = {name: np.full(len(f), None, dtype=object) for name, f in self.frames.items()}
        self.table_order = {name: i for i, name in enumerate(TABLES)}
        self.headers = getattr(dataset, "source_headers", None) or {}
        self._blank: dict[tuple[str, str], np.ndarray] = {}
        self._factor: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._links: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._index: dict[tuple[str, str], tuple[pd.Index, np.ndarray]] = {}
        self.reader_rejected = {name: np.zeros(len(f), dtype=bool) for name, f in self.frames.items()}

    def sole_row(self, table: str) -> np.ndarray:
        """True where the row is the only one in ``table`` for its request_id."""
        codes, uniques = self.factor(table, "request_id")
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        return (codes >= 0) & (counts[np.maximum(codes, 0)] == 1) if len(uniques) else codes < -1

    def blank(self, table: str, col: str) -> np.ndarray:
        """blank() of a canonical column, computed once per run (several checks ask for the same column)."""
        key = (table, col)
        if key not in self._blank:
            kind = TABLES[table].field(col).kind
            self._blank[key] = self.factor(table, col)[0] < 0 if kind in (CODE, FLAG) else \
                blank(self.frames[table][col])
        return self._blank[key]

    def factor(self, table: str, col: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, uniques) of a text column, cached; blank cells get code -1. Hashing strings is the costly
        step on 720,000 rows, so each column is hashed once and every later check works on the integer codes."""
        key = (table, col)
        if key not in self._factor:
            codes, uniques = pd.factorize(self.frames[table][col], use_na_sentinel=True)
            uniques = np.asarray(uniques, dtype=object)
            empty = np.flatnonzero(uniques == "")
            if len(empty):
                codes = np.where(codes == empty[0], -1, codes)
            self._factor[key] = (np.asarray(codes, dtype=np.int64), uniques)
        return self._factor[key]

    def link(self, table: str, col: str, parent: str, parent_col: str) -> tuple[np.ndarray, np.ndarray]:
        """For each row of ``table``: the code of its ``col`` value among ``parent.parent_col`` codes (-1 if blank
        or the parent has no such key) and the position of the first parent row with that key (-1 if none)."""
        key = (table, col, parent, parent_col)
        if key not in self._links:
            p_codes, p_uniques = self.factor(parent, parent_col)
            if (parent, parent_col) not in self._index:
                self._index[(parent, parent_col)] = (pd.Index(p_uniques, dtype=object),
                                                     first_positions(p_codes, len(p_uniques)))
            index, first = self._index[(parent, parent_col)]
            if (table, col) == (parent, parent_col):
                code = p_codes
            else:
                code = index.get_indexer(self.frames[table][col].to_numpy(dtype=object)).astype(np.int64)
                code[self.blank(table, col)] = -1
            pos = np.where(code >= 0, first[np.maximum(code, 0)] if len(first) else -1, -1)
            self._links[key] = (code, pos)
        return self._links[key]

    def lookup(self, table: str, parent: str, col: str) -> pd.Series:
        """``parent.col`` for each row of ``table`` via request_id (or person_id for request -> person)."""
        link_col = "person_id" if (table, parent) == ("request", "person") else "request_id"
        _, pos = self.link(table, link_col, parent, link_col)
        return take(self.frames[parent][col], pos, self.frames[table].index)

    def present(self, name: str) -> bool:
        return name in self.frames and len(self.frames[name]) > 0

    def column_label(self, file: str, sheet: str, table: str, fieldname: str) -> str:
        header = self.headers.get((file, sheet, table, fieldname)) or self.headers.get((file, sheet, fieldname))
        return f"{header} ({fieldname})" if header and header != fieldname else fieldname

    def flag(self, issue_id: str, table: str, mask, column: str, message, value=None, severity: str | None = None,
             reject: bool = True):
        """Record one issue per True row of ``mask``.

        ``message`` is a callable taking (position, value) and returning the text after the location; ``value``
        is an optional Series whose failing cells are quoted in the issue.
        """
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        check = _BY_ID[issue_id]
        severity = severity or check.severity
        frame = self.frames[table]
        pos = np.flatnonzero(mask)
        if severity == ERROR and reject:
            self.errors[table][pos] = True
            reasons = self.reasons[table]
            unset = pos[pd.isna(reasons[pos])]
            reasons[unset] = issue_id
        n = len(pos)
        files = _texts(frame["_file"].to_numpy()[pos]) if "_file" in frame else [""] * n
        sheets = _texts(frame["_sheet"].to_numpy()[pos]) if "_sheet" in frame else [""] * n
        rows = _row_numbers(frame["_row"].to_numpy()[pos]) if "_row" in frame else [None] * n
        values = value.to_numpy()[pos] if value is not None else [None] * n
        keys = self.record_ids(table, pos)
        t_order, c_order = self.table_order[table], _ORDER[issue_id]
        labels: dict[tuple[str, str], str] = {}
        append = self.issues.append
        for p, f, sh, row, v, key in zip(pos.tolist(), files, sheets, rows, values, keys):
            col = labels.get((f, sh))
            if col is None:
                col = labels[(f, sh)] = self.column_label(f, sh, table, column) if column else ""
            # The same text as DataIssue.location(), built inline: this loop runs once per failing row.
            where = f or "input"
            if sh:
                where += f', sheet "{sh}"'
            if row is not None:
                where += f", row {row}"
            if col:
                where += f', column "{col}"'
            append((t_order, p, c_order, DataIssue(issue_id, severity, f"{where}: {message(p, v)}", f, sh, row,
                                                   col, _fmt(v), table, key)))

    def record_ids(self, table: str, pos: np.ndarray) -> list[str]:
        frame = self.frames[table]
        keys = [k for k in TABLES[table].key if k in frame]
        if len(keys) == 1 and not pd.api.types.is_datetime64_any_dtype(frame[keys[0]].dtype):
            return _texts(frame[keys[0]].to_numpy()[pos])
        parts = [frame[k].to_numpy()[pos] for k in keys]
        return [" / ".join(_fmt(v) for v in vals) for vals in zip(*parts)] if parts else [""] * len(pos)

    def table_issue(self, issue_id: str, table: str, text: str, column: str = "", value: str = ""):
        self.issues.append((self.table_order[table], -1, _ORDER[issue_id],
                            DataIssue(issue_id, _BY_ID[issue_id].severity, f"{table} table: {text}", column=column,
                                      value=value, table=table)))

    def row_ref(self, table: str, positions: np.ndarray) -> np.ndarray:
        """'row 12' style references (with file and sheet when they differ) for messages about another row."""
        frame = self.frames[table]
        rows = frame["_row"].to_numpy()[positions] if "_row" in frame else [None] * len(positions)
        return np.array([f"row {_fmt(r)}" if _fmt(r) else "an earlier row" for r in rows], dtype=object)

    def result(self) -> QualityResult:
        self.issues.sort(key=lambda t: (t[0], t[1], t[2]))
        rejected = {n: pd.Series(self.errors[n], index=f.index, name="rejected") for n, f in self.frames.items()}
        reasons = {n: pd.Series(self.reasons[n], index=f.index, name="reason", dtype=object)
                   for n, f in self.frames.items()}
        return QualityResult([i for *_, i in self.issues], rejected, reasons)


# --------------------------------------------------------------------------------------------------------------
# The checks


def _coerce_dates(run: _Run) -> None:
    """Readers should hand over datetime64 columns; if one did not, parse it here rather than misread it."""
    for name, frame in run.frames.items():
        for f in TABLES[name].fields:
            if f.kind != DATE or f.name not in frame or pd.api.types.is_datetime64_any_dtype(frame[f.name]):
                continue
            raw = frame[f.name]
            parsed = pd.to_datetime(raw, errors="coerce", format="mixed", dayfirst=True)
            bad = parsed.isna().to_numpy() & ~blank(raw)
            run.flag("DATE-INVALID", name, bad, f.name, lambda p, v: f'"{_fmt(v)}" is not a date.', raw)
            frame = frame.copy() if frame is run.dataset.tables.get(name) else frame
            frame[f.name] = parsed.astype("datetime64[ns]")
            run.frames[name] = frame


def _reader_errors(run: _Run) -> None:
    """Rows a reader already reported an error for (e.g. DATE-NOT-A-DATE) are rejected too, with the reader's
    issue id as the reason; the reader's issue stands, so no second issue is raised."""
    wanted: dict[str, list[tuple[str, str, int, str]]] = {}
    for issue in run.dataset.issues:
        if issue.severity == ERROR and issue.table in run.frames and issue.row is not None:
            wanted.setdefault(issue.table, []).append((issue.file, issue.sheet, int(issue.row), issue.issue_id))
    for name, hits in wanted.items():
        frame = run.frames[name]
        if not {"_file", "_sheet", "_row"} <= set(frame.columns):
            continue
        keys = pd.DataFrame(hits, columns=["_file", "_sheet", "_row", "reason"]).drop_duplicates(
            ["_file", "_sheet", "_row"])
        rows = pd.DataFrame({"_file": frame["_file"].astype(object).fillna("").astype(str).to_numpy(),
                             "_sheet": frame["_sheet"].astype(object).fillna("").astype(str).to_numpy(),
                             "_row": pd.to_numeric(frame["_row"], errors="coerce").fillna(-1).astype("int64")
                             .to_numpy(), "pos": np.arange(len(frame))})
        matched = rows.merge(keys, on=["_file", "_sheet", "_row"], how="inner")
        pos = matched["pos"].to_numpy()
        run.reader_rejected[name][pos] = True
        run.errors[name][pos] = True
        unset = pos[pd.isna(run.reasons[name][pos])]
        run.reasons[name][unset] = matched["reason"].to_numpy()[pd.isna(run.reasons[name][pos])]


def _secondary_key(name: str, col: str) -> bool:
    """A key field after request_id (rank, meeting date, entry date, ...): only needed to tell a request's rows
    apart, so a blank one on the request's only row in the table is no obstacle."""
    key = TABLES[name].key
    return len(key) > 1 and key[0] == "request_id" and col in key[1:]


def _required(run: _Run) -> None:
    for name, frame in run.frames.items():
        t = TABLES[name]
        needed = [f.name for f in t.fields if f.required] + [k for k in t.key if not t.field(k).required]
        for col in needed:
            if col not in frame:
                continue
            missing = run.blank(name, col)
            if _secondary_key(name, col) and missing.any() and "request_id" in frame:
                sole = run.sole_row(name) & missing
                rank = RANK_KEYS.get(name) == col
                issue_id = "RANK-MISSING" if rank else "KEY-PART-MISSING"
                outcome = "taken as the primary (rank 1)" if rank else "kept"
                if missing.all() and sole.any():  # the input has no such column at all
                    run.table_issue(issue_id, name, f"{col} is not given; where a request has one {name} row it "
                                                    f"is {outcome}.", column=col)
                else:
                    run.flag(issue_id, name, sole, col,
                             lambda p, v, col=col, outcome=outcome: f"{col} is blank; this is the only {name} row "
                                                                    f"for its request, so it is {outcome}.")
                missing = missing & ~sole
            run.flag("REQUIRED-MISSING", name, missing, col,
                     lambda p, v, col=col: f"{col} is blank; it is required to identify or link this {name} row.")


def _codes(run: _Run) -> None:
    for name, frame in run.frames.items():
        for f in TABLES[name].fields:
            if f.name not in frame or f.kind not in (CODE, FLAG):
                continue
            allowed = tuple(f.codes or ()) if f.kind == CODE else YES_NO
            if not allowed:
                continue
            codes, uniques = run.factor(name, f.name)
            bad_unique = ~np.isin(uniques, np.asarray(allowed, dtype=object))
            if not bad_unique.any():
                continue
            bad = (codes >= 0) & bad_unique[np.maximum(codes, 0)] if len(uniques) else codes < -1
            s = frame[f.name]
            if f.kind == FLAG:
                run.flag("FLAG-INVALID", name, bad, f.name,
                         lambda p, v, f=f: f'"{_fmt(v)}" is not a yes/no value for {f.name}; expected 1 or 0.', s)
                continue
            upper = {c.upper(): c for c in f.codes}

            def msg(p, v, f=f, upper=upper):
                text = f'"{_fmt(v)}" is not a valid {f.name} code; expected one of {", ".join(f.codes)}.'
                near = upper.get(_fmt(v).strip().upper())
                return text[:-1] + f' (codes are exact: use "{near}").' if near else text
            run.flag("CODE-INVALID", name, bad, f.name, msg, s)


def _key_codes(run: _Run, name: str, col: str) -> np.ndarray:
    """Integer stand-ins for a key column (-1 where blank), for duplicate detection."""
    s = run.frames[name][col]
    if col == "request_id" and name != "request" and run.present("request"):
        # Reuse the link to the request table; rows with no request are already rejected as orphans.
        return run.link(name, "request_id", "request", "request_id")[0]
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return np.where(s.isna().to_numpy(), -1, s.to_numpy(dtype="datetime64[ns]").view(np.int64))
    return run.factor(name, col)[0]


def _duplicates(run: _Run) -> None:
    for name, frame in run.frames.items():
        key = [k for k in TABLES[name].key if k in frame]
        if not key or len(frame) < 2:
            continue
        parts = [_key_codes(run, name, k) for k in key]
        complete = np.ones(len(frame), dtype=bool)
        for k, part in zip(key, parts):
            complete &= ~run.blank(name, k) & (part != -1)
        sub = pd.DataFrame({i: p[complete] for i, p in enumerate(parts)})
        dup = sub.duplicated(keep="first").to_numpy()
        if not dup.any():
            continue
        rows = np.flatnonzero(complete)
        group = sub.groupby(list(sub.columns), sort=False).ngroup().to_numpy()
        first = first_positions(group, int(group.max()) + 1)
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows[dup]] = True
        refs = run.row_ref(name, rows[first[group[dup]]])
        ref_of = dict(zip(rows[dup], refs))
        label = " + ".join(key)
        run.flag("DUPLICATE-KEY", name, mask, key[0],
                 lambda p, v: f"{label} repeats {ref_of[p]}; the first row is kept and this copy is not evaluated.")


def _orphans(run: _Run) -> None:
    if run.present("person") and "request" in run.frames:
        code, _ = run.link("request", "person_id", "person", "person_id")
        bad = ~run.blank("request", "person_id") & (code < 0)
        run.flag("ORPHAN", "request", bad, "person_id",
                 lambda p, v: f'person_id "{_fmt(v)}" has no person row.', run.frames["request"]["person_id"])
    if not run.present("request"):
        return
    for name, frame in run.frames.items():
        if name in ("person", "request") or "request_id" not in frame:
            continue
        code, _ = run.link(name, "request_id", "request", "request_id")
        bad = ~run.blank(name, "request_id") & (code < 0)
        run.flag("ORPHAN", name, bad, "request_id", lambda p, v: f'request_id "{_fmt(v)}" has no request row.',
                 frame["request_id"])


def _conditional(run: _Run) -> None:
    """The SEN2 guide's conditional rules G1-G8."""
    if "request" in run.frames:
        req = run.frames["request"]
        outcome = req["request_outcome"]
        # G1: received date needed unless historical (H) or the outcome itself is unknown.
        unread = run.reader_rejected["request"]  # a cell the reader could not read is reported there, not here
        g1 = blank(req["received_date"]) & ~run.blank("request", "request_outcome") & (outcome != "H").to_numpy() \
            & ~unread
        run.flag("RECEIVED-DATE-MISSING", "request", g1, "received_date",
                 lambda p, v: f'received_date is blank but the request outcome is "{_fmt(v)}"; only historical '
                              '(H) requests may leave it blank.', outcome)
        g2 = blank(req["request_outcome_date"]) & outcome.isin(["Y", "N"]).to_numpy() & ~unread
        run.flag("REQUEST-OUTCOME-DATE-MISSING", "request", g2, "request_outcome_date",
                 lambda p, v: f'request_outcome_date is blank but the decision whether to assess is "{_fmt(v)}".',
                 outcome)
    if "assessment" in run.frames:
        ass = run.frames["assessment"]
        outcome = ass["assessment_outcome"]
        g5 = blank(ass["assessment_outcome_date"]) & outcome.isin(["Y", "N"]).to_numpy() \
            & ~run.reader_rejected["assessment"]
        run.flag("ASSESSMENT-OUTCOME-DATE-MISSING", "assessment", g5, "assessment_outcome_date",
                 lambda p, v: f'assessment_outcome_date is blank but the decision whether to issue a plan is '
                              f'"{_fmt(v)}".', outcome)
        if run.present("request"):
            req_outcome = run.lookup("assessment", "request", "request_outcome")
            g2b = ~run.blank("assessment", "assessment_outcome") & req_outcome.isin(["N", "A", "W"]).to_numpy()
            run.flag("REQUEST-UNDECIDED-HAS-ASSESSMENT", "assessment", g2b, "assessment_outcome",
                     lambda p, v: f'the assessment records outcome "{_fmt(outcome.iloc[p])}" but the decision '
                                  f'whether to assess is "{_fmt(v)}".', req_outcome)
    for child in ("named_plan", "active_plan"):
        if child not in run.frames:
            continue
        what = child.replace("_", " ")
        if run.present("request"):
            exported = run.lookup(child, "request", "exported")
            run.flag("EXPORTED-HAS-LATER-DATA", child, ~blank(exported), "request_id",
                     lambda p, v, what=what: f'the request was exported to LA "{_fmt(v)}", so the exporting LA '
                                             f'should not record a {what}.', exported)
        if run.present("assessment"):
            a_outcome = run.lookup(child, "assessment", "assessment_outcome")
            run.flag("ASSESSMENT-UNDECIDED-HAS-PLAN", child, a_outcome.isin(["A", "W"]).to_numpy(), "request_id",
                     lambda p, v, what=what: f'the decision whether to issue a plan is "{_fmt(v)}", yet a {what} '
                                             "is recorded.", a_outcome)
    for name in ("plan_detail", "placement"):
        if name not in run.frames:
            continue
        frame = run.frames[name]
        given = sum((~run.blank(name, c)).astype(int) for c in ("urn", "ukprn", "sen_setting"))

        def msg(p, v, given=given):
            return ("no setting: give one of urn, ukprn or sen_setting." if given[p] == 0 else
                    "more than one of urn, ukprn and sen_setting is given; complete only one.")
        run.flag("SETTING-NOT-ONE", name, given != 1, "urn", msg)
        other = frame["sen_setting"].isin(["OTH", "NIEO"]).to_numpy() & run.blank(name, "sen_setting_other")
        run.flag("SETTING-OTHER-DETAIL-MISSING", name, other, "sen_setting_other",
                 lambda p, v: f'sen_setting is "{_fmt(v)}" but sen_setting_other (the detail) is blank.',
                 frame["sen_setting"])
    _attendance_pattern(run)


def _attendance_pattern(run: _Run) -> None:
    """G8: 2023 returns only; compulsory school age = aged 5-15 on the 31 August before the as-at date."""
    if str(run.dataset.header.get("Year", "")).strip() != "2023" or "placement" not in run.frames:
        return
    if not (run.present("request") and run.present("person")):
        return
    pl = run.frames["placement"]
    _, req_pos = run.link("placement", "request_id", "request", "request_id")
    _, person_pos = run.link("request", "person_id", "person", "person_id")
    pos = np.where(req_pos >= 0, person_pos[np.maximum(req_pos, 0)], -1)
    birth = take(run.frames["person"]["birth_date"], pos, pl.index)
    sept_year = run.as_at.year if run.as_at.month >= 9 else run.as_at.year - 1
    age = _age(birth, pd.Series(pd.Timestamp(sept_year, 8, 31), index=pl.index))
    cs_age = ((age >= 5) & (age <= 15)).fillna(False).to_numpy()
    run.flag("ATTENDANCE-PATTERN-MISSING", "placement", cs_age & run.blank("placement", "attendance_pattern"),
             "attendance_pattern", lambda p, v: "attendance_pattern (FT/PT) is blank for a child of compulsory "
                                                "school age (2023 return).")


def _date_order(run: _Run) -> None:
    for table, earlier, later, severity in SAME_ROW_ORDER:
        if table not in run.frames:
            continue
        frame = run.frames[table]
        a, b = frame[earlier], frame[later]
        bad = (b < a).fillna(False).to_numpy()
        issue = "DATE-ORDER" if severity == ERROR else "DATE-ORDER-QUERY"
        run.flag(issue, table, bad, later,
                 lambda p, v, a=a, earlier=earlier, later=later:
                 f"{later} {_fmt(v)} is before {earlier} {_fmt(a.iloc[p])}.", b)
    if "assessment" in run.frames and run.present("request"):
        received = run.lookup("assessment", "request", "received_date")
        out = run.frames["assessment"]["assessment_outcome_date"]
        bad = (out < received).fillna(False).to_numpy()
        run.flag("DATE-ORDER", "assessment", bad, "assessment_outcome_date",
                 lambda p, v: f"assessment_outcome_date {_fmt(v)} is before the request's received_date "
                              f"{_fmt(received.iloc[p])}.", out)
    if "request" in run.frames and run.present("person"):
        birth = run.lookup("request", "person", "birth_date")
        received = run.frames["request"]["received_date"]
        bad = (received < birth).fillna(False).to_numpy()
        run.flag("DATE-ORDER", "request", bad, "received_date",
                 lambda p, v: f"received_date {_fmt(v)} is before the child's birth_date {_fmt(birth.iloc[p])}.",
                 received)


def _future(run: _Run) -> None:
    for name, frame in run.frames.items():
        for f in TABLES[name].fields:
            if f.kind != DATE or f.name not in frame or _may_be_future(name, f):
                continue
            s = frame[f.name]
            bad = (s > run.as_at).fillna(False).to_numpy()
            run.flag("DATE-FUTURE", name, bad, f.name,
                     lambda p, v, f=f: f"{f.name} {_fmt(v)} is after the as-at date "
                                       f"{run.as_at.strftime('%Y-%m-%d')}.", s)


def _ages(run: _Run) -> None:
    if "person" not in run.frames:
        return
    person = run.frames["person"]
    birth = person["birth_date"]
    ref = pd.Series(run.as_at, index=person.index, dtype="datetime64[ns]")
    if run.present("named_plan") and run.present("request"):
        # Someone whose every plan has ceased is judged at their latest cease date, not today.
        _, req_pos = run.link("named_plan", "request_id", "request", "request_id")
        p_code, _ = run.link("request", "person_id", "person", "person_id")
        plan_person = np.where(req_pos >= 0, p_code[np.maximum(req_pos, 0)], -1)
        n_people = len(run.factor("person", "person_id")[1])
        known = plan_person >= 0
        cease = run.frames["named_plan"]["cease_date"]
        open_plan = cease.isna().to_numpy()
        open_count = np.bincount(plan_person[known], weights=open_plan[known], minlength=n_people)
        plan_count = np.bincount(plan_person[known], minlength=n_people)
        last = np.full(n_people, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(last, plan_person[known], cease.to_numpy(dtype="datetime64[ns]").view(np.int64)[known])
        all_ceased = (plan_count > 0) & (open_count == 0)
        codes = run.factor("person", "person_id")[0]
        has = codes >= 0
        use = np.zeros(len(person), dtype=bool)
        use[has] = all_ceased[codes[has]]
        ceased_at = np.full(len(person), np.datetime64("NaT"), dtype="datetime64[ns]")
        ceased_at[use] = last[codes[use]].view("datetime64[ns]")
        ceased_at = pd.Series(ceased_at, index=person.index)
        ref = ref.where(~(ceased_at < run.as_at).fillna(False), ceased_at)
    age = _age(birth, ref)
    run.flag("AGE-NEGATIVE", "person", (age < 0).fillna(False).to_numpy(), "birth_date",
             lambda p, v: f"birth_date {_fmt(v)} is after the as-at date {run.as_at.strftime('%Y-%m-%d')}.", birth)
    run.flag("AGE-26-PLUS", "person", (age >= 26).fillna(False).to_numpy(), "birth_date",
             lambda p, v: f"birth_date {_fmt(v)} makes this person {int(age.iloc[p])} on "
                          f"{_fmt(ref.iloc[p])}: outside the 0-25 SEND system.", birth)
    run.flag("AGE-25", "person", (age == 25).fillna(False).to_numpy(), "birth_date",
             lambda p, v: f"birth_date {_fmt(v)} makes this person 25 on {_fmt(ref.iloc[p])}; the plan should end "
                          "at the end of this academic year.", birth)


def _identifiers(run: _Run) -> None:
    if "person" not in run.frames:
        return
    person = run.frames["person"]
    upn, uln, unknown = person["upn"], person["uln"], person["upn_unknown"]
    problems = upn_problems(upn)
    run.flag("UPN-FORMAT", "person", problems["format"].to_numpy(), "upn",
             lambda p, v: f'"{_fmt(v)}" is not a UPN: expected 13 characters, a letter, 11 digits, then a digit or '
                          "a letter.", upn)
    run.flag("UPN-CHECK-LETTER", "person", problems["check"].to_numpy(), "upn",
             lambda p, v: f'"{_fmt(v)}" has check letter "{_fmt(v)[:1].upper()}" but the other characters give '
                          f'"{upn_check_letter(pd.Series([_fmt(v)[1:]])).iloc[0]}"; the UPN is mistyped.', upn)
    run.flag("UPN-TEMPORARY", "person", problems["temporary"].to_numpy(), "upn",
             lambda p, v: f'"{_fmt(v)}" is a temporary UPN; record the permanent UPN when it is known.', upn)
    upn_codes, _ = run.factor("person", "upn")
    pid_codes, _ = run.factor("person", "person_id")
    present = upn_codes >= 0
    pairs = pd.DataFrame({"upn": upn_codes[present], "person_id": pid_codes[present]}).drop_duplicates()
    shared = np.zeros(len(run.factor("person", "upn")[1]), dtype=bool)
    shared[pairs["upn"][pairs["upn"].duplicated()].to_numpy()] = True
    dup = present & shared[np.maximum(upn_codes, 0)] if len(shared) else present
    run.flag("UPN-DUPLICATE", "person", dup, "upn",
             lambda p, v: f'UPN "{_fmt(v)}" is also given for another person.', upn)
    run.flag("ULN-FORMAT", "person", _digits(uln, 10), "uln", lambda p, v: f'"{_fmt(v)}" is not a ULN: expected 10 '
                                                                           "digits.", uln)
    run.flag("ULN-CHECK-DIGIT", "person", uln_check_digit_bad(uln), "uln",
             lambda p, v: f'"{_fmt(v)}" fails the ULN check digit; the ULN is mistyped or a placeholder.', uln)
    none = run.blank("person", "upn") & run.blank("person", "uln")
    run.flag("IDENTIFIER-MISSING", "person", none & run.blank("person", "upn_unknown"), "upn",
             lambda p, v: "neither upn nor uln is given and no reason is recorded in upn_unknown.")
    run.flag("UPN-UNKNOWN-WITH-UPN", "person", ~none & ~run.blank("person", "upn_unknown"), "upn_unknown",
             lambda p, v: f'upn_unknown is "{_fmt(v)}" but a UPN or ULN is given.', unknown)


def _settings(run: _Run) -> None:
    for name, frame in run.frames.items():
        if "urn" in frame:
            run.flag("URN-FORMAT", name, _digits(frame["urn"], 6), "urn",
                     lambda p, v: f'"{_fmt(v)}" is not a URN: expected 6 digits.', frame["urn"])
        if "ukprn" in frame:
            run.flag("UKPRN-FORMAT", name, _digits(frame["ukprn"], 8), "ukprn",
                     lambda p, v: f'"{_fmt(v)}" is not a UKPRN: expected 8 digits.', frame["ukprn"])


def _sen_need(run: _Run) -> None:
    if "sen_need" not in run.frames or not len(run.frames["sen_need"]):
        return
    need = run.frames["sen_need"]
    codes, uniques = run.factor("sen_need", "request_id")
    known = codes >= 0
    primary = np.zeros(len(uniques), dtype=bool)
    primary[codes[known & (need["sen_type_rank"] == "1").to_numpy()]] = True
    bad = known & ~primary[np.maximum(codes, 0)] if len(uniques) else known
    bad &= ~(run.sole_row("sen_need") & run.blank("sen_need", "sen_type_rank"))
    # One query per request: flag its first row only.
    firsts = first_positions(codes, len(uniques))
    first = np.zeros(len(need), dtype=bool)
    first[firsts[firsts >= 0]] = True
    run.flag("SEN-NEED-NO-PRIMARY", "sen_need", bad & first, "sen_type_rank",
             lambda p, v: f'request "{_fmt(v)}" has types of need but none ranked 1 (primary).', need["request_id"])


def _other_codes(run: _Run) -> None:
    for table, col, others in OTHER_CODES:
        if table not in run.frames:
            continue
        s = run.frames[table][col]
        coded = int((~run.blank(table, col)).sum())
        used = int(s.isin(others).sum())
        if coded >= OTHER_MIN_ROWS and used > OTHER_SHARE * coded:
            run.table_issue("OTHER-CODE-FREQUENT", table,
                            f"{col} is {'/'.join(others)} (other) on {used:,} of {coded:,} rows ({used / coded:.0%}); "
                            "COLLECT will query this: use a specific code where one fits.", column=col,
                            value="/".join(others))


def _cascade(run: _Run) -> None:
    """A rejected person rejects their requests; a rejected request rejects every row hanging off it.

    A key counts as rejected only when every row holding it is rejected (a kept first copy keeps it alive).
    The dependent rows are counted as PARENT-REJECTED in the accounting; the issue is raised once, on the
    parent's row, listing what was not evaluated (on a wide tracker they are all the same spreadsheet row)."""
    def rejected_keys(table: str, col: str) -> np.ndarray:
        codes, uniques = run.factor(table, col)
        alive = np.zeros(len(uniques), dtype=bool)
        alive[codes[(codes >= 0) & ~run.errors[table]]] = True
        return ~alive

    def cascade(parent: str, key: str, children: list[str]) -> None:
        if not run.present(parent):
            return
        dead = rejected_keys(parent, key)
        if not dead.any():
            return
        held: dict[int, list[str]] = {}
        for name in children:
            code, pos = run.link(name, key, parent, key)
            mask = (code >= 0) & dead[np.maximum(code, 0)] & ~run.errors[name]
            if not mask.any():
                continue
            rows = np.flatnonzero(mask)
            run.errors[name][rows] = True
            unset = rows[pd.isna(run.reasons[name][rows])]
            run.reasons[name][unset] = "PARENT-REJECTED"
            parents, counts = np.unique(pos[rows], return_counts=True)
            what = name.replace("_", " ")
            for p, c in zip(parents.tolist(), counts.tolist()):
                held.setdefault(p, []).append(what if c == 1 else f"{c} {what} rows")
        if not held:
            return
        mask = np.zeros(len(run.frames[parent]), dtype=bool)
        mask[list(held)] = True
        run.flag("PARENT-REJECTED", parent, mask, key,
                 lambda p, v: f'{parent} "{_fmt(v)}" is rejected ({run.reasons[parent][p]}), so its '
                              f'{", ".join(held[p])} '
                              f'{"is" if len(held[p]) == 1 and " rows" not in held[p][0] else "are"} not evaluated '
                              "either.", run.frames[parent][key], severity=ERROR, reject=False)

    if "request" in run.frames:
        cascade("person", "person_id", ["request"])
    children = [n for n in TABLES if n in run.frames and n not in ("person", "request")
                and "request_id" in run.frames[n]]
    cascade("request", "request_id", children)


def check_dataset(dataset: Dataset, as_at: dt.date) -> QualityResult:
    """Run every data-quality check; the dataset itself is not changed."""
    run = _Run(dataset, as_at)
    _reader_errors(run)
    _coerce_dates(run)
    _required(run)
    _codes(run)
    _orphans(run)
    _duplicates(run)
    _conditional(run)
    _date_order(run)
    _ages(run)
    _future(run)
    _identifiers(run)
    _settings(run)
    _sen_need(run)
    _other_codes(run)
    _cascade(run)
    return run.result()
