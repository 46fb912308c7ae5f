"""Reminders before something runs out (D20): which entry of a schedule is due
(portal.rules.reminders), on the national defaults and a tenant's own schedule (R6)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from config import national_rules
from portal.rules.registration import valid_until
from portal.rules.reminders import (
    HOUR,
    draft_expires_at,
    draft_lifetime,
    due_reminder,
    schedule_from,
)
from portal.tenants import rules_for
from portal.tenants.models import Tenant

DEFAULTS = national_rules()
DAYS = [30, 7, 1]
TODAY = date(2026, 5, 10)


def days_before(n: int) -> date:
    """The deadline ``n`` days after TODAY."""
    return TODAY + timedelta(days=n)


# ---- the national defaults and a tenant's own schedule (R6) --------------------------------


def test_D20_default_schedules():
    reminders = DEFAULTS["reminders"]
    assert reminders["registration_days"] == [30, 7, 1]
    assert reminders["draft_days"] == [7, 1]
    assert reminders["draft_expires_days"] == 90
    assert reminders["activation_hours"] == [24]
    # the 24-hour reminder comes within the activation code's default lifetime (SEC2: 72 h)
    assert max(reminders["activation_hours"]) < DEFAULTS["codes"]["activation_hours"]


def test_D20_R6_a_tenant_sets_its_own_schedule():
    tenant = Tenant(
        slug="hubei", name="湖北省", rules={"reminders": {"registration_days": [60, 14]}}
    )
    rules = rules_for(tenant)["reminders"]
    assert rules["registration_days"] == [60, 14]
    assert rules["draft_days"] == [7, 1]  # what the tenant did not set stays national
    assert due_reminder(days_before(60), TODAY, rules["registration_days"]) == 60
    assert due_reminder(days_before(30), TODAY, rules["registration_days"]) == 60


def test_D20_R6_a_schedule_setting_is_cleaned():
    assert schedule_from([1, 30, 7]) == (30, 7, 1)
    assert schedule_from([7, 7, 0, -3, "30", 2.5, True, None, 1]) == (7, 1)
    assert schedule_from([]) == ()
    assert schedule_from(None) == ()
    assert schedule_from("30,7") == ()


def test_D20_an_empty_schedule_sends_nothing():
    assert due_reminder(days_before(1), TODAY, []) is None


# ---- registration (R3): days before the valid-until day -----------------------------------


@pytest.mark.parametrize("left", [30, 7, 1])
def test_D20_R3_each_reminder_on_its_day(left):
    assert due_reminder(days_before(left), TODAY, DAYS) == left


def test_D20_R3_nothing_before_the_farthest_reminder():
    assert due_reminder(days_before(31), TODAY, DAYS) is None
    assert due_reminder(days_before(400), TODAY, DAYS) is None


def test_D20_R3_between_two_reminders_the_earlier_one_stays_due():
    """The caller records what it sent, so the 30-day one is not sent again on day 20."""
    assert due_reminder(days_before(20), TODAY, DAYS) == 30
    assert due_reminder(days_before(8), TODAY, DAYS) == 30
    assert due_reminder(days_before(2), TODAY, DAYS) == 7


def test_D20_R3_a_missed_run_catches_up_with_the_nearest_reminder_only():
    assert due_reminder(days_before(5), TODAY, DAYS) == 7


def test_D20_R3_the_last_valid_day_still_gets_the_last_reminder_then_nothing():
    assert due_reminder(TODAY, TODAY, DAYS) == 1
    assert due_reminder(TODAY - timedelta(days=1), TODAY, DAYS) is None


def test_D20_R3_the_schedule_order_does_not_matter():
    assert due_reminder(days_before(7), TODAY, [1, 30, 7]) == 7


def test_D20_R3_registered_on_29_february():
    """valid_until() gives 28 February two years on; the 30-day reminder counts from it."""
    until = valid_until(date(2024, 2, 29), 2)
    assert until == date(2026, 2, 28)
    assert due_reminder(until, date(2026, 1, 29), DAYS) == 30
    assert due_reminder(until, date(2026, 1, 28), DAYS) is None


# ---- drafts (D9) -----------------------------------------------------------------------------


def test_D20_D9_a_draft_expires_90_days_after_it_was_started():
    started = datetime(2026, 3, 1, 2, 30)
    assert draft_expires_at(started, 90) == datetime(2026, 5, 30, 2, 30)
    assert draft_lifetime(90) == timedelta(days=90)


@pytest.mark.parametrize("bad", [0, -1, "90", 1.5, True, None])
def test_D20_D9_a_draft_lifetime_that_is_not_whole_days_is_refused(bad):
    with pytest.raises(ValueError):
        draft_lifetime(bad)


def test_D20_D9_draft_reminders_count_days_back_from_the_expiry_instant():
    started = datetime(2026, 3, 1, 2, 30)
    expires = draft_expires_at(started, 90)
    assert (
        due_reminder(expires, expires - timedelta(days=7, minutes=1), [7, 1], since=started) is None
    )
    assert due_reminder(expires, expires - timedelta(days=7), [7, 1], since=started) == 7
    assert due_reminder(expires, expires - timedelta(hours=23), [7, 1], since=started) == 1
    assert due_reminder(expires, expires, [7, 1], since=started) is None


def test_D20_D9_a_draft_shorter_than_a_reminder_skips_it():
    started = datetime(2026, 3, 1, 2, 30)
    expires = draft_expires_at(started, 5)  # a tenant's 5-day drafts: no 7-day reminder
    assert due_reminder(expires, started + timedelta(hours=1), [7, 1], since=started) is None
    assert due_reminder(expires, expires - timedelta(hours=12), [7, 1], since=started) == 1


# ---- activation codes (D4, SEC2): hours before expires_at ----------------------------------

NOW = datetime(2026, 5, 10, 6, 0)


def test_D20_D4_a_code_expiring_in_20_hours_gets_the_24_hour_reminder():
    issued = NOW - timedelta(hours=52)  # a 72-hour code (SEC2)
    assert due_reminder(NOW + timedelta(hours=20), NOW, [24], unit=HOUR, since=issued) == 24


def test_D20_D4_not_yet_24_hours_before():
    issued = NOW - timedelta(hours=10)
    assert due_reminder(NOW + timedelta(hours=25), NOW, [24], unit=HOUR, since=issued) is None


def test_D20_D4_an_expired_code_gets_nothing():
    assert due_reminder(NOW, NOW, [24], unit=HOUR) is None
    assert due_reminder(NOW - timedelta(seconds=1), NOW, [24], unit=HOUR) is None


def test_D20_D4_a_code_that_never_lives_24_hours_gets_no_24_hour_reminder():
    """It would arrive together with the code itself."""
    issued = NOW
    assert due_reminder(NOW + timedelta(hours=12), NOW, [24], unit=HOUR, since=issued) is None
    assert due_reminder(NOW + timedelta(hours=24), NOW, [24], unit=HOUR, since=issued) is None
    assert (
        due_reminder(
            NOW + timedelta(hours=12), NOW + timedelta(hours=7), [24, 6], unit=HOUR, since=issued
        )
        == 6
    )


# ---- misuse ----------------------------------------------------------------------------------


def test_D20_dates_and_datetimes_are_not_mixed():
    with pytest.raises(TypeError):
        due_reminder(NOW, TODAY, DAYS)
    with pytest.raises(TypeError):
        due_reminder(TODAY, NOW, DAYS)
    with pytest.raises(TypeError):
        due_reminder(NOW, NOW, DAYS, since=TODAY)


def test_D20_a_schedule_before_a_date_counts_whole_days():
    with pytest.raises(ValueError):
        due_reminder(TODAY, TODAY, [24], unit=HOUR)
