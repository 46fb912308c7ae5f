"""The CSV files of the imports (A2): their kinds, columns (Chinese headers, English ones and
aliases also accepted), the values a column may hold and how they are read, and the template to
fill in. Pure; ``portal.rules.imports`` reads files by it."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from portal.rules.catalogue import SCOPES

#: the largest file (A2): a province's 200,000 practice records are about 30 MB of CSV; the file
#: is read a part at a time (``imports.check_stream``). The app's IMPORT_MAX_BYTES overrides it.
MAX_BYTES = 64 * 1024 * 1024
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
_ID = Column(
    "id_number",
    "身份证号",
    "id_number",
    ("身份证号码", "公民身份号码", "身份证", "id number", "id no"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    QUALIFICATIONS: (
        _NAME,
        _ID,
        Column(
            "certificate_no",
            "证书编号",
            "certificate_no",
            (
                "证书号",
                "资格证书编号",
                "证书或通知书编号",
                "通知书编号",
                "certificate number",
                "certificate",
            ),
        ),
        Column("level", "级别", "level", ("医师级别", "资格级别")),
        Column("category", "类别", "category", ("执业类别", "资格类别")),
        Column(
            "rural_general",
            "乡村全科",
            "rural_general",
            ("乡村全科执业助理医师", "rural general", "rural"),
            required=False,
        ),
        Column(
            "is_notice",
            "仅通知书",
            "is_notice",
            ("通知书", "notice only", "notice"),
            required=False,
        ),
        Column(
            "obtained_on",
            "取得日期",
            "obtained_on",
            ("取得时间", "取得资格日期", "date obtained", "obtained"),
        ),
    ),
    PRACTICE_RECORDS: (
        _NAME,
        _ID,
        Column(
            "certificate_no",
            "证书编号",
            "certificate_no",
            ("证书号", "执业证书编号", "注册证书编号", "certificate number", "certificate"),
        ),
        Column(
            "institution_name",
            "执业机构",
            "institution",
            ("执业机构名称", "机构名称", "主要执业机构", "institution name"),
        ),
        Column("scopes", "执业范围", "scopes", ("scope",)),
        Column(
            "registered_on",
            "注册日期",
            "registered_on",
            ("注册时间", "registration date", "date registered"),
        ),
        # Q2, D5: the institution is matched to the portal's by this code when given (its
        # unified social credit code, GB 32100, or the licence registration number the portal
        # holds, I1), else by its exact name
        Column(
            "institution_code",
            "机构代码",
            "institution_code",
            (
                "执业机构代码",
                "统一社会信用代码",
                "执业许可证登记号",
                "登记号",
                "institution code",
                "licence no",
            ),
            required=False,
        ),
        # 医师级别 as on the paper certificate: what the registration is when the doctor has no
        # qualification record on the portal (F17)
        Column("level", "医师级别", "level", ("级别", "doctor level"), required=False),
    ),
}

#: longest certificate number per kind: a practice record's becomes an application's
#: certificate number at activation (D5), a 20-character column
MAX_CERTIFICATE = {QUALIFICATIONS: 40, PRACTICE_RECORDS: 20}
MAX_INSTITUTION = 100
MAX_INSTITUTION_CODE = 40
MAX_SCOPES = 200

LEVELS = {
    "执业医师": "practitioner",
    "医师": "practitioner",
    "practitioner": "practitioner",
    "执业助理医师": "assistant",
    "助理医师": "assistant",
    "assistant": "assistant",
}
CATEGORIES = {
    "临床": "clinical",
    "clinical": "clinical",
    "中医": "tcm",
    "tcm": "tcm",
    "traditional chinese medicine": "tcm",
    "口腔": "dental",
    "dental": "dental",
    "公共卫生": "public_health",
    "public health": "public_health",
    "public_health": "public_health",
}
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", ""}
SCOPE_SEPARATORS = re.compile(r"[、;；,，]")
CERTIFICATE_PATTERN = re.compile(r"[0-9A-Za-z-]+")
DATE_PATTERN = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
COMPACT_DATE_PATTERN = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


def template(kind: str) -> bytes:
    """The template a province administrator fills in: the header line, UTF-8 with a BOM (so
    Excel opens it as UTF-8)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([c.header for c in COLUMNS[kind]])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


# ---- the values a column may hold ----------------------------------------------------------------


def parse_date(value: str) -> date | None:
    """2024-09-01, 2024/9/1, 2024.9.1, 2024年9月1日 or 20240901; None when it is no date."""
    value = unicodedata.normalize("NFKC", value).strip()
    match = DATE_PATTERN.fullmatch(value) or COMPACT_DATE_PATTERN.fullmatch(value)
    if not match:
        return None
    try:
        return date(*(int(x) for x in match.groups()))
    except ValueError:
        return None


def parse_flag(value: str) -> bool | None:
    value = value.strip().lower()
    return True if value in YES else False if value in NO else None


def enum_value(table: dict[str, str], value: str) -> str | None:
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
