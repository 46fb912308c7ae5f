"""Officer levels (A1, A5): an officer works for the province (``User.region_id`` None), a
city or a county. An application belongs to the county of its institution
(``Institution.county_id``; the county's parent is its city), and an officer sees only the
applications their region covers. Every admin query and page goes through this module.

- province: every application of the tenant;
- city: the institutions of the city's counties, and those filed under the city itself;
- county: the institutions of the county.

A3: an identity case belongs to a region too (``IdentityCase.region_id``, see
``portal.workflow.identity``): an officer sees the cases of the regions they cover; a case of
no region (an ID number of another province, a city the tenant does not list) is the
province's alone.

A5/R1/F12: an application with several scopes at a county-level institution
(``needs_county_approval``) is decided by the officer of the institution's own county only;
the others who cover it see it read-only, and once approved it is filed with the city.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, not_, or_, select, true

from portal.accounts.models import User
from portal.extensions import db
from portal.htmx import render
from portal.registry.institutions import Institution
from portal.registry.records import IdentityCase
from portal.tenants.models import Region
from portal.workflow.models import Application, State

PROVINCE, CITY, COUNTY = "province", "city", "county"


def level_of(officer: User) -> str:
    if officer.region_id is None:
        return PROVINCE
    return CITY if officer.region.level == CITY else COUNTY


def is_province(user: User) -> bool:
    """A province-level user: a province officer or the province administrator."""
    return level_of(user) == PROVINCE


def region_name(user: User) -> str:
    """The name of the region the user works for: their city or county, else the province."""
    return user.region.name if user.region_id is not None else g.tenant.name


def province_only(view):
    """A page for province-level users only (the audit log, locked code entry): an officer of a
    city or a county is told so (403); the nav does not offer them the link."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_province(current_user):
            return render(
                "error.html",
                "content",
                status=403,
                tenant=g.tenant,
                message=_("This page is for the province's officers and administrators only."),
            )
        return view(*args, **kwargs)

    return wrapped


def covered_regions(officer: User):
    """A subquery of the ids of the regions whose institutions the officer covers (None: all):
    their county, or their city and the city's counties."""
    level = level_of(officer)
    if level == PROVINCE:
        return None
    if level == COUNTY:
        return select(Region.id).where(Region.id == officer.region_id)
    return select(Region.id).where(
        or_(Region.id == officer.region_id, Region.parent_id == officer.region_id)
    )


def institution_covered(officer: User) -> ColumnElement[bool]:
    """The SQL criterion on ``Institution``: the institutions this officer may see."""
    regions = covered_regions(officer)
    return true() if regions is None else Institution.county_id.in_(regions)


def covered_institutions(officer: User):
    """The ids of the institutions the officer covers (None: all of them), read once a request.

    A list, not a subquery (issue 16): the planner estimated a city's institutions from
    ``region.id = … OR region.parent_id = …`` under row-level security at a few, and ran one index
    scan per institution before sorting the officer's queue; given the ids, it walks the queue's
    index in order and stops at the page's end (3.6 ms against 47 ms for a city of 351)."""
    if level_of(officer) == PROVINCE:
        return None
    query = select(Institution.id).where(institution_covered(officer))
    if not has_request_context():
        return query
    known = g.setdefault("covered_institutions", {})
    key = (officer.id, officer.region_id)
    if key not in known:
        known[key] = list(db.session.execute(query).scalars())
    return known[key]


def covered(officer: User) -> ColumnElement[bool]:
    """The SQL criterion on ``Application``: what this officer may see."""
    institutions = covered_institutions(officer)
    return true() if institutions is None else Application.institution_id.in_(institutions)


def covers_region(officer: User, region: Region | None) -> bool:
    """The same rule as ``covered_regions()``, for one region already loaded."""
    level = level_of(officer)
    if level == PROVINCE:
        return True
    if region is None:
        return False
    if level == COUNTY:
        return region.id == officer.region_id
    return officer.region_id in (region.id, region.parent_id)


def covers(officer: User, app: Application) -> bool:
    """The same rule as ``covered()``, for one application already loaded."""
    return covers_region(officer, app.institution.county if app.institution is not None else None)


def institution_or_404(officer: User, institution_id: int) -> Institution:
    """An institution the officer covers; 404 for another region's or another tenant's (T3),
    exactly like a missing one."""
    inst = db.session.get(Institution, institution_id)
    if inst is None or not covers_region(officer, inst.county):
        abort(404)
    return inst


def decides(officer: User, app: Application) -> bool:
    """Whether this officer takes the decision (A4) on an application they cover: any of them,
    except that a multi-scope county approval (A5) is the institution's county's alone."""
    if not covers(officer, app):
        return False
    if app.needs_county_approval:
        return app.institution is not None and officer.region_id == app.institution.county_id
    return True


def _decides_if_covered(officer: User) -> ColumnElement[bool]:
    """The SQL form of ``decides()`` less coverage: not a multi-scope county approval (A5), or
    one at an institution of the officer's own region."""
    criterion = Application.needs_county_approval.is_(False)
    if officer.region_id is None:
        return criterion
    own = select(Institution.id).where(Institution.county_id == officer.region_id)
    return or_(criterion, Application.institution_id.in_(own))


def decided_by(officer: User) -> ColumnElement[bool]:
    """The SQL criterion on ``Application``: what this officer decides (``decides()``, A4, A5)."""
    return and_(covered(officer), _decides_if_covered(officer))


def seen_only(officer: User) -> ColumnElement[bool]:
    """The SQL criterion on ``Application``: what this officer covers but only sees (A5: a
    multi-scope approval at another region's county-level institution)."""
    return and_(covered(officer), not_(_decides_if_covered(officer)))


def files(officer: User, app: Application) -> bool:
    """A5/F12: whether this officer records the city filing of a county approval: an officer of
    the city of the institution's county."""
    county = app.institution.county if app.institution is not None else None
    return (
        level_of(officer) == CITY
        and county is not None
        and county.parent_id == officer.region_id
        and app.needs_county_approval
    )


def application_or_404(officer: User, app_id: int) -> Application:
    """An application the officer covers; 404 for a draft, another region's or another
    tenant's (T3), exactly like a missing one."""
    app = db.session.get(Application, app_id)
    if app is None or app.state == State.DRAFT or not covers(officer, app):
        abort(404)
    return app


def case_covered(officer: User) -> ColumnElement[bool]:
    """The SQL criterion on ``IdentityCase`` (A3): the cases this officer may see and decide."""
    regions = covered_regions(officer)
    return true() if regions is None else IdentityCase.region_id.in_(regions)


def case_or_404(officer: User, case_id: int) -> IdentityCase:
    """An identity case the officer covers; 404 for another region's or another tenant's (T3),
    exactly like a missing one."""
    case = db.session.get(IdentityCase, case_id)
    if case is None or not covers_region(officer, case.region):
        abort(404)
    return case


#: a county approval stays on the city's list whatever happened to the registration after
FILED_STATES = (State.APPROVED, State.SUPERSEDED, State.CANCELLED)


def city_filings(officer: User):
    """A5: the county approvals of several scopes that the officer covers (a select on
    ``Application``; the caller orders and pages it)."""
    return select(Application).where(
        Application.needs_county_approval.is_(True),
        Application.state.in_(FILED_STATES),
        covered(officer),
    )
