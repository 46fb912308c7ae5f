"""A6 with R3 and L1: an application keeps the rules in force when it was submitted, for the
dates too. The administrator shortens the registration's validity (R3, 2 → 1 year) or the
decision's working days (L1, 20 → 10) in the rules editor between two submissions; each
application's valid-until day and due date follow its own version everywhere they show: the
doctor's home and certificate, the public check, the roster and its CSV, the reminders, the
lapse and re-registration (L5), the officer's queue, its filters and its order."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from babel.dates import format_date

from portal.columns import local_today
from portal.doctor import certificate, changes, views
from portal.extensions import db
from portal.institution import roster
from portal.notify.models import OutboxMessage
from portal.public import verify
from portal.rules.registration import add_years
from portal.workflow.models import Application
from tests.support.db import in_tenant
from tests.support.due_dates import confirm_on, on, rows
from tests.support.http import Browser, english, redirected_to, staff_login
from tests.support.journey import step_done, walk_doctor
from tests.support.officers import LI, officer
from tests.support.rule_versions import (
    approve,
    certificate_no,
    confirm,
    submitted_around_a_rule_change,
)

# valid-until dates counted from today: a known day, at noon
pytestmark = pytest.mark.usefixtures("beijing_noon")

ROSTER = "/hubei/institution/roster"


def long(day: date) -> str:
    return format_date(day, "long", locale="en")


def valid_until_shown(page: str) -> str:
    return re.search(r"<dt>Valid until</dt><dd>([^<]*)</dd>", page).group(1)


def roster_dates(b: Browser) -> dict[int, str]:
    """reg id -> the valid-until day on the roster page."""
    page = b.page(ROSTER).get_data(as_text=True)
    return {
        int(i): d
        for i, d in re.findall(r'<tr id="reg-(\d+)">.*?Valid until ([^<]*)</td>', page, re.S)
    }


def roster_csv(b: Browser) -> dict[str, str]:
    """certificate number -> the valid-until column of the CSV."""
    lines = list(
        csv.reader(io.StringIO(b.client.get(f"{ROSTER}.csv").get_data().decode("utf-8-sig")))
    )
    return {line[5]: line[7] for line in lines[1:]}


def remind(demo, today: date) -> dict[int, list[str]]:
    """``flask notify remind --today``: the texts it queued, by user id (D20)."""
    with in_tenant(demo, "hubei"):
        before = db.session.execute(db.select(db.func.max(OutboxMessage.id))).scalar() or 0
    result = demo.test_cli_runner().invoke(args=["notify", "remind", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    with in_tenant(demo, "hubei"):
        texts: dict[int, list[str]] = {}
        for user_id, body in db.session.execute(
            db.select(OutboxMessage.user_id, OutboxMessage.body).where(
                OutboxMessage.id > before, OutboxMessage.channel == "sms"
            )
        ):
            texts.setdefault(user_id, []).append(body)
        return texts


def test_A6_R3_a_registration_keeps_the_validity_of_the_rules_it_was_submitted_under(
    demo, monkeypatch
):
    staff, earlier, later = submitted_around_a_rule_change(demo, registration__valid_years="1")
    for walked in (earlier, later):
        confirm(staff, walked.app_id)
    b = officer(demo, "hb-officer")
    approve(b, earlier.app_id)
    approve(b, later.app_id)
    today = local_today()
    two_years, one_year = add_years(today, 2), add_years(today, 1)
    old_no, new_no = certificate_no(demo, earlier.app_id), certificate_no(demo, later.app_id)

    # the doctor's home and electronic certificate, the public check
    assert valid_until_shown(earlier.browser.page("/hubei/me").get_data(as_text=True)) == long(
        two_years
    )
    assert valid_until_shown(later.browser.page("/hubei/me").get_data(as_text=True)) == long(
        one_year
    )
    assert valid_until_shown(
        earlier.browser.page("/hubei/me/certificate").get_data(as_text=True)
    ) == long(two_years)
    assert valid_until_shown(
        later.browser.page("/hubei/me/certificate").get_data(as_text=True)
    ) == long(one_year)
    public = english(Browser(demo.test_client()))
    assert valid_until_shown(
        public.page(f"/hubei/verify?no={old_no}").get_data(as_text=True)
    ) == long(two_years)
    assert valid_until_shown(
        public.page(f"/hubei/verify?no={new_no}").get_data(as_text=True)
    ) == long(one_year)

    # the roster and its CSV
    county = english(staff)
    medium = {d: format_date(d, "medium", locale="en") for d in (two_years, one_year)}
    assert roster_dates(county) == {
        earlier.app_id: medium[two_years],
        later.app_id: medium[one_year],
    }
    assert roster_csv(county) == {old_no: two_years.isoformat(), new_no: one_year.isoformat()}

    # a year and a day later the later one has lapsed, the earlier one is still in force
    after = one_year + timedelta(days=1)
    for module in (roster, verify, views, changes, certificate):
        monkeypatch.setattr(module, "local_today", lambda: after)
    assert list(roster_dates(county)) == [earlier.app_id]
    assert list(roster_csv(county)) == [old_no]
    assert "Lapsed" in public.page(f"/hubei/verify?no={new_no}").get_data(as_text=True)
    still = public.page(f"/hubei/verify?no={old_no}").get_data(as_text=True)
    assert "Lapsed" not in still and ">Registered<" in still
    lapsed_home = later.browser.page("/hubei/me").get_data(as_text=True)
    assert "Lapsed: the registration is past its valid-until date" in lapsed_home
    assert "/hubei/me/application/new/reregister" in lapsed_home
    earlier_home = earlier.browser.page("/hubei/me").get_data(as_text=True)
    assert (
        "Lapsed" not in earlier_home and "/hubei/me/application/new/reregister" not in earlier_home
    )
    # L5: only the lapsed one may apply for re-registration
    assert redirected_to(earlier.browser.post("/hubei/me/application/new/reregister", {})).endswith(
        "/hubei/me"
    )
    assert redirected_to(later.browser.post("/hubei/me/application/new/reregister", {})).endswith(
        "/hubei/me/application/qualification"
    )

    # D20: each is reminded 30 days before its own valid-until day, in the language each chose
    texts = remind(demo, one_year - timedelta(days=30))
    assert list(texts) == [later.doctor_id]
    assert [
        (new_no in m, format_date(one_year, "long", locale="en") in m)
        for m in texts[later.doctor_id]
    ] == [(True, True)]
    texts = remind(demo, two_years - timedelta(days=30))
    assert list(texts) == [earlier.doctor_id]
    assert [
        (old_no in m, format_date(two_years, "long", locale="en") in m)
        for m in texts[earlier.doctor_id]
    ] == [(True, True)]


def test_A6_R3_a_change_of_registration_keeps_the_registrations_valid_until_day(demo):
    staff, earlier, _later = submitted_around_a_rule_change(demo, registration__valid_years="1")
    confirm(staff, earlier.app_id)
    b = officer(demo, "hb-officer")
    approve(b, earlier.app_id)
    two_years = add_years(local_today(), 2)
    doctor = earlier.browser
    doctor.page("/hubei/me")
    redirected_to(doctor.post("/hubei/me/application/new/change", {}))
    doctor.page("/hubei/me/application/practice")
    step_done(
        doctor.post("/hubei/me/application/practice", {"scopes": ["surgery"]}), "hubei", "history"
    )
    doctor.page("/hubei/me/application/review")
    redirected_to(doctor.post("/hubei/me/application/review", {}))
    with in_tenant(demo, "hubei"):
        change_id = db.session.execute(
            db.select(db.func.max(Application.id)).filter_by(doctor_id=earlier.doctor_id)
        ).scalar()
    confirm(staff, change_id)
    approve(b, change_id)  # submitted under the one-year rules, it changes a two-year registration
    home = doctor.page("/hubei/me").get_data(as_text=True)
    assert "外科" in home and valid_until_shown(home) == long(two_years)
    assert roster_dates(english(staff)) == {
        change_id: format_date(two_years, "medium", locale="en")
    }


# ---- L1: the decision's due date ---------------------------------------------------------------

# Friday 26 September 2025, 10:00 in Beijing: 20 working days later is Thursday 30 October, 10
# working days later Thursday 16 October (National Day 1–8 October off, Sunday 28 September and
# Saturday 11 October working days)
ACCEPTED = datetime(2025, 9, 26, 2, 0)


def test_A6_L1_each_application_is_due_by_the_working_days_of_its_own_version(demo, monkeypatch):
    staff, earlier, later = submitted_around_a_rule_change(
        demo, registration__decision_working_days="10"
    )
    # both accepted after the change, at the same moment: the version is the submission's
    confirm_on(monkeypatch, staff, earlier.app_id, ACCEPTED)
    confirm_on(monkeypatch, staff, later.app_id, ACCEPTED)
    b = officer(demo, "hb-officer")

    on(monkeypatch, date(2025, 10, 14))  # Tuesday: the later one has 2 working days left
    first, second = rows(b)  # the most urgent first: the later one, due earlier
    assert "阿依古丽" in first and "Oct 16, 2025" in first and "2 working days left" in first
    assert "李明华" in second and "Oct 30, 2025" in second and "12 working days left" in second
    soon = rows(b, "/hubei/admin/?show=soon")
    assert len(soon) == 1 and "阿依古丽" in soon[0]
    assert "No application in this list" in b.page("/hubei/admin/?show=overdue").get_data(
        as_text=True
    )
    # each application's page says the same as the queue
    assert "Oct 30, 2025" in b.page(f"/hubei/admin/applications/{earlier.app_id}").get_data(
        as_text=True
    )
    assert "Oct 16, 2025" in b.page(f"/hubei/admin/applications/{later.app_id}").get_data(
        as_text=True
    )

    on(monkeypatch, date(2025, 10, 17))  # Friday: the later one is past due, the earlier one is not
    overdue = rows(b, "/hubei/admin/?show=overdue")
    assert (
        len(overdue) == 1 and "阿依古丽" in overdue[0] and "Past due by 1 working day" in overdue[0]
    )
    assert "No application in this list" in b.page("/hubei/admin/?show=soon").get_data(as_text=True)
    on(monkeypatch, date(2025, 10, 27))  # Monday: 3 working days left for the earlier one
    soon = rows(b, "/hubei/admin/?show=soon")
    assert len(soon) == 1 and "李明华" in soon[0]

    # paged one at a time, in the same order (keyset on the due date)
    from portal.admin import decisions

    monkeypatch.setattr(decisions, "PAGE", 1)
    page = b.page("/hubei/admin/").get_data(as_text=True)
    assert "阿依古丽" in page and "李明华" not in page and f"after={later.app_id}" in page
    page = b.page(f"/hubei/admin/?after={later.app_id}").get_data(as_text=True)
    assert "李明华" in page and "阿依古丽" not in page


def test_L1_due_dates_are_counted_again_when_the_holiday_library_changes(demo, monkeypatch):
    """A due date is fixed at acceptance with the holidays known then; once a year's schedule
    joins config/holidays.toml (or a newer holidays package), ``flask due recount`` counts the
    waiting ones again."""
    from portal.rules.workdays import WorkCalendar
    from portal.workflow import applications

    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", LI, until="submitted", staff=staff, institution="远安")
    with monkeypatch.context() as m:  # 2025's holidays not known yet: Monday to Friday
        m.setattr(applications, "calendar_of", lambda tenant_id: WorkCalendar())
        confirm_on(monkeypatch, staff, walked.app_id, ACCEPTED)
    b = officer(demo, "hb-officer")
    on(monkeypatch, date(2025, 10, 27))
    assert "Oct 24, 2025" in rows(b)[0] and len(rows(b, "/hubei/admin/?show=overdue")) == 1
    result = demo.test_cli_runner().invoke(args=["due", "recount"])
    assert result.exit_code == 0 and "hubei: 1 due date(s) moved" in result.output, result.output
    assert "Oct 30, 2025" in rows(b)[0] and len(rows(b, "/hubei/admin/?show=soon")) == 1
    assert "Oct 30, 2025" in b.page(f"/hubei/admin/applications/{walked.app_id}").get_data(
        as_text=True
    )
    assert (
        "hubei: 0 due date(s) moved"
        in demo.test_cli_runner().invoke(args=["due", "recount"]).output
    )
