"""Information maintenance (D17, F5, F6): a registered doctor asks to modify registered
details; the registration's institution approves or rejects the request (I4). Until it
approves, the old values stay in force.

Only the details below may be modified this way; institution, scope and category are a
change of registration (L2, D7). Like every transition in ``portal.workflow``, each function
checks the state (``WrongState``), makes the change, writes the audit row (A8) and queues the
notification (SEC7) in ONE transaction.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _  # written in the recipient's language
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.extensions import db
from portal.notify.services import notify_user
from portal.notify.sms import sms
from portal.workflow.audit import audit
from portal.workflow.decisions import decide
from portal.workflow.locks import WrongState, lock, take
from portal.workflow.models import Application, ModificationRequest, ModificationState, State

#: the registered details a doctor may modify, in the order they are shown
EDITABLE = ("home_address", "work_experience", "rewards_punishments", "contract_end")

#: their labels, the same words as in the application wizard
LABELS = {
    "home_address": _l("Home address as on your ID card"),
    "work_experience": _l("Work experience"),
    "rewards_punishments": _l("Rewards and punishments"),
    "contract_end": _l("Contract end date"),
}

#: applications still in progress (one open at a time, D7): no modification meanwhile
OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.REJECTED, State.CONFIRMED)


class NothingChanged(ValueError):
    """The request would change nothing."""


def _plain(value):
    """A value as stored in ``changes`` (JSON): dates as ISO strings, text stripped."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _typed(name: str, value):
    """The stored value back as the registration's column takes it."""
    if name == "contract_end":
        return date.fromisoformat(value) if value else None
    return value


# ---- look-ups --------------------------------------------------------------------------------


def pending_of(doctor: User) -> ModificationRequest | None:
    return (
        db.session.execute(
            db.select(ModificationRequest)
            .where(
                ModificationRequest.doctor_id == doctor.id,
                ModificationRequest.state == ModificationState.PENDING,
            )
            .order_by(ModificationRequest.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def last_decided_of(doctor: User) -> ModificationRequest | None:
    return (
        db.session.execute(
            db.select(ModificationRequest)
            .where(
                ModificationRequest.doctor_id == doctor.id,
                ModificationRequest.state != ModificationState.PENDING,
            )
            .order_by(ModificationRequest.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def _has_open_application(doctor: User) -> bool:
    return (
        db.session.execute(
            db.select(Application.id)
            .where(Application.doctor_id == doctor.id, Application.state.in_(OPEN_STATES))
            .limit(1)
        ).first()
        is not None
    )


# ---- transitions -------------------------------------------------------------------------


def request_modification(app: Application, doctor: User, changes: dict) -> ModificationRequest:
    """The doctor asks to change ``changes`` ({field: new value}) of the registration ``app``.

    Raises ``WrongState`` ("not_registered", "pending", "open_application") when a request
    cannot be made now, ``NothingChanged`` when every value is the registered one, and
    ``ValueError`` for a field that cannot be modified here."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not modifiable here: {sorted(unknown)}")
    if app.doctor_id != doctor.id:
        raise ValueError("not this doctor's registration")
    for name, value in changes.items():
        if not (
            isinstance(value, date)
            if name == "contract_end"
            else isinstance(value, str) and value.strip()
        ):
            raise ValueError(f"{name}: {value!r} cannot be registered")
    take(app)  # two requests at once: the second waits and sees the first
    if app.state is not State.APPROVED:
        raise WrongState("not_registered")
    if pending_of(doctor) is not None:
        raise WrongState("pending")
    if _has_open_application(doctor):
        raise WrongState("open_application")
    diff = {}
    for name in EDITABLE:
        if name not in changes:
            continue
        old, new = _plain(getattr(app, name)), _plain(changes[name])
        if old != new:
            diff[name] = {"old": old, "new": new}
    if not diff:
        raise NothingChanged("nothing changed")
    req = ModificationRequest(
        doctor_id=doctor.id,
        application_id=app.id,
        institution_id=app.institution_id,
        state=ModificationState.PENDING,
        changes=diff,
    )
    db.session.add(req)
    db.session.flush()
    audit(
        "modification",
        req.id,
        "request",
        doctor,
        {},
        {"state": req.state.value, "application_id": app.id, "changes": diff},
    )
    notify_user(
        doctor,
        _(
            "Your request to modify your registered information was sent to %(name)s. Your registered "
            "details stay as they are until it is approved.",
            name=app.institution.name,
        ),
        subject=_("Modification request sent"),
        sms=sms("modification_sent", inst=app.institution.name),
        email=False,
    )
    db.session.commit()
    return req


def approve_modification(req: ModificationRequest, staff: User) -> None:
    """The institution approves: the new values go into the registration."""
    lock(req, ModificationState.PENDING)
    lock(
        req.application, State.APPROVED
    )  # changed or cancelled meanwhile (D7): only a rejection fits
    app = req.application
    fields = tuple(req.changes)
    before = {name: _plain(getattr(app, name)) for name in fields}
    for name, values in req.changes.items():
        setattr(app, name, _typed(name, values["new"]))
    audit(
        "application",
        app.id,
        "modify",
        staff,
        before,
        {name: _plain(getattr(app, name)) for name in fields},
        f"modification {req.id}",
    )
    previous = decide(req, staff, ModificationState.APPROVED)
    audit("modification", req.id, "approve", staff, previous, {"state": req.state.value})
    notify_user(
        req.doctor,
        _(
            "%(name)s approved the modification of your registered information: the new details "
            "are now in force.",
            name=req.institution.name,
        ),
        subject=_("Modification approved"),
        sms=sms("modification_approved", inst=req.institution.name),
    )
    db.session.commit()


def reject_modification(req: ModificationRequest, staff: User, reason: str) -> None:
    """The institution rejects, with a reason the doctor sees; the registration is unchanged."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required")
    lock(req, ModificationState.PENDING)
    previous = decide(req, staff, ModificationState.REJECTED)
    req.reason = reason
    audit(
        "modification",
        req.id,
        "reject",
        staff,
        previous,
        {"state": req.state.value, "reason": reason},
        reason,
    )
    notify_user(
        req.doctor,
        _(
            "%(name)s rejected the modification of your registered information. Reason: %(reason)s",
            name=req.institution.name,
            reason=reason,
        ),
        subject=_("Modification rejected"),
        sms=sms("modification_rejected", inst=req.institution.name, reason=reason),
    )
    db.session.commit()
