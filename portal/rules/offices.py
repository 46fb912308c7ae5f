"""Which office of the health commission a doctor's paper materials go to (D16, S4, A5), and
which officer accounts an officer may manage (A1, issue 12). Pure functions over plain data.

Where the materials go is the office that decides the application:

- A5/F12 (R1): several scopes at an institution at or below county level are approved by the
  health commission of the institution's county (and filed with the city);
- any other application at an institution at or below county level: its county's commission,
  the "local health commission" of the FAQ (S4);
- an institution above county level (secondary, tertiary, or filed under the city itself):
  the city's commission, at whose level such institutions are registered.

A region whose office is not filled in sends the doctor one level up (county → city →
province); the province's office is the tenant's contact details (T1).
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE, CITY, COUNTY = "province", "city", "county"
#: from the top down
LEVELS = (PROVINCE, CITY, COUNTY)


@dataclass(frozen=True)
class Office:
    """One office where paper materials are handed in, at ``level``."""

    level: str
    name: str
    address: str
    phone: str = ""
    hours: str = ""

    @property
    def filled(self) -> bool:
        """An office a doctor can find: it has a name and an address."""
        return bool(self.name.strip() and self.address.strip())


def deciding_level(*, county_approval: bool, county_level_institution: bool) -> str:
    """The level whose commission decides, and so receives the paper materials (A5, S4)."""
    if county_approval or county_level_institution:
        return COUNTY
    return CITY


def office_for(level: str, offices: dict[str, Office | None]) -> Office | None:
    """The office at ``level`` when filled in, else the next one up, else the province's
    (returned even when empty: the tenant's contact details are all there is)."""
    start = LEVELS.index(level)
    for lvl in reversed(LEVELS[1 : start + 1]):
        office = offices.get(lvl)
        if office is not None and office.filled:
            return office
    return offices.get(PROVINCE)


def manageable_levels(*, administrator: bool, own_level: str) -> tuple[str, ...]:
    """A1: the officer levels whose accounts this user creates and manages. The province's
    administrator: every level. An officer: only the levels below their own (a province
    officer the cities' and counties', a city officer its counties'), never their own level
    or above; a county officer none."""
    if administrator:
        return LEVELS
    return LEVELS[LEVELS.index(own_level) + 1 :]
