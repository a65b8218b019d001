"""Coded fields hold a code from their list, and yes/no fields hold 1 or 0, so every rule can read them.

The readers put codes in the list's own case ("y" becomes "Y") and turn yes/no words into 1/0 (see
``checker/readers/convert.py``); what is left here is a value outside the list.
"""

from __future__ import annotations

import numpy as np

from ..dataset import ERROR
from ..model import CODE, FLAG, TABLES, YES_NO
from .collector import Run
from .registry import check
from .vectors import fmt

CODE_INVALID = check(
    "CODE-INVALID", ERROR,
    "A coded field holds a value outside its code list (after the reader's case folding and the profile's "
    "translations).",
    action="Record one of the listed codes, or translate the system's own words under the profile's codes.",
    source="SEN2 technical specification, code lists (sen2-data A.3, A.5(b))")
FLAG_INVALID = check(
    "FLAG-INVALID", ERROR,
    "A yes/no field of a canonical table holds something other than 1 or 0 (the readers convert yes/no cells; "
    "this guards tables built another way).",
    action="Record 1 (yes) or 0 (no).", source="SEN2 technical specification (booleans coded 1/0)")


def codes(run: Run) -> None:
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
                run.flag(FLAG_INVALID, name, bad, f.name,
                         lambda p, v, f=f: f'"{fmt(v)}" is not a yes/no value for {f.name}; expected 1 or 0.', s)
                continue
            upper = {c.upper(): c for c in f.codes}

            def msg(p, v, f=f, upper=upper):
                text = f'"{fmt(v)}" is not a valid {f.name} code; expected one of {", ".join(f.codes)}.'
                near = upper.get(fmt(v).strip().upper())
                return text[:-1] + f' (codes are exact: use "{near}").' if near else text
            run.flag(CODE_INVALID, name, bad, f.name, msg, s)
