"""Dates and numbers of a registration (portal.rules.registration): D14, R3, R5/D18, L10."""

from __future__ import annotations

from datetime import date

import pytest

from config import national_rules
from portal.rules.registration import (
    PracticeTime,
    add_years,
    certificate_number,
    contract_period,
    in_force_since,
    practice_time,
    practice_years,
    valid_until,
)

DEFAULTS = national_rules()


# ---- D14 / F10: time at this institution -----------------------------------------------------


def test_D14_F10_default_is_one_year():
    assert DEFAULTS["registration"]["contract_default_years"] == 1


def test_D14_F10_no_contract_means_one_year_from_today():
    assert contract_period(None, None, date(2026, 3, 15), 1) == (
        date(2026, 3, 15),
        date(2027, 3, 15),
    )


def test_D14_F10_contract_dates_are_used_when_there_is_a_contract():
    start, end = date(2025, 7, 1), date(2030, 6, 30)
    assert contract_period(start, end, date(2026, 3, 15), 1) == (start, end)


def test_D14_F10_half_a_contract_is_no_contract():
    """The form refuses one date alone; the rule never mixes a given date with the default."""
    today = date(2026, 3, 15)
    assert contract_period(date(2025, 7, 1), None, today, 1) == (today, date(2027, 3, 15))
    assert contract_period(None, date(2030, 6, 30), today, 1) == (today, date(2027, 3, 15))


def test_D14_default_from_29_february():
    assert contract_period(None, None, date(2028, 2, 29), 1) == (
        date(2028, 2, 29),
        date(2029, 2, 28),
    )


def test_D14_tenant_may_set_another_default():
    assert contract_period(None, None, date(2026, 3, 15), 2)[1] == date(2028, 3, 15)


# ---- R3: two years' validity -----------------------------------------------------------------


def test_R3_registration_valid_for_two_years():
    assert DEFAULTS["registration"]["valid_years"] == 2
    assert valid_until(date(2026, 3, 15), 2) == date(2028, 3, 15)
    assert valid_until(date(2024, 2, 29), 2) == date(2026, 2, 28)


def test_add_years_keeps_the_day_or_takes_the_month_end():
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2025, 12, 31), 1) == date(2026, 12, 31)


# ---- R5 / D18: practice years count from the day the registration succeeded ------------------


@pytest.mark.parametrize(
    ("today", "years"),
    [
        (date(2020, 6, 15), 0),  # the day itself
        (date(2021, 6, 14), 0),  # the day before the first anniversary
        (date(2021, 6, 15), 1),  # the anniversary
        (date(2021, 12, 31), 1),
        (date(2025, 6, 14), 4),
        (date(2025, 6, 15), 5),
    ],
)
def test_R5_D18_practice_years_before_and_after_the_anniversary(today, years):
    assert practice_years(date(2020, 6, 15), today) == years


@pytest.mark.parametrize(
    ("today", "years"),
    [
        (date(2025, 2, 27), 0),
        (date(2025, 2, 28), 1),  # no 29 February in 2025: the month's last day is the anniversary
        (date(2025, 3, 1), 1),
        (date(2028, 2, 28), 3),
        (date(2028, 2, 29), 4),  # a leap year has the day itself
    ],
)
def test_R5_D18_practice_years_from_29_february(today, years):
    assert practice_years(date(2024, 2, 29), today) == years


def test_R5_D18_practice_years_agree_with_validity_dates():
    """The anniversary practice years count is the same day valid_until() lands on."""
    registered = date(2024, 2, 29)
    assert practice_years(registered, valid_until(registered, 2)) == 2


def test_R5_D18_not_registered_or_registered_in_the_future():
    assert practice_years(None, date(2026, 1, 1)) == 0
    assert practice_years(date(2026, 1, 2), date(2026, 1, 1)) == 0


# ---- L10: the certificate number ---------------------------------------------------------------


def test_L10_certificate_number_is_15_digits_by_default():
    """Level, category, six-digit county code, serial (one public account says 15 digits)."""
    assert DEFAULTS["registration"]["certificate_serial_digits"] == 7
    number = certificate_number("practitioner", "clinical", "420525", 1, 7)
    assert number == "114205250000001"
    assert len(number) == 15 and number.isdigit()


@pytest.mark.parametrize(
    ("level", "category", "prefix"),
    [
        ("practitioner", "clinical", "11"),
        ("practitioner", "tcm", "12"),
        ("practitioner", "dental", "13"),
        ("practitioner", "public_health", "14"),
        ("assistant", "clinical", "21"),
        ("assistant", "tcm", "22"),
    ],
)
def test_L10_level_and_category_digits(level, category, prefix):
    assert certificate_number(level, category, "440232", 42, 7) == f"{prefix}440232" + "0000042"


def test_L10_serial_length_is_a_tenant_setting():
    assert certificate_number("assistant", "dental", "440104", 123, 8) == "2344010400000123"


def test_L10_serial_exhausted():
    assert certificate_number("practitioner", "clinical", "420525", 9_999_999, 7).endswith(
        "9999999"
    )
    with pytest.raises(ValueError, match="exhausted"):
        certificate_number("practitioner", "clinical", "420525", 10_000_000, 7)


@pytest.mark.parametrize("county", ["42052", "4205251", "42052a", "", "４２０５２５"])
def test_L10_county_code_must_be_six_digits(county):
    with pytest.raises(ValueError, match="six digits"):
        certificate_number("practitioner", "clinical", county, 1, 7)


@pytest.mark.parametrize(
    ("level", "category"), [("chief", "clinical"), ("practitioner", "veterinary")]
)
def test_L10_unknown_level_or_category(level, category):
    with pytest.raises((KeyError, ValueError)):
        certificate_number(level, category, "420525", 1, 7)


@pytest.mark.parametrize(
    "today",
    [date(2026, 2, 28), date(2026, 3, 1), date(2028, 2, 29), date(2027, 12, 31), date(2028, 3, 1)],
)
def test_R3_I5_in_force_since_is_the_first_registration_date_still_valid(today):
    """I5: the roster lists the registrations registered on or after this day: exactly those
    whose valid-until day has not passed."""
    since = in_force_since(today, 2)
    assert valid_until(since, 2) >= today
    day_before = date.fromordinal(since.toordinal() - 1)
    assert valid_until(day_before, 2) < today


# ---- D14: the time at this institution (F10, F14) ------------------------------------------------


def test_f10_contract_dates_when_there_is_a_contract():
    t = practice_time(
        level="practitioner",
        contract_start=date(2025, 7, 1),
        contract_end=date(2028, 6, 30),
        today=date(2026, 3, 2),
        default_years=1,
        assistant_registered_on=None,
    )
    assert t == PracticeTime(date(2025, 7, 1), date(2028, 6, 30), "contract")


def test_f10_one_year_without_a_contract():
    t = practice_time(
        level="practitioner",
        contract_start=None,
        contract_end=None,
        today=date(2026, 3, 2),
        default_years=1,
        assistant_registered_on=None,
    )
    assert t == PracticeTime(date(2026, 3, 2), date(2027, 3, 2), "one_year")


def test_f14_an_assistant_counts_from_the_assistant_registration():
    t = practice_time(
        level="assistant",
        contract_start=date(2025, 7, 1),
        contract_end=date(2028, 6, 30),
        today=date(2026, 3, 2),
        default_years=1,
        assistant_registered_on=date(2024, 12, 31),
    )
    assert t == PracticeTime(date(2024, 12, 31), date(2028, 6, 30), "assistant_registration")


def test_f14_an_assistant_not_registered_yet_counts_from_the_approval():
    """The start is the day this registration is approved (unknown); the end is F10's."""
    t = practice_time(
        level="assistant",
        contract_start=None,
        contract_end=None,
        today=date(2026, 3, 2),
        default_years=1,
        assistant_registered_on=None,
    )
    assert t == PracticeTime(None, date(2027, 3, 2), "assistant_registration")


def test_f14_a_former_assistant_registering_as_practitioner_keeps_the_assistant_date():
    t = practice_time(
        level="practitioner",
        contract_start=date(2026, 10, 1),
        contract_end=date(2029, 9, 30),
        today=date(2026, 9, 1),
        default_years=1,
        assistant_registered_on=date(2024, 12, 31),
    )
    assert t == PracticeTime(date(2024, 12, 31), date(2029, 9, 30), "assistant_registration")
