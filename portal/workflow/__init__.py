"""Every state change of an application or a doctor's account goes through here.

Each function checks the current state (refusing a wrong one with ``WrongState``), makes the
change, writes the audit row (A8) and queues the notification (SEC7), and commits all three
in ONE transaction.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _  # written in the recipient's language

from portal.accounts.models import User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.services import notify_user
from portal.rules.materials import for_application, materials_for
from portal.rules.registration import certificate_number, valid_until
from portal.rules.workdays import add_working_days, beijing_date
from portal.tenants import current_version, rules_for, rules_for_application
from portal.tenants.holidays import calendar_of
from portal.tenants.models import Tenant
from portal.workflow.locks import Decided, WrongState, lock, lock_unless
from portal.workflow.models import Application, AuditLog, Kind, State

__all__ = ["Decided", "WrongState", "lock", "lock_unless"]


def audit(entity: str, entity_id: int, action: str, actor: User | None, before: dict, after: dict, note: str = "") -> None:
    db.session.add(AuditLog(entity=entity, entity_id=entity_id, action=action,
                            actor_id=actor.id if actor else None, before=before, after=after, note=note))


def _snapshot(obj, fields: tuple[str, ...]) -> dict:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else (str(value) if value is not None else None)
    return out


# ---- the doctor's account ---------------------------------------------------------------

def name_institution(doctor: User, institution, tenant: Tenant) -> bool:
    """D4: the doctor names the main practice institution. Returns True when the
    institution's automatic activation activated the account at once."""
    lock_unless(doctor, _activated, "already activated")
    before = _snapshot(doctor, ("institution_id",))
    doctor.institution_id = institution.id
    doctor.institution_named_at = utcnow()
    audit("user", doctor.id, "name_institution", doctor, before, _snapshot(doctor, ("institution_id",)))
    if not doctor.identity_verified:  # A3: an open identity case moves to the institution's region
        from portal.workflow.identity import follow_institution

        follow_institution(doctor)
    auto = institution.auto_activation and rules_for(tenant)["institutions"]["auto_activation_allowed"]
    if auto:
        _activate(doctor, None, "auto")
    db.session.commit()
    return auto


def _activated(doctor: User) -> bool:
    return doctor.activated_at is not None


def activate(doctor: User, by: User | None, how: str) -> None:
    """D4: by the institution's code (the code was checked by the caller) or automatically;
    of two activations at once, the second is refused (``Decided``)."""
    lock_unless(doctor, _activated, "already activated")
    _activate(doctor, by, how)
    db.session.commit()


def set_auto_activation(institution, enabled: bool, staff: User, waiting: list[User]) -> None:
    """I3: the switch means "no code needed", so doctors already waiting are activated too
    (each one unless a code activated it meanwhile)."""
    lock(institution)
    before = {"auto_activation": institution.auto_activation}
    institution.auto_activation = enabled
    audit("institution", institution.id, "auto_activation", staff, before, {"auto_activation": enabled})
    if enabled:
        for doctor in waiting:
            lock(doctor)
            if not _activated(doctor):
                _activate(doctor, staff, "auto")
    db.session.commit()


def _activate(doctor: User, by: User | None, how: str) -> None:
    doctor.activated_at = utcnow()
    audit("user", doctor.id, "activate", by or doctor, {"activated_at": None}, _snapshot(doctor, ("activated_at",)), how)
    _take_over_practice_record(doctor, by)


def _take_over_practice_record(doctor: User, by: User | None) -> None:
    """D5/F17: a doctor registered on paper before the portal activates with the institution
    where they are registered; the practice record (Q2) then becomes their registration here,
    with its certificate number and date, so every service (change, maintenance, filing,
    cancellation) works for them."""
    from portal.registry.records import PracticeRecord
    from portal.rules.catalogue import scope_keys_from_names

    record = db.session.execute(
        db.select(PracticeRecord).filter_by(name=doctor.real_name, id_number=doctor.id_number).limit(1)
    ).scalar_one_or_none()
    q = doctor.qualification
    if record is None or q is None or doctor.institution_id is None:
        return
    if db.session.execute(db.select(Application.id).filter_by(certificate_no=record.certificate_no)).first():
        return
    app = Application(doctor_id=doctor.id, kind=Kind.FIRST, state=State.APPROVED, level=q.level,
                      category=q.category, qualification_id=q.id, institution_id=doctor.institution_id,
                      scopes=scope_keys_from_names(q.category.value, record.scopes),
                      certificate_no=record.certificate_no, registered_on=record.registered_on,
                      step="review", decided_at=utcnow())
    # R3: valid by the rules in force when it becomes a registration here (it was never
    # submitted under any version of this portal's rules)
    years = rules_for(db.session.get(Tenant, doctor.tenant_id))["registration"]["valid_years"]
    app.valid_until = valid_until(record.registered_on, years)
    db.session.add(app)
    db.session.flush()
    audit("application", app.id, "take_over_practice_record", by or doctor, {}, _snapshot(app, FIELDS),
          f"practice record {record.certificate_no}")
    notify_user(doctor, _("Your account on the physician registration portal is activated. You can now apply for registration."),
                subject=_("Account activated"))


# ---- applications -----------------------------------------------------------------------

FIELDS = ("state", "institution_id", "scopes", "contract_start", "contract_end", "reject_reason",
          "certificate_no", "registered_on", "valid_until", "decision_due", "refusal_ground")

#: action -> states it may start from
ALLOWED = {
    "submit": (State.DRAFT, State.REJECTED, State.RETURNED),
    "confirm": (State.SUBMITTED,),
    "reject": (State.SUBMITTED,),
    "approve": (State.CONFIRMED,),
    "return": (State.CONFIRMED,),  # A4: the commission returns it for correction
    "refuse": (State.CONFIRMED,),  # A4/L3: the commission refuses it
    "expire": (State.DRAFT,),  # D20: a draft left untouched
}


def _check(app: Application, action: str) -> dict:
    """Take the application's row, refuse unless ``action`` may start from its state (read
    again under the lock), and return its snapshot for the audit row."""
    lock(app, *ALLOWED[action])
    return _snapshot(app, FIELDS)


def expire_drafts(started_before) -> int:
    """D20: drafts started before ``started_before`` expire (the doctor was reminded first).
    Returns how many; one transaction with an audit row each."""
    drafts = db.session.execute(
        db.select(Application).where(Application.state == State.DRAFT, Application.created_at <= started_before)
    ).scalars().all()
    expired = 0
    for app in drafts:
        try:
            before = _check(app, "expire")
        except WrongState:  # submitted meanwhile
            continue
        expired += 1
        app.state = State.EXPIRED
        audit("application", app.id, "expire", None, before, _snapshot(app, FIELDS), "draft lifetime passed")
    db.session.commit()
    return expired


def submit(app: Application, doctor: User) -> None:
    before = _check(app, "submit")
    app.state = State.SUBMITTED
    app.submitted_at = utcnow()
    app.reject_reason = ""
    # A6: judged from now on by the rules in force at this submission
    app.rule_version = current_version(db.session.get(Tenant, app.tenant_id))
    audit("application", app.id, "submit", doctor, before, _snapshot(app, FIELDS))
    notify_user(doctor, _("Your registration application was submitted to %(name)s for confirmation.",
                          name=app.institution.name), subject=_("Application submitted"), email=False)
    db.session.commit()


def confirm(app: Application, staff: User) -> None:
    before = _check(app, "confirm")
    app.state = State.CONFIRMED
    app.confirmed_at = utcnow()
    app.decision_due = decision_due(app)
    audit("application", app.id, "confirm", staff, before, _snapshot(app, FIELDS))
    notify_user(app.doctor, _("%(name)s confirmed your registration application. Please bring the paper materials "
                              "to the health commission.", name=app.institution.name),
                subject=_("Application confirmed by your institution"))
    db.session.commit()


def reject(app: Application, staff: User, reason: str) -> None:
    before = _check(app, "reject")
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    app.state = State.REJECTED
    app.reject_reason = reason
    audit("application", app.id, "reject", staff, before, _snapshot(app, FIELDS), reason)
    notify_user(app.doctor, _("%(name)s returned your registration application. Reason: %(reason)s",
                              name=app.institution.name, reason=reason),
                subject=_("Application returned by your institution"))
    db.session.commit()


def decision_due(app: Application) -> date:
    """L1, A6: the day the commission's decision on ``app`` is due: the working days of the
    rules it was submitted under, from its acceptance (the Beijing date it was confirmed),
    counted with the province's holiday calendar as it is now (portal/tenants/holidays.py)."""
    days = rules_for_application(app)["registration"]["decision_working_days"]
    return add_working_days(beijing_date(app.confirmed_at), days, calendar_of(app.tenant_id))


def required_materials(app: Application, rules: dict | None = None) -> list[str]:
    """D16: the paper materials for this application: the tenant's list with the overrides of
    its institution's city and county (R6), by default in the rule version the application
    was submitted under (A6)."""
    if rules is None:
        rules = rules_for_application(app)
    if app.kind is Kind.CANCEL:  # nothing to bring for a cancellation
        return []
    county = app.institution.county if app.institution is not None else None
    city = county.parent if county is not None else None
    if county is not None and city is None:  # an institution filed under a city itself
        county, city = None, county
    items = materials_for(rules, city.code if city else None, county.code if county else None)
    # D8: the Notice of Passing in place of the certificate; L5: the assessment after a refusal
    qualification = app.qualification or app.doctor.qualification
    return for_application(items, notice_only=bool(qualification is not None and qualification.is_notice),
                           assessment=app.assessment_certificate_id is not None)


def approve(app: Application, officer: User, materials: list[str], tenant: Tenant, today: date) -> None:
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
            app.level.value, app.category.value, app.institution.county.code, tenant.certificate_serial,
            rules["registration"]["certificate_serial_digits"],
        )
        app.registered_on = today
        # R3, A6: valid for the years of the rules it was submitted under
        app.valid_until = valid_until(today, rules["registration"]["valid_years"])
    else:  # D7: a change keeps the certificate and the date practice years count from (R5)
        previous = app.previous
        allowed = (State.APPROVED, State.CANCELLED) if app.kind is Kind.REREGISTER else (State.APPROVED,)
        if previous is None:
            raise WrongState("no registration to change")
        lock(previous, *allowed)  # changed or cancelled meanwhile: Decided
        app.certificate_no = previous.certificate_no
        # a change keeps the date practice years count from; a re-registration starts anew (R3)
        app.registered_on = {Kind.CHANGE: previous.registered_on, Kind.REREGISTER: today}.get(app.kind)
        # ... and so its validity (R3): a change keeps the registration's valid-until day; a
        # re-registration is valid for the years of the rules it was submitted under (A6)
        app.valid_until = {Kind.CHANGE: previous.valid_until,
                           Kind.REREGISTER: valid_until(today, rules["registration"]["valid_years"])}.get(app.kind)
        if app.kind is Kind.CHANGE and app.institution_id != previous.institution_id:
            doctor = app.doctor  # L2: moved to another institution, which becomes the main one
            audit("user", doctor.id, "main_institution", officer, {"institution_id": doctor.institution_id},
                  {"institution_id": app.institution_id}, f"by application {app.id}")
            doctor.institution_id = app.institution_id
        if previous.state is State.APPROVED:  # a cancelled one stays cancelled
            previous_before = _snapshot(previous, FIELDS)
            previous.state = State.CANCELLED if app.kind is Kind.CANCEL else State.SUPERSEDED
            previous.decided_at = utcnow()
            audit("application", previous.id, previous.state.value, officer, previous_before,
                  _snapshot(previous, FIELDS), f"by application {app.id}")
    app.state = State.APPROVED
    if app.cancels_qualification is not None:  # R4: the other certificate is cancelled
        app.cancels_qualification.cancelled_on = today
        audit("qualification", app.cancels_qualification.id, "cancel", officer, {"cancelled_on": None},
              {"cancelled_on": today.isoformat()}, f"R4: application {app.id}")
    app.materials_received = list(materials)
    app.decided_at = utcnow()
    audit("application", app.id, "approve", officer, before, _snapshot(app, FIELDS))
    if app.kind is Kind.CANCEL:
        message = _("Your practice registration %(no)s is cancelled.", no=app.certificate_no)
    elif app.kind is Kind.CHANGE:
        message = _("The change of your practice registration %(no)s is approved.", no=app.certificate_no)
    elif app.kind is Kind.REREGISTER:
        message = _("Your re-registration is approved: registration %(no)s is in force again.", no=app.certificate_no)
    else:
        message = _("Your practice registration is approved. Certificate number: %(no)s.", no=app.certificate_no)
    notify_user(app.doctor, message, subject=_("Registration approved"))
    if app.needs_county_approval:  # A5/F12: the county's approval is filed with the city
        from portal.workflow.commission import tell_city_officers

        tell_city_officers(app)
    db.session.commit()
