"""Sign-up field rules (D1) as pure functions returning an error key or None."""

from __future__ import annotations

import re
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

# Chinese characters (CJK unified ideographs and extension A), with the middle dot used in
# minority and transliterated names (·, and the look-alikes people type: ・ and •).
_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+(?:[·・•][\u3400-\u4dbf\u4e00-\u9fff]+)*$")


_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]")  # ASCII and full-width letters
_DIGIT = re.compile(r"[0-9\uff10-\uff19]")
_SPACE = re.compile(r"[\s\u3000]")
_DOT = re.compile(r"[·・•]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def real_name_error(value: str) -> str | None:
    """``required``, ``name_length`` or ``name_chars`` (the coarse keys the record imports know)."""
    key = real_name_problem(value)
    return "name_chars" if key in _DETAILED_NAME_KEYS else key


_DETAILED_NAME_KEYS = {"name_space", "name_letters", "name_digits", "name_dot"}


def real_name_problem(value: str) -> str | None:
    """What is wrong with this name, for the person typing it (D1, issue 14): a space, a
    letter, a digit, a misplaced middle dot, or another mark (``name_chars``)."""
    value = value.strip()
    if not value:
        return "required"
    if len(value) < 2 or len(value) > 30:
        return "name_length"
    if _NAME.match(value):
        return None
    if _LATIN.search(value):  # pinyin, or the user name typed here
        return "name_letters"
    if _DIGIT.search(value):
        return "name_digits"
    if _SPACE.search(value):
        return "name_space"
    if all(_HAN.fullmatch(c) or _DOT.fullmatch(c) for c in value):
        return "name_dot"
    return "name_chars"


def normalise_real_name(value: str) -> str:
    return re.sub(r"[・•]", "·", value.strip())


#: the youngest a person signing up may be (issue 14): the Labour Law (劳动法 第十五条) forbids
#: employing anyone under 16, and a doctor's qualification comes after years of medical study
MIN_AGE = 16
#: the oldest: a birth date more than 120 years ago is a typing error, not a doctor
MAX_AGE = 120


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def id_number_error(value: str, today: date | None = None) -> str | None:
    """GB 11643: 18 characters, a real birth date, a valid check digit. The area code is NOT
    checked here (D1): python-stdnum's ``validate`` also looks the area up in its table, which
    lacks real counties (远安县 420525, for one) and would turn real doctors away.

    Given ``today`` (the Beijing date), the birth date must also be plausible for a doctor
    (D1, issue 14): not after today, at least ``MIN_AGE`` and at most ``MAX_AGE`` years ago."""
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
        born = ric.get_birth_date(value)
    except ValidationError:
        return "id_birth_date"
    if today is not None:
        if born > today:
            return "id_birth_future"
        if age_on(born, today) < MIN_AGE:
            return "id_too_young"
        if age_on(born, today) > MAX_AGE:
            return "id_too_old"
    return None


def id_area_known(value: str) -> bool:
    """Only a warning (D1): published area tables are incomplete."""
    try:
        return bool(ric.get_birth_place(value.strip().upper()))
    except ValidationError:
        return False


#: what people put between the digits of a phone number: spaces, hyphens, dots, brackets
_MOBILE_SEPARATORS = re.compile(r"[\s\-.()\u00a0]")


def normalise_mobile(value: str) -> str | None:
    """A mainland mobile number however it is commonly written (``+86 138 0013 8000``,
    ``0086-138-0013-8000``, ``(+86) 13800138000``, ``138 0013 8000``…) as its 11 digits;
    None when it is not one (D1, issue 14). ASCII only: the forms read full-width digits as
    ASCII first (``portal.forms.nfkc``)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    compact = _MOBILE_SEPARATORS.sub("", value)
    if compact.startswith("+"):
        compact = compact[1:]
        if not compact.startswith("86"):
            return None
    elif compact.startswith("0086"):
        compact = compact[2:]
    if not re.fullmatch(r"[0-9]+", compact):  # not \d: it takes full-width digits too
        return None
    if len(compact) == 13 and compact.startswith("86"):
        compact = compact[2:]
    if not re.fullmatch(r"1[0-9]{10}", compact):
        return None
    try:
        number = phonenumbers.parse(compact, "CN")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return compact


def mobile_error(value: str) -> str | None:
    value = value.strip()
    if normalise_mobile(value) is not None:
        return None
    compact = _MOBILE_SEPARATORS.sub("", value)
    if re.search(r"[^0-9+]", compact):
        return "mobile_chars"
    digits = re.sub(r"^(\+|00)86", "", compact)
    if re.fullmatch(r"[0-9]+", digits) and len(digits) != 11:
        return "mobile_length"
    return "mobile"


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
