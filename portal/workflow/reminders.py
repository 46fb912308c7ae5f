"""Reminders before something runs out (D20), queued by ``flask notify remind`` once a day.

For each tenant, on the tenant's schedule (``[reminders]`` in config/rules.toml with the
tenant's overrides, R6), the doctor is told by SMS and email before

- their registration lapses (R3): the APPROVED application's valid-until day (fixed at its
  approval by the rules it was submitted under, A6; the schedule is the tenant's current one);
- their draft application expires (D9): ``draft_expires_days`` after it was started;
- their unused activation code expires (D4, SEC2).

Which entry of a schedule is due is ``portal.rules.reminders.due_reminder``. Each reminder
sent is recorded as a ``ReminderSent`` row, unique per (tenant, kind, subject, entry),
inserted and committed together with its outbox messages (SEC7): a second run the same day
finds the row and sends nothing, and a run that crashes half-way leaves each reminder either
wholly queued or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import LazyString, force_locale, format_date, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from portal.accounts.models import CodePurpose, OneTimeCode, User
from portal.columns import local_today, utcnow
from portal.extensions import db
from portal.notify.models import ReminderSent
from portal.notify.services import notify_user
from portal.notify.sms import sms
from portal.rules.reminders import (
    DAY,
    HOUR,
    draft_expires_at,
    draft_lifetime,
    due_reminder,
    schedule_from,
)
from portal.tenants import rules_for
from portal.tenants.models import Tenant
from portal.tenants.scope import tenant_context
from portal.workflow import applications
from portal.workflow.cancellations import deceased
from portal.workflow.models import Application, State

REGISTRATION = "registration"
DRAFT = "draft"
ACTIVATION = "activation"
KINDS = (REGISTRATION, DRAFT, ACTIVATION)


def clock(today: date | None = None) -> tuple[date, datetime]:
    """The Beijing date and the naive-UTC time of a run. ``today`` (``--today``) runs it as
    if it were that day, at the present time of day."""
    now, real_today = utcnow(), local_today()
    if today is None:
        return real_today, now
    return today, now + (today - real_today)


@dataclass(frozen=True)
class Recipient:
    """What ``notify_user`` needs of a user, read once (a commit expires the ORM objects)."""

    id: int
    phone: str
    email: str
    #: the language the user last chose: the reminder is written in it
    locale: str = "zh_CN"

    @classmethod
    def of(cls, user: User) -> Recipient:
        return cls(user.id, user.phone or "", user.email or "", user.locale or "zh_CN")


@dataclass(frozen=True)
class Reminder:
    """A reminder that is due: ``step`` is the schedule entry (``due_reminder``)."""

    kind: str
    subject_id: int
    step: int
    #: None when an earlier run sent it already (nothing to queue, only to count)
    recipient: Recipient | None = None
    #: written in the recipient's language when queued (lazy translations)
    body: object = ""
    title: object = ""
    #: the SMS template and its variables (issue 12)
    text: object = None


@dataclass
class Tally:
    """How many reminders of each kind one run queued in one tenant."""

    queued: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    #: already queued by an earlier run (or a concurrent one): not sent again
    skipped: int = 0
    #: drafts that expired in this run
    expired: int = 0

    def line(self, slug: str) -> str:
        counts = ", ".join(f"{self.queued[k]} {k}" for k in KINDS)
        return f"{slug}: reminders queued: {counts}; {self.skipped} already sent; {self.expired} drafts expired"


# ---- what is due ----------------------------------------------------------------------------


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _already_sent(kind: str, subject_ids: list[int]) -> set[tuple[int, int]]:
    """(subject id, entry) of the reminders of ``kind`` sent for these subjects."""
    sent: set[tuple[int, int]] = set()
    for chunk in _chunks(subject_ids):
        rows = db.session.execute(
            db.select(ReminderSent.subject_id, ReminderSent.step).where(
                ReminderSent.kind == kind, ReminderSent.subject_id.in_(chunk)
            )
        )
        sent.update((subject_id, step) for subject_id, step in rows)
    return sent


def registrations_due(tenant: Tenant, rules: dict, today: date) -> Iterator[Reminder]:
    """R3: APPROVED registrations whose valid-until day is near, one per doctor (the latest)."""
    schedule = schedule_from(rules["reminders"].get("registration_days"))
    if not schedule:
        return
    # the registrations whose valid-until day is between today and the farthest entry
    last = today + schedule[0] * DAY
    newer = aliased(Application)
    apps = (
        db.session.execute(
            db.select(Application)
            .where(
                Application.state == State.APPROVED,
                Application.valid_until.between(today, last),
                ~exists().where(
                    newer.doctor_id == Application.doctor_id,
                    newer.state == State.APPROVED,
                    newer.registered_on > Application.registered_on,
                ),
                ~deceased(Application.doctor_id),  # L4: nothing to a dead doctor
            )
            .options(joinedload(Application.doctor))
            .order_by(Application.id)
        )
        .scalars()
        .all()
    )
    # a registration is its doctor's and its registration date: a change of registration
    # (a new application keeping the date) does not send again what was sent for the old one
    earlier = aliased(Application)
    rows = db.session.execute(
        db.select(earlier.doctor_id, earlier.registered_on, ReminderSent.step)
        .join(earlier, earlier.id == ReminderSent.subject_id)
        .where(ReminderSent.kind == REGISTRATION, earlier.valid_until.between(today, last))
    )
    sent = {(doctor_id, registered_on, step) for doctor_id, registered_on, step in rows}
    for app in apps:
        until = app.valid_until
        step = due_reminder(until, today, schedule, unit=DAY)
        if step is None:
            continue
        if (app.doctor_id, app.registered_on, step) in sent:
            yield Reminder(REGISTRATION, app.id, step)  # sent already: only counted
            continue
        body = _l(
            "[%(tenant)s physician registration] Your practice registration %(no)s is valid until %(date)s. "
            "To keep practising after that day, apply for re-registration on the portal in time.",
            tenant=tenant.name,
            no=app.certificate_no or "",
            date=LazyString(format_date, until, "long"),
        )
        yield Reminder(
            REGISTRATION,
            app.id,
            step,
            Recipient.of(app.doctor),
            body,
            _l("Your practice registration is about to lapse"),
            sms(
                "registration_reminder",
                no=app.certificate_no or "-",
                date=LazyString(format_date, until, "long"),
            ),
        )


def drafts_due(tenant: Tenant, rules: dict, now: datetime) -> Iterator[Reminder]:
    """D9: draft applications that will expire soon."""
    schedule = schedule_from(rules["reminders"].get("draft_days"))
    if not schedule:
        return
    days = rules["reminders"]["draft_expires_days"]
    lifetime = draft_lifetime(days)
    apps = (
        db.session.execute(
            db.select(Application)
            .where(
                Application.state == State.DRAFT,
                Application.created_at > now - lifetime,
                Application.created_at <= now - lifetime + schedule[0] * DAY,
                ~deceased(Application.doctor_id),  # L4: nothing to a dead doctor
            )
            .options(joinedload(Application.doctor))
            .order_by(Application.id)
        )
        .scalars()
        .all()
    )
    sent = _already_sent(DRAFT, [a.id for a in apps])
    for app in apps:
        expires = draft_expires_at(app.created_at, days)
        step = due_reminder(expires, now, schedule, unit=DAY, since=app.created_at)
        if step is None:
            continue
        if (app.id, step) in sent:
            yield Reminder(DRAFT, app.id, step)
            continue
        body = _l(
            "[%(tenant)s physician registration] Your draft registration application will expire on %(date)s. "
            "Log in to the portal to continue it and submit it.",
            tenant=tenant.name,
            date=LazyString(format_date, expires, "long"),
        )
        yield Reminder(
            DRAFT,
            app.id,
            step,
            Recipient.of(app.doctor),
            body,
            _l("Your draft application will expire soon"),
            sms("draft_reminder", date=LazyString(format_date, expires, "long")),
        )


def activation_codes_due(tenant: Tenant, rules: dict, now: datetime) -> Iterator[Reminder]:
    """D4: unused activation codes of doctors not yet activated that will expire soon."""
    schedule = schedule_from(rules["reminders"].get("activation_hours"))
    if not schedule:
        return
    codes = (
        db.session.execute(
            db.select(OneTimeCode)
            .join(OneTimeCode.user)
            .where(
                OneTimeCode.purpose == CodePurpose.ACTIVATION,
                OneTimeCode.used_at.is_(None),
                OneTimeCode.expires_at > now,
                OneTimeCode.expires_at <= now + schedule[0] * HOUR,
                User.activated_at.is_(None),
                ~deceased(User.id),  # L4: nothing to a dead doctor
            )
            .options(joinedload(OneTimeCode.user))
            .order_by(OneTimeCode.id)
        )
        .scalars()
        .all()
    )
    sent = _already_sent(ACTIVATION, [c.id for c in codes])
    for code in codes:
        step = due_reminder(code.expires_at, now, schedule, unit=HOUR, since=code.created_at)
        if step is None:
            continue
        if (code.id, step) in sent:
            yield Reminder(ACTIVATION, code.id, step)
            continue
        body = _l(
            "[%(tenant)s physician registration] Your account activation code expires at %(time)s. "
            "If you no longer have it, ask your institution for a new code.",
            tenant=tenant.name,
            time=LazyString(format_datetime, code.expires_at, "short"),
        )
        yield Reminder(
            ACTIVATION,
            code.id,
            step,
            Recipient.of(code.user),
            body,
            _l("Your activation code will expire soon"),
            sms("activation_reminder", time=LazyString(format_datetime, code.expires_at, "short")),
        )


# ---- sending ---------------------------------------------------------------------------------


def send(reminder: Reminder, today: date) -> bool:
    """Queue one reminder with its ``ReminderSent`` row, in one transaction. False when an
    earlier or concurrent run sent it already (the unique constraint answers)."""
    db.session.add(
        ReminderSent(
            kind=reminder.kind, subject_id=reminder.subject_id, step=reminder.step, sent_on=today
        )
    )
    try:
        db.session.flush()  # the constraint decides before anything is queued
    except IntegrityError:
        db.session.rollback()
        return False
    notify_user(reminder.recipient, reminder.body, subject=reminder.title, sms=reminder.text)
    db.session.commit()
    return True


def remind_tenant(tenant: Tenant, today: date, now: datetime) -> Tally:
    """Queue what is due in ``tenant``; the caller has set the tenant (``tenant_context``)."""
    rules = rules_for(tenant)
    tally = Tally()
    # drafts past their lifetime expire first (their last reminder went out before)
    tally.expired = applications.expire_drafts(
        now - draft_lifetime(rules["reminders"]["draft_expires_days"])
    )
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")):
        due = [
            *registrations_due(tenant, rules, today),
            *drafts_due(tenant, rules, now),
            *activation_codes_due(tenant, rules, now),
        ]
    db.session.rollback()  # end the reading transaction: each reminder commits on its own
    for reminder in due:
        if reminder.recipient is not None and send(reminder, today):
            tally.queued[reminder.kind] += 1
        else:
            tally.skipped += 1
    return tally


def remind_all(today: date | None = None, echo=print) -> bool:
    """Every tenant in turn; one summary line each. False when a tenant failed (the others
    still ran)."""
    today, now = clock(today)
    tenants = db.session.execute(db.select(Tenant).order_by(Tenant.slug)).scalars().all()
    ok = True
    for tenant in tenants:
        slug = tenant.slug
        with tenant_context(tenant.id):
            try:
                tally = remind_tenant(tenant, today, now)
            except Exception as exc:  # one tenant's bad setting must not stop the others
                db.session.rollback()
                echo(f"{slug}: failed: {type(exc).__name__}: {exc}")
                ok = False
                continue
        echo(tally.line(slug))
    return ok


@click.command("remind")
@with_appcontext
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if it were this day (YYYY-MM-DD, Beijing date); default: today.",
)
def remind_command(today) -> None:
    """Queue the reminders due today before a registration lapses or a draft or an
    activation code expires (D20), in every tenant. Run it daily: a second run the same day
    sends nothing twice."""
    if not remind_all(today.date() if today else None, echo=click.echo):
        raise click.ClickException("reminders failed in some tenant (see above)")
