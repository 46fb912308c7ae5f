"""A6 / R6: the rule settings read from the editor's form, within their safe bounds (pure)."""

from __future__ import annotations

import pytest

from config import national_rules
from portal.rules.settings import Problem, form_values, read_settings, serial_digits_problem

NATIONAL = national_rules()


def posted(**changes) -> dict:
    values = form_values(NATIONAL)
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    return values


@pytest.mark.parametrize(
    ("digits", "ok"), [("3", False), ("4", True), ("7", True), ("8", True), ("9", False)]
)
def test_L10_certificate_serial_digits_is_a_setting_from_4_to_8(digits, ok):
    settings, problems = read_settings(
        posted(registration__certificate_serial_digits=digits), NATIONAL, {}
    )
    if ok:
        assert problems == {} and settings["registration"]["certificate_serial_digits"] == int(
            digits
        )
    else:
        assert problems["registration.certificate_serial_digits"] == Problem(
            "number", {"low": 4, "high": 8}
        )


def test_L10_serial_digits_must_hold_the_next_serial_of_the_province():
    assert serial_digits_problem(4, 9998) is None  # the next is 9999: fits
    assert serial_digits_problem(4, 9999) == Problem("serial_digits", {"n": 5, "issued": 9999})
    _, problems = read_settings(
        posted(registration__certificate_serial_digits="5"), NATIONAL, {}, serial_issued=123456
    )
    assert problems == {
        "registration.certificate_serial_digits": Problem(
            "serial_digits", {"n": 6, "issued": 123456}
        )
    }
    _, problems = read_settings(
        posted(registration__certificate_serial_digits="6"), NATIONAL, {}, serial_issued=123456
    )
    assert problems == {}
