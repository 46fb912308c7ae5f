"""L1/A4: the decision is due 20 working days after acceptance (the day the institution
confirmed, a Beijing date, is day 0), counted with China's official holidays and make-up
working days. The queue shows each due date, flags what is close to (≤ 3 working days) or past
due, lists the most urgent first and filters both."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from portal.admin import decisions
from tests.support.db import statements
from tests.support.due_dates import confirm_on, on, rows
from tests.support.http import staff_login
from tests.support.journey import walk_doctor
from tests.support.officers import AYI, LI, officer

# Friday 26 September 2025, 10:00 in Beijing: due Thursday 30 October 2025 (across National Day)
LI_CONFIRMED = datetime(2025, 9, 26, 2, 0)
# Sunday 28 September 2025, 16:30 UTC = Monday 29 September, 00:30 in Beijing: accepted on the
# 29th (a Beijing date), so due Monday 3 November 2025, not Friday 31 October
AYI_CONFIRMED = datetime(2025, 9, 28, 16, 30)


@pytest.fixture
def waiting(demo, monkeypatch):
    county, tertiary = staff_login(demo, "hb-county-staff"), staff_login(demo, "hb-tertiary-staff")
    li = walk_doctor(demo, "hubei", LI, until="submitted", staff=county, institution="远安")
    ayi = walk_doctor(
        demo,
        "hubei",
        AYI,
        until="submitted",
        staff=tertiary,
        institution="湖北省演示第一医院",
        scope="tcm",
    )
    # the later acceptance is confirmed first: the queue orders by due date, not by id
    confirm_on(monkeypatch, tertiary, ayi.app_id, AYI_CONFIRMED)
    confirm_on(monkeypatch, county, li.app_id, LI_CONFIRMED)
    return {"li": li.app_id, "ayi": ayi.app_id}


def test_L1_due_dates_count_working_days_from_the_beijing_date_of_acceptance(
    demo, waiting, monkeypatch
):
    on(monkeypatch, date(2025, 10, 24))
    b = officer(demo, "hb-officer")
    li, ayi = rows(b)  # the most urgent first
    assert "李明华" in li and "Oct 30, 2025" in li and "4 working days left" in li
    assert (
        "阿依古丽" in ayi
        and "Nov 3, 2025" in ayi
        and "Sep 29, 2025" in ayi
        and "6 working days left" in ayi
    )
    page = b.page(f"/hubei/admin/applications/{waiting['li']}").get_data(as_text=True)
    assert "Oct 30, 2025" in page and "4 working days left" in page
    assert "Provisional" not in page and "not published" not in b.page("/hubei/admin/").get_data(
        as_text=True
    )


def test_L1_close_to_due_and_past_due_are_flagged_and_filtered(demo, waiting, monkeypatch):
    b = officer(demo, "hb-officer")
    on(monkeypatch, date(2025, 10, 27))  # Monday: 3 working days left for 李明华
    li, _ayi = rows(b)
    assert "3 working days left" in li and "status bad" in li
    assert [("李明华" in r) for r in rows(b, "/hubei/admin/?show=soon")] == [True]
    assert "No application in this list" in b.page("/hubei/admin/?show=overdue").get_data(
        as_text=True
    )

    on(monkeypatch, date(2025, 10, 30))  # the due day itself
    assert "Due today" in rows(b)[0]

    on(monkeypatch, date(2025, 10, 31))  # Friday: 李明华 past due, 阿依古丽 due on Monday
    li, ayi = rows(b)
    assert "Past due by 1 working day" in li and "1 working day left" in ayi
    overdue = rows(b, "/hubei/admin/?show=overdue")
    assert len(overdue) == 1 and "李明华" in overdue[0]
    soon = rows(b, "/hubei/admin/?show=soon")
    assert len(soon) == 1 and "阿依古丽" in soon[0]

    on(monkeypatch, date(2025, 11, 1))  # Saturday: past due, with no working day gone by yet
    assert "Past due" in rows(b)[0]
    on(monkeypatch, date(2025, 11, 4))
    assert len(rows(b, "/hubei/admin/?show=overdue")) == 2
    assert "No application in this list" in b.page("/hubei/admin/?show=soon").get_data(as_text=True)


def test_L1_queue_pages_in_due_order(demo, waiting, monkeypatch):
    on(monkeypatch, date(2025, 10, 24))
    monkeypatch.setattr(decisions, "PAGE", 1)
    b = officer(demo, "hb-officer")
    page = b.page("/hubei/admin/").get_data(as_text=True)
    assert "李明华" in page and "阿依古丽" not in page
    assert f"after={waiting['li']}" in page
    second = b.page(f"/hubei/admin/?after={waiting['li']}").get_data(as_text=True)
    assert "阿依古丽" in second and "李明华" not in second


@pytest.mark.parametrize(
    "query", ["show=bogus", "after=abc", "after=0", "after=99999999999", "after=999999"]
)
def test_bad_queue_parameters_are_ignored(demo, waiting, query):
    assert len(rows(officer(demo, "hb-officer"), f"/hubei/admin/?{query}")) == 2


def test_P5_queue_statements_do_not_grow_with_rows(demo, waiting, monkeypatch):
    b = officer(
        demo, "hb-city-officer"
    )  # a city officer: the coverage criterion and the filings count too
    on(monkeypatch, date(2025, 10, 31))
    assert len(rows(b, "/hubei/admin/?show=overdue")) == 1
    on(monkeypatch, date(2025, 11, 4))
    assert len(rows(b, "/hubei/admin/?show=overdue")) == 1  # 阿依古丽 is 武汉's, not the city's
    province = officer(demo, "hb-officer")
    assert len(rows(province, "/hubei/admin/?show=overdue")) == 2
    on(monkeypatch, date(2025, 10, 31))
    one_province = statements(demo, province.client, "/hubei/admin/?show=overdue")
    on(monkeypatch, date(2025, 11, 4))
    assert statements(demo, province.client, "/hubei/admin/?show=overdue") == one_province


def test_L1_new_year_2027_is_a_day_off_in_a_due_date(demo, monkeypatch):
    """Accepted Thursday 31 December 2026: counted Monday to Friday the 20th working day was
    Thursday 28 January 2027; 1 January 2027 is a statutory holiday (the holidays package), so
    the decision is due Friday 29 January. While the library carries no State Council notice
    for 2027 the due date says it is provisional."""
    county = staff_login(demo, "hb-county-staff")
    li = walk_doctor(demo, "hubei", LI, until="submitted", staff=county, institution="远安")
    confirm_on(monkeypatch, county, li.app_id, datetime(2026, 12, 31, 2, 0))
    on(monkeypatch, date(2027, 1, 4))
    (row,) = rows(officer(demo, "hb-officer"))
    assert "Jan 29, 2027" in row and "19 working days left" in row
    from portal.tenants.holidays import library_calendar

    assert ("Provisional: the holiday schedule of 2027 is not published yet." in row) == (
        not library_calendar().knows(2027)
    )


def test_L1_a_due_date_in_a_year_without_a_published_schedule_is_flagged(demo, monkeypatch):
    """2031: no State Council notice in the library nor in config/holidays.toml. The officer's
    queue and the application's page say the due date is provisional; the administrator's
    rules page and the queue say which year's schedule is missing."""
    county = staff_login(demo, "hb-county-staff")
    li = walk_doctor(demo, "hubei", LI, until="submitted", staff=county, institution="远安")
    confirm_on(monkeypatch, county, li.app_id, datetime(2031, 3, 3, 2, 0))  # Monday 3 March 2031
    on(monkeypatch, date(2031, 3, 10))
    b = officer(demo, "hb-officer")
    (row,) = rows(b)
    assert (
        "Mar 31, 2031" in row
        and "Provisional: the holiday schedule of 2031 is not published yet." in row
    )
    queue = b.page("/hubei/admin/").get_data(as_text=True)
    assert "The official holiday schedule of 2031 is not published yet" in queue
    page = b.page(f"/hubei/admin/applications/{li.app_id}").get_data(as_text=True)
    assert "Provisional: the holiday schedule of 2031 is not published yet." in page
    admin = staff_login(demo, "hb-admin")  # in Chinese, the default language
    rules = admin.page("/hubei/admin/rules").get_data(as_text=True)
    notice = re.search(r'<p class="notice">([^<]*)</p>', rules).group(1)
    assert "2031年的节假日安排尚未正式公布" in notice
    assert "flask due recount" in notice
