"""The written notice of a refusal (不予注册决定书, L3: Practitioners' Law art. 16; A9): what it
says, read from the application, its audit row and the deciding officer's region. The doctor
and the institution each print it (portal/templates/refusal_notice.html)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.accounts.models import User
from portal.extensions import db
from portal.rules.workdays import beijing_date
from portal.workflow.conflicts import office
from portal.workflow.models import Application, AuditLog, Kind, State


@dataclass(frozen=True)
class RefusalNotice:
    app: Application
    #: the health commission that decided, as an office (never a person, A9)
    office: str
    #: the Beijing date of the decision
    decided_on: date | None
    #: the notice's number: the tenant's slug-free reference, e.g. 不予注册〔2026〕第 12 号
    year: int | None


def refusal_notice(app: Application) -> RefusalNotice | None:
    """The notice of ``app`` when it was refused; None otherwise."""
    if app.state is not State.REFUSED or app.kind is Kind.CANCEL or not app.refusal_ground:
        return None  # a cancellation not granted is no refusal to register
    row = db.session.execute(
        db.select(AuditLog)
        .where(
            AuditLog.entity == "application",
            AuditLog.entity_id == app.id,
            AuditLog.action == "refuse",
        )
        .order_by(AuditLog.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    actor = db.session.get(User, row.actor_id) if row is not None and row.actor_id else None
    decided = app.decided_at or (row.at if row is not None else None)
    decided_on = beijing_date(decided) if decided is not None else None
    return RefusalNotice(
        app=app,
        office=office(actor, None),
        decided_on=decided_on,
        year=decided_on.year if decided_on else None,
    )
