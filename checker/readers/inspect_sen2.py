"""What ``sendcheck inspect`` shows of a SEN2 return, in any of its forms (XML, COLLECT Blade CSVs, the
pre-submission workbook): the collection year and reference date the run will use, how many records each
module holds, which items were found and which were not SEN2 items at all.

The return is read by the same reader ``check`` uses, so a file ``check`` refuses (an XSD, another collection's
XML, a malformed or unsafe file) is refused here with the same message, and the counts are the rows ``check``
will read.
"""

from __future__ import annotations

from pathlib import Path

from ..dataset import Dataset
from . import sen2_years

# (module, container or canonical table, as the DfE guide names it), in the order of the return.
MODULES = (
    ("1", "person", "Person"), ("2", "requests", "Requests"), ("3", "assessment", "Assessment"),
    ("4", "namedplan", "NamedPlan"), ("4", "plandetail", "PlanDetail"), ("5", "activeplans", "ActivePlans"),
    ("5", "placementdetail", "PlacementDetail"), ("5", "senneed", "SENneed"),
)
TABLE_OF = {"person": "person", "requests": "request", "assessment": "assessment", "namedplan": "named_plan",
            "plandetail": "plan_detail", "activeplans": "active_plan", "placementdetail": "placement",
            "senneed": "sen_need"}
SHOWN_ISSUES = ("SEN2-HEADER-MISMATCH", "SEN2-ELEMENT-NOT-IN-YEAR", "SEN2-UNKNOWN-SHEET", "SEN2-ORPHAN-ROW",
                "SEN2-NO-PERSON", "CSV-EXTRA-CELLS", "SEN2-REPEATED-ELEMENT")


def about_xml(path: Path) -> dict:
    from .sen2_xml import describe

    about, ds = describe(path)
    return _about("SEN2 XML return", about["header"], about["counts"], about["elements"],
                  [f"<{name}> inside <{container}> (line {line})" for container, name, line in about["unknown"]], ds)


def about_blade(paths: list[Path]) -> dict:
    from .sen2_flat import read_sen2_blade

    found: dict[str, list[str]] = {}
    ds = read_sen2_blade(paths, columns_found=found)
    return _about_flat("SEN2 COLLECT Blade CSV export", ds, found)


def about_workbook(path: Path) -> dict:
    from .sen2_flat import read_sen2_workbook

    found: dict[str, list[str]] = {}
    ds = read_sen2_workbook(path, columns_found=found)
    return _about_flat("SEN2 pre-submission workbook", ds, found)


def _about_flat(form: str, ds: Dataset, found: dict[str, list[str]]) -> dict:
    """Counts and columns of a flat form: each module's rows as read, the columns holding a SEN2 item (as the
    file spells them) and the columns that are not one."""
    counts = {container: len(ds.tables.get(table, ())) for container, table in TABLE_OF.items()}
    unknown = [f'column "{i.column}" of {i.file}' + (f', sheet "{i.sheet}"' if i.sheet else "")
               for i in ds.issues if i.issue_id == "SEN2-UNKNOWN-COLUMN"]
    return _about(form, ds.header, counts, found, unknown, ds)


def _about(form: str, header: dict, counts: dict, elements: dict, unknown: list[str], ds: Dataset) -> dict:
    year = sen2_years.collection_year(header)
    reference = sen2_years.reference_date(header)
    issues: dict[str, list[str]] = {}
    for i in ds.issues:
        if i.issue_id in SHOWN_ISSUES:
            issues.setdefault(i.issue_id, []).append(i.message)
    return {
        "form": form, "collection": header.get("Collection") or "", "year": year,
        "year_given": bool(str(header.get("Year") or "").strip()),
        "reference_date": reference.isoformat() if reference else "",
        "census_date": (lambda d: d.isoformat() if d else "")(sen2_years.census_date(year)),
        "lea": header.get("LEA") or "", "has_header": bool(header),
        "modules": [{"module": m, "name": name, "count": int(counts.get(container, 0))}
                    for m, container, name in MODULES],
        "elements": ({"Header": elements["header"]} if elements.get("header") else {})
        | {name: elements.get(container, []) for _, container, name in MODULES},
        "unknown": unknown, "issues": issues,
    }


def format_sen2(about: dict) -> list[str]:
    """The SEN2 part of ``sendcheck inspect``'s output, one line each."""
    out = []
    if about["has_header"]:
        year = about["year"]
        said = f"{year}" if year else "not given"
        if year and not about["year_given"]:
            said += " (from the reference date; the header has no Year)"
        out.append(f"collection: {about['collection'] or 'not named'}, year {said}, reference date "
                   f"{about['reference_date'] or 'not given'}" + (f", LA {about['lea']}" if about["lea"] else ""))
        if about["census_date"] and about["reference_date"] and about["census_date"] != about["reference_date"]:
            out.append(f"  note: the {year} census day is {about['census_date']}; this return's reference date "
                       "differs from it")
        if about["reference_date"]:
            out.append(f"as-at date: check judges this return as at {about['reference_date']} unless --as-at "
                       "is given")
        else:
            out.append("as-at date: the header has no reference date, so check needs --as-at")
    else:
        out.append("collection: this form carries no header (no Year or ReferenceDate); item numbers and the year's "
                   "code lists cannot be applied, and check needs --as-at")
    out.append("")
    out.append("records in each module:")
    width = max(len(m["name"]) for m in about["modules"])
    for m in about["modules"]:
        out.append(f"  {m['module']} {m['name']:<{width}}  {m['count']:>8,}")
    out.append("")
    out.append("items found:")
    for name, found in about["elements"].items():
        if found:
            out.append(f"  {name}: {', '.join(found)}")
    if about["unknown"]:
        out.append("not SEN2 items (ignored): " + "; ".join(about["unknown"]))
    for issue_id, messages in about["issues"].items():
        out.append(f"{issue_id} ({len(messages)}): {messages[0]}" + (" ..." if len(messages) > 1 else ""))
    return out
