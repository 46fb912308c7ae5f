"""GB 32100-2015: the unified social credit code's form and check character (issue 12, A2)."""

from __future__ import annotations

import pytest

from portal.rules.credit_code import check_character, credit_code_problem


def _code(first17: str) -> str:
    return first17 + check_character(first17)


def test_a_well_formed_code_passes():
    code = _code("12420525MB1234567")
    assert len(code) == 18 and credit_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("12420525MB123456", "length"),
        ("12420525MB12345670X", "length"),
        ("12420525MB1234567I", "characters"),  # I is not used (nor O, Z, S, V)
        ("12420525mb1234567" + "0", "characters"),
    ],
)
def test_malformed_codes_say_what_is_wrong(code, problem):
    assert credit_code_problem(code) == problem


def test_one_mistyped_character_is_caught():
    code = _code("12420525MB1234567")
    wrong = code[:5] + ("6" if code[5] != "6" else "7") + code[6:]
    assert credit_code_problem(wrong) == "check"


def test_the_check_character_by_the_standards_weights():
    """91110000600037341L: weights 3^i mod 31 over the alphabet without I, O, Z, S, V."""
    assert check_character("91110000600037341") == "L"
