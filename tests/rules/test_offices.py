"""Which office receives the paper materials (D16, S4, A5 / FAQ F12) and which officer
accounts a user manages (A1; issue 12): pure functions."""

from __future__ import annotations

import pytest

from portal.rules.offices import (
    CITY,
    COUNTY,
    PROVINCE,
    Office,
    deciding_level,
    manageable_levels,
    office_for,
)

COUNTY_OFFICE = Office(COUNTY, "远安县卫生健康局", "鸣凤镇 1 号")
CITY_OFFICE = Office(CITY, "宜昌市卫生健康委员会", "西陵区 2 号")
PROVINCE_OFFICE = Office(PROVINCE, "湖北省卫生健康委员会", "武昌区 3 号")


@pytest.mark.parametrize(
    ("county_approval", "county_level", "level"),
    [
        (True, True, COUNTY),  # F12: several scopes at county level, the county approves
        (False, True, COUNTY),  # S4: the local (county) health commission
        (False, False, CITY),  # secondary, tertiary, or filed under the city itself
        (True, False, COUNTY),  # never both, but A5 has the last word
    ],
)
def test_A5_the_deciding_level(county_approval, county_level, level):
    assert (
        deciding_level(county_approval=county_approval, county_level_institution=county_level)
        == level
    )


def test_D16_the_office_falls_back_one_level_up_while_empty():
    empty_county = Office(COUNTY, "", "")
    half_city = Office(CITY, "宜昌市卫生健康委员会", "  ")  # a name without an address is no office
    offices = {COUNTY: COUNTY_OFFICE, CITY: CITY_OFFICE, PROVINCE: PROVINCE_OFFICE}
    assert office_for(COUNTY, offices) == COUNTY_OFFICE
    assert office_for(CITY, offices) == CITY_OFFICE  # a city decision skips the county's office
    assert office_for(COUNTY, {**offices, COUNTY: empty_county}) == CITY_OFFICE
    assert office_for(COUNTY, {**offices, COUNTY: None}) == CITY_OFFICE
    assert office_for(COUNTY, {**offices, COUNTY: empty_county, CITY: half_city}) == PROVINCE_OFFICE
    assert office_for(CITY, {PROVINCE: PROVINCE_OFFICE}) == PROVINCE_OFFICE
    # the province's contact details, even empty, are what is left
    bare = Office(PROVINCE, "湖北省", "")
    assert office_for(COUNTY, {COUNTY: empty_county, CITY: None, PROVINCE: bare}) == bare


@pytest.mark.parametrize(
    ("administrator", "own", "levels"),
    [
        (True, PROVINCE, (PROVINCE, CITY, COUNTY)),
        (False, PROVINCE, (CITY, COUNTY)),
        (False, CITY, (COUNTY,)),
        (False, COUNTY, ()),
    ],
)
def test_A1_nobody_manages_accounts_at_or_above_their_level(administrator, own, levels):
    assert manageable_levels(administrator=administrator, own_level=own) == levels
