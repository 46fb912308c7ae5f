"""Cancellation of a registration that the doctor did not ask for (注销注册, L4: Practitioners'
Law art. 17):

- ``report``: the institution reports a ground for one of its doctors (I6) with the day of the
  ground and a note. It reaches the commission's queue as an accepted (CONFIRMED) cancellation
  application, decided like any other (``portal.workflow.commission``): approve, and the
  registration is CANCELLED. The law gives the institution 30 days; a later report is accepted
  and flagged (``portal.rules.cancellation`` says why).
- ``cancel_on_own_motion``: the commission cancels on a legal ground it learnt of itself (A9),
  e.g. a death registered by the civil affairs office, with the day and its reference.

A dead doctor is told nothing, by SMS or otherwise, from the moment the death is reported
(``deceased``: the reminders skip them too, D20). Like every workflow function: lock the row,
check the state, change, audit, notify, commit, in one transaction."""

from __future__ import annotations

from datetime import date

from flask_babel import LazyString, format_date
from flask_babel import lazy_gettext as _
from sqlalchemy import ColumnElement, exists

from portal.accounts.models import User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.services import notify_user
from portal.notify.sms import sms
from portal.rules.cancellation import ground_date_problem, reported_late
from portal.rules.workdays import beijing_date
from portal.tenants import current_version
from portal.tenants.models import Tenant
from portal.workflow.applications import FIELDS, decision_due
from portal.workflow.audit import audit, snapshot
from portal.workflow.commission import _institution_staff
from portal.workflow.locks import Decided, WrongState, lock
from portal.workflow.models import CANCEL_GROUNDS, Application, Kind, State

#: what a cancellation's audit rows keep of it
CANCEL_FIELDS = (
    *FIELDS,
    "cancel_ground",
    "cancel_note",
    "cancel_origin",
    "cancel_ground_on",
    "cancel_reference",
    "cancel_reported_late",
)

#: a cancellation on its way: the commission has not decided it yet
WAITING = (State.SUBMITTED, State.CONFIRMED)


class CancellationWaiting(Decided):
    """A cancellation of this registration already waits for the commission's decision (A9:
    the loser of two reports is told who reported it, and when)."""

    def __init__(self, registration: Application, waiting: Application):
        self.waiting = waiting
        super().__init__(registration, f"cancellation {waiting.id} waits")


def cancel_ground_label(key: str):
    """L4 (Practitioners' Law art. 17), as every end names a ground (lazy: messages too)."""
    return {
        "suspended_two_years": _("Practice suspended for two full years"),
        "failed_assessment_again": _("Failed the periodic assessment again after a suspension"),
        "certificate_revoked": _("Practising certificate revoked"),
        "criminal_penalty": _("Criminal penalty"),
        "death": _("Death"),
        "other": _("Other legal grounds"),
    }[key]


def deceased(doctor_id=User.id) -> ColumnElement[bool]:
    """SQL criterion: the doctor whose id is ``doctor_id`` (a column: ``User.id`` by default,
    or e.g. ``Application.doctor_id``) died, as reported or found (a cancellation on the ground
    of death, waiting or approved). Nothing is sent to them any more (D20)."""
    dead = db.aliased(Application)
    return exists().where(
        dead.doctor_id == doctor_id,
        dead.kind == Kind.CANCEL,
        dead.cancel_ground == "death",
        dead.state.in_((*WAITING, State.APPROVED)),
    )


def is_deceased(doctor: User) -> bool:
    return bool(
        db.session.execute(db.select(deceased()).where(User.id == doctor.id).limit(1)).scalar()
    )


def waiting_cancellation(
    registration: Application, states: tuple[State, ...] = WAITING
) -> Application | None:
    """The cancellation of ``registration`` waiting for a decision, if any (one at a time):
    the doctor's request at the institution (SUBMITTED) or any at the commission (CONFIRMED)."""
    return (
        db.session.execute(
            db.select(Application)
            .where(
                Application.previous_id == registration.id,
                Application.kind == Kind.CANCEL,
                Application.state.in_(states),
            )
            .order_by(Application.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def _check_ground(registration: Application, ground: str, ground_on: date, today: date) -> None:
    if ground not in CANCEL_GROUNDS:
        raise ValueError(f"not a ground of L4: {ground!r}")
    problem = ground_date_problem(ground_on, today, registration.registered_on)
    if problem is not None:
        raise ValueError(f"the day of the ground: {problem}")


def _take_registration(registration: Application, blocking: tuple[State, ...] = WAITING) -> None:
    """Lock the registration (it must still be in force: approved) and refuse when a
    cancellation of it already waits in one of the ``blocking`` states (read under the lock:
    the second of two reports sees the first)."""
    lock(registration, State.APPROVED)  # cancelled or changed meanwhile: Decided
    if registration.kind is Kind.CANCEL:
        raise WrongState("a cancellation is no registration")
    waiting = waiting_cancellation(registration, blocking)
    if waiting is not None:
        raise CancellationWaiting(registration, waiting)


def _new_cancellation(registration: Application, **values) -> Application:
    app = Application(
        doctor_id=registration.doctor_id,
        kind=Kind.CANCEL,
        previous_id=registration.id,
        level=registration.level,
        category=registration.category,
        qualification_id=registration.qualification_id,
        institution_id=registration.institution_id,
        scopes=[],
        step="review",
        **values,
    )
    db.session.add(app)
    db.session.flush()
    return app


def _day(day: date) -> LazyString:
    return LazyString(format_date, day, "long")


def report(
    registration: Application,
    staff: User,
    ground: str,
    ground_on: date,
    note: str,
    today: date,
) -> Application:
    """I6/L4: the institution reports a ground for one of its doctors; the report goes to the
    commission's queue as an accepted cancellation (due like any application, L1)."""
    note = note.strip()
    _check_ground(registration, ground, ground_on, today)
    if not note:
        raise ValueError("a note is required")
    _take_registration(registration)
    if registration.institution_id != staff.institution_id:
        raise WrongState("not a registration of this institution")
    now = utcnow()
    late = reported_late(ground_on, today)
    app = _new_cancellation(
        registration,
        state=State.CONFIRMED,
        cancel_ground=ground,
        cancel_note=note,
        cancel_origin="institution",
        cancel_ground_on=ground_on,
        cancel_reported_late=late,
        submitted_at=now,
        confirmed_at=now,
        rule_version=current_version(db.session.get(Tenant, registration.tenant_id)),
    )
    app.decision_due = decision_due(app)
    audit(
        "application",
        registration.id,
        "cancellation_reported",
        staff,
        {},
        {"cancellation_id": app.id, "ground": ground, "ground_on": ground_on.isoformat()},
        "late: reported after 30 days (L4)" if late else "",
    )
    audit(
        "application",
        app.id,
        "report_cancellation",
        staff,
        {},
        snapshot(app, CANCEL_FIELDS),
        note,
    )
    if ground != "death":
        notify_user(
            app.doctor,
            _(
                "%(name)s reported a ground for cancelling your practice registration %(no)s "
                "(Practitioners' Law art. 17): %(ground)s, on %(day)s. The health commission "
                "will decide.",
                name=registration.institution.name,
                no=registration.certificate_no,
                ground=cancel_ground_label(ground),
                day=_day(ground_on),
            ),
            subject=_("Cancellation of your registration reported"),
            sms=sms(
                "cancellation_reported",
                inst=registration.institution.name,
                no=registration.certificate_no or "-",
                ground=cancel_ground_label(ground),
            ),
        )
    db.session.commit()
    return app


def cancel_on_own_motion(
    registration: Application,
    officer: User,
    ground: str,
    ground_on: date,
    reference: str,
    note: str,
    today: date,
) -> Application:
    """A9/L4: the commission cancels the registration itself. The doctor (unless dead) and the
    institution's staff are told; the registration is CANCELLED at once."""
    reference, note = reference.strip(), note.strip()
    _check_ground(registration, ground, ground_on, today)
    if not reference:
        raise ValueError("a reference is required")
    # one at the commission is decided instead; a doctor's request still at the institution
    # does not hold the commission back (confirmed later, its approval finds it cancelled)
    _take_registration(registration, (State.CONFIRMED,))
    now = utcnow()
    app = _new_cancellation(
        registration,
        state=State.APPROVED,
        cancel_ground=ground,
        cancel_note=note,
        cancel_origin="commission",
        cancel_ground_on=ground_on,
        cancel_reference=reference,
        certificate_no=registration.certificate_no,
        submitted_at=now,
        confirmed_at=now,
        decided_at=now,
    )
    registration_before = snapshot(registration, FIELDS)
    registration.state = State.CANCELLED
    registration.decided_at = now
    audit(
        "application",
        registration.id,
        "cancelled",
        officer,
        registration_before,
        snapshot(registration, FIELDS),
        f"own motion: application {app.id}; {reference}",
    )
    audit(
        "application",
        app.id,
        "cancel_own_motion",
        officer,
        {},
        snapshot(app, CANCEL_FIELDS),
        f"{reference} {note}".strip(),
    )
    if ground != "death" and not is_deceased(registration.doctor):
        notify_user(
            registration.doctor,
            _(
                "The health commission cancelled your practice registration %(no)s "
                "(Practitioners' Law art. 17). Ground: %(ground)s, on %(day)s. Reference: "
                "%(reference)s.",
                no=registration.certificate_no,
                ground=cancel_ground_label(ground),
                day=_day(ground_on),
                reference=reference,
            ),
            subject=_("Registration cancelled"),
            sms=sms(
                "registration_cancelled_by_commission",
                no=registration.certificate_no or "-",
                ground=cancel_ground_label(ground),
                reference=reference or "-",
            ),
        )
    for staff in _institution_staff(registration.institution):
        notify_user(
            staff,
            _(
                "The health commission cancelled the practice registration %(no)s of %(doctor)s "
                "(Practitioners' Law art. 17). Ground: %(ground)s, on %(day)s. Reference: "
                "%(reference)s.",
                no=registration.certificate_no,
                doctor=registration.doctor.real_name,
                ground=cancel_ground_label(ground),
                day=_day(ground_on),
                reference=reference,
            ),
            subject=_("Registration cancelled"),
            sms=sms(
                "registration_cancelled_staff",
                no=registration.certificate_no or "-",
                doctor=registration.doctor.real_name,
            ),
        )
    db.session.commit()
    return app


def cancelled_on(registration: Application) -> date | None:
    """L8/V1: the day a cancelled registration was cancelled (the cancellation's decision, in
    Beijing), for the public register; None unless cancelled."""
    if registration.state is not State.CANCELLED:
        return None
    decided = db.session.execute(
        db.select(Application.decided_at)
        .where(
            Application.previous_id == registration.id,
            Application.kind == Kind.CANCEL,
            Application.state == State.APPROVED,
        )
        .order_by(Application.id.desc())
        .limit(1)
    ).scalar()
    moment = decided or registration.decided_at
    return beijing_date(moment) if moment is not None else None


def dismiss(app: Application, officer: User, reason: str) -> None:
    """A4/I6: the commission finds no ground in the institution's report: the registration
    stays in force. The institution is told why, and the doctor (unless the report was of a
    death)."""
    lock(app, State.CONFIRMED)
    if app.kind is not Kind.CANCEL or app.cancel_origin != "institution":
        raise WrongState("not an institution's report")
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    before = snapshot(app, CANCEL_FIELDS)
    app.state = State.REFUSED
    app.reject_reason = reason
    app.decided_at = utcnow()
    audit("application", app.id, "dismiss", officer, before, snapshot(app, CANCEL_FIELDS), reason)
    registration = app.previous
    if app.cancel_ground != "death":
        notify_user(
            app.doctor,
            _(
                "The health commission decided not to cancel your practice registration %(no)s: "
                "it stays in force. Reason: %(reason)s",
                no=registration.certificate_no,
                reason=reason,
            ),
            subject=_("Registration not cancelled"),
            sms=sms("cancellation_dismissed", no=registration.certificate_no or "-", reason=reason),
        )
    for staff in _institution_staff(app.institution):
        notify_user(
            staff,
            _(
                "The health commission decided not to cancel the practice registration %(no)s of "
                "%(doctor)s that you reported. Reason: %(reason)s",
                no=registration.certificate_no,
                doctor=app.doctor.real_name,
                reason=reason,
            ),
            subject=_("Registration not cancelled"),
            sms=sms(
                "cancellation_dismissed_staff",
                no=registration.certificate_no or "-",
                doctor=app.doctor.real_name,
            ),
        )
    db.session.commit()
