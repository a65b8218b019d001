"""Coded fields hold a code from their list, and yes/no fields hold 1 or 0, so every rule can read them.

The readers put codes in the list's own case ("y" becomes "Y") and turn yes/no words into 1/0 (see
``checker/readers/convert.py``); what is left here is a value outside the list.

A SEN2 return is also held to its own collection year's lists (``checker/data/sen2-years.yaml``): NEET on a
placement in a 2023 return is a code the rules can read, so it is a query, not an error, but COLLECT will not
take it.
"""

from __future__ import annotations

import numpy as np

from ..dataset import ERROR, QUERY
from ..model import CODE, FLAG, TABLES, YES_NO
from .collector import Run
from .registry import GUIDE, check
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
SEN2_CODE_NOT_IN_YEAR = check(
    "SEN2-CODE-NOT-IN-YEAR", QUERY,
    "A SEN2 return uses a code that the guide lists in other collection years but not in the return's own "
    "(NEET, NIEC or NIEO on a placement before 2024 or on a plan's named setting in any year; DS as a type of "
    "need before 2025; sex U from 2024). The rules read the code as it is written, so the record is still "
    "evaluated; COLLECT will not accept it.",
    action="Record a code of the return's collection year (the data dictionary lists them by year), or check "
           "that the header's Year is the collection the return is for.",
    source=f"{GUIDE}, code lists by collection year", tables="person, plan_detail, placement, sen_need")


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


def year_codes(run: Run) -> None:
    """Codes outside the list of the SEN2 return's own collection year (a list the data dictionary's contains)."""
    from ..readers import sen2_years

    returns = run.sen2_years
    if not returns:
        return
    for table, name in sen2_years.dated_code_fields():
        if table not in run.frames or not len(run.frames[table]):
            continue
        frame = run.frames[table]
        files = frame["_file"].astype(object).to_numpy()
        known = np.asarray(TABLES[table].field(name).codes or (), dtype=object)
        codes, uniques = run.factor(table, name)
        listed = np.isin(uniques, known)  # outside the dictionary's list is CODE-INVALID's business
        for file, year in sorted(returns.items()):
            allowed = sen2_years.codes(table, name, year)
            if allowed is None:
                continue
            off_list = listed & ~np.isin(uniques, np.asarray(allowed, dtype=object))
            if not off_list.any():
                continue
            bad = (codes >= 0) & off_list[np.maximum(codes, 0)] & (files == file)

            def msg(p, v, year=year, allowed=allowed):
                return (f'"{fmt(v)}" is not a SEN2 code in a {year} return (codes that year: {", ".join(allowed)}); '
                        "it is read as written, but COLLECT will not accept it.")
            run.flag(SEN2_CODE_NOT_IN_YEAR, table, bad, name, msg, frame[name])
