"""The commission's decisions on a confirmed application (A4): approve it (a certificate number
issued only by the approval that wins, A9), return it to the doctor for correction, or refuse
it on a ground of L3; the city's filing of a county's approval of several scopes (A5, F12);
the due dates counted again (L1). Like every workflow function: the change, the audit row and
the notifications in ONE transaction."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _  # written in the recipient's language

from portal.accounts.models import Role, User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.services import joined, notify_user
from portal.notify.sms import sms
from portal.registry.institutions import Institution
from portal.rules.registration import certificate_number, valid_until
from portal.tenants import rules_for_application
from portal.tenants.models import Tenant
from portal.workflow.applications import FIELDS, _check, decision_due, required_materials
from portal.workflow.audit import audit, snapshot
from portal.workflow.locks import WrongState, lock
from portal.workflow.models import REFUSAL_GROUNDS, Application, Kind, State


def approve(
    app: Application, officer: User, materials: list[str], tenant: Tenant, today: date
) -> None:
    before = _check(app, "approve")
    rules = rules_for_application(app)  # A6: the rules it was submitted under
    required = required_materials(app, rules)
    missing = [m for m in required if m not in materials]
    if missing:
        raise ValueError("paper materials missing: " + ", ".join(missing))
    if app.kind is Kind.FIRST:
        # the serial is taken with a row-level UPDATE so two officers never get the same number
        tenant.certificate_serial = Tenant.certificate_serial + 1
        db.session.flush()
        db.session.refresh(tenant, ["certificate_serial"])
        app.certificate_no = certificate_number(
            app.level.value,
            app.category.value,
            app.institution.county.code,
            tenant.certificate_serial,
            rules["registration"]["certificate_serial_digits"],
        )
        app.registered_on = today
        # R3, A6: valid for the years of the rules it was submitted under
        app.valid_until = valid_until(today, rules["registration"]["valid_years"])
    else:  # D7: a change keeps the certificate and the date practice years count from (R5)
        previous = app.previous
        allowed = (
            (State.APPROVED, State.CANCELLED) if app.kind is Kind.REREGISTER else (State.APPROVED,)
        )
        if previous is None:
            raise WrongState("no registration to change")
        lock(previous, *allowed)  # changed or cancelled meanwhile: Decided
        app.certificate_no = previous.certificate_no
        # a change keeps the date practice years count from; a re-registration starts anew (R3)
        app.registered_on = {Kind.CHANGE: previous.registered_on, Kind.REREGISTER: today}.get(
            app.kind
        )
        # ... and so its validity (R3): a change keeps the registration's valid-until day; a
        # re-registration is valid for the years of the rules it was submitted under (A6)
        app.valid_until = {
            Kind.CHANGE: previous.valid_until,
            Kind.REREGISTER: valid_until(today, rules["registration"]["valid_years"]),
        }.get(app.kind)
        if app.kind is Kind.CHANGE and app.institution_id != previous.institution_id:
            doctor = app.doctor  # L2: moved to another institution, which becomes the main one
            audit(
                "user",
                doctor.id,
                "main_institution",
                officer,
                {"institution_id": doctor.institution_id},
                {"institution_id": app.institution_id},
                f"by application {app.id}",
            )
            doctor.institution_id = app.institution_id
        if previous.state is State.APPROVED:  # a cancelled one stays cancelled
            previous_before = snapshot(previous, FIELDS)
            previous.state = State.CANCELLED if app.kind is Kind.CANCEL else State.SUPERSEDED
            previous.decided_at = utcnow()
            audit(
                "application",
                previous.id,
                previous.state.value,
                officer,
                previous_before,
                snapshot(previous, FIELDS),
                f"by application {app.id}",
            )
    app.state = State.APPROVED
    if app.cancels_qualification is not None:  # R4: the other certificate is cancelled
        app.cancels_qualification.cancelled_on = today
        audit(
            "qualification",
            app.cancels_qualification.id,
            "cancel",
            officer,
            {"cancelled_on": None},
            {"cancelled_on": today.isoformat()},
            f"R4: application {app.id}",
        )
    app.materials_received = list(materials)
    app.decided_at = utcnow()
    audit("application", app.id, "approve", officer, before, snapshot(app, FIELDS))
    template = {
        Kind.CANCEL: "registration_cancelled",
        Kind.CHANGE: "change_approved",
        Kind.REREGISTER: "reregistration_approved",
    }.get(app.kind, "registration_approved")
    if app.kind is Kind.CANCEL:
        message = _("Your practice registration %(no)s is cancelled.", no=app.certificate_no)
    elif app.kind is Kind.CHANGE:
        message = _(
            "The change of your practice registration %(no)s is approved.", no=app.certificate_no
        )
    elif app.kind is Kind.REREGISTER:
        message = _(
            "Your re-registration is approved: registration %(no)s is in force again.",
            no=app.certificate_no,
        )
    else:
        message = _(
            "Your practice registration is approved. Certificate number: %(no)s.",
            no=app.certificate_no,
        )
    if tells_doctor(app):
        notify_user(
            app.doctor,
            message,
            subject=_("Registration approved"),
            sms=sms(template, no=app.certificate_no or "-"),
        )
    if app.kind is Kind.CANCEL and app.cancel_origin == "institution":  # I6: it reported it
        for staff in _institution_staff(app.institution):
            notify_user(
                staff,
                _(
                    "The health commission approved the cancellation of the practice registration "
                    "%(no)s of %(doctor)s that you reported.",
                    no=app.certificate_no,
                    doctor=app.doctor.real_name,
                ),
                subject=_("Registration cancelled"),
                sms=sms(
                    "registration_cancelled_staff",
                    no=app.certificate_no or "-",
                    doctor=app.doctor.real_name,
                ),
            )
    if app.needs_county_approval:  # A5/F12: the county's approval is filed with the city
        tell_city_officers(app)
    db.session.commit()


def tells_doctor(app: Application) -> bool:
    """D20/L4: a doctor whose death is the ground of a cancellation is told nothing (no SMS)."""
    return not (app.kind is Kind.CANCEL and app.cancel_ground == "death")


def _tell_doctor(app: Application, body, *, subject, sms) -> None:
    if tells_doctor(app):
        notify_user(app.doctor, body, subject=subject, sms=sms)


def refusal_ground_label(key: str) -> str:
    """L3 (Practitioners' Law art. 16), as the written notice and the pages name it."""
    return {
        "civil_capacity": _("No or limited civil capacity"),
        "criminal_or_ban": _(
            "Less than two years since a criminal sentence ended, or a practice ban still running"
        ),
        "certificate_revoked": _(
            "Less than two years since the practising certificate was revoked"
        ),
        "failed_assessment": _(
            "Less than one year since cancellation for failing the periodic assessment"
        ),
        "other": _("Other legal grounds"),
    }[key]


def return_for_correction(app: Application, officer: User, reason: str) -> None:
    """A4: back to the doctor, who corrects it and submits it again (to the institution, which
    confirms it again before it reaches the commission)."""
    before = _check(app, "return")
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    app.state = State.RETURNED
    app.reject_reason = reason
    app.materials_received = []
    audit("application", app.id, "return", officer, before, snapshot(app, FIELDS), reason)
    _tell_doctor(
        app,
        _(
            "The health commission returned your registration application for correction. "
            "Reason: %(reason)s",
            reason=reason,
        ),
        subject=_("Application returned by the health commission"),
        sms=sms("commission_returned", reason=reason),
    )
    db.session.commit()


def refuse(app: Application, officer: User, ground: str, explanation: str) -> None:
    """A4/L3: 不予注册, final. The written notice with the ground and reasons goes to the doctor
    and to the institution (each of its active staff members)."""
    before = _check(app, "refuse")
    explanation = explanation.strip()
    if ground not in REFUSAL_GROUNDS:
        raise ValueError(f"not a ground of L3: {ground!r}")
    if ground == "other" and not explanation:
        raise ValueError("other legal grounds need an explanation")
    app.state = State.REFUSED
    app.refusal_ground = ground
    app.reject_reason = explanation
    app.decided_at = utcnow()
    audit("application", app.id, "refuse", officer, before, snapshot(app, FIELDS), explanation)
    reasons = joined(refusal_ground_label(ground), f" {explanation}" if explanation else "")
    _tell_doctor(
        app,
        _(
            "Your registration application is refused (Practitioners' Law art. 16). Ground: "
            "%(reasons)s",
            reasons=reasons,
        ),
        subject=_("Registration refused"),
        sms=sms("registration_refused", ground=reasons),
    )
    for staff in _institution_staff(app.institution):
        notify_user(
            staff,
            _(
                "The registration application of %(doctor)s is refused (Practitioners' Law art. 16). "
                "Ground: %(reasons)s",
                doctor=app.doctor.real_name,
                reasons=reasons,
            ),
            subject=_("Registration refused"),
            sms=sms("registration_refused_staff", doctor=app.doctor.real_name, ground=reasons),
        )
    db.session.commit()


def _institution_staff(institution: Institution | None) -> list[User]:
    if institution is None:
        return []
    return list(
        db.session.execute(
            db.select(User)
            .where(
                User.institution_id == institution.id,
                User.role == Role.STAFF,
                User.disabled.is_(False),
            )
            .order_by(User.id)
        ).scalars()
    )


def tell_city_officers(app: Application) -> None:
    """A5: the county approved several scopes; the city's officers are told a filing waits.
    Called inside ``approve``'s transaction."""
    county = app.institution.county if app.institution is not None else None
    if county is None or county.parent_id is None:
        return
    officers = db.session.execute(
        db.select(User)
        .where(
            User.role == Role.OFFICER, User.region_id == county.parent_id, User.disabled.is_(False)
        )
        .order_by(User.id)
    ).scalars()
    for officer in officers:
        notify_user(
            officer,
            _(
                "%(county)s approved several practice scopes for %(doctor)s: the filing waits for "
                "your city.",
                county=county.name,
                doctor=app.doctor.real_name,
            ),
            subject=_("A county approval to file"),
            sms=None,
        )


def recount_decision_dues() -> int:
    """L1: the due dates of the applications waiting for the commission, counted again with
    the holiday library as it is now. Each due date is fixed at acceptance; a year's holidays
    join config/holidays.toml once the State Council publishes them, and until then that year
    counts Monday to Friday, so a due date counted before may move. Run once the file changed
    (``flask due recount``). Returns how many moved; one transaction, an audit row each (A8)."""
    moved = 0
    for app in db.session.execute(
        db.select(Application).where(Application.state == State.CONFIRMED)
    ).scalars():
        due = decision_due(app)
        if due != app.decision_due:
            audit(
                "application",
                app.id,
                "recount_due",
                None,
                {"decision_due": _iso(app.decision_due)},
                {"decision_due": due.isoformat()},
                "holiday schedule updated (L1)",
            )
            app.decision_due = due
            moved += 1
    db.session.commit()
    return moved


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def file_with_city(app: Application, officer: User) -> None:
    """A5/F12: a city officer records the filing of the county's approval."""
    lock(app)
    if not app.needs_county_approval or app.state not in (
        State.APPROVED,
        State.SUPERSEDED,
        State.CANCELLED,
    ):
        raise WrongState("not a county approval")
    if app.city_filed_at is not None:
        raise WrongState("already filed")
    app.city_filed_at = utcnow()
    app.city_filed_by_id = officer.id
    audit(
        "application",
        app.id,
        "city_filing",
        officer,
        {"city_filed_at": None},
        {"city_filed_at": app.city_filed_at.isoformat()},
    )
    db.session.commit()
