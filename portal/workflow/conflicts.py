"""What the loser of a race is told (A9): "此申请已于 10:42 由远安县卫生健康委员会批准", and the
state it is in now, read from the audit log's last row on the item (A8).

Who decided is named by office, never by person: the commission of the officer's region (the
province's for a province officer or the administrator), the institution of a staff member,
"you" or "the applicant" for the doctor, "the system" for a scheduled job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.models import Role, User
from portal.columns import local_today
from portal.extensions import db
from portal.labels import state_label
from portal.rules.workdays import beijing_date
from portal.tenants.models import Tenant
from portal.workflow.locks import Decided
from portal.workflow.models import AuditLog

#: the item, as the sentence names it
WHAT = {
    "application": _l("application"),
    "modification": _l("request to modify registered information"),
    "site_filing": _l("practice site filing"),
    "identity_case": _l("identity check"),
    "user": _l("account"),
    "institution": _l("institution"),
    "api_key": _l("API key"),
}

#: the audit log's action, as the sentence says what was done
DONE = {
    "approve": _l("approved"),
    "return": _l("returned for correction"),
    "refuse": _l("refused registration"),
    "confirm": _l("confirmed"),
    "reject": _l("rejected"),
    "submit": _l("submitted"),
    "request": _l("submitted"),
    "file": _l("submitted"),
    "withdraw": _l("withdrawn"),
    "expire": _l("closed as expired"),
    "link": _l("linked to a qualification record"),
    "close": _l("closed"),
    "activate": _l("activated"),
    "city_filing": _l("filed with the city"),
    "superseded": _l("replaced by a change"),
    "cancelled": _l("cancelled"),
    "cancellation_reported": _l("reported for cancellation"),
    "report_cancellation": _l("reported"),
    "cancel_own_motion": _l("cancelled on the commission's own motion"),
    "dismiss": _l("decided without cancelling"),
    "modify": _l("modified"),
    "disable": _l("deactivated"),
    "enable": _l("reactivated"),
    "reset_credentials": _l("given new credentials"),
    "resend_credentials": _l("sent its set-up message again"),
    "choose_password": _l("given a new password"),
    "enrol_totp": _l("linked to an authenticator app"),
    "unlock_codes": _l("unlocked"),
    "verify_phone": _l("verified"),
    "verify_email": _l("verified"),
    "revoke": _l("revoked"),
}


@dataclass
class Conflict:
    #: the sentence: what happened, by whom, when (empty when the log says nothing)
    message: str
    #: the state the item is in now (empty for items without a state)
    state: str


def office(actor: User | None, viewer: User | None) -> str:
    """Who acted, as an office (A9): never a person's name or ID."""
    if actor is None:
        return _("the system")
    if viewer is not None and actor.id == viewer.id:
        return _("you")
    if actor.role in (Role.OFFICER, Role.ADMIN):
        region = (
            actor.region.name
            if actor.region is not None
            else db.session.get(Tenant, actor.tenant_id).name
        )
        return _("the health commission of %(region)s", region=region)
    if actor.role is Role.STAFF and actor.institution is not None:
        return actor.institution.name
    return _("the applicant")


def _when(at) -> str:
    """The time of ``at`` (naive UTC), with its date unless it is today in Beijing."""
    today = beijing_date(at) == local_today()
    return format_datetime(at.replace(tzinfo=UTC), "HH:mm" if today else "yyyy-MM-dd HH:mm")


def said(err: Exception, viewer: User | None) -> str:
    """What happened, for a page that says it in its own place (empty when ``err`` is not a
    lost race or the log says nothing)."""
    return describe(err, viewer).message if isinstance(err, Decided) else ""


def describe(err: Decided, viewer: User | None) -> Conflict:
    """The conflict ``err`` as its loser reads it, from the last audit row on the item."""
    row = db.session.execute(
        db.select(AuditLog)
        .where(AuditLog.entity == err.entity, AuditLog.entity_id == err.entity_id)
        .order_by(AuditLog.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    state = state_label(err.state) if err.state is not None else ""
    if row is None:
        return Conflict("", state)
    actor = db.session.get(User, row.actor_id) if row.actor_id is not None else None
    message = _(
        "This %(what)s was %(done)s by %(who)s at %(when)s.",
        what=WHAT.get(err.entity, _("item")),
        done=DONE.get(row.action, _("changed")),
        who=office(actor, viewer),
        when=_when(row.at),
    )
    return Conflict(message, state)
