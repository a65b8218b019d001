"""Governor and inspection outputs carry no child's name, date of birth, UPN, ULN or postcode.

The caseload is built so that every personal value is unique and distinctive (births 2008-2016, every other date
2024-2026), then every written governor and inspection file is scanned for each of them in every way a date is
commonly written. A hit means a report leaks personal data to people who must not see it.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from stdnum.gb import upn as upn_check

from checker.cli import main

AS_AT = "2026-10-31"
HEADERS = ["Child ID", "Forename", "Surname", "DOB", "Sex", "UPN", "ULN", "Postcode", "NC Year", "Team",
           "Caseworker", "Request Ref", "Date Request Received", "Decision to Assess Date", "Decision",
           "Assessment Outcome", "Draft Plan Issued", "Final Plan Issued", "20 Week Exception?", "Plan Start",
           "Last Annual Review Meeting", "School URN", "Primary Need"]
FORENAMES = ["Aurelio", "Benedikta", "Caspian", "Delphine", "Evander", "Fenella", "Gideon", "Henrietta", "Ignatius",
             "Jessamy", "Kasimir", "Leocadia", "Montague", "Nerissa", "Octavian", "Perpetua", "Quintus", "Rosalind",
             "Severin", "Tamsin", "Ulysses", "Verity", "Wilhelmina", "Xanthe", "Yevgeny", "Zenobia", "Alaric",
             "Briony", "Cosimo", "Damaris"]
SURNAMES = ["Quillfeather", "Ravensworth", "Thistlewood", "Brackenbury", "Ollerenshaw", "Featherstonehaugh",
            "Winterbottom", "Cholmondeley", "Postlethwaite", "Marjoribanks", "Ashburnham", "Blenkinsop",
            "Cruickshank", "Dunwoody", "Entwhistle", "Fotheringay", "Gillingwater", "Hollingsworth", "Inchbald",
            "Jagger-Moss", "Kettleborough", "Lightfoot-Ng", "Mountbatten-Oyelaran", "Nethercott", "Oddfellow",
            "Pilkington-Sahin", "Quarrington", "Rowbotham", "Shufflebottom", "Tolliver"]
SCHOOLS = ["100001", "100002", "100003"]


def _upn(i: int) -> str:
    body = f"938{(4000 + i):04d}{(10 + i) % 100:02d}{(500 + i):03d}"
    return upn_check.calc_check_digit(body) + body


def _uln(i: int) -> str:
    digits = [int(c) for c in f"{(6 + i % 3)}{(20000000 + 7919 * i):08d}"]
    check = (10 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11) % 11
    return "".join(map(str, digits)) + str(0 if check == 10 else check)


def build_caseload(folder: Path, people: int = 30) -> tuple[Path, dict[str, list]]:
    """A tracker-a CSV whose personal values appear nowhere else; returns (path, the values to look for)."""
    rows, secret = [], {"surname": [], "forename": [], "upn": [], "uln": [], "postcode": [], "birth": []}
    for i in range(people):
        birth = dt.date(2008, 1, 3) + dt.timedelta(days=97 * i)  # 2008-2016, never a 2024-2026 event date
        received = dt.date(2024, 1, 8) + dt.timedelta(days=23 * i)
        decided = received + dt.timedelta(days=35 + i % 12)
        final = received + dt.timedelta(days=120 + 3 * i)
        issued = final <= dt.date(2026, 10, 31) and i % 5 != 4
        rows.append([
            f"CH{i:04d}", FORENAMES[i], SURNAMES[i], birth.strftime("%d/%m/%Y"), "Female" if i % 2 else "Male",
            _upn(i), _uln(i), f"QX{i % 9 + 1} {i % 10}ZW", str(min(13, max(0, 2026 - birth.year - 5))),
            ["North", "South"][i % 2], ["A. Caseworker", "B. Caseworker"][i % 2], f"REQ{i:04d}",
            received.strftime("%d/%m/%Y"), decided.strftime("%d/%m/%Y"), "Agreed to assess",
            "Plan issued" if issued else "In progress",
            (final - dt.timedelta(days=28)).strftime("%d/%m/%Y") if issued else "",
            final.strftime("%d/%m/%Y") if issued else "", "No", final.strftime("%d/%m/%Y") if issued else "",
            "", SCHOOLS[i % 3], "Autistic spectrum disorder"])
        secret["surname"].append(SURNAMES[i])
        secret["forename"].append(FORENAMES[i])
        secret["upn"].append(_upn(i))
        secret["uln"].append(_uln(i))
        secret["postcode"].append(rows[-1][7])
        secret["birth"].append(birth)
    path = folder / "tracker_private.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADERS] + rows)
    return path, secret


def date_spellings(day: dt.date) -> list[str]:
    mon = day.strftime("%b")
    return [day.isoformat(), day.strftime("%d/%m/%Y"), f"{day.day} {mon} {day.year}", f"{day.day:02d} {mon} {day.year}",
            f"{day.day} {day.strftime('%B')} {day.year}"]


def _needles(secret: dict[str, list]) -> list[tuple[str, str]]:
    out = [(kind, v) for kind in ("surname", "forename", "upn", "uln", "postcode") for v in secret[kind]]
    out += [("birth date", s) for d in secret["birth"] for s in date_spellings(d)]
    return out


def _workbook_text(path: Path) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    parts = []
    for ws in book.worksheets:
        parts.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, dt.datetime):
                    parts.extend(date_spellings(v.date()))
                elif isinstance(v, dt.date):
                    parts.extend(date_spellings(v))
                elif v is not None:
                    parts.append(str(v))
    book.close()
    return "\n".join(parts)


def test_governor_and_inspection_outputs_hold_no_personal_data(tmp_path):
    src, secret = build_caseload(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(src), "--as-at", AS_AT, "--out", str(out),
                                       "--profile", "la-tracker-a"])
    assert result.exit_code in (0, 1), result.output
    governor = sorted((out / "governors").glob("*.html")) + [out / "governors-all-schools.html"]
    assert len(governor) >= 4, "a governor report per school and the all-schools page"
    scanned = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in governor}
    scanned["inspection-pack.html"] = (out / "inspection-pack.html").read_text(encoding="utf-8")
    scanned["inspection-pack.xlsx"] = _workbook_text(out / "inspection-pack.xlsx")
    leaks = [f"{name}: {kind} {value!r}" for name, text in scanned.items() for kind, value in _needles(secret)
             if value in text]
    assert not leaks, "\n".join(leaks[:20])
    # The scan can see: the same values are in the manager's own report, which may name children.
    manager = (out / "send-manager-report.html").read_text(encoding="utf-8") + (out / "findings.csv").read_text()
    assert any(v in manager for _, v in _needles(secret)), "scan found nothing even where names are allowed"
