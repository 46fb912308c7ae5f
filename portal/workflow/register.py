"""The public register (V1, L8): which registrations it lists and what it shows of one,
never the ID number or contact details (SEC5). Read by the public check and by the doctor's
e-certificate, which shows the same entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.extensions import db
from portal.registry.institutions import Institution
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
    #: the scopes' keys in the catalogue (L9), for machines (the FHIR interface, V3)
    scope_keys: tuple[str, ...] = ()


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
        scope_keys=tuple(app.scopes or []),
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


#: the most registrations one search by name answers (V3: a lookup, not a listing)
MOST_BY_NAME = 20


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_by_name(real_name: str, institution: str) -> list[Application]:
    """The tenant's public registrations of a doctor named exactly ``real_name`` at an
    institution whose name starts with ``institution`` (V3: both are needed, so the register
    cannot be listed by a common surname), each number's latest registration only, at most
    ``MOST_BY_NAME``."""
    numbers = (
        db.session.execute(
            db.select(Application.certificate_no)
            .join(User, User.id == Application.doctor_id)
            .join(Institution, Institution.id == Application.institution_id)
            .where(
                User.real_name == real_name,
                Institution.name.like(_like_prefix(institution), escape="\\"),
                Application.state.in_(PUBLIC_STATES),
                Application.registered_on.is_not(None),
                Application.certificate_no.is_not(None),
            )
            .distinct()
            .order_by(Application.certificate_no)
            .limit(MOST_BY_NAME)
        )
        .scalars()
        .all()
    )
    found = []
    for number in numbers:
        app = find_registration(number)
        # the number's latest registration may be at another institution now (a change, D7)
        if app is not None and app.institution and app.institution.name.startswith(institution):
            found.append(app)
    return found
