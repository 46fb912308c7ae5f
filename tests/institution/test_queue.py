"""The approval queue (I4, P5): one queue of every kind waiting for the institution, newest
first, filtered by kind, searched by name, decided one by one or as a selected batch (JS off:
plain posts; JS on: htmx partials), keyset paged so a page costs the same whatever the
queue's length. Through HTTP as the staff would use it; the waiting items are synthetic
doctors from ``devdata.scale`` (the ``flask demo load --doctors`` loader)."""

from __future__ import annotations

import gzip
import os
import re

import pytest
from sqlalchemy import event, update

from devdata.scale_data import WAITING_MIX
from portal.extensions import db
from portal.workflow.models import Application, FilingState, ModificationRequest, SiteFiling
from tests.support.db import in_tenant, owner_connection, statements, unchanged
from tests.support.http import Browser, english, redirected_to, staff_login
from tests.support.institution import QUEUE, TERTIARY, items, load, older_link, waiting
from tests.support.journey import messages_to

EVERY_KIND = {
    "waiting_first": 3,
    "waiting_change": 2,
    "waiting_cancel": 2,
    "waiting_reregister": 2,
    "waiting_modification": 2,
}


def state_of(app, token: str) -> str:
    model = {"a": Application, "m": ModificationRequest, "f": SiteFiling}[token[0]]
    with in_tenant(app, "hubei"):
        return db.session.get(model, int(token[2:])).state.value


def phone_of(app, token: str) -> str:
    model = {"a": Application, "m": ModificationRequest, "f": SiteFiling}[token[0]]
    with in_tenant(app, "hubei"):
        return db.session.get(model, int(token[2:])).doctor.phone


# ---- one queue, newest first, filtered and searched ---------------------------------------------


def test_I4_one_queue_of_every_kind_newest_first(demo, county):
    load(demo, 40, EVERY_KIND)
    expected = waiting(demo)
    assert {kind for _t, kind, _n in expected.values()} == {
        "first",
        "change",
        "cancel",
        "reregister",
        "modification",
    }
    r = county.page(QUEUE)
    assert r.headers["Cache-Control"] == "no-store"
    page = r.get_data(as_text=True)
    shown = items(page)
    assert set(shown) == set(expected) and len(shown) == len(expected) == 40
    times = [expected[t][0] for t in shown]
    assert times == sorted(times, reverse=True)
    assert older_link(page) is None  # one page
    # masked ID numbers only (SEC5), and the page is not cached
    assert re.search(r"\d{3}\*{11}[\dX]{4}", page)
    assert not re.search(r"(?<![\d*])\d{17}[\dX](?![\d*])", page)


@pytest.mark.parametrize("kind", ["first", "change", "cancel", "reregister", "modification"])
def test_I4_filter_by_kind(demo, county, kind):
    load(demo, 60, EVERY_KIND)
    expected = {t for t, (_at, k, _n) in waiting(demo).items() if k == kind}
    assert expected
    page = county.page(f"{QUEUE}?kind={kind}").get_data(as_text=True)
    assert set(items(page)) == expected
    assert f'<option value="{kind}" selected>' in page  # the filter shows what it filters


def test_I4_filter_by_filing_at_the_extra_site(demo, county, tertiary):
    load(demo, 30, {"waiting_filing": 1, "waiting_first": 1})
    filed = {t for t, (_at, k, _n) in waiting(demo, TERTIARY).items() if k == "filing"}
    assert filed and all(t.startswith("f-") for t in filed)
    assert set(items(tertiary.page(f"{QUEUE}?kind=filing").get_data(as_text=True))) == filed
    assert not items(
        county.page(f"{QUEUE}?kind=filing").get_data(as_text=True)
    )  # not the county's to decide


def test_I4_search_by_the_beginning_of_the_name(demo, county):
    load(demo, 120, EVERY_KIND)
    everything = waiting(demo)
    surname = max(
        {n[0] for _t, _k, n in everything.values()},
        key=lambda s: sum(n.startswith(s) for _t, _k, n in everything.values()),
    )
    expected = {t for t, (_at, _k, name) in everything.items() if name.startswith(surname)}
    assert 0 < len(expected) < len(everything)
    page = county.get(QUEUE, query_string={"q": surname}).get_data(as_text=True)
    assert set(items(page)) == expected
    # a whole name finds that doctor; with a kind, only that kind
    token, (_at, kind, name) = next(iter(everything.items()))
    page = county.get(QUEUE, query_string={"q": name, "kind": kind}).get_data(as_text=True)
    assert token in items(page)
    assert all(everything[t][2].startswith(name) and everything[t][1] == kind for t in items(page))
    # LIKE's wildcards are plain characters; the middle of a name is not its beginning
    for q in ("%", "_", name[1:] + "%"):
        assert not items(county.get(QUEUE, query_string={"q": q}).get_data(as_text=True)), q


def test_I4_filters_answer_htmx_with_the_list_only(demo, county):
    load(demo, 20, EVERY_KIND)
    county.htmx = True
    r = county.get(f"{QUEUE}?kind=modification")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body and 'id="queue"' in body
    assert items(body) and all(t.startswith("m-") for t in items(body))
    assert "HX-Request" in r.headers.get("Vary", "")


@pytest.mark.parametrize(
    "query",
    [
        "kind=nonsense",
        "before=garbage",
        "before=99999999999999999999a1",
        "before=20261399000000000000a1",
        "before=20260101000000000000a99999999999",
        "before=20260101000000000000x1",
        "q=" + "王" * 500,
        "kind=&before=&q=",
    ],
)
def test_I4_bad_filters_and_cursors_show_the_first_page(demo, county, query):
    """A malformed or out-of-range cursor, an unknown kind or an endless name: never a 500."""
    load(demo, 10, EVERY_KIND)
    with unchanged(demo):
        r = county.page(f"{QUEUE}?{query}")
    assert r.status_code == 200
    if not query.startswith("q="):
        assert set(items(r.get_data(as_text=True))) == set(waiting(demo))


# ---- keyset paging (P5) ---------------------------------------------------------------------------


def test_P5_paging_visits_every_waiting_item_once_newest_first(demo, county):
    """2,000 waiting items across three tables, a block of them submitted at the same moment
    (ties across tables and page boundaries): the "Older" links visit each exactly once."""
    load(demo, 2000, {**WAITING_MIX, "waiting_filing": 0})
    load(
        demo, 100, {"waiting_filing": 1}, at=TERTIARY, seed=8
    )  # filings: some for the county hospital
    everything = waiting(demo)
    assert len(everything) >= 2000 and {t[0] for t in everything} == {"a", "m", "f"}
    tied = sorted(everything)[::15][:140]  # a mix of applications, requests and filings
    moment = sorted(at for at, _k, _n in everything.values())[len(everything) // 2]
    with in_tenant(demo, "hubei"):
        for token in tied:
            model = {"a": Application, "m": ModificationRequest, "f": SiteFiling}[token[0]]
            column = model.submitted_at if token[0] == "a" else model.created_at
            db.session.execute(
                update(model).where(model.id == int(token[2:])).values({column: moment})
            )
        db.session.commit()
    everything = waiting(demo)

    seen, url, pages = [], QUEUE, 0
    while url:
        body = county.page(url).get_data(as_text=True)
        seen += items(body)
        url, pages = older_link(body), pages + 1
        assert pages <= 100
    assert len(seen) == len(set(seen)) == len(everything)
    assert set(seen) == set(everything)
    times = [everything[t][0] for t in seen]
    assert times == sorted(times, reverse=True)
    assert pages == -(-len(everything) // 50)


def test_P5_paging_within_a_kind(demo, county):
    load(demo, 300, WAITING_MIX)
    expected = {t for t, (_at, k, _n) in waiting(demo).items() if k == "first"}
    assert len(expected) > 50
    seen, url = [], f"{QUEUE}?kind=first"
    while url:
        body = county.page(url).get_data(as_text=True)
        seen += items(body)
        url = older_link(body)
        assert url is None or "kind=first" in url
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_P5_statements_do_not_grow_with_the_queue(demo, county):
    load(demo, 12, EVERY_KIND)
    few = statements(demo, county.client, QUEUE)
    load(demo, 400, WAITING_MIX, seed=9)
    assert len(items(county.page(QUEUE).get_data(as_text=True))) == 50
    assert statements(demo, county.client, QUEUE) == few
    second = older_link(county.page(QUEUE).get_data(as_text=True))
    assert statements(demo, county.client, second) == few
    assert statements(demo, county.client, QUEUE + "?q=王") == few


def _queries(app, client, url: str) -> list[tuple[str, object]]:
    captured = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return captured


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the query plan is PostgreSQL's",
)
@pytest.mark.parametrize("query", ["", "kind=change", "kind=modification"])
def test_P5_queue_queries_use_an_index_and_no_offset(demo, county, query):
    load(demo, 3000, WAITING_MIX)
    load(
        demo,
        3000,
        {"registered": 1, "rejected": 1, "draft": 1, "waiting_filing": 1},
        at=TERTIARY,
        seed=8,
    )
    with owner_connection(demo) as conn:  # ANALYZE is the tables' owner's
        conn.exec_driver_sql("ANALYZE")
    second = older_link(county.page(f"{QUEUE}?{query}").get_data(as_text=True))
    assert second and "before=" in second
    queue_sql = [
        (s, p)
        for s, p in _queries(demo, county.client, second)
        if re.search(r"FROM (application|modification_request|site_filing)\b", s)
        and "ORDER BY" in s
    ]
    assert queue_sql
    with (
        in_tenant(demo, "hubei"),
        db.engine.connect() as conn,
    ):  # planned as it runs: in Hubei (SEC9)
        for statement, parameters in queue_sql:
            assert "OFFSET" not in statement.upper()
            plan = "\n".join(
                row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)
            )
            table = re.search(
                r"FROM (application|modification_request|site_filing)\b", statement
            ).group(1)
            assert re.search(rf"Index Scan( Backward)? using ix_{table}_queue", plan), (
                plan
            )  # its queue index
            assert not re.search(rf"Seq Scan on {table}\b", plan), plan


# ---- deciding one item in-page (JS off and on) ----------------------------------------------------


def test_I4_confirm_and_reject_one_by_one(demo, county, browser_mode):
    load(demo, 3, {"waiting_first": 1, "waiting_modification": 1})
    first, second, *_ = items(county.page(QUEUE).get_data(as_text=True))
    htmx = browser_mode == "htmx"
    county.htmx = htmx
    urls = {
        "a": ("/hubei/institution/approvals/{}/confirm", "/hubei/institution/approvals/{}/reject"),
        "m": (
            "/hubei/institution/modifications/{}/approve",
            "/hubei/institution/modifications/{}/reject",
        ),
    }
    r = county.post(urls[first[0]][0].format(first[2:]))
    if htmx:
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and "<html" not in body and len(items(body)) == 1
        assert (
            'role="status"' in body and 'name="item"' not in body
        )  # decided: no checkbox, no buttons
    else:
        redirected_to(r)
    r = county.post(urls[second[0]][1].format(second[2:]), {"reason": "资料不全，请补充"})
    assert r.status_code == 200 if htmx else redirected_to(r)
    assert (
        state_of(demo, first) in ("confirmed", "approved") and state_of(demo, second) == "rejected"
    )
    assert any("资料不全，请补充" in m for m in messages_to(demo, phone_of(demo, second)))
    assert first not in items(county.page(QUEUE).get_data(as_text=True))


# ---- deciding a selected batch --------------------------------------------------------------------


def test_I4_batch_approval_reports_an_item_decided_meanwhile(demo, county, browser_mode):
    """Two staff members: the other one confirms an item while this one has it ticked. The
    batch approves the others and says which one was not changed, and why."""
    load(demo, 6, {"waiting_first": 2, "waiting_modification": 1})
    picked = items(county.page(QUEUE).get_data(as_text=True))[:5]
    meanwhile = next(t for t in picked if t.startswith("a-"))
    other = english(staff_login(demo, "hb-county-staff"))
    other.page(QUEUE)
    redirected_to(other.post(f"/hubei/institution/approvals/{meanwhile[2:]}/confirm"))

    county.htmx = browser_mode == "htmx"
    r = county.post(
        "/hubei/institution/approvals/batch", {"item": picked, "action": "approve", "reason": ""}
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "4 of 5 done." in body
    assert "no longer waiting for you" in body
    for token in picked:
        assert state_of(demo, token) in ("confirmed", "approved")
    # the item decided meanwhile was decided once: one audit row, one message to the doctor
    # (in the doctor's language, Chinese by default, whatever the staff member's)
    assert sum("已确认您的注册申请" in m for m in messages_to(demo, phone_of(demo, meanwhile))) == 1
    if county.htmx:
        assert "<html" not in body
        assert (
            len(re.findall(r'hx-swap-oob="true"', body)) == 5
        )  # every picked row swapped in place
        assert 'name="item"' not in body
    else:
        assert "<html" in body and not set(picked) & set(items(body))  # the queue, without them


def test_I4_batch_rejection_reports_a_filing_withdrawn_meanwhile(demo, tertiary, browser_mode):
    """The doctor withdraws a filing (on their own page) after the staff ticked it: the batch
    rejects the others with the reason, and reports the withdrawn one."""
    load(demo, 3, {"waiting_filing": 1})
    picked = items(tertiary.page(QUEUE).get_data(as_text=True))
    assert len(picked) == 3 and all(t.startswith("f-") for t in picked)
    gone = picked[1]
    with in_tenant(demo, "hubei"):
        username = db.session.get(SiteFiling, int(gone[2:])).doctor.username
    doctor = Browser(demo.test_client())
    doctor.page("/hubei/login")
    redirected_to(doctor.post("/hubei/login", {"username": username, "password": "Demo-pass-2026"}))
    doctor.page("/hubei/me/sites")
    redirected_to(doctor.post(f"/hubei/me/sites/{gone[2:]}/withdraw"))
    assert state_of(demo, gone) == FilingState.WITHDRAWN.value

    tertiary.htmx = browser_mode == "htmx"
    r = tertiary.post(
        "/hubei/institution/approvals/batch",
        {"item": picked, "action": "reject", "reason": "本院暂无此专业科室"},
    )
    body = r.get_data(as_text=True)
    assert (
        r.status_code == 200 and "2 of 3 done." in body and "withdrew this filing meanwhile" in body
    )
    assert [state_of(demo, t) for t in picked] == ["rejected", "withdrawn", "rejected"]
    for token in (picked[0], picked[2]):
        assert any("本院暂无此专业科室" in m for m in messages_to(demo, phone_of(demo, token)))


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_I4_batch_needs_items_and_a_reason_to_reject(demo, county, htmx):
    load(demo, 3, {"waiting_first": 1})
    picked = items(county.page(QUEUE).get_data(as_text=True))
    county.htmx = htmx
    with unchanged(demo):
        r = county.post("/hubei/institution/approvals/batch", {"action": "approve"})
        assert r.status_code == 422 and "Select at least one item" in r.get_data(as_text=True)
        r = county.post(
            "/hubei/institution/approvals/batch",
            {"item": picked, "action": "reject", "reason": "  "},
        )
        assert r.status_code == 422 and "Give the reason" in r.get_data(as_text=True)
        r = county.post(
            "/hubei/institution/approvals/batch",
            {"item": picked, "action": "reject", "reason": "长" * 501},
        )
        assert r.status_code == 422
        r = county.post("/hubei/institution/approvals/batch", {"item": picked, "action": "delete"})
        assert r.status_code == 422
        assert ("<html" in r.get_data(as_text=True)) != htmx


def test_I4_batch_bad_input_changes_nothing(demo, county):
    load(demo, 3, {"waiting_first": 1})
    picked = items(county.page(QUEUE).get_data(as_text=True))
    with unchanged(demo):
        for bad in (
            ["a-x"],
            ["z-1"],
            ["a-99999999999"],
            ["a-0"],
            ["a-1; drop"],
            [picked[0] + "\u00a0"],
        ):
            assert (
                county.post(
                    "/hubei/institution/approvals/batch", {"item": bad, "action": "approve"}
                ).status_code
                == 400
            ), bad
        r = county.post(
            "/hubei/institution/approvals/batch",
            {"item": [f"a-{i}" for i in range(1, 102)], "action": "approve"},
        )
        assert r.status_code == 422 and "at most 100" in r.get_data(as_text=True)
        r = county.client.post(
            "/hubei/institution/approvals/batch", data={"item": picked, "action": "approve"}
        )
        assert r.status_code == 400  # no CSRF token


def test_I4_batch_of_another_institutions_or_tenants_items_finds_nothing(demo, county, tertiary):
    load(demo, 2, {"waiting_first": 1})
    theirs = items(county.page(QUEUE).get_data(as_text=True))
    tertiary.page(QUEUE)
    with unchanged(demo):
        r = tertiary.post(
            "/hubei/institution/approvals/batch",
            {"item": theirs + ["m-999999"], "action": "approve"},
        )
        body = r.get_data(as_text=True)
        assert (
            r.status_code == 200
            and "0 of 3 done." in body
            and body.count("Not found in your queue") == 3
        )
    gd = english(staff_login(demo, "gd-county-staff"))
    gd.page("/guangdong/institution/approvals")
    with unchanged(demo):
        r = gd.post("/guangdong/institution/approvals/batch", {"item": theirs, "action": "approve"})
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and "Not found in your queue" in body
        assert not any(name in body for _at, _k, name in waiting(demo).values())  # T3


# ---- low bandwidth (P2) ----------------------------------------------------------------------------


def test_P2_a_full_queue_page_and_its_partials_fit_the_budget(demo, county):
    load(demo, 120, EVERY_KIND)
    html_page = county.page(QUEUE).get_data()
    assert len(items(html_page.decode())) == 50
    css_url = re.search(r'href="(/static/portal\.[0-9a-f]{10}\.css)"', html_page.decode()).group(1)
    with county.client.get(css_url) as r:
        css = r.get_data()
    assert len(gzip.compress(html_page)) + len(gzip.compress(css)) <= 14 * 1024
    county.htmx = True
    row = county.post(
        f"/hubei/institution/approvals/{items(html_page.decode())[0][2:]}/confirm"
    ).get_data()
    assert b"<html" not in row and len(gzip.compress(row)) <= 4 * 1024
    picked = items(html_page.decode())[1:11]
    answer = county.post(
        "/hubei/institution/approvals/batch", {"item": picked, "action": "approve"}
    ).get_data()
    assert (
        b"<html" not in answer and len(gzip.compress(answer)) <= 4 * 1024
    )  # ten rows swapped in place
