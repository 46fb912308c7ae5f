"""The roster (I5): the institution's registrations in force, most recently registered first,
searched by name, keyset paged (P5), and downloaded as CSV (UTF-8 with BOM, masked ID
numbers, no formula injection)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import update

from config import national_rules
from portal.accounts.models import User
from portal.columns import local_today
from portal.extensions import db
from portal.rules.registration import valid_until
from portal.workflow.models import Application, Kind, State
from tests.support.db import in_tenant, statements, unchanged
from tests.support.http import english, staff_login
from tests.support.institution import COUNTY, ROSTER, TERTIARY, load
from tests.support.journey import institution_id

# registrations in force compared with today: a known day, at noon
pytestmark = pytest.mark.usefixtures("beijing_noon")

YEARS = national_rules()["registration"]["valid_years"]
ROW = re.compile(r'<tr id="reg-(\d+)">')


def in_force(app, at: str = COUNTY) -> dict[int, tuple]:
    """The registrations in force at the institution, from the database: id -> (registered_on, name, ID number)."""
    inst = institution_id(app, "hubei", at)
    today = local_today()
    with in_tenant(app, "hubei"):
        rows = (
            db.session.execute(
                db.select(Application)
                .filter_by(institution_id=inst, state=State.APPROVED)
                .where(Application.kind != Kind.CANCEL)
            )
            .scalars()
            .all()
        )
        return {
            a.id: (a.registered_on, a.doctor.real_name, a.doctor.id_number)
            for a in rows
            if valid_until(a.registered_on, YEARS) >= today
        }


def older_link(body: str) -> str | None:
    match = re.search(r'<a href="([^"]+)"[^>]*>Older</a>', body)
    return match.group(1).replace("&amp;", "&") if match else None


def download(b, query: str = "") -> tuple[bytes, list[list[str]]]:
    r = b.client.get(f"{ROSTER}.csv{query}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert (
        "attachment" in r.headers["Content-Disposition"]
        and r.headers["Cache-Control"] == "no-store"
    )
    raw = r.get_data()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_I5_the_roster_lists_the_registrations_in_force_newest_first(demo):
    load(
        demo,
        120,
        {"registered": 6, "waiting_change": 1, "waiting_cancel": 1, "confirmed": 1, "rejected": 1},
    )
    load(demo, 30, {"registered": 1}, at=TERTIARY, seed=8)
    county = english(staff_login(demo, "hb-county-staff"))
    expected = in_force(demo)
    everything = len(expected)
    assert 50 < everything < 120  # about a third have lapsed (R3): not on the roster
    seen, url = [], ROSTER
    while url:
        r = county.page(url)
        body = r.get_data(as_text=True)
        assert r.headers["Cache-Control"] == "no-store"
        seen += [int(n) for n in ROW.findall(body)]
        url = older_link(body)
    assert len(seen) == len(set(seen)) == everything and set(seen) == set(expected)
    dates = [expected[i][0] for i in seen]
    assert dates == sorted(dates, reverse=True)
    first = county.page(ROSTER).get_data(as_text=True)
    reg_id = int(ROW.findall(first)[0])
    registered_on, name, id_number = expected[reg_id]
    row = first[first.index(f'<tr id="reg-{reg_id}">') :]
    row = row[: row.index("</tr>")]
    assert (
        name in row and id_number[:3] + "*" * 11 + id_number[-4:] in row and id_number not in first
    )
    assert re.search(r"\d{15}", row)  # the certificate number
    assert "Valid until" in row
    assert not set(seen) & set(
        in_force(demo, TERTIARY)
    )  # the other hospital's doctors are not here


def test_I5_search_by_name_and_htmx_partial(demo):
    load(demo, 80, {"registered": 1})
    county = english(staff_login(demo, "hb-county-staff"))
    expected = in_force(demo)
    name = next(iter(expected.values()))[1]
    surname = name[0]
    r = county.get(ROSTER, query_string={"q": surname})
    shown = {int(n) for n in ROW.findall(r.get_data(as_text=True))}
    assert shown == {i for i, (_d, n, _id) in expected.items() if n.startswith(surname)}
    county.htmx = True
    r = county.get(ROSTER, query_string={"q": name})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body and 'id="roster"' in body
    assert all(expected[int(n)][1].startswith(name) for n in ROW.findall(body)) and ROW.findall(
        body
    )
    for q in ("%", "_", "zzz"):
        assert not ROW.findall(county.get(ROSTER, query_string={"q": q}).get_data(as_text=True))


def test_I5_bad_cursors_show_the_first_page(demo):
    load(demo, 10, {"registered": 1})
    county = english(staff_login(demo, "hb-county-staff"))
    first = ROW.findall(county.page(ROSTER).get_data(as_text=True))
    with unchanged(demo):
        for before in (
            "x",
            "20261340-1",
            "20260101-99999999999",
            "20260101-0",
            "2026010-1",
            "９" * 8 + "-1",
        ):
            r = county.get(ROSTER, query_string={"before": before})
            assert r.status_code == 200 and ROW.findall(r.get_data(as_text=True)) == first, before


def test_P5_roster_statements_do_not_grow(demo):
    load(demo, 5, {"registered": 1})
    county = english(staff_login(demo, "hb-county-staff"))
    few = statements(demo, county.client, ROSTER)
    load(demo, 300, {"registered": 1}, seed=9)
    assert len(ROW.findall(county.page(ROSTER).get_data(as_text=True))) == 50
    assert statements(demo, county.client, ROSTER) == few
    assert (
        statements(demo, county.client, older_link(county.page(ROSTER).get_data(as_text=True)))
        == few
    )


def test_I5_csv_has_every_registration_in_force_masked_and_opens_in_excel(demo):
    load(
        demo, 2500, {"registered": 1}
    )  # more than one chunk of 1,000 rows once lapsed ones are out
    county = english(staff_login(demo, "hb-county-staff"))
    expected = in_force(demo)
    assert len(expected) > 1000
    raw, rows = download(county)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese right
    header, *body = rows
    assert header == [
        "Name",
        "ID number (masked)",
        "Qualification level",
        "Category",
        "Practice scope",
        "Certificate number",
        "Registered on",
        "Valid until",
    ]
    assert len(body) == len(expected)
    assert {r[1] for r in body} == {
        idn[:3] + "*" * 11 + idn[-4:] for _d, _n, idn in expected.values()
    }
    assert not any(
        idn.encode() in raw for _d, _n, idn in expected.values()
    )  # never the full ID number (SEC5)
    assert all(re.fullmatch(r"\d{15}", r[5]) for r in body)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[6]) and r[7] > r[6] for r in body)
    # a name search narrows the download too
    surname = body[0][0][0]
    _raw, narrowed = download(county, f"?q={surname}")
    assert 0 < len(narrowed) - 1 < len(body) and all(r[0].startswith(surname) for r in narrowed[1:])


def test_I5_csv_cells_that_look_like_formulas_are_quoted(demo):
    """Names come from imported records too: a cell Excel would run as a formula is quoted."""
    load(demo, 8, {"registered": 1}, seed=3)
    ids = list(in_force(demo))[:4]
    evil = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]
    with in_tenant(demo, "hubei"):
        for app_id, name in zip(ids, evil, strict=True):
            doctor_id = db.session.get(Application, app_id).doctor_id
            db.session.execute(update(User).where(User.id == doctor_id).values(real_name=name))
        db.session.commit()
    county = english(staff_login(demo, "hb-county-staff"))
    _raw, rows = download(county)
    names = {r[0] for r in rows[1:]}
    assert {"'" + n for n in evil} <= names
    assert not any(n[:1] in "=+-@" for n in names)


def test_I5_another_tenant_sees_nothing(demo):
    load(demo, 20, {"registered": 1})
    gd = english(staff_login(demo, "gd-county-staff"))
    names = [n for _d, n, _id in in_force(demo).values()]
    page = gd.page("/guangdong/institution/roster").get_data(as_text=True)
    _raw, rows = download_as(gd, "/guangdong/institution/roster.csv")
    assert not ROW.findall(page) and len(rows) == 1
    assert not any(n in page for n in names)


def download_as(b, url: str):
    r = b.client.get(url)
    assert r.status_code == 200
    raw = r.get_data()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
