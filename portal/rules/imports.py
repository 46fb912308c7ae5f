"""CSV imports of reference data (A2): qualification records (Q1) and practice records made
before the portal (Q2). Pure: bytes and plain data in, plain data out; no Flask, no database.

The steps, each a function:

1. ``decode`` and 2. ``parse`` (``portal.rules.import_reading``): the file's text, then its
   rows keyed by column.
3. ``validate``: every line on its own (names and ID numbers as at sign-up, D1), then the file
   as a whole (a certificate number twice, one ID number under two names).
4. ``compare``: against what the tenant already holds (passed in as plain dicts): a record
   with the same certificate number and the same values is *unchanged* (re-importing a file
   changes nothing); with other values it is a *conflict*, an error: the import never
   overwrites a record silently.

The format (columns, accepted values, the template) is ``portal.rules.import_format``.

Errors are ``Problem``s: a line number as in the file (the header is line 1), a column key
and a message key with its parameters; the view words them in the user's language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from portal.rules import import_format as fmt
from portal.rules.catalogue import SCOPES
from portal.rules.idcard import birth_date
from portal.rules.identity import id_number_error, normalise_real_name, real_name_error
from portal.rules.import_reading import (
    ImportFileError,
    Parsed,
    Problem,
    data_rows,
    open_reader,
    read_header,
)


@dataclass
class Record:
    line: int
    values: dict


@dataclass
class Preview:
    kind: str
    headers: dict[str, str]
    ignored: list[str]
    total: int
    new: list[Record]
    unchanged: int
    problems: list[Problem]
    #: A2, Q2: lines otherwise valid whose institution matches none of the portal's (or several):
    #: not written, reported with their line and value; they do not block the rest of the file
    skipped: list[Problem] = field(default_factory=list)
    #: a streamed file (``check_stream``) keeps only the first few of ``new``, ``problems`` and
    #: ``skipped``; these count the whole file's (None: the lists are whole)
    counts: dict[str, int] | None = None

    def _count(self, key: str, items: list) -> int:
        return self.counts[key] if self.counts is not None else len(items)

    @property
    def new_count(self) -> int:
        return self._count("new", self.new)

    @property
    def problem_count(self) -> int:
        return self._count("problems", self.problems)

    @property
    def skipped_count(self) -> int:
        return self._count("skipped", self.skipped)

    @property
    def valid(self) -> bool:
        return not self.problem_count

    @property
    def lines_with_problems(self) -> int:
        if self.counts is not None:
            return self.counts["lines_with_problems"]
        return len({p.line for p in self.problems})


# ---- 3. validation ----------------------------------------------------------------------------


def _required(line, key, raw, errs) -> str | None:
    value = raw.strip()
    if not value:
        errs.append(Problem(line, key, "required"))
        return None
    return value


def _check_date(line, key, raw, today, born, errs) -> date | None:
    value = _required(line, key, raw, errs)
    if value is None:
        return None
    day = fmt.parse_date(value)
    if day is None:
        errs.append(Problem(line, key, "date"))
    elif day > today:
        errs.append(Problem(line, key, "date_future"))
    elif born is not None and day <= born:
        errs.append(Problem(line, key, "date_before_birth"))
    else:
        return day
    return None


def _common(kind: str, line: int, raw: dict[str, str], errs: list[Problem]) -> dict:
    out = {}
    name = _required(line, "name", raw["name"], errs)
    if name is not None:
        error = real_name_error(name)
        if error:
            errs.append(Problem(line, "name", error))
        else:
            out["name"] = normalise_real_name(name)
    # full-width digits and letters (４２０…, Ｘ) from a Chinese input method, read as ASCII
    id_number = _required(line, "id_number", unicodedata.normalize("NFKC", raw["id_number"]), errs)
    if id_number is not None:
        error = id_number_error(id_number)
        if error:
            errs.append(Problem(line, "id_number", error))
        else:
            out["id_number"] = id_number.upper()
    number = _required(
        line, "certificate_no", unicodedata.normalize("NFKC", raw["certificate_no"]), errs
    )
    if number is not None:
        if not fmt.CERTIFICATE_PATTERN.fullmatch(number) or len(number) > fmt.MAX_CERTIFICATE[kind]:
            errs.append(
                Problem(line, "certificate_no", "certificate", {"max": fmt.MAX_CERTIFICATE[kind]})
            )
        else:
            out["certificate_no"] = number.upper()
    return out


def _qualification(line: int, raw: dict[str, str], today: date, errs: list[Problem]) -> dict:
    out = _common(fmt.QUALIFICATIONS, line, raw, errs)
    born = birth_date(out["id_number"]) if "id_number" in out else None
    level = _required(line, "level", raw["level"], errs)
    if level is not None:
        out["level"] = fmt.enum_value(fmt.LEVELS, level)
        if out["level"] is None:
            errs.append(Problem(line, "level", "level"))
    category = _required(line, "category", raw["category"], errs)
    if category is not None:
        out["category"] = fmt.enum_value(fmt.CATEGORIES, category)
        if out["category"] is None:
            errs.append(Problem(line, "category", "category"))
    for key in ("rural_general", "is_notice"):
        flag = fmt.parse_flag(raw.get(key, ""))
        if flag is None:
            errs.append(Problem(line, key, "flag"))
        out[key] = bool(flag)
    if out["rural_general"] and out.get("level") == "practitioner":
        errs.append(Problem(line, "rural_general", "rural_practitioner"))
    out["obtained_on"] = _check_date(line, "obtained_on", raw["obtained_on"], today, born, errs)
    return out


def _practice_record(line: int, raw: dict[str, str], today: date, errs: list[Problem]) -> dict:
    out = _common(fmt.PRACTICE_RECORDS, line, raw, errs)
    born = birth_date(out["id_number"]) if "id_number" in out else None
    institution = _required(line, "institution_name", raw["institution_name"], errs)
    if institution is not None:
        if len(institution) > fmt.MAX_INSTITUTION:
            errs.append(Problem(line, "institution_name", "too_long", {"max": fmt.MAX_INSTITUTION}))
        else:
            out["institution_name"] = institution
    code = unicodedata.normalize("NFKC", raw.get("institution_code", "")).strip().upper()
    if len(code) > fmt.MAX_INSTITUTION_CODE:
        errs.append(
            Problem(line, "institution_code", "too_long", {"max": fmt.MAX_INSTITUTION_CODE})
        )
    out["institution_code"] = code
    level = raw.get("level", "").strip()
    out["level"] = None
    if level:
        out["level"] = fmt.enum_value(fmt.LEVELS, level)
        if out["level"] is None:
            errs.append(Problem(line, "level", "level"))
    scopes = _required(line, "scopes", raw["scopes"], errs)
    if scopes is not None:
        names = fmt.scope_names(scopes)
        known = {name for pairs in SCOPES.values() for _, name in pairs}
        unknown = [n for n in names if n not in known]
        if not names:
            errs.append(Problem(line, "scopes", "required"))
        elif unknown:
            errs.append(Problem(line, "scopes", "scope_unknown", {"names": "、".join(unknown)}))
        elif not fmt.scope_categories(names):
            errs.append(Problem(line, "scopes", "scope_mixed"))
        elif len("、".join(names)) > fmt.MAX_SCOPES:
            errs.append(Problem(line, "scopes", "too_long", {"max": fmt.MAX_SCOPES}))
        else:
            out["scopes"] = "、".join(names)
    out["registered_on"] = _check_date(
        line, "registered_on", raw["registered_on"], today, born, errs
    )
    return out


_VALIDATORS = {fmt.QUALIFICATIONS: _qualification, fmt.PRACTICE_RECORDS: _practice_record}


@dataclass
class Seen:
    """What the lines read so far hold, for the checks across the file."""

    first_line_of: dict[str, int] = field(default_factory=dict)
    name_of_id: dict[str, tuple[str, int]] = field(default_factory=dict)


def validate(
    parsed: Parsed, today: date, seen: Seen | None = None
) -> tuple[list[Record], list[Problem]]:
    """Every line checked on its own, then across the file: a certificate number only once,
    an ID number under one name only. Returns the lines without problems, and the problems.
    ``seen`` carries the lines of earlier parts of the same file (``check_stream``)."""
    problems = list(parsed.problems)
    bad_lines = {p.line for p in parsed.problems}
    records = []
    seen = seen or Seen()
    first_line_of, name_of_id = seen.first_line_of, seen.name_of_id
    for line, raw in parsed.rows:
        errs: list[Problem] = []
        values = _VALIDATORS[parsed.kind](line, raw, today, errs)
        number = values.get("certificate_no")
        if number is not None:
            if number in first_line_of:
                errs.append(
                    Problem(line, "certificate_no", "duplicate", {"line": first_line_of[number]})
                )
            else:
                first_line_of[number] = line
        if "id_number" in values and "name" in values:
            seen = name_of_id.setdefault(values["id_number"], (values["name"], line))
            if seen[0] != values["name"]:
                errs.append(Problem(line, "name", "id_other_name_in_file", {"line": seen[1]}))
        problems.extend(errs)
        if not errs and line not in bad_lines:
            records.append(Record(line, values))
    return records, problems


# ---- 4. comparison with the tenant's records ---------------------------------------------------

#: the fields a record is compared on (what the import writes)
FIELDS = {
    fmt.QUALIFICATIONS: (
        "name",
        "id_number",
        "level",
        "category",
        "rural_general",
        "is_notice",
        "obtained_on",
    ),
    fmt.PRACTICE_RECORDS: ("name", "id_number", "institution_name", "scopes", "registered_on"),
}


@dataclass
class Holdings:
    """What the tenant already holds, for the numbers and ID numbers of one file."""

    #: certificate number -> the record's values (the keys of ``FIELDS``)
    existing: dict[str, dict] = field(default_factory=dict)
    #: ID number -> names on the tenant's qualification and practice records
    names_by_id: dict[str, set[str]] = field(default_factory=dict)
    #: (name, ID number) -> categories of the person's qualifications (Q2 scope check)
    categories: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    #: certificate numbers of registrations issued on the portal (Q2: a new record may not take one)
    portal_numbers: set[str] = field(default_factory=set)
    #: the tenant's institutions (D5): code -> id, and exact name -> ids (a name may be shared)
    institution_codes: dict[str, int] = field(default_factory=dict)
    institution_names: dict[str, list[int]] = field(default_factory=dict)


def match_institution(values: dict, held: Holdings) -> tuple[int | None, str | None]:
    """Q2, D5: the portal's institution of a practice record: by the code when the line gives
    one, else by the exact name. (id, None), or (None, the problem's key)."""
    code = values.get("institution_code", "")
    if code:
        found = held.institution_codes.get(code)
        return (found, None) if found is not None else (None, "institution_code_unknown")
    ids = held.institution_names.get(values["institution_name"], [])
    if len(ids) == 1:
        return ids[0], None
    return None, ("institution_ambiguous" if ids else "institution_unknown")


def compare(
    parsed: Parsed, records: list[Record], problems: list[Problem], held: Holdings
) -> Preview:
    """New, unchanged or in conflict with what the tenant holds."""
    problems = list(problems)
    new, unchanged, skipped = [], 0, []
    fields = FIELDS[parsed.kind]
    for record in records:
        v = record.values
        errs = []
        names = held.names_by_id.get(v["id_number"], set())
        if names and v["name"] not in names:
            errs.append(Problem(record.line, "name", "id_other_name_in_records"))
        if parsed.kind == fmt.PRACTICE_RECORDS:
            cats = held.categories.get((v["name"], v["id_number"]))
            outside = [
                n
                for n in fmt.scope_names(v["scopes"])
                if cats and not any(n in {name for _, name in SCOPES[c]} for c in cats)
            ]
            if outside:
                errs.append(
                    Problem(record.line, "scopes", "scope_category", {"names": "、".join(outside)})
                )
        old = held.existing.get(v["certificate_no"])
        if old is not None:
            differ = [f for f in fields if old.get(f) != v[f]]
            if differ:
                errs.append(Problem(record.line, "certificate_no", "conflict", {"fields": differ}))
            elif not errs:
                unchanged += 1
                continue
        elif parsed.kind == fmt.PRACTICE_RECORDS and v["certificate_no"] in held.portal_numbers:
            errs.append(Problem(record.line, "certificate_no", "portal_number"))
        if errs:
            problems.extend(errs)
            continue
        if parsed.kind == fmt.PRACTICE_RECORDS:
            code = v.pop("institution_code", "")
            v["institution_id"], key = match_institution(dict(v, institution_code=code), held)
            if key is not None:
                column = "institution_code" if code else "institution_name"
                skipped.append(
                    Problem(record.line, column, key, {"value": code or v["institution_name"]})
                )
                continue
        new.append(record)
    problems.sort(key=lambda p: p.line)
    return Preview(
        parsed.kind,
        parsed.headers,
        parsed.ignored,
        len(parsed.rows),
        new,
        unchanged,
        problems,
        skipped,
    )


# ---- 5. a file of any length, a part at a time ---------------------------------------------------

#: lines checked (and written) together
STREAM_CHUNK = 2000


def check_stream(
    text: str,
    kind: str,
    today: date,
    holdings: Callable[[list[Record]], Holdings],
    write: Callable[[list[Record]], None] | None = None,
    *,
    keep: int = 200,
    sample: int = 20,
    chunk: int = STREAM_CHUNK,
) -> Preview:
    """``parse``, ``validate`` and ``compare`` a part of ``chunk`` lines at a time, so a file of
    200,000 lines never has 200,000 records in memory: ``holdings`` is asked what the tenant
    holds for each part's records, ``write`` (the confirmation) is given each part's new
    records as soon as they are known. The Preview keeps the first ``keep`` problems and
    skipped lines and ``sample`` new records, and counts them all. A problem anywhere makes the
    whole file invalid: the caller writes in one transaction and rolls back then."""
    reader = open_reader(text, kind)
    head = read_header(reader, kind)
    seen = Seen()
    out = Preview(kind, head.headers, head.ignored, 0, [], 0, [], [], counts={})
    counts = dict.fromkeys(("new", "problems", "skipped", "lines_with_problems"), 0)

    def flush(rows: list, width_problems: list[Problem]) -> None:
        parsed = Parsed(kind, head.headers, head.ignored, rows, width_problems)
        records, problems = validate(parsed, today, seen)
        part = compare(parsed, records, problems, holdings(records))
        out.total += len(rows)
        out.unchanged += part.unchanged
        counts["new"] += len(part.new)
        counts["problems"] += len(part.problems)
        counts["skipped"] += len(part.skipped)
        counts["lines_with_problems"] += len({p.line for p in part.problems})
        out.problems.extend(part.problems[: keep - len(out.problems)])
        out.skipped.extend(part.skipped[: keep - len(out.skipped)])
        out.new.extend(part.new[: sample - len(out.new)])
        if write is not None and part.new and not counts["problems"]:
            write(part.new)

    rows: list = []
    width_problems: list[Problem] = []
    for line, raw, problem in data_rows(reader, head):
        rows.append((line, raw))
        if problem is not None:
            width_problems.append(problem)
        if len(rows) >= chunk:
            flush(rows, width_problems)
            rows, width_problems = [], []
    if rows:
        flush(rows, width_problems)
    if not out.total:
        raise ImportFileError("no_rows")
    out.counts = counts
    return out
