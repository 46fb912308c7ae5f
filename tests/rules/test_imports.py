"""A2, Q1, Q2: reading and checking a CSV file of reference data, as pure functions
(portal.rules.import_reading, portal.rules.imports). No app, no database."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from portal.rules.import_format import (
    MAX_BYTES,
    PRACTICE_RECORDS,
    QUALIFICATIONS,
    parse_date,
    parse_flag,
    scope_names,
    template,
)
from portal.rules.import_reading import ImportFileError, decode, parse
from portal.rules.imports import Holdings, check_stream, compare, validate
from tests.support.journey import resident_id

TODAY = date(2026, 11, 25)
ID1 = resident_id("42052519850101123")
ID2 = resident_id("42010619900202234")
BAD_ID = ID2[:-1] + ("0" if ID2[-1] != "0" else "1")  # a wrong check digit
HEADER_Q = "姓名,身份证号,证书编号,级别,类别,乡村全科,仅通知书,取得日期"
HEADER_P = "姓名,身份证号,证书编号,执业机构,执业范围,注册日期,机构代码,医师级别"


def check(text: str, kind: str = QUALIFICATIONS, held: Holdings | None = None):
    parsed = parse(text, kind)
    records, problems = validate(parsed, TODAY)
    held = held or Holdings()
    if kind == PRACTICE_RECORDS:  # D5: the institution the lines name is on the portal
        held.institution_names.setdefault("远安县人民医院", [1])
    return compare(parsed, records, problems, held)


def keys(preview) -> list[tuple[int, str | None, str]]:
    return [(p.line, p.column, p.key) for p in preview.problems]


# ---- decoding: UTF-8 with or without BOM, GBK, and nothing else ----------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_A2_utf8_with_or_without_bom_and_gbk_are_read(encoding):
    text = HEADER_Q + "\n阿依古丽·买买提,420111199001016789,H1,执业医师,中医,否,否,2020-09-01\n"
    assert decode(text.encode(encoding)) == text


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_text"),  # an image
        (b"PK\x03\x04\x14\x00\x06\x00", "not_text"),  # an .xlsx workbook is a zip
        (b"\x80\x81\xff\xfe", "encoding"),  # neither UTF-8 nor GB18030
        ("姓名".encode("utf-16"), "utf16"),
    ],
)
def test_A2_junk_is_refused_with_a_reason(raw, key):
    with pytest.raises(ImportFileError) as exc:
        decode(raw)
    assert exc.value.key == key


def test_A2_a_file_over_the_limit_is_refused():
    with pytest.raises(ImportFileError) as exc:
        decode(b"a" * (MAX_BYTES + 1))
    assert exc.value.key == "too_big" and exc.value.params == {"mb": 64}
    with pytest.raises(ImportFileError) as exc:
        decode(b"a" * (5 * 1024 * 1024 + 1), 5 * 1024 * 1024)
    assert exc.value.params == {"mb": 5}


# ---- the first line names the columns ---------------------------------------------------------


def test_A2_english_headers_and_values_are_accepted():
    text = (
        "Name,ID number,Certificate_No,Level,Category,Rural general,Notice only,Date obtained\n"
        f"李明,{ID1},h1,practitioner,Clinical,no,yes,2026/8/20\n"
    )
    preview = check(text)
    assert preview.valid
    assert preview.new[0].values == {
        "name": "李明",
        "id_number": ID1,
        "certificate_no": "H1",
        "level": "practitioner",
        "category": "clinical",
        "rural_general": False,
        "is_notice": True,
        "obtained_on": date(2026, 8, 20),
    }


def test_A2_missing_and_doubled_columns_are_file_errors():
    with pytest.raises(ImportFileError) as exc:
        parse("姓名,证书编号,级别\n李明,H1,执业医师\n", QUALIFICATIONS)
    assert (
        exc.value.key == "missing_columns"
        and exc.value.params["columns"] == "身份证号、类别、取得日期"
    )
    with pytest.raises(ImportFileError) as exc:
        parse(HEADER_Q + ",name\n", QUALIFICATIONS)
    assert exc.value.key == "duplicate_column" and exc.value.params == {"column": "name"}
    with pytest.raises(ImportFileError) as exc:  # a header and nothing else
        parse(HEADER_Q + "\n\n", QUALIFICATIONS)
    assert exc.value.key == "no_rows"


def test_A2_optional_columns_may_be_left_out_and_unknown_ones_are_ignored():
    preview = check(
        f"序号,姓名,身份证号,证书编号,级别,类别,取得日期\n1,李明,{ID1},H1,执业医师,临床类别,2020-09-01\n"
    )
    assert preview.valid and preview.ignored == ["序号"]
    assert (
        preview.new[0].values["rural_general"] is False
        and preview.new[0].values["category"] == "clinical"
    )


def test_A2_line_numbers_are_those_of_the_file():
    # line 1: header; 2: blank; 3–4: one record with a quoted line break; 5: a bad record
    text = (
        HEADER_Q
        + "\n\n"
        + f'李明,{ID1},H1,执业医师,临床,否,否,"2020-09-01\n"\n'
        + f"王强,{BAD_ID},H2,执业医师,临床,否,否,2020-09-01\n"
    )
    preview = check(text)
    assert keys(preview) == [(5, "id_number", "id_checksum")]


def test_A2_tab_separated_text_is_read_too():
    preview = check(
        HEADER_Q.replace(",", "\t") + f"\n李明\t{ID1}\tH1\t执业医师\t临床\t否\t否\t2020-09-01\n"
    )
    assert preview.valid and len(preview.new) == 1


# ---- every line on its own --------------------------------------------------------------------


def test_A2_each_field_is_checked_and_every_problem_of_a_line_is_reported():
    text = HEADER_Q + "\n" + "Li Ming,42052519850101123,H 1,医生,西医,也许,否,2020-13-01\n"
    assert keys(check(text)) == [
        (2, "name", "name_chars"),
        (2, "id_number", "id_length"),
        (2, "certificate_no", "certificate"),
        (2, "level", "level"),
        (2, "category", "category"),
        (2, "rural_general", "flag"),
        (2, "obtained_on", "date"),
    ]


def test_A2_empty_required_values_and_impossible_dates():
    text = (
        HEADER_Q
        + "\n"
        + f"李明,{ID1},,执业医师,临床,否,否,\n"
        + f"王强,{ID2},H2,执业医师,临床,否,否,2027-01-01\n"
        + f"赵六,{ID1},H3,执业医师,临床,否,否,1980-01-01\n"
    )
    preview = check(text)
    assert (2, "certificate_no", "required") in keys(preview) and (
        2,
        "obtained_on",
        "required",
    ) in keys(preview)
    assert (3, "obtained_on", "date_future") in keys(preview)
    assert (4, "obtained_on", "date_before_birth") in keys(preview)


def test_A2_rural_general_is_an_assistant_qualification_only():
    preview = check(HEADER_Q + f"\n李明,{ID1},H1,执业医师,临床,是,否,2020-09-01\n")
    assert keys(preview) == [(2, "rural_general", "rural_practitioner")]
    assert check(HEADER_Q + f"\n李明,{ID1},H1,执业助理医师,临床,是,否,2020-09-01\n").valid


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-09-01", date(2024, 9, 1)),
        ("2024/9/1", date(2024, 9, 1)),
        ("2024.09.01", date(2024, 9, 1)),
        ("2024年9月1日", date(2024, 9, 1)),
        ("20240901", date(2024, 9, 1)),
        ("２０２４-０９-０１", date(2024, 9, 1)),
        ("2024-02-30", None),
        ("01/09/2024", None),
        ("yesterday", None),
    ],
)
def test_A2_date_formats(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("是", True),
        ("Y", True),
        ("yes", True),
        ("1", True),
        ("否", False),
        ("", False),
        ("No", False),
        ("也许", None),
    ],
)
def test_A2_flags(text, flag):
    assert parse_flag(text) == flag


# ---- across the file ----------------------------------------------------------------------------


def test_A2_a_certificate_number_twice_and_an_id_number_under_two_names():
    text = (
        HEADER_Q
        + "\n"
        + f"李明,{ID1},H1,执业医师,临床,否,否,2020-09-01\n"
        + f"李明,{ID1},H1,执业医师,临床,否,否,2020-09-01\n"
        + f"李名,{ID1},H2,执业医师,临床,否,否,2020-09-01\n"
    )
    assert keys(check(text)) == [
        (3, "certificate_no", "duplicate"),
        (4, "name", "id_other_name_in_file"),
    ]
    assert check(text).problems[0].params == {"line": 2}


def test_A2_two_qualifications_of_one_person_are_fine():
    text = (
        HEADER_Q
        + "\n"
        + f"黄丽,{ID2},H1,执业助理医师,临床,是,否,2020-09-01\n"
        + f"黄丽,{ID2},H2,执业助理医师,临床,否,否,2019-09-01\n"
    )
    assert check(text).valid


# ---- against the tenant's records ---------------------------------------------------------------

LINE = f"李明,{ID1},H1,执业医师,临床,否,否,2020-09-01"
SAME = {
    "name": "李明",
    "id_number": ID1,
    "level": "practitioner",
    "category": "clinical",
    "rural_general": False,
    "is_notice": False,
    "obtained_on": date(2020, 9, 1),
}


def test_A2_the_same_record_again_is_unchanged_another_value_is_a_conflict():
    preview = check(HEADER_Q + "\n" + LINE + "\n", held=Holdings(existing={"H1": SAME}))
    assert preview.valid and preview.new == [] and preview.unchanged == 1
    preview = check(
        HEADER_Q + "\n" + LINE + "\n",
        held=Holdings(existing={"H1": {**SAME, "obtained_on": date(2021, 9, 1)}}),
    )
    assert keys(preview) == [(2, "certificate_no", "conflict")] and preview.problems[0].params == {
        "fields": ["obtained_on"]
    }


def test_A2_an_id_number_the_records_hold_under_another_name_is_an_error():
    preview = check(HEADER_Q + "\n" + LINE + "\n", held=Holdings(names_by_id={ID1: {"李名"}}))
    assert keys(preview) == [(2, "name", "id_other_name_in_records")]


def test_Q2_scopes_from_the_catalogue_any_separator_stored_with_the_enumeration_comma():
    assert scope_names("内科专业；全科医学专业; 内科专业,外科专业") == [
        "内科专业",
        "全科医学专业",
        "外科专业",
    ]
    preview = check(
        HEADER_P
        + f"\n李明,{ID1},110420525000001,远安县人民医院,内科专业;全科医学专业,2020-09-01\n",
        PRACTICE_RECORDS,
    )
    assert preview.valid and preview.new[0].values["scopes"] == "内科专业、全科医学专业"


@pytest.mark.parametrize(
    ("scopes", "key"),
    [("内科", "scope_unknown"), ("内科专业、中医专业", "scope_mixed"), ("、", "required")],
)
def test_Q2_scopes_outside_the_catalogue_or_of_two_categories(scopes, key):
    preview = check(
        HEADER_P + f"\n李明,{ID1},P1,远安县人民医院,{scopes},2020-09-01\n", PRACTICE_RECORDS
    )
    assert keys(preview) == [(2, "scopes", key)]


def test_Q2_scopes_must_be_of_the_category_of_the_persons_qualification_when_known():
    text = HEADER_P + f"\n李明,{ID1},P1,远安县人民医院,中医专业,2020-09-01\n"
    assert check(text, PRACTICE_RECORDS).valid  # no qualification record: the category is not known
    preview = check(text, PRACTICE_RECORDS, Holdings(categories={("李明", ID1): {"clinical"}}))
    assert keys(preview) == [(2, "scopes", "scope_category")] and preview.problems[0].params == {
        "names": "中医专业"
    }


def test_Q2_a_number_issued_on_the_portal_cannot_be_a_new_practice_record():
    text = HEADER_P + f"\n李明,{ID1},110420525000001,远安县人民医院,内科专业,2020-09-01\n"
    assert keys(check(text, PRACTICE_RECORDS, Holdings(portal_numbers={"110420525000001"}))) == [
        (2, "certificate_no", "portal_number")
    ]
    assert keys(check(text.replace("110420525000001", "1" * 21), PRACTICE_RECORDS)) == [
        (2, "certificate_no", "certificate")
    ]


def test_A2_templates_are_utf8_with_bom_and_name_every_column():
    raw = template(QUALIFICATIONS)
    assert raw.startswith(codecs.BOM_UTF8)
    assert raw.decode("utf-8-sig").strip() == HEADER_Q
    assert template(PRACTICE_RECORDS).decode("utf-8-sig").strip() == HEADER_P
    with pytest.raises(ImportFileError):  # the template alone has no records
        parse(decode(raw), QUALIFICATIONS)


# ---- a file of any length, a part at a time (A2 at a province's scale) --------------------------


def _lines(n: int, start: int = 0) -> list[str]:
    return [f"李明,{ID1},P{start + i},远安县人民医院,内科专业,2020-09-01" for i in range(n)]


def _stream(text: str, write=None, **kw):
    def held(records):
        return Holdings(institution_names={"远安县人民医院": [1]})

    return check_stream(text, PRACTICE_RECORDS, TODAY, held, write, **kw)


def test_A2_a_streamed_file_is_checked_and_written_a_part_at_a_time():
    parts: list[list[int]] = []
    text = HEADER_P + "\n" + "\n".join(_lines(25)) + "\n"
    preview = _stream(text, lambda records: parts.append([r.line for r in records]), chunk=10)
    assert preview.valid and (preview.total, preview.new_count) == (25, 25)
    assert [len(p) for p in parts] == [10, 10, 5] and parts[0][0] == 2
    assert len(preview.new) == 20  # the sample; the count is the file's
    assert preview.new[0].values == check(text, PRACTICE_RECORDS).new[0].values


def test_A2_a_streamed_file_finds_a_duplicate_in_another_part_and_stops_writing():
    lines = _lines(12) + _lines(1)  # line 14 repeats line 2's number, in the second part
    lines += [f"李明,{ID1},Q1,不存在的医院,内科专业,2020-09-01"]  # skipped, not an error
    written: list[int] = []
    preview = _stream(
        HEADER_P + "\n" + "\n".join(lines) + "\n",
        lambda records: written.extend(r.line for r in records),
        chunk=10,
        keep=1,
    )
    assert not preview.valid and keys(preview) == [(14, "certificate_no", "duplicate")]
    assert (preview.problem_count, preview.lines_with_problems, preview.skipped_count) == (1, 1, 1)
    assert written == list(range(2, 12))  # the first part only: the caller rolls back
    with pytest.raises(ImportFileError):
        _stream(HEADER_P + "\n\n\n")
