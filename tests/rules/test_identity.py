"""D1: sign-up field rules, as pure functions (portal.rules.identity). No app, no database."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from portal.rules.identity import (
    MIN_AGE,
    email_error,
    id_area_known,
    id_number_error,
    mobile_error,
    normalise_mobile,
    normalise_real_name,
    password_error,
    real_name_error,
    real_name_problem,
    username_error,
)


def with_check_digit(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


# ---- D1: the real name ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["李明华", "王芳", "欧阳娜娜", "阿依古丽·买买提", "迪丽热巴·迪力木拉提", "㐀明"]
)  # U+3400, CJK extension A
def test_D1_real_name_in_chinese_characters_is_accepted(name):
    assert real_name_error(name) is None


@pytest.mark.parametrize("name", ["阿依古丽・买买提", "阿依古丽•买买提"])
def test_D1_middle_dot_look_alikes_are_accepted_and_normalised(name):
    assert real_name_error(name) is None
    assert normalise_real_name(f" {name} ") == "阿依古丽·买买提"


@pytest.mark.parametrize(
    "name",
    [
        "Li Minghua",
        "liminghua",
        "李明华a",
        "李明华2",
        "李明华A",
        "Ｌｉ明华",
        "李 明华",
        "李明华!",
        "·李明",
        "李明·",
        "李··明",
    ],
)
def test_D1_letters_digits_and_stray_marks_are_refused(name):
    """The real name is not the log-in name: never letters or digits [S2(1)]."""
    assert real_name_error(name) == "name_chars"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", "required"),
        ("   ", "required"),
        ("李", "name_length"),
        ("李" * 31, "name_length"),
        ("李" * 10_000, "name_length"),
    ],
)
def test_D1_real_name_length(name, key):
    assert real_name_error(name) == key


def test_D1_real_name_of_thirty_characters_is_accepted():
    assert real_name_error("李" * 30) is None


# ---- D1: the resident ID number (GB 11643) ---------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "420525198803121236",
        "420106199205142348",
        "440104198709254569",
        "11010119900307109X",
        "11010119900307109x",
        " 420525198803121236 ",
    ],
)
def test_D1_valid_id_numbers(number):
    assert id_number_error(number) is None


def test_D1_wrong_check_digit():
    assert id_number_error("420525198803121235") == "id_checksum"
    assert id_number_error("110101199003071090") == "id_checksum"  # X expected


@pytest.mark.parametrize("number", ["42052519880312123", "4205251988031212366", "", "4" * 10_000])
def test_D1_id_number_length(number):
    assert id_number_error(number) == "id_length"


@pytest.mark.parametrize(
    "number",
    [
        "4205251988031212X6",
        "A20525198803121236",
        "42052519880312123Y",
        "４２０５２５１９８８０３１２１２３6",
    ],
)  # full-width digits
def test_D1_id_number_format(number):
    assert id_number_error(number) == "id_format"


@pytest.mark.parametrize(
    "birth", ["19881312", "19880230", "19900229", "19880001", "19880132", "00000000"]
)
def test_D1_impossible_birth_date_with_a_valid_check_digit(birth):
    number = with_check_digit("420525" + birth + "123")
    assert number[17] == ric.calc_check_digit(number)  # only the date is wrong
    assert id_number_error(number) == "id_birth_date"


def test_D1_leap_day_birth_date_is_real():
    assert id_number_error(with_check_digit("42052520000229123")) is None


@pytest.mark.parametrize("number", ["420525198803121236", with_check_digit("99999919900101123")])
def test_D1_area_code_is_never_a_rejection(number):
    """Published area tables are incomplete (python-stdnum lacks 远安县 420525): a warning only."""
    assert not id_area_known(number)
    assert id_number_error(number) is None


def test_D1_known_area_code():
    assert id_area_known("110101199003071234")


# ---- D1: mobile, email, user name, password -------------------------------------------------


@pytest.mark.parametrize("phone", ["13800138000", "19912345678", "15012345678", " 13800138000 "])
def test_D1_mainland_mobile_accepted(phone):
    assert mobile_error(phone) is None


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "1380013800",
        "138001380001",
        "12345678901",
        "02787654321",
        "+1 138 0013 8000",  # another country
        "1380013800a",
        "1３８００１３８０００",
        "1" * 10_000,
    ],
)
def test_D1_not_a_mainland_mobile_refused(phone):
    assert mobile_error(phone) is not None and normalise_mobile(phone) is None


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("li@example.com", True),
        ("li.ming+reg@hospital.org.cn", True),
        ("li.example.com", False),
        ("li@", False),
        ("@example.com", False),
        ("li@@example.com", False),
        ("", False),
        ("x" * 10_000 + "@example.com", False),
    ],
)
def test_D1_email(email, ok):
    assert (email_error(email) is None) is ok


@pytest.mark.parametrize(
    ("username", "ok"),
    [
        ("liminghua", True),
        ("li.ming-hua_88", True),
        ("abcd", True),
        ("abc", False),
        ("1liming", False),
        ("_liming", False),
        ("李明华", False),
        ("li ming", False),
        ("a" * 32, True),
        ("a" * 33, False),
        ("", False),
    ],
)
def test_D1_user_name_is_the_log_in_credential(username, ok):
    assert (username_error(username) is None) is ok


@pytest.mark.parametrize(
    ("password", "key"),
    [
        ("Secret-123", None),
        ("abcdefg1", None),
        ("short1", "password_length"),
        ("a1" * 65, "password_length"),
        ("abcdefgh", "password_mix"),
        ("12345678", "password_mix"),
        ("密码密码密码密码", "password_mix"),
    ],
)
def test_SEC1_password_rules(password, key):
    assert password_error(password) == key


# ---- issue 14: what exactly is wrong, plausible birth dates, mobiles as people write them ----


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("李 明华", "name_space"),
        ("Li Minghua", "name_letters"),
        ("liminghua", "name_letters"),
        ("Ｌｉ明华", "name_letters"),
        ("李明华2", "name_digits"),
        ("·李明", "name_dot"),
        ("李··明", "name_dot"),
        ("李明华!", "name_chars"),
    ],
)
def test_D1_each_refused_name_says_what_is_wrong(name, key):
    assert real_name_problem(name) == key
    assert real_name_error(name) == "name_chars"  # the coarse key the record imports know


TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("birth", "key"),
    [
        ("20260311", "id_birth_future"),
        ("20991231", "id_birth_future"),
        ("20100311", "id_too_young"),  # 16 tomorrow
        ("20100310", None),  # 16 today
        ("19880312", None),
        ("19060310", None),  # 120 today
        ("19050101", "id_too_old"),
    ],
)
def test_D1_the_birth_date_is_plausible_for_a_doctor_today(birth, key):
    number = with_check_digit("420525" + birth + "123")
    assert id_number_error(number, today=TODAY) == key
    assert id_number_error(number) is None  # without today: only a real date
    assert MIN_AGE == 16


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "+86 138 0013 8000",
        "138 0013 8000",
        "+8613800138000",
        "8613800138000",
        "0086 138-0013-8000",
        "(+86) 138.0013.8000",
        "138\u00a00013\u00a08000",
    ],
)
def test_D1_a_mobile_written_as_people_write_it_is_its_11_digits(typed):
    assert normalise_mobile(typed) == "13800138000"
    assert mobile_error(typed) is None


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("138 0013 800", "mobile_length"),
        ("+86 138 0013 80001", "mobile_length"),
        ("1380013800a", "mobile_chars"),
        ("12345678901", "mobile"),
        ("+44 7911 123456", "mobile"),
    ],
)
def test_D1_a_bad_mobile_says_what_is_wrong(typed, key):
    assert normalise_mobile(typed) is None
    assert mobile_error(typed) == key
