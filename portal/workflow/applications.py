"""An application's way from draft to the commission (D7, D9, D15, I4, L1, D16): the doctor
submits, the institution confirms or rejects, drafts expire; the decision's due date and the
paper materials it needs. The commission's decisions are ``portal.workflow.commission``. Each
transition takes the application's row (``_check``: lock and state), then writes the change,
its audit row and its messages in one transaction."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _  # written in the recipient's language

from portal.accounts.models import User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.services import notify_user
from portal.notify.sms import sms
from portal.rules.materials import for_application, materials_for
from portal.rules.workdays import add_working_days, beijing_date
from portal.tenants import current_version, rules_for_application
from portal.tenants.holidays import calendar_of
from portal.tenants.models import Tenant
from portal.workflow.audit import audit, snapshot
from portal.workflow.locks import WrongState, lock
from portal.workflow.models import Application, Kind, State

FIELDS = (
    "state",
    "institution_id",
    "scopes",
    "contract_start",
    "contract_end",
    "reject_reason",
    "certificate_no",
    "registered_on",
    "valid_until",
    "decision_due",
    "refusal_ground",
)

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
    return snapshot(app, FIELDS)


def expire_drafts(started_before) -> int:
    """D20: drafts started before ``started_before`` expire (the doctor was reminded first).
    Returns how many; one transaction with an audit row each."""
    drafts = (
        db.session.execute(
            db.select(Application).where(
                Application.state == State.DRAFT, Application.created_at <= started_before
            )
        )
        .scalars()
        .all()
    )
    expired = 0
    for app in drafts:
        try:
            before = _check(app, "expire")
        except WrongState:  # submitted meanwhile
            continue
        expired += 1
        app.state = State.EXPIRED
        audit(
            "application",
            app.id,
            "expire",
            None,
            before,
            snapshot(app, FIELDS),
            "draft lifetime passed",
        )
    db.session.commit()
    return expired


def submit(app: Application, doctor: User) -> None:
    before = _check(app, "submit")
    app.state = State.SUBMITTED
    app.submitted_at = utcnow()
    app.reject_reason = ""
    # A6: judged from now on by the rules in force at this submission
    app.rule_version = current_version(db.session.get(Tenant, app.tenant_id))
    audit("application", app.id, "submit", doctor, before, snapshot(app, FIELDS))
    notify_user(
        doctor,
        _(
            "Your registration application was submitted to %(name)s for confirmation.",
            name=app.institution.name,
        ),
        subject=_("Application submitted"),
        sms=sms("application_submitted", inst=app.institution.name),
        email=False,
    )
    db.session.commit()


def confirm(app: Application, staff: User) -> None:
    before = _check(app, "confirm")
    app.state = State.CONFIRMED
    app.confirmed_at = utcnow()
    app.decision_due = decision_due(app)
    audit("application", app.id, "confirm", staff, before, snapshot(app, FIELDS))
    notify_user(
        app.doctor,
        _(
            "%(name)s confirmed your registration application. Please bring the paper materials "
            "to the health commission.",
            name=app.institution.name,
        ),
        subject=_("Application confirmed by your institution"),
        sms=sms("application_confirmed", inst=app.institution.name),
    )
    db.session.commit()


def reject(app: Application, staff: User, reason: str) -> None:
    before = _check(app, "reject")
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    app.state = State.REJECTED
    app.reject_reason = reason
    audit("application", app.id, "reject", staff, before, snapshot(app, FIELDS), reason)
    notify_user(
        app.doctor,
        _(
            "%(name)s returned your registration application. Reason: %(reason)s",
            name=app.institution.name,
            reason=reason,
        ),
        subject=_("Application returned by your institution"),
        sms=sms("application_returned", inst=app.institution.name, reason=reason),
    )
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
    return for_application(
        items,
        notice_only=bool(qualification is not None and qualification.is_notice),
        assessment=app.assessment_certificate_id is not None,
    )
