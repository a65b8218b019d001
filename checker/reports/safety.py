"""Keeping spreadsheet cells inert.

A value typed into a case-management system by anyone (a parent's e-mail, a school's note) ends up in a cell
of a workbook. Excel, LibreOffice and Google Sheets treat text starting with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a leading tab or carriage return can smuggle one past a naive check (OWASP "CSV injection").

The workbook writers therefore never let a text value become a formula cell: the value is stored as a string
cell (so no spreadsheet evaluates it on opening) and, when it looks like a formula, also carries Excel's own
"quote prefix" flag, so that editing the cell later does not turn it into one either. The text itself is kept
exactly as the case record has it: the evidence must match the source system.
"""

from __future__ import annotations

import hmac
import math
import re
import weakref

import pandas as pd

from ..distinct import per_unique
from ..textscan import flagged

# Ascii triggers plus their full-width forms, which some spreadsheet tools normalise.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# The same as one string, for ``textscan.starting``.
FORMULA_START = "".join(FORMULA_TRIGGERS)

# Characters XML 1.0 cannot carry; openpyxl raises on them and a stray control byte must not stop a run.
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)} | {0xFFFE: None, 0xFFFF: None}
ILLEGAL_CHAR = re.compile("[" + "".join(chr(c) for c in _ILLEGAL) + "]")


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet could read this text as the start of a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def cell_text(value) -> str:
    """The text as a cell can carry it: missing values become blank, unstorable control characters go."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).translate(_ILLEGAL)


_ID_TOKEN = r"[A-Za-z]\d{11}[0-9A-Za-z]|\d{10}"


KEY_ENV = "SENDCHECK_ID_KEY"
_EPHEMERAL_KEY = b""


def pseudonym_key() -> bytes:
    """The secret that keys pseudonymous references: SENDCHECK_ID_KEY, else a random key made once per user
    (``~/.config/sendcheck/pseudonym.key``, owner-only). Keyed, a reference cannot be matched back by hashing a
    list of UPNs; stable, the same child keeps the same reference from month to month on this computer."""
    import os
    import secrets
    from pathlib import Path

    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode()
    path = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "sendcheck" / "pseudonym.key"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return path.read_bytes().strip()
    except OSError:  # no writable home: a key for this run only (references then change from run to run)
        global _EPHEMERAL_KEY
        _EPHEMERAL_KEY = _EPHEMERAL_KEY or secrets.token_hex(32).encode()
        return _EPHEMERAL_KEY


def identifier_masker(dataset):
    """A function that replaces every UPN or ULN inside an identifier with a pseudonymous reference.

    Inspection and governor outputs must carry no UPNs, yet SEN2 returns give no other person key, so record ids
    built from them ("A123...:2025-01-06") would leak one. The reference is an HMAC of the identifier under
    ``pseudonym_key()``; ``masked_references`` lists each reference beside the identifier for the LA's own file.
    One masker serves a dataset for the whole run: each distinct identifier is masked once, each token hashed
    once (a national run masks millions of ids).
    """
    cached = _MASKERS.get(id(dataset))
    if cached is not None and cached[0]() is dataset and cached[1] == (pseudonym_key() if cached[3] else b""):
        return cached[2]
    person = dataset.table("person")
    known = set()
    for col in ("upn", "uln"):
        if col in person.columns:
            known.update(str(v).strip().upper() for v in person[col].dropna())
    key = pseudonym_key() if known else b""
    pattern = re.compile(_ID_TOKEN)
    refs: dict[str, str] = {}

    def ref(match) -> str:
        token = match.group(0).upper()
        if token not in known:
            return match.group(0)
        got = refs.get(token)
        if got is None:
            got = refs[token] = _reference(key, token)
        return got

    def mask(series: pd.Series) -> pd.Series:
        if not known:
            return series
        masked = per_unique(series, masked_texts, None)
        return masked.rename(series.name)

    def masked_texts(values: pd.Series) -> pd.Series:
        texts = [str(v) for v in values]
        out = list(texts)
        for i in flagged(texts, pattern):  # only ids holding a token are rewritten; most hold none
            out[i] = pattern.sub(ref, texts[i])
        return pd.Series(out, index=values.index, dtype=object)

    _MASKERS.clear()  # one dataset at a time, held weakly: the cache never keeps a finished run's data alive
    _MASKERS[id(dataset)] = (weakref.ref(dataset), key, mask, bool(known))
    return mask


_MASKERS: dict[int, tuple] = {}


def masked_references(dataset) -> pd.DataFrame:
    """Each pseudonymous reference beside the UPN or ULN it stands for: the LA's key to the inspection pack.

    Personal data: written only as ``pseudonym-references-PRIVATE.csv`` beside findings.csv, never shared."""
    person = dataset.table("person")
    ids = sorted({str(v).strip().upper() for col in ("upn", "uln") if col in person.columns
                  for v in person[col].dropna()})
    if not ids:
        return pd.DataFrame({"reference": [], "upn_or_uln": []}, dtype=object)
    # An id that is one whole token is masked to its own reference: hashed here directly (a national run has
    # nearly a million), rather than through the masker's search and cache. Any other id goes through the masker.
    key, token = pseudonym_key(), re.compile(_ID_TOKEN)
    whole = [token.fullmatch(i) is not None for i in ids]
    references = [_reference(key, i) if w else None for i, w in zip(ids, whole)]
    others = [i for i, w in zip(ids, whole) if not w]
    if others:
        masked = iter(identifier_masker(dataset)(pd.Series(others, dtype=object)).tolist())
        references = [r if w else next(masked) for r, w in zip(references, whole)]
    return pd.DataFrame({"reference": references, "upn_or_uln": ids})


def _reference(key: bytes, token: str) -> str:
    """The pseudonymous reference for one UPN or ULN: HMAC-SHA256 under the LA's key, cut to 12 hex digits."""
    return "ref-" + hmac.digest(key, token.encode(), "sha256").hex()[:12]
