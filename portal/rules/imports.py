"""CSV imports of reference data (A2): qualification records (Q1) and practice records made
before the portal (Q2). Pure: bytes and plain data in, plain data out; no Flask, no database.

The steps, each a function:

1. ``decode``: UTF-8 (with or without BOM) first, strictly; else GB18030 (a superset of GBK,
   what Excel writes on a Chinese Windows); binary junk is refused.
2. ``parse``: the csv module; the first line names the columns, in Chinese (the template) or
   English; a column the file lacks is a file error.
3. ``validate``: every line on its own (names and ID numbers as at sign-up, D1), then the file
   as a whole (a certificate number twice, one ID number under two names).
4. ``compare``: against what the tenant already holds (passed in as plain dicts): a record
   with the same certificate number and the same values is *unchanged* (re-importing a file
   changes nothing); with other values it is a *conflict*, an error: the import never
   overwrites a record silently.

Errors are ``Problem``s: a line number as in the file (the header is line 1), a column key
and a message key with its parameters; the view words them in the user's language.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from portal.rules.catalogue import SCOPES
from portal.rules.idcard import birth_date
from portal.rules.identity import id_number_error, normalise_real_name, real_name_error

MAX_BYTES = 5 * 1024 * 1024
QUALIFICATIONS = "qualifications"
PRACTICE_RECORDS = "practice-records"
KINDS = (QUALIFICATIONS, PRACTICE_RECORDS)


@dataclass(frozen=True)
class Column:
    key: str
    #: the header of the template (Chinese) and the English one also accepted
    header: str
    english: str
    aliases: tuple[str, ...] = ()
    required: bool = True


_NAME = Column("name", "姓名", "name", ("真实姓名",))
_ID = Column("id_number", "身份证号", "id_number", ("身份证号码", "公民身份号码", "身份证", "id number", "id no"))

COLUMNS: dict[str, tuple[Column, ...]] = {
    QUALIFICATIONS: (
        _NAME, _ID,
        Column("certificate_no", "证书编号", "certificate_no",
               ("证书号", "资格证书编号", "证书或通知书编号", "通知书编号", "certificate number", "certificate")),
        Column("level", "级别", "level", ("医师级别", "资格级别")),
        Column("category", "类别", "category", ("执业类别", "资格类别")),
        Column("rural_general", "乡村全科", "rural_general",
               ("乡村全科执业助理医师", "rural general", "rural"), required=False),
        Column("is_notice", "仅通知书", "is_notice", ("通知书", "notice only", "notice"), required=False),
        Column("obtained_on", "取得日期", "obtained_on", ("取得时间", "取得资格日期", "date obtained", "obtained")),
    ),
    PRACTICE_RECORDS: (
        _NAME, _ID,
        Column("certificate_no", "证书编号", "certificate_no",
               ("证书号", "执业证书编号", "注册证书编号", "certificate number", "certificate")),
        Column("institution_name", "执业机构", "institution",
               ("执业机构名称", "机构名称", "主要执业机构", "institution name")),
        Column("scopes", "执业范围", "scopes", ("scope",)),
        Column("registered_on", "注册日期", "registered_on", ("注册时间", "registration date", "date registered")),
    ),
}

#: longest certificate number per kind: a practice record's becomes an application's
#: certificate number at activation (D5), a 20-character column
MAX_CERTIFICATE = {QUALIFICATIONS: 40, PRACTICE_RECORDS: 20}
MAX_INSTITUTION = 100
MAX_SCOPES = 200

LEVELS = {"执业医师": "practitioner", "医师": "practitioner", "practitioner": "practitioner",
          "执业助理医师": "assistant", "助理医师": "assistant", "assistant": "assistant"}
CATEGORIES = {"临床": "clinical", "clinical": "clinical", "中医": "tcm", "tcm": "tcm",
              "traditional chinese medicine": "tcm", "口腔": "dental", "dental": "dental",
              "公共卫生": "public_health", "public health": "public_health", "public_health": "public_health"}
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", ""}
SCOPE_SEPARATORS = re.compile(r"[、;；,，]")
_CERTIFICATE = re.compile(r"[0-9A-Za-z-]+")
_DATE = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; ``key`` names the message, ``params`` fill it."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Problem:
    """One thing wrong on one line: ``line`` as in the file (header = 1), ``column`` a column
    key (None for the whole line), ``key`` the message and ``params`` its values."""

    line: int
    column: str | None
    key: str
    params: dict = field(default_factory=dict, hash=False, compare=True)


@dataclass
class Parsed:
    kind: str
    #: column key -> the header as written in the file
    headers: dict[str, str]
    #: headers the file has that are not ours: ignored, and said so
    ignored: list[str]
    #: (line number, {column key: raw text})
    rows: list[tuple[int, dict[str, str]]]
    problems: list[Problem] = field(default_factory=list)


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

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def lines_with_problems(self) -> int:
        return len({p.line for p in self.problems})


# ---- 1. decoding ------------------------------------------------------------------------------

def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped) or else GB18030/GBK. Refuses an empty file,
    one over ``MAX_BYTES``, one in neither encoding and one with binary content."""
    if not raw or not raw.strip():
        raise ImportFileError("empty")
    if len(raw) > MAX_BYTES:
        raise ImportFileError("too_big", mb=MAX_BYTES // (1024 * 1024))
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError("utf16")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ImportFileError("encoding") from None
    # GB18030 decodes many byte sequences, so binary junk shows itself by its control and
    # private-use characters (a spreadsheet file, an image, a zip: all carry NUL bytes)
    if any(unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch not in "\t\r\n" for ch in text):
        raise ImportFileError("not_text")
    return text


# ---- 2. parsing -------------------------------------------------------------------------------

def _normal_header(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.replace("\ufeff", "").strip().lower()).strip()


def _header_index(kind: str) -> dict[str, str]:
    out = {}
    for col in COLUMNS[kind]:
        for name in (col.header, col.english, col.key, *col.aliases):
            out[_normal_header(name)] = col.key
    return out


def parse(text: str, kind: str) -> Parsed:
    """Rows keyed by column; a file error when the first line does not name our columns."""
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}")
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = "\t" if "," not in first and "\t" in first else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    index = _header_index(kind)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            raise ImportFileError("empty")
        header_line = reader.line_num
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        ignored = []
        for i, cell in enumerate(header):
            key = index.get(_normal_header(cell))
            if key is None:
                if cell.strip():
                    ignored.append(cell.strip())
                continue
            if key in positions:
                raise ImportFileError("duplicate_column", column=cell.strip())
            positions[key] = i
            headers[key] = cell.strip().lstrip("\ufeff")
        missing = [c.header for c in COLUMNS[kind] if c.required and c.key not in positions]
        if missing:
            raise ImportFileError("missing_columns", columns="、".join(missing))
        rows, problems = [], []
        width = len(header)
        previous_end = header_line
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line (Excel leaves some at the end)
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                problems.append(Problem(start, None, "line_width", {"found": len(cells), "expected": width}))
            rows.append((start, {key: (cells[i] if i < len(cells) else "") for key, i in positions.items()}))
    except csv.Error:
        raise ImportFileError("csv", line=reader.line_num) from None
    if not rows:
        raise ImportFileError("no_rows")
    return Parsed(kind, headers, ignored, rows, problems)


# ---- 3. validation ----------------------------------------------------------------------------

def parse_date(value: str) -> date | None:
    """2024-09-01, 2024/9/1, 2024.9.1, 2024年9月1日 or 20240901; None when it is no date."""
    value = unicodedata.normalize("NFKC", value).strip()
    match = _DATE.fullmatch(value) or _COMPACT_DATE.fullmatch(value)
    if not match:
        return None
    try:
        return date(*(int(x) for x in match.groups()))
    except ValueError:
        return None


def parse_flag(value: str) -> bool | None:
    value = value.strip().lower()
    return True if value in YES else False if value in NO else None


def _enum(table: dict[str, str], value: str) -> str | None:
    value = re.sub(r"\s+", " ", value.strip().lower())
    if value.endswith("类别") or (value.endswith("类") and len(value) > 2):
        value = value[:-2] if value.endswith("类别") else value[:-1]
    return table.get(value)


def scope_names(value: str) -> list[str]:
    """The scope names of a cell (内科专业、外科专业 or 内科专业;外科专业), each once, in order."""
    names = [part.strip() for part in SCOPE_SEPARATORS.split(value)]
    return list(dict.fromkeys(n for n in names if n))


def scope_categories(names: list[str]) -> set[str]:
    """The categories whose catalogue (L9) has every one of ``names``."""
    return {cat for cat, scopes in SCOPES.items() if set(names) <= {name for _, name in scopes}}


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
    day = parse_date(value)
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
    number = _required(line, "certificate_no", unicodedata.normalize("NFKC", raw["certificate_no"]), errs)
    if number is not None:
        if not _CERTIFICATE.fullmatch(number) or len(number) > MAX_CERTIFICATE[kind]:
            errs.append(Problem(line, "certificate_no", "certificate", {"max": MAX_CERTIFICATE[kind]}))
        else:
            out["certificate_no"] = number.upper()
    return out


def _qualification(line: int, raw: dict[str, str], today: date, errs: list[Problem]) -> dict:
    out = _common(QUALIFICATIONS, line, raw, errs)
    born = birth_date(out["id_number"]) if "id_number" in out else None
    level = _required(line, "level", raw["level"], errs)
    if level is not None:
        out["level"] = _enum(LEVELS, level)
        if out["level"] is None:
            errs.append(Problem(line, "level", "level"))
    category = _required(line, "category", raw["category"], errs)
    if category is not None:
        out["category"] = _enum(CATEGORIES, category)
        if out["category"] is None:
            errs.append(Problem(line, "category", "category"))
    for key in ("rural_general", "is_notice"):
        flag = parse_flag(raw.get(key, ""))
        if flag is None:
            errs.append(Problem(line, key, "flag"))
        out[key] = bool(flag)
    if out["rural_general"] and out.get("level") == "practitioner":
        errs.append(Problem(line, "rural_general", "rural_practitioner"))
    out["obtained_on"] = _check_date(line, "obtained_on", raw["obtained_on"], today, born, errs)
    return out


def _practice_record(line: int, raw: dict[str, str], today: date, errs: list[Problem]) -> dict:
    out = _common(PRACTICE_RECORDS, line, raw, errs)
    born = birth_date(out["id_number"]) if "id_number" in out else None
    institution = _required(line, "institution_name", raw["institution_name"], errs)
    if institution is not None:
        if len(institution) > MAX_INSTITUTION:
            errs.append(Problem(line, "institution_name", "too_long", {"max": MAX_INSTITUTION}))
        else:
            out["institution_name"] = institution
    scopes = _required(line, "scopes", raw["scopes"], errs)
    if scopes is not None:
        names = scope_names(scopes)
        known = {name for pairs in SCOPES.values() for _, name in pairs}
        unknown = [n for n in names if n not in known]
        if not names:
            errs.append(Problem(line, "scopes", "required"))
        elif unknown:
            errs.append(Problem(line, "scopes", "scope_unknown", {"names": "、".join(unknown)}))
        elif not scope_categories(names):
            errs.append(Problem(line, "scopes", "scope_mixed"))
        elif len("、".join(names)) > MAX_SCOPES:
            errs.append(Problem(line, "scopes", "too_long", {"max": MAX_SCOPES}))
        else:
            out["scopes"] = "、".join(names)
    out["registered_on"] = _check_date(line, "registered_on", raw["registered_on"], today, born, errs)
    return out


_VALIDATORS = {QUALIFICATIONS: _qualification, PRACTICE_RECORDS: _practice_record}


def validate(parsed: Parsed, today: date) -> tuple[list[Record], list[Problem]]:
    """Every line checked on its own, then across the file: a certificate number only once,
    an ID number under one name only. Returns the lines without problems, and the problems."""
    problems = list(parsed.problems)
    bad_lines = {p.line for p in parsed.problems}
    records = []
    first_line_of: dict[str, int] = {}
    name_of_id: dict[str, tuple[str, int]] = {}
    for line, raw in parsed.rows:
        errs: list[Problem] = []
        values = _VALIDATORS[parsed.kind](line, raw, today, errs)
        number = values.get("certificate_no")
        if number is not None:
            if number in first_line_of:
                errs.append(Problem(line, "certificate_no", "duplicate", {"line": first_line_of[number]}))
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
    QUALIFICATIONS: ("name", "id_number", "level", "category", "rural_general", "is_notice", "obtained_on"),
    PRACTICE_RECORDS: ("name", "id_number", "institution_name", "scopes", "registered_on"),
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


def compare(parsed: Parsed, records: list[Record], problems: list[Problem], held: Holdings) -> Preview:
    """New, unchanged or in conflict with what the tenant holds."""
    problems = list(problems)
    new, unchanged = [], 0
    fields = FIELDS[parsed.kind]
    for record in records:
        v = record.values
        errs = []
        names = held.names_by_id.get(v["id_number"], set())
        if names and v["name"] not in names:
            errs.append(Problem(record.line, "name", "id_other_name_in_records"))
        if parsed.kind == PRACTICE_RECORDS:
            cats = held.categories.get((v["name"], v["id_number"]))
            outside = [n for n in scope_names(v["scopes"])
                       if cats and not any(n in {name for _, name in SCOPES[c]} for c in cats)]
            if outside:
                errs.append(Problem(record.line, "scopes", "scope_category", {"names": "、".join(outside)}))
        old = held.existing.get(v["certificate_no"])
        if old is not None:
            differ = [f for f in fields if old.get(f) != v[f]]
            if differ:
                errs.append(Problem(record.line, "certificate_no", "conflict", {"fields": differ}))
            elif not errs:
                unchanged += 1
                continue
        elif parsed.kind == PRACTICE_RECORDS and v["certificate_no"] in held.portal_numbers:
            errs.append(Problem(record.line, "certificate_no", "portal_number"))
        if errs:
            problems.extend(errs)
        else:
            new.append(record)
    problems.sort(key=lambda p: p.line)
    return Preview(parsed.kind, parsed.headers, parsed.ignored, len(parsed.rows), new, unchanged, problems)


def template(kind: str) -> bytes:
    """The template a province administrator fills in: the header line, UTF-8 with a BOM (so
    Excel opens it as UTF-8)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([c.header for c in COLUMNS[kind]])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
