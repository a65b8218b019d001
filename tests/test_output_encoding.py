"""The bulk cell encoder of the output writers gives exactly what the careful per-value encoder gives."""

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import output

TRICKY = st.text(alphabet='ab,"=+-@\t\r\n\x7f\\\x01é\uff1d \u2028', max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), TRICKY), max_size=40))
def test_bulk_encoding_matches_per_value_encoding(values):
    column = pd.Series(values, dtype=object)
    for encode in (output._csv_value, output._json_value):
        assert list(output._encoded(column, encode)) == [encode(v) for v in values]


def test_formula_text_is_inert_in_csv_and_exact_in_json(tmp_path):
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "-2+3", "@SUM(A1)", "plain, with comma"]})
    output.write_csv(frame, tmp_path / "x.csv")
    lines = (tmp_path / "x.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1:] == ['"\'=HYPERLINK(""x"")"', "'-2+3", "'@SUM(A1)", '"plain, with comma"']
