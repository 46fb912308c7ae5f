"""A7: reports for officers and administrators: applications by status, institution and county,
processing times per stage (median, 90th percentile) over a date range, each table as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from portal.columns import local_today
from portal.extensions import db
from portal.registry.institutions import Institution
from portal.workflow.models import Application, AuditLog
from tests.support.db import in_tenant, owner_connection
from tests.support.http import redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, doctor_form, walk_doctor

# counts by day and month from today: a known day, at noon
pytestmark = pytest.mark.usefixtures("beijing_noon")


def login(app, username: str, htmx: bool = False):
    """A staff log-in reading the pages in English (the messages asserted are the msgids)."""
    b = staff_login(app, username, htmx=htmx)
    b.client.set_cookie("lang", "en")
    return b


REPORTS = "/hubei/admin/reports"


def _at(days_ago: float, hour: int = 2) -> datetime:
    """A stored (naive UTC) instant ``days_ago`` days before today, 10:00 Beijing time."""
    return (
        datetime.combine(local_today(), datetime.min.time())
        + timedelta(hours=hour)
        - timedelta(days=days_ago)
    )


@pytest.fixture
def known(demo):
    """Two applications at 远安, walked through HTTP, then put at known times:
    A submitted 10 days ago, confirmed 1 day later, approved 4 days after that;
    B submitted 5 days ago, confirmed 3 days later, waiting for the commission."""
    staff = staff_login(demo, "hb-county-staff")
    a = walk_doctor(
        demo,
        "hubei",
        doctor_form("李明华", "420525198803121236", "13800138001", "liminghua"),
        until="confirmed",
        staff=staff,
        institution="远安",
    )
    b = walk_doctor(
        demo,
        "hubei",
        doctor_form("阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli"),
        until="confirmed",
        staff=staff,
        institution="远安",
        scope="tcm",
    )
    officer = login(demo, "hb-officer")
    officer.page(f"/hubei/admin/applications/{a.app_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{a.app_id}/approve", {"materials": ALL_MATERIALS})
    )
    applications, audit = Application.__table__, AuditLog.__table__
    with owner_connection(demo) as conn:
        if conn.dialect.name == "postgresql":  # audit_log is append-only (SEC8): only the test's
            conn.execute(
                text("SET LOCAL session_replication_role = replica")
            )  # superuser may backdate
        conn.execute(
            applications.update()
            .where(applications.c.id == a.app_id)
            .values(submitted_at=_at(10), confirmed_at=_at(9))
        )
        conn.execute(
            applications.update()
            .where(applications.c.id == b.app_id)
            .values(submitted_at=_at(5), confirmed_at=_at(2))
        )
        moved = conn.execute(
            audit.update()
            .where(
                audit.c.entity == "application",
                audit.c.entity_id == a.app_id,
                audit.c.action == "approve",
            )
            .values(at=_at(5))
        )
        assert moved.rowcount == 1
    return a, b


def rows_of(page: str, table: str) -> list[list[str]]:
    import re

    section = page.split(f'id="t-{table}"')[1].split("</table>")[0]
    body = section.split("<tbody>")[1]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", tr) for tr in body.split("</tr>") if "<td" in tr]


@pytest.mark.parametrize("who", ["hb-officer", "hb-admin"])
def test_counts_and_processing_times_on_known_data(known, demo, who, browser_mode):
    b = login(demo, who, htmx=browser_mode == "htmx")
    r = b.get(REPORTS)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    if browser_mode == "htmx":
        assert "<html" not in page
    assert sorted(rows_of(page, "status")) == [
        ["Approved", "1"],
        ["Waiting for the commission", "1"],
    ]
    assert rows_of(page, "institution") == [["远安县人民医院（演示）", "远安县", "2", "1"]]
    assert rows_of(page, "county") == [["宜昌市", "远安县", "420525", "2", "1"]]
    # submitted → confirmed: 1 and 3 days: median 2.0, 90th percentile 2.8; confirmed → approved: 4 days
    assert [row[1:] for row in rows_of(page, "times")] == [["2", "2.0", "2.8"], ["1", "4.0", "4.0"]]


def test_the_date_range_filters_by_submission(known, demo):
    b = login(demo, "hb-officer")
    day = local_today()
    page = b.page(
        f"{REPORTS}?from={(day - timedelta(days=12)).isoformat()}&to={(day - timedelta(days=7)).isoformat()}"
    )
    text = page.get_data(as_text=True)
    assert rows_of(text, "institution") == [["远安县人民医院（演示）", "远安县", "1", "1"]]
    assert [row[1:] for row in rows_of(text, "times")] == [["1", "1.0", "1.0"], ["1", "4.0", "4.0"]]
    empty = b.page(f"{REPORTS}?from=2020-01-01&to=2020-03-31").get_data(as_text=True)
    assert rows_of(empty, "institution") == [["No application in this range."]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "Enter a date as YYYY-MM-DD."),
        ("to=yesterday", "Enter a date as YYYY-MM-DD."),
        ("from=2026-03-01&to=2026-02-01", "The end date must not be before the start date."),
        ("from=2010-01-01&to=2026-01-01", "Choose a range of at most three years."),
    ],
)
def test_a_bad_range_is_refused_with_a_message(demo, query, message, browser_mode):
    b = login(demo, "hb-officer", htmx=browser_mode == "htmx")
    r = b.get(f"{REPORTS}?{query}")
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert b.client.get(f"{REPORTS}.csv?table=status&{query}").status_code == 400


def test_csv_export_opens_with_a_bom_and_has_the_rows(known, demo):
    b = login(demo, "hb-admin")
    r = b.client.get(f"{REPORTS}.csv?table=institution")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    raw = r.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1] == ["远安县人民医院（演示）", "远安县", "2", "1"]
    times = list(
        csv.reader(
            io.StringIO(b.client.get(f"{REPORTS}.csv?table=times").get_data().decode("utf-8-sig"))
        )
    )
    assert [row[1:] for row in times[1:]] == [["2", "2.0", "2.8"], ["1", "4.0", "4.0"]]
    assert b.client.get(f"{REPORTS}.csv?table=nothing").status_code == 404


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(known, demo):
    with in_tenant(demo, "hubei"):
        db.session.execute(
            db.update(Institution)
            .where(Institution.name.contains("远安"))
            .values(name='=HYPERLINK("http://x")')
        )
        db.session.commit()
    b = login(demo, "hb-officer")
    text = b.client.get(f"{REPORTS}.csv?table=institution").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'


def test_reports_are_for_officers_and_administrators_only(demo):
    staff = staff_login(demo, "hb-county-staff")
    assert staff.page(REPORTS).status_code == 404
    assert staff.client.get(f"{REPORTS}.csv?table=status").status_code == 404
    r = demo.test_client().get(REPORTS)
    assert r.status_code in (302, 303)


def test_another_province_sees_none_of_these_applications(known, demo):
    gd = login(demo, "gd-officer")
    page = gd.page("/guangdong/admin/reports").get_data(as_text=True)
    assert "远安" not in page
    assert "远安" not in gd.client.get(
        "/guangdong/admin/reports.csv?table=county"
    ).get_data().decode("utf-8-sig")


def test_percentiles_computed_by_the_database_are_those_of_their_definition(demo):
    """Issue 16: the median and 90th percentile come from SQL (percentile_cont on PostgreSQL,
    ranked rows on SQLite); over hundreds of synthetic applications they equal the linear
    interpolation between the nearest ranks computed here from the rows themselves."""
    import statistics

    from devdata.scale import load_scale

    with in_tenant(demo, "hubei"):
        load_scale("hubei", 600, institutions=3, seed=5)
        day = local_today()
        lo = datetime.combine(day - timedelta(days=364), datetime.min.time()) - timedelta(hours=8)
        hi = datetime.combine(day + timedelta(days=1), datetime.min.time()) - timedelta(hours=8)
        rows = db.session.execute(
            db.select(Application.submitted_at, Application.confirmed_at).where(
                Application.submitted_at >= lo,
                Application.submitted_at < hi,
                Application.confirmed_at.is_not(None),
            )
        ).all()
    days = sorted((c - s).total_seconds() / 86400 for s, c in rows if c >= s)
    assert len(days) > 50
    median = round(statistics.median(days), 1)
    p90 = round(statistics.quantiles(days, n=10, method="inclusive")[8], 1)
    b = login(demo, "hb-officer")
    page = b.page(f"{REPORTS}?from={day - timedelta(days=364)}&to={day}").get_data(as_text=True)
    confirm = rows_of(page, "times")[0]
    assert confirm[1:] == [str(len(days)), str(median), str(p90)]
