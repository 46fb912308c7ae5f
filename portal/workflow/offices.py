"""Where paper materials are handed in (D16, S4, A5; issue 12): the administrator edits each
city's and county's office (audited, A8), and every end reads which office an application's
materials go to (``materials_office``), by ``portal.rules.offices``."""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.models import User
from portal.extensions import db
from portal.registry.institutions import InstitutionLevel
from portal.rules.offices import CITY, COUNTY, PROVINCE, Office, deciding_level, office_for
from portal.tenants.models import Region, Tenant
from portal.workflow.audit import audit, snapshot
from portal.workflow.locks import lock
from portal.workflow.models import Application

FIELDS = ("office_name", "office_address", "office_phone", "office_hours")


@dataclass
class OfficeDetails:
    name: str
    address: str
    phone: str
    hours: str


def set_office(region: Region, by: User, details: OfficeDetails) -> bool:
    """The region's office, as the administrator wrote it; False (nothing written) when
    nothing changed."""
    lock(region)
    before = snapshot(region, FIELDS)
    region.office_name = details.name
    region.office_address = details.address
    region.office_phone = details.phone
    region.office_hours = details.hours
    after = snapshot(region, FIELDS)
    if after == before:
        db.session.rollback()
        return False
    audit("region", region.id, "set_office", by, before, after)
    db.session.commit()
    return True


def region_office(region: Region) -> Office:
    return Office(
        level=COUNTY if region.level == "county" else CITY,
        name=region.office_name,
        address=region.office_address,
        phone=region.office_phone,
        hours=region.office_hours,
    )


def province_office(tenant: Tenant) -> Office:
    """The province's office: the tenant's contact details (T1)."""
    return Office(
        level=PROVINCE,
        name=tenant.contact_name or tenant.name,
        address=tenant.contact_address,
        phone=tenant.contact_phone,
        hours=tenant.office_hours,
    )


def materials_office(app: Application, tenant: Tenant) -> Office:
    """The office that decides ``app`` and receives its paper materials: its institution's
    county's (A5, or an institution at or below county level), else its city's; one level up
    while an office is not filled in; at the top the province's contact details."""
    institution = app.institution
    region = institution.county if institution is not None else None
    county = region if region is not None and region.level == "county" else None
    city = county.parent if county is not None else region
    level = deciding_level(
        county_approval=bool(app.needs_county_approval),
        county_level_institution=institution is not None
        and institution.level is InstitutionLevel.COUNTY
        and county is not None,
    )
    return office_for(
        level,
        {
            COUNTY: region_office(county) if county is not None else None,
            CITY: region_office(city) if city is not None else None,
            PROVINCE: province_office(tenant),
        },
    )
