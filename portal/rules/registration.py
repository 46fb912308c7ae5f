"""Dates and numbers of a registration: D14, R5, D18, L10."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def contract_period(
    start: date | None, end: date | None, today: date, default_years: int
) -> tuple[date, date]:
    """D14 / F10: the contract dates when there is a contract, else one year from today."""
    if start and end:
        return start, end
    return today, add_years(today, default_years)


@dataclass(frozen=True)
class PracticeTime:
    """D14: the doctor's time at this institution, as the wizard, the review step, the printed
    Approval Form and the officer show it."""

    #: the first day; None: the day this (assistant) registration is approved, not known yet
    start: date | None
    end: date
    #: "contract" (F10: the contract's dates), "one_year" (F10: no contract) or
    #: "assistant_registration" (F14: from the date of the assistant registration)
    basis: str


def practice_time(
    *,
    level: str,
    contract_start: date | None,
    contract_end: date | None,
    today: date,
    default_years: int,
    assistant_registered_on: date | None,
) -> PracticeTime:
    """D14: the time at this institution. F10: the contract's dates when there is a contract,
    else one year from ``today``. F14 (FAQ item 14, "how to fill in the practice time of
    assistant doctors in this institution? From the time of registering the certificate of
    assistant physician"): for an assistant physician it is counted from the date of their
    assistant registration, and so it stays for one who later registers as a practitioner
    (``assistant_registered_on``: the day their first assistant registration succeeded). An
    assistant's first registration has no such date yet: it is the day it is approved
    (``start`` None). The end is F10's either way: the contract's end, or one year."""
    start, end = contract_period(contract_start, contract_end, today, default_years)
    if assistant_registered_on is not None or level == "assistant":
        return PracticeTime(assistant_registered_on, end, "assistant_registration")
    return PracticeTime(start, end, "contract" if contract_start and contract_end else "one_year")


def practice_years(registered_on: date | None, today: date) -> int:
    """D18 / R5: full years of practice counted from the day the registration succeeded."""
    if registered_on is None or today < registered_on:
        return 0
    years = today.year - registered_on.year
    # the anniversary as add_years() and valid_until() see it: 29 February's is 28 February
    # in a common year (the day the period ends when the month has no such day)
    if add_years(registered_on, years) > today:
        years -= 1
    return years


#: R3: a registration is valid for two years; a tenant may shorten that, never lengthen it
#: (the bound of ``registration.valid_years`` in portal/rules/settings.py)
LONGEST_VALID_YEARS = 2


def valid_until(registered_on: date, valid_years: int) -> date:
    """R3: a registration is valid for two years."""
    return add_years(registered_on, valid_years)


def in_force_since(today: date, valid_years: int) -> date:
    """R3: the earliest registration date still in force ``today`` (``valid_until`` not
    passed): the registrations in force are those registered on or after this day. With
    ``LONGEST_VALID_YEARS``, a bound that holds whatever rule version each was approved under."""
    day = add_years(today, -valid_years)
    while valid_until(day, valid_years) < today:  # 29 February: add_years() falls back to the 28th
        day = date.fromordinal(day.toordinal() + 1)
    return day


LEVEL_DIGIT = {"practitioner": "1", "assistant": "2"}
CATEGORY_DIGIT = {"clinical": "1", "tcm": "2", "dental": "3", "public_health": "4"}


def certificate_number(
    level: str, category: str, county_code: str, serial: int, serial_digits: int
) -> str:
    """L10: level digit, category digit, six-digit region code (the county's; the city's for an
    institution filed under the city itself, A1), serial (15 digits by default)."""
    if serial >= 10**serial_digits:
        raise ValueError("certificate serial exhausted for this tenant")
    if len(county_code) != 6 or not (county_code.isascii() and county_code.isdigit()):
        raise ValueError("county code must be six digits")
    return f"{LEVEL_DIGIT[level]}{CATEGORY_DIGIT[category]}{county_code}{serial:0{serial_digits}d}"
