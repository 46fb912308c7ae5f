"""Final approval (A4): besides approving, the officer returns an application for correction
with a reason (the doctor corrects it and submits it again), or refuses it on a ground of L3
(Practitioners' Law art. 16), a final decision whose written notice reaches the doctor and the
institution. With JavaScript off (303) and with htmx (the next page and HX-Push-Url, 422 partials)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.workflow.models import Application, AuditLog
from tests.support.db import in_tenant, unchanged
from tests.support.http import english, redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, messages_to, step_done, walk_doctor
from tests.support.officers import LI, confirmed_at_yuanan, officer, state_of

STAFF_EMAIL = "hb-county-staff@example.invalid"


@pytest.fixture
def confirmed(demo):
    return confirmed_at_yuanan(demo)


def test_A4_return_for_correction_then_resubmit(demo, confirmed, browser_mode):
    htmx = browser_mode == "htmx"
    b = officer(demo, "hb-officer", htmx=htmx)
    url = f"/hubei/admin/applications/{confirmed.app_id}"
    b.page(url)
    with unchanged(demo):
        r = b.post(url + "/return", {"reason": "  "})
        assert r.status_code == 422 and "Say what must be corrected" in r.get_data(as_text=True)
        assert (
            "<html" in r.get_data(as_text=True)
        ) is not htmx  # htmx gets the decision block only
        assert b.post(url + "/return", {"reason": "长" * 1001}).status_code == 422
    r = b.post(url + "/return", {"reason": "户籍地址与身份证不一致，请更正"})
    assert redirected_to(r).endswith(url)
    assert state_of(demo, confirmed.app_id) == "returned"
    assert any("户籍地址与身份证不一致" in m for m in messages_to(demo, LI["phone"]))
    with in_tenant(demo, "hubei"):
        audit = db.session.execute(
            db.select(AuditLog).filter_by(entity_id=confirmed.app_id, action="return")
        ).scalar_one()
        assert audit.before["state"] == "confirmed" and audit.after["state"] == "returned"
    # no longer in the queue; a second decision is refused
    assert "李明华" not in b.page("/hubei/admin/").get_data(as_text=True)
    with unchanged(demo):
        b.page(url)
        assert b.post(url + "/approve", {"materials": ALL_MATERIALS}).status_code == 409

    doctor = english(confirmed.browser)
    home = doctor.page("/hubei/me").get_data(as_text=True)
    assert (
        "Returned by the health commission for correction" in home
        and "户籍地址与身份证不一致" in home
    )
    assert "Returned by the health commission" in doctor.page("/hubei/me/applications").get_data(
        as_text=True
    )
    # the doctor corrects the address and submits again: back to the institution
    doctor.page("/hubei/me/application/personal")
    step_done(
        doctor.post(
            "/hubei/me/application/personal", {"home_address": "湖北省远安县鸣凤镇演示街 9 号"}
        ),
        "hubei",
        "qualification",
    )
    doctor.page("/hubei/me/application/review")
    redirected_to(doctor.post("/hubei/me/application/review", {}))
    assert state_of(demo, confirmed.app_id) == "submitted"
    staff = staff_login(demo, "hb-county-staff")
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{confirmed.app_id}/confirm"))
    b.page(url)
    redirected_to(b.post(url + "/approve", {"materials": ALL_MATERIALS}))
    with in_tenant(demo, "hubei"):
        app = db.session.get(Application, confirmed.app_id)
        assert app.state.value == "approved" and app.home_address.endswith("演示街 9 号")


@pytest.mark.parametrize(
    "ground", ["civil_capacity", "criminal_or_ban", "certificate_revoked", "failed_assessment"]
)
def test_A4_L3_refusal_is_final_and_both_are_told(demo, confirmed, ground):
    b = officer(demo, "hb-officer")
    url = f"/hubei/admin/applications/{confirmed.app_id}"
    page = b.page(url).get_data(as_text=True)
    assert f'value="{ground}"' in page
    confirmed.browser.page(
        "/hubei/lang/en?next=/hubei/me"
    )  # the doctor reads English; the staff Chinese
    redirected_to(b.post(url + "/refuse", {"ground": ground, "explanation": ""}))
    with in_tenant(demo, "hubei"):
        app = db.session.get(Application, confirmed.app_id)
        assert (app.state.value, app.refusal_ground) == ("refused", ground)
        assert app.decided_at is not None and app.certificate_no is None
        assert db.session.execute(
            db.select(AuditLog).filter_by(entity_id=app.id, action="refuse")
        ).scalar_one()
    label = {
        "civil_capacity": "civil capacity",
        "criminal_or_ban": "criminal sentence",
        "certificate_revoked": "certificate was revoked",
        "failed_assessment": "periodic assessment",
    }[ground]
    # the SMS is the provider's template, its ground shortened to 35 characters (issue 12);
    # the email carries the whole written notice
    sms = messages_to(demo, LI["phone"])[-1]
    assert "refused" in sms and sms.startswith("【")
    to_doctor = messages_to(demo, LI["email"])[-1]
    assert "refused" in to_doctor and label in to_doctor
    to_staff = messages_to(demo, STAFF_EMAIL)[-1]  # each in their own language, not the officer's
    zh_label = {
        "civil_capacity": "无民事行为能力",
        "criminal_or_ban": "受刑事处罚",
        "certificate_revoked": "被吊销医师执业证书",
        "failed_assessment": "定期考核不合格",
    }[ground]
    assert "李明华" in to_staff and zh_label in to_staff and "refused" not in to_staff
    # nothing more can be decided on it
    with unchanged(demo):
        b.page(url)
        for action, data in (
            ("approve", {"materials": ALL_MATERIALS}),
            ("return", {"reason": "x"}),
            ("refuse", {"ground": ground}),
        ):
            assert b.post(f"{url}/{action}", data).status_code == 409
    doctor = english(confirmed.browser)
    home = doctor.page("/hubei/me").get_data(as_text=True)
    assert "Registration refused by the health commission" in home and label in home
    listed = doctor.page("/hubei/me/applications").get_data(as_text=True)
    assert "Refused by the health commission" in listed and label in listed


def test_A4_L3_other_grounds_need_an_explanation(demo, confirmed, browser_mode):
    htmx = browser_mode == "htmx"
    b = officer(demo, "hb-officer", htmx=htmx)
    url = f"/hubei/admin/applications/{confirmed.app_id}"
    b.page(url)
    with unchanged(demo):
        for data in (
            {"ground": "other", "explanation": " "},
            {"ground": "", "explanation": "x"},
            {"ground": "bogus", "explanation": "x"},
            {"ground": "other", "explanation": "长" * 1001},
        ):
            r = b.post(url + "/refuse", data)
            assert r.status_code == 422, data
            assert ("<html" in r.get_data(as_text=True)) is not htmx
        assert "Explain the legal ground" in b.post(url + "/refuse", {"ground": "other"}).get_data(
            as_text=True
        )
    r = b.post(
        url + "/refuse",
        {"ground": "other", "explanation": "依据《医师法》第十六条第五项：提供虚假材料"},
    )
    redirected_to(r)
    assert state_of(demo, confirmed.app_id) == "refused"
    assert any("提供虚假材料" in m for m in messages_to(demo, STAFF_EMAIL))
    assert any("提供虚假材料" in m for m in messages_to(demo, LI["email"]))


def test_A4_decisions_without_csrf_or_on_a_submitted_application(demo):
    staff = staff_login(demo, "hb-county-staff")
    submitted = walk_doctor(demo, "hubei", LI, until="submitted", staff=staff, institution="远安")
    b = officer(demo, "hb-officer")
    url = f"/hubei/admin/applications/{submitted.app_id}"
    page = b.page(url).get_data(as_text=True)
    assert "Return to the doctor" not in page  # nothing to decide yet
    with unchanged(demo):
        assert b.post(url + "/return", {"reason": "x"}).status_code == 409
        assert b.post(url + "/refuse", {"ground": "civil_capacity"}).status_code == 409
    redirected_to(staff.post(f"/hubei/institution/approvals/{submitted.app_id}/confirm"))
    with unchanged(demo):
        assert b.client.post(url + "/return", data={"reason": "x"}).status_code == 400
        assert b.client.post(url + "/refuse", data={"ground": "civil_capacity"}).status_code == 400
        for app_id in (999999, 2**31):
            assert (
                b.post(f"/hubei/admin/applications/{app_id}/return", {"reason": "x"}).status_code
                == 404
            )
            assert (
                b.post(
                    f"/hubei/admin/applications/{app_id}/refuse", {"ground": "other"}
                ).status_code
                == 404
            )
