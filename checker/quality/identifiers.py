"""The child's and the setting's identifiers: UPN, ULN, URN and UKPRN are well formed and not shared.

The UPN check letter is computed vectorised over the whole column with DfE's algorithm (the same as
``stdnum.gb.upn.calc_check_digit``, without ``stdnum``'s 2011 list of LA numbers, which lacks LAs created since).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import QUERY
from .collector import Run
from .registry import GUIDE, check
from .vectors import blank, codepoints, fmt

UPN_FORMAT = check(
    "UPN-FORMAT", QUERY, "UPN is not 13 characters: a letter, 11 digits, then a digit or a letter (temporary UPN).",
    action="Correct the UPN from the school's records (the Common Transfer File or the school census).",
    source="DfE Unique Pupil Numbers guidance; SEN2 item 1.7a", tables="person")
UPN_CHECK_LETTER = check(
    "UPN-CHECK-LETTER", QUERY, "UPN check letter (first character) does not match the other 12.",
    action="The UPN is mistyped: correct it from the school's records.",
    source="DfE Unique Pupil Numbers guidance (modulus 23 check letter)", tables="person")
UPN_TEMPORARY = check(
    "UPN-TEMPORARY", QUERY, "UPN is a temporary UPN (ends in a letter); a permanent UPN should replace it.",
    action="Ask the school for the child's permanent UPN and record it.", source="DfE Unique Pupil Numbers guidance",
    tables="person")
UPN_DUPLICATE = check(
    "UPN-DUPLICATE", QUERY, "The same UPN is given for more than one person.",
    action="Check whether it is one child recorded twice (merge the records) or a mistyped UPN.",
    source="D2I Annex A SEND check 109", tables="person", annex_a="UPN shared with another child")
ULN_FORMAT = check(
    "ULN-FORMAT", QUERY, "ULN is not 10 digits.", action="Correct the ULN from the Learning Records Service.",
    source="SEN2 item 1.7b; Learning Records Service", tables="person")
ULN_CHECK_DIGIT = check(
    "ULN-CHECK-DIGIT", QUERY,
    "ULN check digit (10th digit) does not match the first nine (weights 10..2, modulo 11), or is the "
    "placeholder 9999999999.",
    action="The ULN is mistyped or a placeholder: correct it from the Learning Records Service.",
    source="ESFA ILR validation ULN_04 (ULN check digit, derived data DD01)", tables="person")
IDENTIFIER_MISSING = check(
    "IDENTIFIER-MISSING", QUERY, "Neither UPN nor ULN is given and no reason (UPNunknown) is recorded.",
    action="Record the UPN (or ULN), or the reason neither is known (UPNunknown).",
    source=f"{GUIDE} item 1.7c; D2I Annex A SEND check 107", tables="person", annex_a="No UPN or ULN")
UPN_UNKNOWN_WITH_UPN = check(
    "UPN-UNKNOWN-WITH-UPN", QUERY, "A reason for no UPN/ULN is given although a UPN or ULN is present.",
    action="Remove the UPNunknown reason now that the UPN or ULN is known.", source=f"{GUIDE} item 1.7c",
    tables="person")
URN_FORMAT = check(
    "URN-FORMAT", QUERY, "URN is not 6 digits.", action="Correct the school's URN from Get Information about "
                                                        "Schools (GIAS).", source="SEN2 items 4.7a, 5.7a; GIAS")
UKPRN_FORMAT = check(
    "UKPRN-FORMAT", QUERY, "UKPRN is not 8 digits.",
    action="Correct the provider's UKPRN from the UK Register of Learning Providers (UKRLP).",
    source="SEN2 items 4.7b, 5.7b; UKRLP")

# The UPN check-letter alphabet (DfE): letters without I, O and S, then the digits. Index = value.
UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"


# Value of each character in the UPN alphabet (-1 if not in it); lower case folds to upper case.
_UPN_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _ch in enumerate(UPN_ALPHABET):
    _UPN_VALUE[ord(_ch)] = _i
    _UPN_VALUE[ord(_ch.lower())] = _i
_UPN_WEIGHTS = np.arange(2, 14)


def _upn_values(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(alphabet values (n, 13), True where the value is exactly 13 characters)."""
    cp = codepoints(values, 14)
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
        cp = codepoints(vals, 13)
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
        cp = codepoints(s.to_numpy(dtype=object)[present], n + 1)
        ok = ((cp[:, :n] >= 48) & (cp[:, :n] <= 57)).all(axis=1) & (cp[:, n] == 0)
        bad[np.flatnonzero(present)] = ~ok
    return bad


def uln_check_digit_bad(uln: pd.Series) -> np.ndarray:
    """True where a 10-digit ULN fails its check digit: sum of the first nine digits x 10..2, modulo 11, must be
    non-zero and 10 minus it must equal the last digit (ESFA's DD01). The placeholder 9999999999 also fails;
    a leading zero cannot occur in a real ULN."""
    present = ~blank(uln)
    bad = np.zeros(len(uln), dtype=bool)
    if not present.any():
        return bad
    cp = codepoints(uln.to_numpy(dtype=object)[present], 11).astype(np.int64)
    digits = cp[:, :10] - 48
    shaped = ((digits >= 0) & (digits <= 9)).all(axis=1) & (cp[:, 10] == 0)
    remainder = (digits[:, :9] * np.arange(10, 1, -1)).sum(axis=1) % 11
    wrong = (remainder == 0) | ((10 - remainder) != digits[:, 9]) | (digits[:, 0] == 0) \
        | (digits == 9).all(axis=1)
    bad[np.flatnonzero(present)] = shaped & wrong
    return bad


def identifiers(run: Run) -> None:
    if "person" not in run.frames:
        return
    person = run.frames["person"]
    upn, uln, unknown = person["upn"], person["uln"], person["upn_unknown"]
    problems = upn_problems(upn)
    run.flag(UPN_FORMAT, "person", problems["format"].to_numpy(), "upn",
             lambda p, v: f'"{fmt(v)}" is not a UPN: expected 13 characters, a letter, 11 digits, then a digit or '
                          "a letter.", upn)
    run.flag(UPN_CHECK_LETTER, "person", problems["check"].to_numpy(), "upn",
             lambda p, v: f'"{fmt(v)}" has check letter "{fmt(v)[:1].upper()}" but the other characters give '
                          f'"{upn_check_letter(pd.Series([fmt(v)[1:]])).iloc[0]}"; the UPN is mistyped.', upn)
    run.flag(UPN_TEMPORARY, "person", problems["temporary"].to_numpy(), "upn",
             lambda p, v: f'"{fmt(v)}" is a temporary UPN; record the permanent UPN when it is known.', upn)
    upn_codes, _ = run.factor("person", "upn")
    pid_codes, _ = run.factor("person", "person_id")
    present = upn_codes >= 0
    pairs = pd.DataFrame({"upn": upn_codes[present], "person_id": pid_codes[present]}).drop_duplicates()
    shared = np.zeros(len(run.factor("person", "upn")[1]), dtype=bool)
    shared[pairs["upn"][pairs["upn"].duplicated()].to_numpy()] = True
    dup = present & shared[np.maximum(upn_codes, 0)] if len(shared) else present
    run.flag(UPN_DUPLICATE, "person", dup, "upn",
             lambda p, v: f'UPN "{fmt(v)}" is also given for another person.', upn)
    run.flag(ULN_FORMAT, "person", _digits(uln, 10), "uln", lambda p, v: f'"{fmt(v)}" is not a ULN: expected 10 '
                                                                         "digits.", uln)
    run.flag(ULN_CHECK_DIGIT, "person", uln_check_digit_bad(uln), "uln",
             lambda p, v: f'"{fmt(v)}" fails the ULN check digit; the ULN is mistyped or a placeholder.', uln)
    none = run.blank("person", "upn") & run.blank("person", "uln")
    run.flag(IDENTIFIER_MISSING, "person", none & run.blank("person", "upn_unknown"), "upn",
             lambda p, v: "neither upn nor uln is given and no reason is recorded in upn_unknown.")
    run.flag(UPN_UNKNOWN_WITH_UPN, "person", ~none & ~run.blank("person", "upn_unknown"), "upn_unknown",
             lambda p, v: f'upn_unknown is "{fmt(v)}" but a UPN or ULN is given.', unknown)


def settings(run: Run) -> None:
    for name, frame in run.frames.items():
        if "urn" in frame:
            run.flag(URN_FORMAT, name, _digits(frame["urn"], 6), "urn",
                     lambda p, v: f'"{fmt(v)}" is not a URN: expected 6 digits.', frame["urn"])
        if "ukprn" in frame:
            run.flag(UKPRN_FORMAT, name, _digits(frame["ukprn"], 8), "ukprn",
                     lambda p, v: f'"{fmt(v)}" is not a UKPRN: expected 8 digits.', frame["ukprn"])
