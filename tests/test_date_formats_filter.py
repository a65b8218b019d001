"""The cheap pre-check that skips date formats a cell cannot match must never skip one it does match."""

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.dates import TEXT_FORMATS, _format_filter, parse_date_series

FORMATS = TEXT_FORMATS + ("%m/%d/%Y", "%Y%m%d", "%d %b %y", "%H:%M %d/%m/%Y")
dates = st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2099, 12, 31))


@st.composite
def cells(draw):
    """Dates written in every format (with case and whitespace changed), and text that is almost a date."""
    if draw(st.booleans()):
        text = draw(dates).strftime(draw(st.sampled_from(FORMATS)))
        text = draw(st.sampled_from([text, text.upper(), text.lower(), text.replace(" ", "\t")]))
        return text
    return draw(st.text(alphabet="0123456789/-.: TtJjAaNnSsEePp\t", max_size=20))


@settings(max_examples=300, deadline=None)
@given(st.lists(cells(), min_size=1, max_size=30))
def test_a_cell_a_format_parses_is_never_ruled_out(values):
    texts = pd.Series(values, dtype=object)
    could_match = _format_filter(texts)
    for fmt in FORMATS:
        parsed = pd.to_datetime(texts, format=fmt, errors="coerce")
        assert not (parsed.notna() & ~could_match(fmt)).any(), (fmt, texts[parsed.notna() & ~could_match(fmt)])


def test_skipping_formats_keeps_every_date():
    texts = pd.Series(["2026-01-05", "05/01/2026", "5 Jan 2026", "05-JAN-26", "2026-01-05T10:00:00", "45678",
                       "5.1.2026", "TBC", "31/02/2026", "05\tJan\t2026"], dtype=object)
    got, bad = parse_date_series(texts)
    assert got.dt.strftime("%Y-%m-%d").fillna("-").tolist() == [
        "2026-01-05", "2026-01-05", "2026-01-05", "2026-01-05", "2026-01-05", "2025-01-21", "2026-01-05", "-", "-",
        "2026-01-05"]
    assert bad.tolist() == [False] * 7 + [True, True, False]
