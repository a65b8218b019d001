"""Converting a column one distinct value at a time.

Case data repeats itself: dates, codes, flags, teams, school numbers and the ids inside findings recur down a
column. Converting each distinct value once and spreading the result back over the rows is the same answer as
converting every cell, for a fraction of the work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def per_unique(values: pd.Series, convert, missing):
    """Apply a column conversion to each distinct value once (dates, codes and flags repeat a great deal).

    ``convert`` takes a Series of the distinct values and returns one Series (or a tuple of Series) aligned
    with it; blanks (None/NaN) get ``missing`` (or the matching item of a tuple of missings).
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    got = convert(pd.Series(uniques, dtype=object))
    single = not isinstance(got, tuple)
    got, missing = ((got,), (missing,)) if single else (got, missing)
    codes = np.where(codes < 0, len(uniques), codes)
    out = []
    for series, miss in zip(got, missing):
        extended = pd.concat([series.reset_index(drop=True), pd.Series([miss], dtype=series.dtype)],
                             ignore_index=True)
        out.append(pd.Series(extended.to_numpy()[codes], index=values.index, dtype=series.dtype))
    return out[0] if single else tuple(out)
