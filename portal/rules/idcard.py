"""What an 18-character resident ID number (GB 11643) says about its holder: the birth date
(characters 7–14, YYYYMMDD) and the sex (character 17: odd for a man, even for a woman).
The Approval Form is filled from these, so the doctor types neither (D16, F9)."""

from __future__ import annotations

import re
from datetime import date

MALE = "male"
FEMALE = "female"

_ID = re.compile(r"[0-9]{17}[0-9X]")  # ASCII digits only, as at sign-up (D1)


def _checked(id_number: str) -> str:
    value = (id_number or "").strip().upper()
    if not _ID.fullmatch(value):
        raise ValueError("not an 18-character resident ID number")
    return value


def birth_date(id_number: str) -> date:
    """The birth date in characters 7–14; ValueError when there is no such day."""
    value = _checked(id_number)
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def sex(id_number: str) -> str:
    """``MALE`` when character 17 (the last of the sequence code) is odd, else ``FEMALE``."""
    return MALE if int(_checked(id_number)[16]) % 2 else FEMALE


def area_code(id_number: str) -> str:
    """The six-digit administrative division code in characters 1–6: where the number was
    issued (the holder's household registration then), not necessarily where they live now."""
    return _checked(id_number)[:6]


def region_for_area(area: str, regions: dict[str, str]) -> str | None:
    """A3: the tenant's region an area code falls to, given the tenant's regions as
    ``{code: "city" | "county"}``: the region with that very code; else the city of its first
    four digits (a county the tenant does not list, or a city's own districts, 420501);
    else None (another province's code, or a city the tenant does not list: the province)."""
    if area in regions:
        return area
    city = area[:4] + "00"
    return city if regions.get(city) == "city" else None
