"""The public register (V1, L8): which registrations it lists and what it shows of one,
never the ID number or contact details (SEC5). Read by the public check and by the doctor's
e-certificate, which shows the same entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.registry.records import Category, Level
from portal.rules.catalogue import scope_name
from portal.workflow.cancellations import cancelled_on
from portal.workflow.models import Application, State

#: states whose registrations the public register lists (L8: approved and cancelled ones)
PUBLIC_STATES = tuple(s for s in State if s.value in ("approved", "cancelled"))


@dataclass(frozen=True)
class PublicEntry:
    """What the public register shows of a registration: nothing more (SEC5)."""

    certificate_no: str
    real_name: str
    level: Level
    category: Category
    scopes: list[str]
    institution: str
    #: "registered", "lapsed" or "cancelled"
    status: str
    valid_until: date
    #: L8: the day a cancelled registration was cancelled (None unless cancelled)
    cancelled_on: date | None = None


def public_entry(app: Application, today: date) -> PublicEntry:
    until = app.valid_until  # R3, A6: fixed at approval by the rules it was submitted under
    if app.state.value == "cancelled":
        status = "cancelled"
    else:
        status = "registered" if today <= until else "lapsed"
    return PublicEntry(
        certificate_no=app.certificate_no,
        real_name=app.doctor.real_name,
        level=app.level,
        category=app.category,
        scopes=[scope_name(k) for k in app.scopes or []],
        institution=app.institution.name if app.institution else "",
        status=status,
        valid_until=until,
        cancelled_on=cancelled_on(app) if status == "cancelled" else None,
    )


def find_registration(certificate_no: str) -> Application | None:
    """The tenant's latest public registration with this number. An ordinary ORM query: the
    tenant filter (portal.tenants.scope) limits it to the tenant of the URL (T3)."""
    return (
        db.session.execute(
            db.select(Application)
            .where(
                Application.certificate_no == certificate_no,
                Application.state.in_(PUBLIC_STATES),
                Application.registered_on.is_not(None),
            )
            .options(joinedload(Application.doctor), joinedload(Application.institution))
            .order_by(Application.registered_on.desc(), Application.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )
