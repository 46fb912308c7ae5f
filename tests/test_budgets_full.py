"""Bytes on the wire when the pages are full (SPEC P2, P3; issue 16, goal 5).

tests/test_budgets.py measures every page on a small world, where a queue shows a few items
and the reports a few rows; the budgets matter when the pages are full. Here the institution's
approval queue has more than two pages of 50 items (every kind), and the province holds a
year of applications at several institutions (the scale loader, ``flask demo load
--doctors N``): the queue (first and second page) and the officer's reports (90 days, one
year) are measured compressed as sent (brotli), page with its stylesheet and htmx partial,
against the same budgets. Bytes only: no time is asserted anywhere. On the same world: the
reports page lists the 20 institutions with the most applications and its CSV all of them, and
the CSV downloads are compressed."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import brotli
import pytest

from devdata.scale import load_scale
from devdata.scale_data import WAITING_MIX
from portal.columns import local_today
from tests.support.db import in_tenant
from tests.support.http import staff_login
from tests.support.institution import QUEUE, items, load

PAGE_BUDGET = 14_000
PARTIAL_BUDGET = 4_096
#: brotli, which every browser of the portal's users asks for over HTTPS; gzip's sizes are held to
#: the budgets on the small world (tests/test_budgets.py)
ENCODINGS = ("br",)
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
REPORTS = "/hubei/admin/reports"
OLDER = re.compile(r'<a href="([^"]+)"[^>]*>(?:Older|更早)</a>')


@pytest.fixture
def full(demo):
    load(demo, 130, WAITING_MIX)  # more than two pages of 50 waiting for 远安
    with in_tenant(demo, "hubei"):
        # a year of applications at 24 hospitals: more than the reports page lists
        load_scale("hubei", 2400, institutions=24, seed=16)
    return demo


def sizes(b, url: str) -> dict[tuple[str, bool], int]:
    """(encoding, htmx) -> bytes as sent: the page with its stylesheets, or the partial."""
    out = {}
    for encoding in ENCODINGS:
        for htmx in (False, True):
            headers = {"Accept-Encoding": encoding, **({"HX-Request": "true"} if htmx else {})}
            r = b.client.get(url, headers=headers)
            body = r.get_data()
            assert r.status_code == 200, f"{url}: {r.status_code}"
            assert r.headers.get("Content-Encoding") == encoding, url
            css = 0
            if not htmx:
                text = b.client.get(url).get_data(as_text=True)
                assert "<html" in text
                for href in STYLESHEET.findall(text):
                    static = b.client.get(href, headers={"Accept-Encoding": encoding})
                    css += len(static.get_data())
                    static.close()
            out[(encoding, htmx)] = len(body) + css
    return out


def within_budgets(url: str, measured: dict) -> None:
    for (encoding, htmx), n in measured.items():
        budget = PARTIAL_BUDGET if htmx else PAGE_BUDGET
        kind = "partial" if htmx else "page + CSS"
        assert n <= budget, f"{url} {kind} ({encoding}): {n} bytes, budget {budget}"


def test_the_full_approval_queue_fits_the_budgets(full):
    b = staff_login(full, "hb-county-staff")
    first = b.client.get(QUEUE).get_data(as_text=True)
    assert len(items(first)) == 50  # a full page
    second = html.unescape(OLDER.search(first).group(1))
    assert len(items(b.client.get(second).get_data(as_text=True))) == 50
    for url in (QUEUE, second):
        within_budgets(url, sizes(b, url))


@pytest.mark.parametrize("who", ["hb-officer", "hb-city-officer"])
@pytest.mark.parametrize("days", [90, 365])
def test_the_reports_over_a_year_of_applications_fit_the_budgets(full, who, days):
    b = staff_login(full, who)
    today = local_today()
    url = f"{REPORTS}?from={today - timedelta(days=days - 1)}&to={today}"
    page = b.client.get(url).get_data(as_text=True)
    assert page.count("<tr>") > 10  # the tables are filled
    within_budgets(url, sizes(b, url))


def test_the_reports_page_lists_the_busiest_institutions_and_the_csv_all(full):
    b = staff_login(full, "hb-officer")
    today = local_today()
    period = f"from={today - timedelta(days=364)}&to={today}"
    page = b.client.get(f"{REPORTS}?{period}").get_data(as_text=True)
    table = page.split('id="t-institution"')[1].split("</table>")[0]
    counts = [int(n) for n in re.findall(r"<tr><td>[^<]*</td><td>[^<]*</td><td>(\d+)</td>", table)]
    assert len(counts) == 20 and counts == sorted(counts, reverse=True)
    assert "The 20 institutions with the most applications" in page or "申请最多的 20 家" in page
    csv = b.client.get(f"{REPORTS}.csv?table=institution&{period}").get_data(as_text=True)
    lines = csv.strip().splitlines()
    assert len(lines) - 1 > 20  # the heading, then every institution
    assert [int(line.split(",")[2]) for line in lines[1:21]] == counts


def test_csv_downloads_are_compressed_when_asked(full):
    officer = staff_login(full, "hb-officer")
    today = local_today()
    url = f"{REPORTS}.csv?table=institution&from={today - timedelta(days=364)}&to={today}"
    staff = staff_login(full, "hb-county-staff")
    for b, path in ((officer, url), (staff, "/hubei/institution/roster.csv")):
        plain = b.client.get(path).get_data()
        r = b.client.get(path, headers={"Accept-Encoding": "br"})
        body = r.get_data()
        assert r.status_code == 200 and r.mimetype == "text/csv"
        assert r.headers.get("Content-Encoding") == "br", path
        assert brotli.decompress(body) == plain and len(body) < len(plain) / 2, path
        assert plain.startswith("\ufeff".encode())
