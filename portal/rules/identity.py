"""Sign-up field rules (D1) as pure functions returning an error key or None."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

# Chinese characters (CJK unified ideographs and extension A), with the middle dot used in
# minority and transliterated names (·, and the look-alikes people type: ・ and •).
_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+(?:[·・•][\u3400-\u4dbf\u4e00-\u9fff]+)*$")


def real_name_error(value: str) -> str | None:
    value = value.strip()
    if not value:
        return "required"
    if len(value) < 2 or len(value) > 30:
        return "name_length"
    if not _NAME.match(value):
        return "name_chars"
    return None


def normalise_real_name(value: str) -> str:
    return re.sub(r"[・•]", "·", value.strip())


def id_number_error(value: str) -> str | None:
    """GB 11643: 18 characters, a real birth date, a valid check digit. The area code is NOT
    checked here (D1): python-stdnum's ``validate`` also looks the area up in its table, which
    lacks real counties (远安县 420525, for one) and would turn real doctors away."""
    value = value.strip().upper()
    if len(value) != 18:
        return "id_length"
    # ASCII only: str.isdigit() also takes full-width digits (４２０…), which would pass the
    # checksum and be stored as a second, different spelling of the same ID number
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return "id_format"
    if value[17] != ric.calc_check_digit(value):
        return "id_checksum"
    try:
        ric.get_birth_date(value)
    except ValidationError:
        return "id_birth_date"
    return None


def id_area_known(value: str) -> bool:
    """Only a warning (D1): published area tables are incomplete."""
    try:
        return bool(ric.get_birth_place(value.strip().upper()))
    except ValidationError:
        return False


def mobile_error(value: str) -> str | None:
    value = value.strip()
    if not re.fullmatch(r"1[0-9]{10}", value):  # not \d: it takes full-width digits too
        return "mobile"
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return "mobile"
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return "mobile"
    return None


def email_error(value: str) -> str | None:
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return "email"
    return None


def username_error(value: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{3,31}", value.strip()):
        return "username"
    return None


def password_error(value: str) -> str | None:
    if len(value) < 8 or len(value) > 128:
        return "password_length"
    if value.isdigit() or value.isalpha():
        return "password_mix"
    return None
