"""Reading the DfE SEN2 person-level XML return (2023-2026) into the canonical tables.

The file is streamed one ``<Person>`` at a time (a large LA's return holds tens of thousands of plans and the
whole country about 720,000), each element freed as soon as it has been read. Values are collected as plain
dicts and converted a column at a time once the file is read.

Safety: a return comes from outside the checker's control, so the parser never fetches anything, never
expands entities and refuses any document type declaration outright; that shuts out external-entity (XXE) and
entity-expansion ("billion laughs") files before they can do harm.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
from lxml import etree

from ..dataset import QUERY, DataIssue, Dataset, InputError
from ..model import TABLES
from ..quality.registry import GUIDE, check
from . import sen2_years
from .convert import clean_text, parse_dates
from .sen2_canonical import (
    LINED_KINDS,
    canonical_frame,
    map_sen2_items,
    person_ids,
    request_ids,
    review_rows,
    unique_ids,
)
from .sen2_elements import (
    CONTAINER_NAMES,
    ELEMENTS,
    GENDER_TO_SEX,
    HEADER_ITEMS,
    HEADER_YEARS,
    PERSON_ID_ELEMENTS,
    element_for,
    year_note,
)

_PROLOG_LIMIT = 1 << 20  # a prolog longer than 1 MB before the first element is not a SEN2 file
_STREAM_TAGS = [f"{{*}}{n}" for base in ("Person", "Header", "Persons")
                for n in {base, base.lower(), base.upper()}]

# Child containers of each container (lower case).
_CHILDREN = {
    "person": ("requests",),
    "requests": ("assessment", "activeplans"),
    "assessment": ("namedplan",),
    "namedplan": ("plandetail",),
    "activeplans": ("placementdetail", "senneed"),
}
_SINGLE = {"assessment", "namedplan", "activeplans"}  # at most one per parent in the DfE spec
_TABLE_OF = {"person": "person", "requests": "request", "assessment": "assessment", "namedplan": "named_plan",
             "plandetail": "plan_detail", "activeplans": "active_plan", "placementdetail": "placement",
             "senneed": "sen_need"}

SEN2_REPEATED_ELEMENT = check(
    "SEN2-REPEATED-ELEMENT", QUERY,
    "A second Assessment, NamedPlan or ActivePlans element inside one parent, where the SEN2 guide allows one. "
    "Both are read.",
    action="Check the software that produced the return: one request has one assessment, one named plan and "
           "one active plan.", source=f"{GUIDE} (module structure)", tables="assessment, named_plan, active_plan")
SEN2_NO_PLACEMENT_FOR_ITEM = check(
    "SEN2-NO-PLACEMENT-FOR-ITEM", QUERY,
    "A 2023 return gives Res or WBP on an active plan that has no PlacementDetail to carry it (2024 onwards "
    "they belong to the placement); the value is not used.",
    action="Record the placement the residential or work-based learning detail belongs to.",
    source=f"{GUIDE} 2023 items 5.2-5.3", tables="placement")
SEN2_UNKNOWN_ELEMENT = check(
    "SEN2-UNKNOWN-ELEMENT", QUERY,
    "An XML element that is not a SEN2 item (or not in that place); it is ignored. Reported once per name.",
    action="Nothing to do if it is a supplier's own extra; if it should be a SEN2 item, check its spelling.",
    source=f"{GUIDE} (item list)", tables="input file")
SEN2_ELEMENT_NOT_IN_YEAR = check(
    "SEN2-ELEMENT-NOT-IN-YEAR", QUERY,
    "A SEN2 item that does not belong to the return's collection year (e.g. AttendancePattern, 2023 only, in a "
    "2025 return). It is read anyway.",
    action="Check that the software that produced the file is set up for the collection year.",
    source=f"{GUIDE} (items by year)", tables="input file")


def read_sen2_xml(path: Path) -> Dataset:
    """Read one SEN2 XML return. Raises InputError if the file is unsafe, malformed or not SEN2 at all."""
    return _read(Path(path)).dataset()


def read_header(path: Path) -> dict[str, str]:
    """The return's header items (Collection, Year, ReferenceDate, LEA, ...), reading no further than the header:
    how the as-at date is found before a run. The same safety checks as a full read."""
    return dict(_read(Path(path), header_only=True).header_items)


def describe(path: Path) -> tuple[dict, Dataset]:
    """What ``sendcheck inspect`` shows of a return, from a full read: the header, the number of elements of each
    container (``person``, ``requests``, ...), the elements met in each (DfE spelling), the elements that are no
    SEN2 item (with the line each was first met on), and the dataset as ``check`` would read it."""
    reader = _read(Path(path))
    counts = {"person": reader.persons.count} | {c: r.count for c, r in reader.records.items()}  # before dataset()
    found: dict[str, list[str]] = {}
    for (container, lname), _line in sorted(reader.seen.items(), key=lambda kv: kv[1]):
        if container == "header":
            name = HEADER_ITEMS[lname]
        else:
            name = ELEMENTS[container][lname].name
        if name not in found.setdefault(container, []):
            found[container].append(name)
    unknown = [(container, name, line) for (container, name), line in sorted(reader.unknown.items(),
                                                                             key=lambda kv: kv[1])]
    about = {"header": dict(reader.header_items), "counts": counts, "elements": found, "unknown": unknown}
    return about, reader.dataset()


def _read(path: Path, header_only: bool = False) -> _Reader:
    reader = _Reader(path.name)
    root_name = _check_prolog(path)
    if root_name.split(":")[-1].lower() != "message":
        raise InputError(f"{path.name} is not a SEN2 return: its top element is <{root_name}>, expected <Message> "
                         f"holding <Header> and <Persons> with one <Person> per child.")
    try:
        context = etree.iterparse(str(path), events=("end",), tag=_STREAM_TAGS, resolve_entities=False,
                                  no_network=True, huge_tree=False, load_dtd=False, remove_comments=True,
                                  remove_pis=True)
        checked = False
        for _, elem in context:
            if not checked:
                checked = True
                if elem.getroottree().docinfo.doctype:
                    raise InputError(f"{path.name} declares a document type (<!DOCTYPE>); SEN2 returns never "
                                     f"do, and such files are refused for safety.")
            name = _local(elem.tag)
            if name == "person":
                if header_only:
                    return reader
                reader.person(elem)
                _free(elem)
            elif name == "header":
                reader.header(elem)
                if header_only:
                    return reader
            else:
                reader.saw_persons = True
        root = context.root
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else None)
        raise InputError(f"{path.name}, line {line}: the XML is malformed or cut short ({_reason(exc)}). "
                         f"Export the return again and re-run.") from None
    except OSError as exc:
        raise InputError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    if header_only:
        return reader
    if root is not None:
        reader.leftovers(root)
    if not reader.persons.count and not reader.saw_persons:
        collection = reader.header_items.get("Collection")
        said = f" (its header names the {collection} collection)" if collection and collection != "SEN2" else ""
        raise InputError(f"{path.name} is not a SEN2 return{said}: <Message> has no <Persons> element "
                         f"(expected <Message><Header>...</Header><Persons><Person>...).")
    return reader


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _free(elem) -> None:
    """Drop a read <Person> and any read siblings before it, so memory stays flat however big the file."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is None:
        return
    while len(parent) and parent[0] is not elem and len(parent[0]) == 0 and _local(parent[0].tag) == "person":
        del parent[0]


def _reason(exc: etree.XMLSyntaxError) -> str:
    msg = str(exc.msg or exc).split(", line")[0].strip()
    return msg[:200]


def _check_prolog(path: Path) -> str:
    """Refuse DOCTYPE/ENTITY declarations before parsing and return the top element's name."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PROLOG_LIMIT)
    except OSError as exc:
        raise InputError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    if not head.strip():
        raise InputError(f"{path.name} is empty; expected a SEN2 XML return.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("latin-1")
    i, n = 0, len(text)
    while i < n:
        j = text.find("<", i)
        if j < 0:
            break
        if text.startswith("<?", j):
            k = text.find("?>", j)
            i = n if k < 0 else k + 2
        elif text.startswith("<!--", j):
            k = text.find("-->", j)
            i = n if k < 0 else k + 3
        elif text.startswith("<!", j):
            raise InputError(f"{path.name} declares a document type or entities ({text[j:j + 20].split()[0]}); "
                             f"SEN2 returns never do, and such files are refused for safety.")
        else:
            end = j + 1
            while end < n and text[end] not in " \t\r\n/>":
                end += 1
            name = text[j + 1:end]
            if not name:
                break
            return name
    raise InputError(f"{path.name} is not XML: no element found. Expected a SEN2 return (<Message>...).")


class _Records:
    """One container's records, kept column by column: a list per element, padded with None where a record
    lacks it. A dictionary per record costs about a kilobyte; a national return has six million records."""

    def __init__(self):
        self.count = 0
        self.columns: dict[str, list] = {}  # in the order elements are first seen, as a frame of dicts would be

    def new(self, row: int, parent: int | None = None) -> int:
        index = self.count
        self.count += 1
        self.put(index, "_row", row)
        if parent is not None:
            self.put(index, "_parent", parent)
        return index

    def put(self, index: int, key: str, value) -> None:
        column = self.columns.get(key)
        if column is None:
            column = self.columns[key] = []
        if len(column) < index:
            column.extend([None] * (index - len(column)))
        if len(column) == index:
            column.append(value)
        else:  # the same element twice in one record: the last one counts, as before
            column[index] = value

    def frame(self) -> pd.DataFrame:
        """The records as a frame. The lists are handed over: read a container once."""
        columns, self.columns = self.columns, {}
        for column in columns.values():
            column.extend([None] * (self.count - len(column)))
        return pd.DataFrame(columns)


class _Reader:
    def __init__(self, file: str):
        self.file = file
        self.header_items: dict[str, str] = {}
        self.saw_persons = False
        self.persons = _Records()
        self.records: dict[str, _Records] = {c: _Records() for c in _TABLE_OF if c != "person"}
        self.unknown: dict[tuple[str, str], int] = {}  # (container, element as written) -> first line
        self.seen: dict[tuple[str, str], int] = {}  # (container, lower name) -> first line, for year notes
        self.repeats: list[DataIssue] = []
        self._actions: dict[tuple[str, str], tuple] = {}

    # -- streaming -------------------------------------------------------------------------------------
    def header(self, elem) -> None:
        for item in elem.iter():
            if item is elem or not isinstance(item.tag, str) or len(item):
                continue
            name = _local(item.tag)
            text = (item.text or "").strip()
            if name in HEADER_ITEMS:
                self.header_items[HEADER_ITEMS[name]] = text
                self.seen.setdefault(("header", name), item.sourceline)
            else:
                self.unknown.setdefault(("Header", item.tag.rsplit("}", 1)[-1]), item.sourceline)
                self.header_items.setdefault(item.tag.rsplit("}", 1)[-1], text)

    def person(self, elem) -> None:
        self._fill("person", elem, self.persons, self.persons.new(elem.sourceline))

    def _fill(self, container: str, elem, rec: _Records, index: int) -> None:
        counts: dict[str, int] = {}
        actions = self._actions
        for child in elem:
            tag = child.tag
            action = actions.get((container, tag))
            if action is None:
                if not isinstance(tag, str):
                    continue
                action = actions[(container, tag)] = self._action(container, tag, child.sourceline)
            kind = action[0]
            if kind == "field":
                rec.put(index, action[1], child.text)
                if action[2]:
                    rec.put(index, action[3], child.sourceline)
            elif kind == "child":
                sub = action[1]
                counts[sub] = counts.get(sub, 0) + 1
                if sub in _SINGLE and counts[sub] == 2:
                    self.repeats.append(SEN2_REPEATED_ELEMENT.issue(
                        f"{self.file}, line {child.sourceline}: a second <{CONTAINER_NAMES[sub]}> inside one "
                        f"<{CONTAINER_NAMES[container]}>; the SEN2 guide allows one. Both are read.",
                        file=self.file, row=child.sourceline, column=CONTAINER_NAMES[sub]))
                records = self.records[sub]
                self._fill(sub, child, records, records.new(child.sourceline, index))
            elif kind == "own_id":
                rec.put(index, "_own_id", child.text)
            else:
                self.unknown.setdefault((CONTAINER_NAMES[container], action[1]), child.sourceline)

    def _action(self, container: str, tag: str, line: int) -> tuple:
        """What to do with a child element; worked out once per distinct tag, then cached."""
        name = tag.rsplit("}", 1)[-1]
        lname = name.lower()
        if lname in _CHILDREN.get(container, ()):
            return ("child", lname)
        element = element_for(container, lname)
        if element is not None:
            kind = TABLES[element.table].field(element.field).kind
            # Fields stored under a table-qualified key when the container feeds another table (2023 Res/WBP).
            key = element.field if element.table == _TABLE_OF[container] else f"{element.table}.{element.field}"
            if element.codes is GENDER_TO_SEX:
                key = "_gendercurrent"
            self.seen.setdefault((container, lname), line)
            return ("field", key, kind in LINED_KINDS, "_l:" + key)
        if container == "person" and lname in PERSON_ID_ELEMENTS:
            return ("own_id",)
        return ("unknown", name)

    def leftovers(self, root) -> None:
        """Read <Person> elements spelt in a case the streaming filter did not catch (e.g. <PerSon>)."""
        for elem in root.iter():
            if isinstance(elem.tag, str) and _local(elem.tag) == "person" and len(elem):
                self.person(elem)
            elif isinstance(elem.tag, str) and _local(elem.tag) == "persons":
                self.saw_persons = True

    # -- building tables -------------------------------------------------------------------------------
    def dataset(self) -> Dataset:
        ds = Dataset(sources=[self.file], header=dict(self.header_items),
                     sen2_headers={self.file: dict(self.header_items)})
        issues: list[DataIssue] = sen2_years.header_issues(self.header_items, self.file)
        year = sen2_years.collection_year(self.header_items)

        people = self.persons.frame() if self.persons.count else pd.DataFrame({"_row": []})
        for col in ("_own_id", "upn", "uln", "_gendercurrent", "sex"):
            if col not in people.columns:
                people[col] = None
        if people["_gendercurrent"].notna().any():
            gender = clean_text(people["_gendercurrent"]).map(lambda v: GENDER_TO_SEX.get(v, v) if v else None)
            people["sex"] = clean_text(people["sex"]).fillna(gender)
        pid = person_ids(people["_own_id"], people["upn"], people["uln"], people["_row"])
        pid, dup = unique_ids(pid, people["_row"], file=self.file, sheet="", table="person", what="person")
        issues += dup
        people["person_id"] = pid
        who = clean_text(people["upn"]).fillna(clean_text(people["uln"])).fillna(pid)
        frame, found = self._convert("person", people, pid)
        ds.add("person", frame)
        issues += found

        req = self._raw("requests")
        req["person_id"] = pid.reindex(req["_parent"].astype("Int64")).to_numpy() if len(req) else []
        if "received_date" not in req.columns:
            req["received_date"] = None
        received = parse_dates(req["received_date"])[0]
        rid = request_ids(pd.Series(who.reindex(req["_parent"]).to_numpy(), index=req.index, dtype=object),
                          received, req["received_date"])
        rid, dup = unique_ids(rid, req["_row"], file=self.file, sheet="", table="request", what="request")
        issues += dup
        req["request_id"] = rid
        frame, found = self._convert("request", req, rid)
        ds.add("request", frame)
        issues += found

        def child(container: str, parent_ids: pd.Series) -> pd.DataFrame:
            """A module's raw rows, each given the request id of the element it sits in."""
            raw = self._raw(container)
            raw["request_id"] = parent_ids.reindex(raw["_parent"]).to_numpy() if len(raw) else []
            return raw

        def add(table: str, raw: pd.DataFrame) -> pd.DataFrame:
            frame, found = self._convert(table, raw, raw["request_id"])
            ds.add(table, frame)
            issues.extend(found)
            return frame

        assessment = child("assessment", rid)
        add("assessment", assessment)
        named = child("namedplan", assessment["request_id"])
        add("named_plan", named)
        add("plan_detail", child("plandetail", named["request_id"]))

        active = child("activeplans", rid)
        issues += self._reviews(ds, active, add("active_plan", active))
        placement = child("placementdetail", active["request_id"])
        issues += self._plan_level_placement_items(active, placement)
        add("placement", placement)
        add("sen_need", child("senneed", active["request_id"]))

        issues += self.repeats
        issues += self._element_notes(year)
        ds.issues.extend(issues)
        map_sen2_items(ds)
        return ds

    def _raw(self, container: str) -> pd.DataFrame:
        records = self.records[container]
        if not records.count:
            return pd.DataFrame({"_row": pd.Series([], dtype=object), "_parent": pd.Series([], dtype="Int64")})
        return records.frame()

    def _convert(self, table: str, raw: pd.DataFrame, ids: pd.Series) -> tuple[pd.DataFrame, list[DataIssue]]:
        names = {}
        for elements in ELEMENTS.values():
            for e in elements.values():
                if e.table == table:
                    names.setdefault(e.field, e.name)
        if table == "person" and "_gendercurrent" in raw.columns and raw["_gendercurrent"].notna().any():
            names["sex"] = "Sex/GenderCurrent"
        lines = {c[3:]: raw[c].where(raw[c].notna(), raw["_row"]) for c in raw.columns if c.startswith("_l:")}
        return canonical_frame(table, raw, file=self.file, columns=names, lines=lines,
                               record_ids=pd.Series(ids.to_numpy(), index=raw.index, dtype=object),
                               year=sen2_years.collection_year(self.header_items))

    def _reviews(self, ds: Dataset, raw: pd.DataFrame, active: pd.DataFrame) -> list[DataIssue]:
        """One review row per active plan that reports a review meeting or a review decision (``review_rows``:
        a meeting later than LastReview is a review awaiting its decision)."""
        if not len(raw):
            return []
        has = pd.Series(False, index=raw.index)
        for col in ("review_meeting", "last_review"):
            if col in raw.columns:
                has |= clean_text(raw[col]).notna()
        if not has.any():
            return []
        ds.add("review", review_rows(active[has.to_numpy()]))
        return []

    def _plan_level_placement_items(self, active: pd.DataFrame, placement: pd.DataFrame) -> list[DataIssue]:
        """2023 returns carry Res/WBP on ActivePlans: copy them to the plan's placements (2024+ shape)."""
        issues = []
        for field in ("res", "wbp"):
            key = f"placement.{field}"
            if key not in active.columns or not active[key].notna().any():
                continue
            if field not in placement.columns:
                placement[field] = None
            if len(placement):
                from_plan = active[key].reindex(placement["_parent"]).to_numpy()
                placement[field] = placement[field].where(placement[field].notna(), pd.Series(
                    from_plan, index=placement.index))
                if "_l:" + key in active.columns:
                    lines = active["_l:" + key].reindex(placement["_parent"]).to_numpy()
                    placement["_l:" + field] = pd.Series(lines, index=placement.index)
            orphans = active[active[key].notna() & ~active.index.isin(placement["_parent"])]
            for i in orphans.index:
                issues.append(SEN2_NO_PLACEMENT_FOR_ITEM.issue(
                    f"{self.file}, line {orphans.at[i, '_row']}: <ActivePlans> gives {field.upper()} "
                    f"{orphans.at[i, key]!r} but has no <PlacementDetail> to hold it; the value is not used.",
                    file=self.file, row=int(orphans.at[i, "_row"]), column=field.upper(),
                    value=str(orphans.at[i, key]), table="placement", record_id=str(orphans.at[i, "request_id"])))
        return issues

    def _element_notes(self, year: int | None) -> list[DataIssue]:
        issues = []
        for (container, name), line in sorted(self.unknown.items(), key=lambda kv: kv[1]):
            issues.append(SEN2_UNKNOWN_ELEMENT.issue(
                f"{self.file}, line {line}: <{name}> inside <{container}> is not a SEN2 item; it is ignored "
                f"(first seen here, reported once).", file=self.file, row=line, column=name))
        for (container, lname), line in sorted(self.seen.items(), key=lambda kv: kv[1]):
            if container == "header":
                years = HEADER_YEARS.get(lname)
                note = None if years is None or year is None or year in years else \
                    f"{HEADER_ITEMS[lname]} is collected from the {min(years)} return onwards"
                name = HEADER_ITEMS[lname]
            else:
                element = element_for(container, lname)
                note = year_note(element, year)
                name = element.name
            if note:
                issues.append(SEN2_ELEMENT_NOT_IN_YEAR.issue(
                    f"{self.file}, line {line}: <{name}> in a {year} return: {note}. It is read anyway; check "
                    f"the software that produced the file is set up for {year}.",
                    file=self.file, row=line, column=name))
        return issues
