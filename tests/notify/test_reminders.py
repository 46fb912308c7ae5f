"""Reminders (D20) through the command line: `flask notify remind --today YYYY-MM-DD`.

The registrations, drafts and activation codes are put in the database directly; the command
runs through Flask's CLI runner, and what it queued is read off the outbox (SEC7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func

from portal.accounts.models import CodePurpose, OneTimeCode, Role, User
from portal.columns import local_today, utcnow
from portal.extensions import db
from portal.notify.models import OutboxMessage, ReminderSent
from portal.notify.sms import sms
from portal.registry.institutions import Institution
from portal.registry.records import Category, Level
from portal.rules.registration import add_years, valid_until
from portal.tenants.models import Tenant
from portal.workflow import reminders
from tests.support.clock import beijing
from tests.support.db import in_tenant
from tests.support.http import staff_login
from tests.support.journey import doctor_form, walk_doctor

# drafts, activation codes and registrations are compared with today: a known day, at noon
pytestmark = pytest.mark.usefixtures("beijing_noon")

#: a fixed Beijing date for the registration tests (dates only, no time of day involved)
T = date(2026, 5, 10)


@dataclass
class Doctor:
    tenant: str
    id: int
    phone: str
    email: str


def add_doctor(app, tenant: str, username: str, phone: str, *, activated: bool = True) -> Doctor:
    with in_tenant(app, tenant):
        inst = db.session.execute(db.select(Institution).order_by(Institution.id)).scalars().first()
        user = User(
            username=username,
            password_hash="-",
            role=Role.DOCTOR,
            real_name="李明华",
            phone=phone,
            email=f"{username}@example.com",
            phone_verified_at=utcnow(),
            identity_verified=True,
            institution_id=inst.id,
            institution_named_at=utcnow(),
            activated_at=utcnow() if activated else None,
        )
        db.session.add(user)
        db.session.commit()
        return Doctor(tenant, user.id, phone, user.email)


def registered_on_for(until: date) -> date:
    """The registration date whose two-year validity (R3) ends on ``until``."""
    registered = add_years(until, -2)
    assert valid_until(registered, 2) == until
    return registered


def add_application(
    app,
    doctor: Doctor,
    state: str,
    *,
    registered_on: date | None = None,
    created_at: datetime | None = None,
    certificate_no: str | None = None,
) -> int:
    from portal.workflow.models import Application, State

    with in_tenant(app, doctor.tenant):
        inst = db.session.execute(db.select(Institution).order_by(Institution.id)).scalars().first()
        row = Application(
            doctor_id=doctor.id,
            state=State(state),
            institution_id=inst.id,
            level=Level.PRACTITIONER,
            category=Category.CLINICAL,
            scopes=["internal"],
            registered_on=registered_on,
            # as the workflow fixes it at approval (R3: two years by the national rules)
            valid_until=valid_until(registered_on, 2) if registered_on else None,
            certificate_no=certificate_no,
            created_at=created_at or utcnow(),
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def add_registration(
    app, doctor: Doctor, until: date, certificate_no: str = "114205250000001"
) -> int:
    return add_application(
        app,
        doctor,
        "approved",
        registered_on=registered_on_for(until),
        certificate_no=certificate_no,
    )


def add_activation_code(
    app, doctor: Doctor, *, issued: datetime, expires: datetime, used: bool = False
) -> int:
    with in_tenant(app, doctor.tenant):
        row = OneTimeCode(
            user_id=doctor.id,
            purpose=CodePurpose.ACTIVATION,
            channel="sms",
            destination=doctor.phone,
            code_hash="0" * 64,
            created_at=issued,
            expires_at=expires,
            used_at=issued + timedelta(hours=1) if used else None,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def remind(app, today: date, *extra: str, ok: bool = True) -> str:
    result = app.test_cli_runner().invoke(
        args=["notify", "remind", "--today", today.isoformat(), *extra]
    )
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def outbox(app, tenant: str = "hubei") -> list[OutboxMessage]:
    with in_tenant(app, tenant):
        rows = (
            db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        )
        db.session.expunge_all()
        return rows


def to(app, doctor: Doctor) -> list[OutboxMessage]:
    return [m for m in outbox(app, doctor.tenant) if m.user_id == doctor.id]


def steps(app, tenant: str, kind: str) -> list[tuple[int, int]]:
    with in_tenant(app, tenant):
        rows = db.session.execute(
            db.select(ReminderSent.subject_id, ReminderSent.step)
            .filter_by(kind=kind)
            .order_by(ReminderSent.id)
        )
        return [(subject_id, step) for subject_id, step in rows]


def zh_date(day: date) -> str:
    """How the message writes a date: zh_CN, 'long' (e.g. 2026年6月9日)."""
    return format_date(day, "long", locale="zh_CN")


# ---- registrations (R3) ---------------------------------------------------------------------


def test_D20_registrations_lapsing_in_30_7_and_1_days_are_reminded_by_sms_and_email(demo):
    doctors = {
        left: add_doctor(demo, "hubei", f"doc{left}", f"1380013{left:04d}")
        for left in (31, 30, 7, 1, -1)
    }
    for left, d in doctors.items():
        add_registration(
            demo, d, T + timedelta(days=left), certificate_no=f"1142052500000{left + 10:02d}"
        )

    output = remind(demo, T)

    assert "hubei: reminders queued: 3 registration, 0 draft, 0 activation" in output
    assert "guangdong: reminders queued: 0 registration" in output
    for left in (30, 7, 1):
        d = doctors[left]
        messages = to(demo, d)
        assert sorted((m.channel, m.recipient) for m in messages) == [
            ("email", d.email),
            ("sms", d.phone),
        ]
        for m in messages:
            assert f"1142052500000{left + 10:02d}" in m.body
            assert zh_date(T + timedelta(days=left)) in m.body  # rendered in zh_CN (no request)
            # the SMS is signed by the tenant (【湖北省卫健委】); an email has no signature in its text
            assert m.body.startswith("【湖北省") if m.channel == "sms" else "【" not in m.body
        assert next(m for m in messages if m.channel == "email").subject
    assert to(demo, doctors[31]) == []  # not yet
    assert to(demo, doctors[-1]) == []  # lapsed yesterday: too late for a reminder
    assert sorted(s for _, s in steps(demo, "hubei", "registration")) == [1, 7, 30]


def test_D20_a_second_run_the_same_day_sends_nothing_twice(demo):
    d = add_doctor(demo, "hubei", "doc", "13800138001")
    add_registration(demo, d, T + timedelta(days=30))
    remind(demo, T)
    assert len(to(demo, d)) == 2

    output = remind(demo, T)

    assert len(to(demo, d)) == 2
    assert (
        "hubei: reminders queued: 0 registration, 0 draft, 0 activation; 1 already sent" in output
    )


def test_D20_each_scheduled_day_brings_the_next_reminder_and_nothing_between(demo):
    d = add_doctor(demo, "hubei", "doc", "13800138001")
    app_id = add_registration(demo, d, T + timedelta(days=30))
    sent = []
    for day in range(0, 33):  # run daily from 30 days before to two days after the valid-until day
        remind(demo, T + timedelta(days=day))
        sent.append(len(to(demo, d)))
    # the 30-day reminder on day 0, the 7-day one on day 23, the last one on day 29; two
    # messages (SMS + email) each
    assert [day for day in range(33) if sent[day] != (sent[day - 1] if day else 0)] == [0, 23, 29]
    assert sent[-1] == 6
    assert steps(demo, "hubei", "registration") == [(app_id, 30), (app_id, 7), (app_id, 1)]


def test_D20_a_missed_day_is_caught_up_with_the_nearest_reminder_only(demo):
    d = add_doctor(demo, "hubei", "doc", "13800138001")
    app_id = add_registration(demo, d, T + timedelta(days=30))
    remind(demo, T + timedelta(days=25))  # the command did not run for 25 days
    assert len(to(demo, d)) == 2
    assert steps(demo, "hubei", "registration") == [(app_id, 7)]


def test_D20_a_change_of_registration_does_not_repeat_a_reminder(demo):
    """D7: an approved change keeps the registration date; the reminders already sent for
    that registration are not sent again for the new application."""
    from portal.workflow.models import Application, State

    d = add_doctor(demo, "hubei", "doc", "13800138001")
    old = add_registration(demo, d, T + timedelta(days=20))
    remind(demo, T)
    with in_tenant(demo, "hubei"):
        db.session.get(Application, old).state = State.SUPERSEDED
        db.session.commit()
    new = add_registration(demo, d, T + timedelta(days=20))

    remind(demo, T + timedelta(days=1))
    assert len(to(demo, d)) == 2
    remind(demo, T + timedelta(days=13))
    assert len(to(demo, d)) == 4
    assert steps(demo, "hubei", "registration") == [(old, 30), (new, 7)]


def test_D20_only_approved_registrations_are_reminded(demo):
    d = add_doctor(demo, "hubei", "doc", "13800138001")
    add_application(
        demo,
        d,
        "superseded",
        registered_on=registered_on_for(T + timedelta(days=7)),
        certificate_no="114205250000001",
    )
    add_application(demo, d, "confirmed", created_at=utcnow())
    remind(demo, T)
    assert to(demo, d) == []


def test_D20_R6_the_tenant_schedule_is_used(demo):
    with in_tenant(demo, "hubei") as tenant:
        tenant.rules = {"reminders": {"registration_days": [60]}}
        db.session.commit()
    d = add_doctor(demo, "hubei", "doc", "13800138001")
    app_id = add_registration(demo, d, T + timedelta(days=60))
    remind(demo, T)
    remind(demo, T + timedelta(days=30))  # the national 30-day reminder is not Hubei's
    assert steps(demo, "hubei", "registration") == [(app_id, 60)]
    assert len(to(demo, d)) == 2


# ---- drafts (D9) and activation codes (D4) --------------------------------------------------


def test_D20_a_draft_about_to_expire_is_reminded(demo):
    today = local_today()
    d = add_doctor(demo, "hubei", "doc", "13800138001")
    started = utcnow() - timedelta(days=83, minutes=1)  # 90 - 83: expires in just under 7 days
    draft = add_application(demo, d, "draft", created_at=started)
    fresh = add_doctor(demo, "hubei", "fresh", "13800138002")
    add_application(demo, fresh, "draft", created_at=utcnow() - timedelta(days=10))
    submitted = add_doctor(demo, "hubei", "submitted", "13800138003")
    add_application(demo, submitted, "submitted", created_at=started)

    output = remind(demo, today)

    assert "hubei: reminders queued: 0 registration, 1 draft, 0 activation" in output
    messages = to(demo, d)
    assert sorted(m.channel for m in messages) == ["email", "sms"]
    expires_beijing = (started + timedelta(days=90) + timedelta(hours=8)).date()
    assert all(zh_date(expires_beijing) in m.body for m in messages)
    assert to(demo, fresh) == [] and to(demo, submitted) == []
    assert steps(demo, "hubei", "draft") == [(draft, 7)]

    remind(demo, today)
    assert len(to(demo, d)) == 2
    remind(demo, today + timedelta(days=6))  # less than a day left
    assert steps(demo, "hubei", "draft") == [(draft, 7), (draft, 1)]
    assert len(to(demo, d)) == 4


def test_D20_an_activation_code_expiring_in_20_hours_is_reminded(demo):
    now, today = utcnow(), local_today()
    d = add_doctor(demo, "hubei", "doc", "13800138001", activated=False)
    code = add_activation_code(
        demo, d, issued=now - timedelta(hours=52), expires=now + timedelta(hours=20)
    )
    # no reminder: not yet within 24 hours, used, expired, or the doctor is activated already
    later = add_doctor(demo, "hubei", "later", "13800138002", activated=False)
    add_activation_code(
        demo, later, issued=now - timedelta(hours=32), expires=now + timedelta(hours=40)
    )
    used = add_doctor(demo, "hubei", "used", "13800138003", activated=False)
    add_activation_code(
        demo, used, issued=now - timedelta(hours=52), expires=now + timedelta(hours=20), used=True
    )
    expired = add_doctor(demo, "hubei", "expired", "13800138004", activated=False)
    add_activation_code(
        demo, expired, issued=now - timedelta(hours=73), expires=now - timedelta(hours=1)
    )
    active = add_doctor(demo, "hubei", "active", "13800138005", activated=True)
    add_activation_code(
        demo, active, issued=now - timedelta(hours=52), expires=now + timedelta(hours=20)
    )

    output = remind(demo, today)

    assert "hubei: reminders queued: 0 registration, 0 draft, 1 activation" in output
    messages = to(demo, d)
    assert sorted((m.channel, m.recipient) for m in messages) == [
        ("email", d.email),
        ("sms", d.phone),
    ]
    for other in (later, used, expired, active):
        assert to(demo, other) == []
    assert steps(demo, "hubei", "activation") == [(code, 24)]
    remind(demo, today)
    assert len(to(demo, d)) == 2


# ---- tenants (T3) ---------------------------------------------------------------------------


def test_D20_T3_a_guangdong_registration_is_reminded_in_guangdong_only(demo):
    gd = add_doctor(demo, "guangdong", "gd-doc", "13900139001")
    app_id = add_registration(demo, gd, T + timedelta(days=7), certificate_no="134402320000001")

    output = remind(demo, T)

    assert "guangdong: reminders queued: 1 registration" in output
    assert (
        "hubei: reminders queued: 0 registration, 0 draft, 0 activation; 0 already sent" in output
    )
    assert outbox(demo, "hubei") == []
    assert steps(demo, "hubei", "registration") == []
    messages = outbox(demo, "guangdong")
    assert len(messages) == 2
    with demo.app_context():
        gd_id = db.session.execute(db.select(Tenant.id).filter_by(slug="guangdong")).scalar_one()
        every = (
            db.session.execute(db.select(OutboxMessage).execution_options(all_tenants=True))
            .scalars()
            .all()
        )
        assert {m.tenant_id for m in every} == {gd_id}
        assert all("134402320000001" in m.body for m in every)
        # the SMS is signed by its tenant, Guangdong (the email is in Guangdong's outbox)
        assert [m.body[:4] for m in every if m.channel == "sms"] == ["【广东省"]
    assert steps(demo, "guangdong", "registration") == [(app_id, 7)]


# ---- one transaction per reminder (SEC7) ----------------------------------------------------


def test_D20_a_crash_between_reminders_loses_none_and_repeats_none(demo, monkeypatch):
    doctors = [add_doctor(demo, "hubei", f"doc{i}", f"1380013800{i}") for i in range(3)]
    for i, d in enumerate(doctors):
        add_registration(demo, d, T + timedelta(days=7), certificate_no=f"11420525000000{i}")
    real = reminders.notify_user
    calls = []

    def failing(user, body, **kw):
        calls.append(user.id)
        if len(calls) == 2:
            raise ConnectionError("database went away")
        real(user, body, **kw)

    monkeypatch.setattr(reminders, "notify_user", failing)
    output = remind(demo, T, ok=False)
    assert "hubei: failed: ConnectionError" in output
    assert "guangdong: reminders queued" in output  # the other tenant still ran
    # the first reminder is wholly queued, the second not at all (nor its ReminderSent row)
    assert len(outbox(demo)) == 2
    assert len(steps(demo, "hubei", "registration")) == 1

    monkeypatch.setattr(reminders, "notify_user", real)
    output = remind(demo, T)
    assert (
        "hubei: reminders queued: 2 registration, 0 draft, 0 activation; 1 already sent" in output
    )
    assert [len(to(demo, d)) for d in doctors] == [2, 2, 2]


def test_D20_a_reminder_sent_meanwhile_by_another_run_is_not_queued_again(demo):
    """Two runs at once: the unique (tenant, kind, subject, entry) decides before anything
    is queued."""
    d = add_doctor(demo, "hubei", "doc", "13800138001")
    app_id = add_registration(demo, d, T + timedelta(days=7))
    reminder = reminders.Reminder(
        "registration",
        app_id,
        7,
        reminders.Recipient(d.id, d.phone, d.email),
        "body",
        "subject",
        sms("registration_reminder", no="-", date="2027-01-01"),
    )
    with in_tenant(demo, "hubei"):
        assert reminders.send(reminder, T) is True
        assert reminders.send(reminder, T) is False
        assert db.session.execute(db.select(func.count(OutboxMessage.id))).scalar() == 2
        assert db.session.execute(db.select(func.count(ReminderSent.id))).scalar() == 1


# ---- the command ----------------------------------------------------------------------------


def test_D20_today_must_be_a_date(demo):
    result = demo.test_cli_runner().invoke(args=["notify", "remind", "--today", "10/05/2026"])
    assert result.exit_code == 2
    assert outbox(demo) == []


def test_D20_without_today_it_runs_for_the_beijing_date(beijing_noon, demo):
    beijing_noon.move_to(beijing(2026, 3, 11, 0, 30))  # 16:30 UTC on 10 March: the dates differ
    assert local_today() == date(2026, 3, 11)
    d = add_doctor(demo, "hubei", "doc", "13800138001")
    add_registration(demo, d, local_today() + timedelta(days=1))
    result = demo.test_cli_runner().invoke(args=["notify", "remind"])
    assert result.exit_code == 0, result.output
    assert len(to(demo, d)) == 2


@pytest.mark.parametrize("setting", [{"draft_expires_days": 0}, {"draft_expires_days": "ninety"}])
def test_D20_R6_a_bad_tenant_setting_fails_that_tenant_only(demo, setting):
    with in_tenant(demo, "hubei") as tenant:
        tenant.rules = {"reminders": setting}
        db.session.commit()
    gd = add_doctor(demo, "guangdong", "gd-doc", "13900139001")
    add_registration(demo, gd, T + timedelta(days=7))
    result = demo.test_cli_runner().invoke(args=["notify", "remind", "--today", T.isoformat()])
    assert result.exit_code == 1
    assert "hubei: failed: ValueError: draft_expires_days" in result.output
    assert len(to(demo, gd)) == 2


def test_D20_a_draft_past_its_lifetime_expires(demo):
    from portal.workflow.models import Application, AuditLog

    d = add_doctor(demo, "hubei", "doc", "13800138001")
    old = add_application(demo, d, "draft", created_at=utcnow() - timedelta(days=90, minutes=1))
    young = add_application(
        demo,
        add_doctor(demo, "hubei", "young", "13800138002"),
        "draft",
        created_at=utcnow() - timedelta(days=89),
    )
    output = remind(demo, local_today())
    hubei = next(line for line in output.splitlines() if line.startswith("hubei:"))
    assert hubei.endswith("; 1 drafts expired")  # and the younger one is reminded (1 draft)
    with in_tenant(demo, "hubei"):
        assert db.session.get(Application, old).state.value == "expired"
        assert db.session.get(Application, young).state.value == "draft"
        assert (
            db.session.execute(
                db.select(AuditLog.action).filter_by(entity_id=old, entity="application")
            ).scalar()
            == "expire"
        )
    assert "1 drafts expired" not in remind(demo, local_today())  # nothing twice


def test_D20_after_a_draft_expired_the_doctor_starts_again(demo):

    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(
        demo,
        "hubei",
        doctor_form("李明华", "420525198803121236", "13800138001", "liminghua"),
        until="activated",
        staff=staff,
        institution="远安",
    )
    b = walked.browser
    b.page("/hubei/me/application/personal")
    b.post("/hubei/me/application/personal", {"home_address": "湖北省远安县演示街 1 号"})
    from portal.workflow.models import Application

    with in_tenant(demo, "hubei"):
        draft = db.session.execute(db.select(Application)).scalar_one()
        draft.created_at = utcnow() - timedelta(days=91)
        db.session.commit()
    remind(demo, local_today())
    home = b.page("/hubei/me").get_data(as_text=True)
    # "start my application" again: the link leads to the wizard's first step (issue 16)
    assert 'href="/hubei/me/application/personal"' in home
    assert "Expired" in b.page("/hubei/me/applications").get_data(
        as_text=True
    ) or "已过期" in b.page("/hubei/me/applications").get_data(as_text=True)
    b.page("/hubei/me/application/personal")
    r = b.post("/hubei/me/application/personal", {"home_address": "湖北省远安县演示街 2 号"})
    assert r.status_code in (200, 303)
    with in_tenant(demo, "hubei"):
        states = sorted(a.state.value for a in db.session.execute(db.select(Application)).scalars())
    assert states == ["draft", "expired"]
