"""UPN check letter: the vectorised version agrees with the DfE algorithm (as implemented by python-stdnum)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.gb import upn as stdnum_upn

from checker.quality import UPN_ALPHABET, upn_check_letter, upn_problems


def letter(body: str) -> str:
    return upn_check_letter(pd.Series([body])).iloc[0]


def test_known_valid_upn_from_the_stdnum_docs():
    assert letter("801200005001") == "B"
    assert not upn_problems(pd.Series(["B801200005001"])).any(axis=None)


def test_wrong_check_letter_fails():
    problems = upn_problems(pd.Series(["A801200005001"]))
    assert problems.loc[0].tolist() == [False, True, False]


def test_hand_computed_check_letter():
    # digits 0 sit at alphabet index 23: body "000000000000" -> sum of 23 * (2..13) = 23 * 90 -> 0 mod 23 -> "A"
    assert letter("000000000000") == "A"
    # body "000000000001": the last character has weight 13 and value 24 -> 23*90 + 13 -> 13 mod 23 -> "P"
    assert letter("000000000001") == UPN_ALPHABET[13] == "P"


def test_shapes():
    upns = pd.Series([letter("801200005001") + "801200005001", "B80120000500", "B8012000050011", "1801200005001",
                      "I801200005001", "B80120000500I", None, "", "B80120X005001"])
    problems = upn_problems(upns)
    assert problems["format"].tolist() == [False, True, True, True, True, True, False, False, True]


def test_temporary_upn():
    body = "80120000501A"
    problems = upn_problems(pd.Series([letter(body) + body]))
    assert problems.loc[0].tolist() == [False, False, True]


def test_lower_case_is_read_as_upper_case():
    assert not upn_problems(pd.Series(["b801200005001"])).any(axis=None)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11), st.sampled_from(list(UPN_ALPHABET)))
def test_agrees_with_stdnum(digits, last):
    body = digits + last
    expected = stdnum_upn.calc_check_digit(body)
    assert letter(body) == expected
    wrong = next(c for c in UPN_ALPHABET[:23] if c != expected)
    problems = upn_problems(pd.Series([expected + body, wrong + body]))
    assert problems["check"].tolist() == [False, True]
    assert problems["temporary"].tolist() == [last.isalpha(), False]


def uln_with_check(nine: str) -> str | None:
    remainder = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1))) % 11
    return None if remainder == 0 else nine + str(10 - remainder)


def test_uln_check_digit():
    from checker.quality import uln_check_digit_bad

    good = uln_with_check("123456789")  # 10*1+9*2+...+2*9 = 210; 210 % 11 = 1; check 9
    assert good == "1234567899"
    values = pd.Series([good, "1234567890", "9999999999", "12345", None, "0234567890"])
    assert uln_check_digit_bad(values).tolist() == [False, True, True, False, False, True]


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[0] != "0"))
def test_uln_generated_numbers(nine):
    from checker.quality import uln_check_digit_bad

    uln = uln_with_check(nine)
    if uln is None or uln == "9999999999":
        return
    wrong = uln[:9] + str((int(uln[9]) + 1) % 10)
    assert uln_check_digit_bad(pd.Series([uln, wrong])).tolist() == [False, True]
