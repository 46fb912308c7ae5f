"""D16 / F9: the Approval Form's sex and birth date come from the ID number
(portal.rules.idcard), so nothing is left to fill in by hand."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from portal.rules.idcard import FEMALE, MALE, birth_date, sex


def resident_id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(("id_number", "born", "who"), [
    ("420525198803121236", date(1988, 3, 12), MALE),  # 17th character 3: odd
    ("420106199205142348", date(1992, 5, 14), FEMALE),  # 4: even
    (resident_id("11010520000229001"), date(2000, 2, 29), MALE),  # a leap day
    (resident_id("11010519991231000"), date(1999, 12, 31), FEMALE),  # 0 is even
])
def test_D16_F9_sex_and_birth_date_from_the_id_number(id_number, born, who):
    assert birth_date(id_number) == born
    assert sex(id_number) == who


def test_D16_F9_check_digit_x_and_spaces_are_read():
    assert resident_id("44010419870925450") == "44010419870925450X"
    assert birth_date(" 44010419870925450x ") == date(1987, 9, 25)
    assert sex("44010419870925450X") == FEMALE


@pytest.mark.parametrize("digit", "13579")
def test_D16_F9_odd_17th_character_is_a_man(digit):
    assert sex(resident_id(f"4205251988031212{digit}")) == MALE


@pytest.mark.parametrize("digit", "02468")
def test_D16_F9_even_17th_character_is_a_woman(digit):
    assert sex(resident_id(f"4205251988031212{digit}")) == FEMALE


@pytest.mark.parametrize("bad", ["", "420525880312123", "42052519880312123", "4205251988031212345",
                                 "42052519880312123A", "４２０５２５１９８８０３１２１２３６", None])
def test_D16_F9_not_an_18_character_id_number_is_refused(bad):
    with pytest.raises(ValueError):
        sex(bad)
    with pytest.raises(ValueError):
        birth_date(bad)


@pytest.mark.parametrize("first17", ["42052519880230123", "42052519881301123", "42052519880000123"])
def test_D16_F9_no_such_birth_date_is_refused(first17):
    with pytest.raises(ValueError):
        birth_date(resident_id(first17))
