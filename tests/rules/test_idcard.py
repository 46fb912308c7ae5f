"""D16 / F9: the Approval Form's sex and birth date come from the ID number
(portal.rules.idcard), so nothing is left to fill in by hand."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from portal.rules.idcard import FEMALE, MALE, area_code, birth_date, region_for_area, sex


def resident_id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(
    ("id_number", "born", "who"),
    [
        ("420525198803121236", date(1988, 3, 12), MALE),  # 17th character 3: odd
        ("420106199205142348", date(1992, 5, 14), FEMALE),  # 4: even
        (resident_id("11010520000229001"), date(2000, 2, 29), MALE),  # a leap day
        (resident_id("11010519991231000"), date(1999, 12, 31), FEMALE),  # 0 is even
    ],
)
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


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "420525880312123",
        "42052519880312123",
        "4205251988031212345",
        "42052519880312123A",
        "４２０５２５１９８８０３１２１２３６",
        None,
    ],
)
def test_D16_F9_not_an_18_character_id_number_is_refused(bad):
    with pytest.raises(ValueError):
        sex(bad)
    with pytest.raises(ValueError):
        birth_date(bad)


@pytest.mark.parametrize("first17", ["42052519880230123", "42052519881301123", "42052519880000123"])
def test_D16_F9_no_such_birth_date_is_refused(first17):
    with pytest.raises(ValueError):
        birth_date(resident_id(first17))


# ---- A3: the region an identity case falls to ---------------------------------------------------

REGIONS = {"420500": "city", "420525": "county", "420100": "city", "420106": "county"}


@pytest.mark.parametrize(
    ("id_number", "region"),
    [
        ("420525198803121236", "420525"),  # 远安县, listed
        ("420506199001011234", "420500"),  # 夷陵区, not listed: its city 宜昌市
        ("420501199001011234", "420500"),  # 宜昌市市辖区: the city
        ("420111199001016789", "420100"),  # 洪山区, not listed: 武汉市
        ("420600199001011234", None),  # 襄阳市, not listed: the province
        ("110101199001011234", None),  # 北京: another province
    ],
)
def test_A3_region_for_area(id_number, region):
    assert region_for_area(area_code(id_number), REGIONS) == region


def test_A3_a_county_code_never_falls_to_a_county_by_its_prefix():
    """Only a city is looked up by the first four digits: 420500 as a county (a tenant's odd
    tree) is not the home of 420506."""
    assert region_for_area("420506", {"420500": "county"}) is None
