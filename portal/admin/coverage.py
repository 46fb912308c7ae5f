"""Officer levels (A1, A5): an officer works for the province (``User.region_id`` None), a
city or a county. An application belongs to the county of its institution
(``Institution.county_id``; the county's parent is its city), and an officer sees only the
applications their region covers. Every admin query and page goes through this module.

- province: every application of the tenant;
- city: the institutions of the city's counties, and those filed under the city itself;
- county: the institutions of the county.

A5/R1/F12: an application with several scopes at a county-level institution
(``needs_county_approval``) is decided by the officer of the institution's own county only;
the others who cover it see it read-only, and once approved it is filed with the city.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, or_, select, true

from portal.accounts.models import User
from portal.extensions import db
from portal.institution.models import Institution
from portal.tenants.models import Region
from portal.workflow.models import Application, State

PROVINCE, CITY, COUNTY = "province", "city", "county"


def level_of(officer: User) -> str:
    if officer.region_id is None:
        return PROVINCE
    return CITY if officer.region.level == CITY else COUNTY


def covered_institutions(officer: User):
    """A subquery of the ids of the institutions the officer covers (None: all of them)."""
    level = level_of(officer)
    if level == PROVINCE:
        return None
    if level == COUNTY:
        return select(Institution.id).where(Institution.county_id == officer.region_id)
    return (select(Institution.id).join(Region, Region.id == Institution.county_id)
            .where(or_(Region.id == officer.region_id, Region.parent_id == officer.region_id)))


def covered(officer: User) -> ColumnElement[bool]:
    """The SQL criterion on ``Application``: what this officer may see."""
    institutions = covered_institutions(officer)
    return true() if institutions is None else Application.institution_id.in_(institutions)


def covers(officer: User, app: Application) -> bool:
    """The same rule as ``covered()``, for one application already loaded."""
    level = level_of(officer)
    if level == PROVINCE:
        return True
    region = app.institution.county if app.institution is not None else None
    if region is None:
        return False
    if level == COUNTY:
        return region.id == officer.region_id
    return officer.region_id in (region.id, region.parent_id)


def decides(officer: User, app: Application) -> bool:
    """Whether this officer takes the decision (A4) on an application they cover: any of them,
    except that a multi-scope county approval (A5) is the institution's county's alone."""
    if not covers(officer, app):
        return False
    if app.needs_county_approval:
        return app.institution is not None and officer.region_id == app.institution.county_id
    return True


def files(officer: User, app: Application) -> bool:
    """A5/F12: whether this officer records the city filing of a county approval: an officer of
    the city of the institution's county."""
    county = app.institution.county if app.institution is not None else None
    return (level_of(officer) == CITY and county is not None and county.parent_id == officer.region_id
            and app.needs_county_approval)


def application_or_404(officer: User, app_id: int) -> Application:
    """An application the officer covers; 404 for a draft, another region's or another
    tenant's (T3), exactly like a missing one."""
    app = db.session.get(Application, app_id)
    if app is None or app.state == State.DRAFT or not covers(officer, app):
        abort(404)
    return app


#: a county approval stays on the city's list whatever happened to the registration after
FILED_STATES = (State.APPROVED, State.SUPERSEDED, State.CANCELLED)


def city_filings(officer: User):
    """A5: the county approvals of several scopes that the officer covers (a select on
    ``Application``; the caller orders and pages it)."""
    return select(Application).where(Application.needs_county_approval.is_(True),
                                     Application.state.in_(FILED_STATES), covered(officer))
