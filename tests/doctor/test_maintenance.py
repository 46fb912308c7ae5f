"""Information maintenance (D17, F5, F6): a registered doctor's edit becomes a request that the
institution approves in its queue (I4), old and new side by side; until then the old values
stay in force. Through HTTP, with JS off (plain posts) and on (htmx partials)."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.workflow.models import Application, AuditLog, ModificationRequest
from tests.support.db import in_tenant, statements, unchanged
from tests.support.http import Browser, english, redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, doctor_form, messages_to, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
OLD_ADDRESS = "演示省演示县演示街 1 号"
NEW_ADDRESS = "湖北省远安县鸣凤镇新街 9 号"
NEW_EXPERIENCE = "2012-2026 远安县人民医院 内科"
NEW_REWARDS = "2024 年 县优秀医师"
PAGE = "/hubei/me/maintenance"
QUEUE = "/hubei/institution/approvals"


def registered(app, htmx: bool = False):
    """李明华, registered at the county hospital: (doctor's browser, the hospital's staff browser)."""
    staff = staff_login(app, "hb-county-staff")
    walked = walk_doctor(app, "hubei", LI, until="confirmed", staff=staff, institution="远安")
    officer = staff_login(app, "hb-officer")
    officer.page(f"/hubei/admin/applications/{walked.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    walked.browser.htmx = staff.htmx = (
        htmx  # from here on, as the page would post with JS on or off
    )
    return english(walked.browser), english(staff), walked.app_id


def registration(app, app_id: int) -> Application:
    with in_tenant(app, "hubei"):
        reg = db.session.get(Application, app_id)
        db.session.expunge(reg)
        return reg


def requests(app) -> list[ModificationRequest]:
    with in_tenant(app, "hubei"):
        rows = (
            db.session.execute(db.select(ModificationRequest).order_by(ModificationRequest.id))
            .scalars()
            .all()
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def new_values(app, app_id: int, **override) -> dict:
    reg = registration(app, app_id)
    values = {
        "home_address": NEW_ADDRESS,
        "work_experience": NEW_EXPERIENCE,
        "rewards_punishments": NEW_REWARDS,
        "contract_end": (reg.contract_end + timedelta(days=730)).isoformat(),
    }
    values.update(override)
    return values


def ask(b: Browser, values: dict):
    b.page(PAGE)
    return b.post(PAGE, values)


def sent(response, htmx: bool) -> str:
    """A request was accepted: the plain post is redirected to the page, htmx gets the block."""
    if htmx:
        assert response.status_code == 200, response.status_code
        body = response.get_data(as_text=True)
        assert "<html" not in body and 'id="maintenance"' in body
        return body
    assert redirected_to(response).endswith(PAGE)
    return ""


def errors(response) -> dict[str, str]:
    return dict(
        re.findall(r'<p class="err" id="([^"]+)-err">([^<]*)</p>', response.get_data(as_text=True))
    )


# ---- the whole round: request, the institution approves, the registration changes -------------


def test_D17_modification_takes_effect_only_when_the_institution_approves(demo, browser_mode):
    htmx = browser_mode == "htmx"
    doc, staff, app_id = registered(demo, htmx)
    before = registration(demo, app_id)
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert PAGE in home and "Information maintenance" in home
    form_page = doc.page(PAGE).get_data(as_text=True)
    assert (
        OLD_ADDRESS in form_page and 'name="home_address"' in form_page
    )  # the registered values, to edit

    values = new_values(demo, app_id)
    body = sent(ask(doc, values), htmx)
    if htmx:
        assert "Waiting for 远安县人民医院（演示）" in body and NEW_ADDRESS in body

    # until the institution approves, the old values stay in force
    after_request = registration(demo, app_id)
    assert (
        after_request.home_address,
        after_request.work_experience,
        after_request.rewards_punishments,
        after_request.contract_end,
    ) == (
        before.home_address,
        before.work_experience,
        before.rewards_punishments,
        before.contract_end,
    )
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert OLD_ADDRESS in home and NEW_ADDRESS not in home
    page = doc.page(PAGE).get_data(as_text=True)
    assert "Waiting for 远安县人民医院（演示）" in page
    assert (
        OLD_ADDRESS in page and NEW_ADDRESS in page and values["contract_end"] in page
    )  # old → new
    assert 'name="home_address"' not in page  # not offered again until decided
    [req] = requests(demo)
    assert req.state.value == "pending" and req.application_id == app_id
    assert req.changes["home_address"] == {"old": OLD_ADDRESS, "new": NEW_ADDRESS}
    assert req.changes["contract_end"] == {
        "old": before.contract_end.isoformat(),
        "new": values["contract_end"],
    }

    # I4: the institution sees old and new side by side
    queue = staff.page(QUEUE).get_data(as_text=True)
    section = staff.page(QUEUE + "?kind=modification").get_data(
        as_text=True
    )  # the queue filtered to them
    assert f'id="mod-{req.id}"' in section and "李明华" in section
    assert OLD_ADDRESS in section and NEW_ADDRESS in section and NEW_REWARDS in section
    assert LI["id_number"] not in queue  # masked (SEC5)

    r = staff.post(f"/hubei/institution/modifications/{req.id}/approve")
    if htmx:
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and f'id="mod-{req.id}"' in body and "<html" not in body
        assert "Approved" in body and "/approve" not in body  # decided: no buttons any more
    else:
        assert redirected_to(r).endswith(QUEUE)
        assert f'id="mod-{req.id}"' not in staff.page(QUEUE).get_data(as_text=True)

    # the registration now holds the new values, and the doctor is told
    reg = registration(demo, app_id)
    assert (
        reg.home_address,
        reg.work_experience,
        reg.rewards_punishments,
        reg.contract_end.isoformat(),
    ) == (NEW_ADDRESS, NEW_EXPERIENCE, NEW_REWARDS, values["contract_end"])
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert (
        NEW_ADDRESS in home
        and NEW_EXPERIENCE in home
        and NEW_REWARDS in home
        and OLD_ADDRESS not in home
    )
    assert "approved the modification" in messages_to(demo, LI["phone"])[-1]
    page = doc.page(PAGE).get_data(as_text=True)
    assert (
        "Approved by 远安县人民医院（演示）" in page and 'name="home_address"' in page
    )  # offered again
    with in_tenant(demo, "hubei"):
        modify = db.session.execute(
            db.select(AuditLog).filter_by(entity="application", action="modify")
        ).scalar_one()
        assert (
            modify.before["home_address"] == OLD_ADDRESS
            and modify.after["home_address"] == NEW_ADDRESS
        )
        actions = [
            a.action
            for a in db.session.execute(
                db.select(AuditLog).filter_by(entity="modification").order_by(AuditLog.id)
            ).scalars()
        ]
        assert actions == ["request", "approve"]


def test_D17_only_changed_fields_are_requested(demo):
    doc, staff, app_id = registered(demo)
    reg = registration(demo, app_id)
    values = new_values(
        demo,
        app_id,
        work_experience=reg.work_experience,
        rewards_punishments=reg.rewards_punishments,
        contract_end=reg.contract_end.isoformat(),
    )
    sent(ask(doc, values), False)
    [req] = requests(demo)
    assert list(req.changes) == ["home_address"]


# ---- rejection -------------------------------------------------------------------------------


def test_D17_rejection_needs_a_reason_and_the_doctor_sees_it(demo, browser_mode):
    htmx = browser_mode == "htmx"
    doc, staff, app_id = registered(demo, htmx)
    sent(ask(doc, new_values(demo, app_id)), htmx)
    [req] = requests(demo)
    staff.page(QUEUE)
    url = f"/hubei/institution/modifications/{req.id}/reject"
    for reason in ("", "   "):
        with unchanged(demo):
            r = staff.post(url, {"reason": reason})
        assert (
            r.status_code == 422
        )  # the item (htmx) or the queue (plain), the message next to the field
        assert "Give the reason" in r.get_data(as_text=True)
        assert ("<html" in r.get_data(as_text=True)) is not htmx
    assert requests(demo)[0].state.value == "pending"

    r = staff.post(url, {"reason": "地址与身份证不符"})
    if htmx:
        assert r.status_code == 200 and "<html" not in r.get_data(as_text=True)
    else:
        assert redirected_to(r).endswith(QUEUE)
    [req] = requests(demo)
    assert req.state.value == "rejected" and req.reason == "地址与身份证不符"
    assert registration(demo, app_id).home_address == OLD_ADDRESS  # the old values stay
    assert "地址与身份证不符" in messages_to(demo, LI["phone"])[-1]
    page = doc.page(PAGE).get_data(as_text=True)
    assert "Rejected by 远安县人民医院（演示）" in page and "地址与身份证不符" in page
    assert 'name="home_address"' in page  # the doctor may ask again
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert OLD_ADDRESS in home and NEW_ADDRESS not in home


def test_D17_a_decided_request_is_not_decided_again(demo, browser_mode):
    htmx = browser_mode == "htmx"
    doc, staff, app_id = registered(demo, htmx)
    sent(ask(doc, new_values(demo, app_id)), htmx)
    [req] = requests(demo)
    staff.page(QUEUE)
    staff.post(f"/hubei/institution/modifications/{req.id}/reject", {"reason": "请核对"})
    staff.page(QUEUE)
    with unchanged(demo):
        r = staff.post(f"/hubei/institution/modifications/{req.id}/approve")
        assert r.status_code == 409  # A9: plain or htmx, the page says what happened
        assert re.search(
            r"This request to modify registered information was rejected by you at \d{2}:\d{2}\.",
            r.get_data(as_text=True),
        )
        r = staff.post(f"/hubei/institution/modifications/{req.id}/reject", {"reason": "again"})
        assert r.status_code == 409
    assert registration(demo, app_id).home_address == OLD_ADDRESS


# ---- one at a time, and only for a registration ------------------------------------------------


def test_D17_only_one_request_waits_at_a_time(demo, browser_mode):
    htmx = browser_mode == "htmx"
    doc, staff, app_id = registered(demo, htmx)
    sent(ask(doc, new_values(demo, app_id)), htmx)
    with unchanged(demo):
        r = doc.post(PAGE, new_values(demo, app_id, home_address="另一个地址 3 号"))
    assert r.status_code == 409
    assert "already waiting" in r.get_data(as_text=True)
    assert len(requests(demo)) == 1


def test_D17_waits_for_an_open_application(demo):
    """D7: one thing at a time: while a change of registration is open, no modification."""
    doc, staff, app_id = registered(demo)
    doc.page("/hubei/me")
    redirected_to(doc.post("/hubei/me/application/new/change", {}))
    doc.page(PAGE)
    with unchanged(demo):
        r = doc.post(PAGE, new_values(demo, app_id))
    assert r.status_code == 409 and "application in progress" in r.get_data(as_text=True)


def test_D17_needs_a_registration(demo):
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", LI, until="confirmed", staff=staff, institution="远安")
    b = walked.browser
    assert redirected_to(b.page(PAGE)).endswith("/hubei/me")
    b.page("/hubei/me")
    with unchanged(demo):
        r = b.post(
            PAGE,
            {
                "home_address": NEW_ADDRESS,
                "work_experience": "无",
                "rewards_punishments": "无",
                "contract_end": "2040-01-01",
            },
        )
    assert redirected_to(r).endswith("/hubei/me")
    assert PAGE not in b.page("/hubei/me").get_data(as_text=True)


# ---- bad input (SEC6) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("home_address", "李" * 201),
        ("home_address", ""),
        ("work_experience", "x" * 2001),
        ("rewards_punishments", ""),  # F9: 无 when there is nothing to declare
        ("rewards_punishments", "   "),
        ("contract_end", "2030-02-30"),
        ("contract_end", "not a date"),
        ("contract_end", ""),
        ("contract_end", "1999-01-01"),  # before the contract starts
    ],
)
def test_D17_bad_input_is_refused_next_to_its_field(demo, browser_mode, field, value):
    htmx = browser_mode == "htmx"
    doc, staff, app_id = registered(demo, htmx)
    doc.page(PAGE)
    with unchanged(demo):
        r = doc.post(PAGE, new_values(demo, app_id, **{field: value}))
    assert r.status_code == 422
    assert field in errors(r), errors(r)
    body = r.get_data(as_text=True)
    assert (
        f'aria-describedby="{field}-err"' in body
        or f'aria-describedby="{field}-hint {field}-err"' in body
    )
    assert ("<html" in body) != htmx
    if field == "rewards_punishments":
        assert "无" in errors(r)[field]
    if field != "home_address":
        assert NEW_ADDRESS in body  # what was typed is kept


def test_D17_nothing_changed_is_refused(demo):
    doc, staff, app_id = registered(demo)
    reg = registration(demo, app_id)
    doc.page(PAGE)
    with unchanged(demo):
        r = doc.post(
            PAGE,
            {
                "home_address": reg.home_address,
                "work_experience": reg.work_experience,
                "rewards_punishments": reg.rewards_punishments,
                "contract_end": reg.contract_end.isoformat(),
            },
        )
    assert r.status_code == 422 and "Nothing was changed" in r.get_data(as_text=True)


def test_D17_forged_posts_are_refused(demo):
    doc, staff, app_id = registered(demo)
    values = new_values(demo, app_id)
    with unchanged(demo):
        r = doc.client.post(PAGE, data=values)  # no CSRF token
        assert r.status_code == 400
        r = doc.client.post(PAGE, data={**values, "csrf_token": "forged"})
        assert r.status_code == 400
    sent(ask(doc, values), False)
    [req] = requests(demo)
    staff.page(QUEUE)
    with unchanged(demo):
        assert (
            staff.client.post(f"/hubei/institution/modifications/{req.id}/approve").status_code
            == 400
        )
        assert (
            staff.client.post(
                f"/hubei/institution/modifications/{req.id}/reject", data={"reason": "x"}
            ).status_code
            == 400
        )
        r = staff.post(f"/hubei/institution/modifications/{req.id}/reject", {"reason": "x" * 501})
        assert r.status_code == 422  # plain post: the queue, the message next to the reason field
    assert requests(demo)[0].state.value == "pending"


# ---- who may decide (T3) -----------------------------------------------------------------------


def test_D17_another_institution_cannot_see_or_decide(demo):
    doc, staff, app_id = registered(demo)
    sent(ask(doc, new_values(demo, app_id)), False)
    [req] = requests(demo)
    other = staff_login(demo, "hb-tertiary-staff")
    assert NEW_ADDRESS not in other.page(QUEUE).get_data(as_text=True)
    with unchanged(demo):
        assert other.post(f"/hubei/institution/modifications/{req.id}/approve").status_code == 404
        assert (
            other.post(
                f"/hubei/institution/modifications/{req.id}/reject", {"reason": "no"}
            ).status_code
            == 404
        )
    # the same id in the doctor's own tenant, by the right staff, works
    assert NEW_ADDRESS in staff.page(QUEUE).get_data(as_text=True)


def test_D17_guangdong_staff_get_404(demo):
    doc, staff, app_id = registered(demo)
    sent(ask(doc, new_values(demo, app_id)), False)
    [req] = requests(demo)
    gd = staff_login(demo, "gd-county-staff")
    assert NEW_ADDRESS not in gd.page("/guangdong/institution/approvals").get_data(as_text=True)
    with unchanged(demo):
        for action, data in (("approve", {}), ("reject", {"reason": "跨省"})):
            assert (
                gd.post(f"/guangdong/institution/modifications/{req.id}/{action}", data).status_code
                == 404
            )
            r = gd.post(f"/hubei/institution/modifications/{req.id}/{action}", data)
            assert r.status_code in (302, 303) and "/hubei/login" in r.headers["Location"]


# ---- low bandwidth and a fast queue (P2, P5) ---------------------------------------------------


def test_D17_pages_fit_the_byte_budget(demo):
    doc, staff, app_id = registered(demo)
    html = doc.page(PAGE).get_data()
    css_url = re.search(r'href="(/static/portal\.[0-9a-f]{10}\.css)"', html.decode()).group(1)
    with doc.client.get(css_url) as r:
        css = r.get_data()
    assert len(gzip.compress(html)) + len(gzip.compress(css)) <= 14 * 1024
    doc.htmx = True
    partial = doc.post(PAGE, new_values(demo, app_id)).get_data()
    assert len(gzip.compress(partial)) <= 4 * 1024
    [req] = requests(demo)
    staff.page(QUEUE)
    staff.htmx = True
    row = staff.post(f"/hubei/institution/modifications/{req.id}/approve").get_data()
    assert b"<html" not in row and len(gzip.compress(row)) <= 4 * 1024


def test_D17_queue_statements_do_not_grow_with_the_requests(demo):
    """P5: no query per waiting request (doctor and registration come with the page's query)."""
    doc, staff, app_id = registered(demo)
    sent(ask(doc, new_values(demo, app_id)), False)
    one = statements(demo, staff.client, QUEUE)
    second = walk_doctor(
        demo,
        "hubei",
        doctor_form("阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli"),
        until="confirmed",
        staff=staff,
        institution="远安",
        scope="tcm",
    )
    officer = staff_login(demo, "hb-officer")
    officer.page(f"/hubei/admin/applications/{second.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{second.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    sent(ask(second.browser, new_values(demo, second.app_id)), False)
    assert len(requests(demo)) == 2
    page = staff.page(QUEUE).get_data(as_text=True)
    assert len(re.findall(r'<article class="card" id="mod-\d+"', page)) == 2
    assert statements(demo, staff.client, QUEUE) == one
