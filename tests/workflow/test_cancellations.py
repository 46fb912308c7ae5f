"""Cancellation the doctor did not ask for (L4, Practitioners' Law art. 17): the institution
reports a ground (I6), the commission decides it or cancels on its own motion (A9); the public
check then shows the registration cancelled with its date (L8, V1); a dead doctor gets no
reminder and no SMS (D20); and a refusal (L3) comes with a printable written notice (A9)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.columns import local_today
from portal.extensions import db
from portal.workflow.models import Application
from tests.support.cancellation import (
    AYI,
    LI,
    applications_of,
    audit_actions,
    certificate_of,
    registered,
)
from tests.support.db import in_tenant
from tests.support.http import english, redirected_to, staff_login
from tests.support.journey import messages_to, walk_doctor

GROUNDS = [
    "suspended_two_years",
    "failed_assessment_again",
    "certificate_revoked",
    "criminal_penalty",
    "death",
    "other",
]


def _report(staff, reg_id: int, ground: str, ground_on, note: str = "院内核实"):
    url = f"/hubei/institution/roster/{reg_id}/cancellation"
    staff.page(url)
    return staff.post(url, {"ground": ground, "ground_on": ground_on.isoformat(), "note": note})


def _approve(officer, cancel_id: int) -> None:
    officer.page(f"/hubei/admin/applications/{cancel_id}")
    redirected_to(officer.post(f"/hubei/admin/applications/{cancel_id}/approve", {}))


@pytest.mark.parametrize("ground", GROUNDS)
def test_I6_L4_the_institution_reports_each_ground_and_the_commission_cancels(demo, ground):
    walked, staff, officer = registered(demo)
    reg_id, today = walked.app_id, local_today()
    roster = staff.page("/hubei/institution/roster").get_data(as_text=True)
    assert f"/hubei/institution/roster/{reg_id}/cancellation" in roster
    before = len(messages_to(demo, LI["phone"]))

    assert redirected_to(_report(staff, reg_id, ground, today)).endswith(
        "/hubei/institution/roster"
    )

    reg, cancel = applications_of(demo, walked.doctor_id)
    assert (cancel.kind.value, cancel.state.value, cancel.previous_id) == (
        "cancel",
        "confirmed",
        reg_id,
    )
    assert (cancel.cancel_ground, cancel.cancel_origin, cancel.cancel_ground_on) == (
        ground,
        "institution",
        today,
    )
    assert not cancel.cancel_reported_late and cancel.decision_due is not None
    assert audit_actions(demo, cancel.id) == ["report_cancellation"]
    told = messages_to(demo, LI["phone"])[before:]
    if ground == "death":
        assert told == []  # nothing to a dead doctor
    else:
        assert len(told) == 1 and "注销事由" in told[0] and reg.certificate_no in told[0]
    # it is in the commission's queue, like any application
    queue = officer.page("/hubei/admin/").get_data(as_text=True)
    assert f"/hubei/admin/applications/{cancel.id}" in queue and "执业机构报告" in queue

    _approve(officer, cancel.id)
    reg, cancel = applications_of(demo, walked.doctor_id)
    assert (reg.state.value, cancel.state.value) == ("cancelled", "approved")
    after_approval = messages_to(demo, LI["phone"])[before:]
    assert (ground == "death") is (after_approval == [])
    # the roster no longer lists it, and the institution is told the outcome
    assert f"reg-{reg_id}" not in staff.page("/hubei/institution/roster").get_data(as_text=True)


def test_L4_a_report_after_30_days_is_accepted_and_flagged_late(demo):
    walked, staff, officer = registered(demo)
    today = local_today()
    with in_tenant(demo, "hubei"):  # registered a year ago
        db.session.get(Application, walked.app_id).registered_on = today - timedelta(days=365)
        db.session.commit()
    r = _report(english(staff), walked.app_id, "criminal_penalty", today - timedelta(days=31))
    redirected_to(r)
    page = staff.page("/hubei/institution/roster").get_data(as_text=True)
    assert "after the 30 days the law gives" in page  # the flash says it is late
    cancel = applications_of(demo, walked.doctor_id)[-1]
    assert cancel.cancel_reported_late
    officer = english(officer)
    assert "Reported late (after 30 days)" in officer.page("/hubei/admin/").get_data(as_text=True)
    assert "Reported late: the institution reported more than 30 days" in officer.page(
        f"/hubei/admin/applications/{cancel.id}"
    ).get_data(as_text=True)
    # on the 30th day it is in time
    walked2, tertiary, _ = registered(
        demo, AYI, "hb-tertiary-staff", "湖北省演示第一医院", officer=officer
    )
    with in_tenant(demo, "hubei"):
        db.session.get(Application, walked2.app_id).registered_on = today - timedelta(days=365)
        db.session.commit()
    redirected_to(_report(tertiary, walked2.app_id, "death", today - timedelta(days=30)))
    assert not applications_of(demo, walked2.doctor_id)[-1].cancel_reported_late


def test_I6_bad_input_is_answered_422_with_a_message_and_nothing_is_saved(demo):
    walked, staff, _ = registered(demo)
    staff = english(staff)
    today = local_today()
    url = f"/hubei/institution/roster/{walked.app_id}/cancellation"
    staff.page(url)
    cases = [
        ({"ground": "", "ground_on": today.isoformat(), "note": "x"}, "Choose the ground."),
        ({"ground": "nope", "ground_on": today.isoformat(), "note": "x"}, "Choose the ground."),
        ({"ground": "death", "ground_on": "", "note": "x"}, "Enter the date of the ground."),
        ({"ground": "death", "ground_on": "2026-02-30", "note": "x"}, "date"),
        (
            {"ground": "death", "ground_on": (today + timedelta(days=1)).isoformat(), "note": "x"},
            "This date is in the future.",
        ),
        (
            {"ground": "death", "ground_on": (today - timedelta(days=1)).isoformat(), "note": "x"},
            "This date is before the registration began.",
        ),
        ({"ground": "death", "ground_on": today.isoformat(), "note": ""}, "Explain briefly."),
        ({"ground": "death", "ground_on": today.isoformat(), "note": "长" * 1001}, "1000"),
    ]
    for data, said in cases:
        r = staff.post(url, data)
        assert r.status_code == 422, data
        assert said in r.get_data(as_text=True), (data, said)
    assert len(applications_of(demo, walked.doctor_id)) == 1
    # without the form token: 400
    assert staff.client.post(url, data={"ground": "death"}).status_code == 400


def test_I6_a_second_report_while_one_waits_is_refused(demo):
    walked, staff, officer = registered(demo)
    redirected_to(_report(staff, walked.app_id, "criminal_penalty", local_today()))
    page = staff.page(f"/hubei/institution/roster/{walked.app_id}/cancellation")
    assert "等待卫生健康主管部门审核" in page.get_data(as_text=True)
    r = staff.post(
        f"/hubei/institution/roster/{walked.app_id}/cancellation",
        {"ground": "death", "ground_on": local_today().isoformat(), "note": "x"},
    )
    assert r.status_code == 409
    assert re.search(r"此申请已于 \d{2}:\d{2} 由您报告注销。", r.get_data(as_text=True))
    assert len(applications_of(demo, walked.doctor_id)) == 2
    # the report is the institution's: the commission decides it, never returns it to the doctor
    cancel_id = applications_of(demo, walked.doctor_id)[-1].id
    page = officer.page(f"/hubei/admin/applications/{cancel_id}").get_data(as_text=True)
    assert f"/hubei/admin/applications/{cancel_id}/return" not in page
    assert f"/hubei/admin/applications/{cancel_id}/approve" in page
    r = officer.post(f"/hubei/admin/applications/{cancel_id}/return", {"reason": "x"})
    assert r.status_code == 400
    assert applications_of(demo, walked.doctor_id)[-1].state.value == "confirmed"


def test_I6_T3_another_institution_or_tenant_gets_404(demo):
    walked, staff, _ = registered(demo)
    url = f"/hubei/institution/roster/{walked.app_id}/cancellation"
    other = staff_login(demo, "hb-tertiary-staff")
    assert other.get(url).status_code == 404
    gd = staff_login(demo, "gd-county-staff")
    assert gd.get(f"/guangdong/institution/roster/{walked.app_id}/cancellation").status_code == 404
    assert staff.get("/hubei/institution/roster/999999/cancellation").status_code == 404


def test_A9_own_motion_cancellation_with_ground_date_and_reference(demo):
    walked, staff, _ = registered(demo)
    reg_id, today = walked.app_id, local_today()
    officer = staff_login(demo, "hb-county-officer")
    page = officer.page(f"/hubei/admin/applications/{reg_id}").get_data(as_text=True)
    assert f"/hubei/admin/applications/{reg_id}/cancel" in page
    url = f"/hubei/admin/applications/{reg_id}/cancel"
    officer.page(url)
    for bad in (
        {"ground": "", "ground_on": today.isoformat(), "reference": "R1"},
        {"ground": "death", "ground_on": "", "reference": "R1"},
        {"ground": "death", "ground_on": today.isoformat(), "reference": ""},
        {"ground": "death", "ground_on": today.isoformat(), "reference": "R" * 101},
        {"ground": "death", "ground_on": (today + timedelta(days=3)).isoformat(), "reference": "R"},
    ):
        assert officer.post(url, bad).status_code == 422, bad
    assert len(applications_of(demo, walked.doctor_id)) == 1
    before_doctor = len(messages_to(demo, LI["phone"]))
    r = officer.post(
        url,
        {
            "ground": "certificate_revoked",
            "ground_on": today.isoformat(),
            "reference": "鄂卫罚〔2026〕12号",
            "note": "吊销执业证书",
        },
    )
    assert redirected_to(r).endswith(f"/hubei/admin/applications/{reg_id}")
    reg, cancel = applications_of(demo, walked.doctor_id)
    assert reg.state.value == "cancelled"
    assert (cancel.state.value, cancel.cancel_origin, cancel.cancel_reference) == (
        "approved",
        "commission",
        "鄂卫罚〔2026〕12号",
    )
    assert audit_actions(demo, reg_id)[-1] == "cancelled"
    assert audit_actions(demo, cancel.id) == ["cancel_own_motion"]
    shown = officer.page(f"/hubei/admin/applications/{cancel.id}").get_data(as_text=True)
    assert "卫生健康主管部门依职权注销" in shown and "鄂卫罚〔2026〕12号" in shown
    to_doctor = messages_to(demo, LI["phone"])[before_doctor:]
    assert len(to_doctor) == 1 and "鄂卫罚〔2026〕12号" in to_doctor[0]
    to_staff = messages_to(demo, "hb-county-staff@example.invalid")
    assert any("李明华" in m and "鄂卫罚〔2026〕12号" in m for m in to_staff), to_staff
    # done once: the form is gone, a second post is told what happened (409)
    again = officer.post(url, {"ground": "death", "ground_on": today.isoformat(), "reference": "X"})
    assert again.status_code == 409
    assert "依职权注销" in again.get_data(as_text=True) or "注销" in again.get_data(as_text=True)


def test_A9_own_motion_on_death_tells_the_institution_only(demo):
    walked, _staff, officer = registered(demo)
    before = len(messages_to(demo, LI["phone"])), len(messages_to(demo, LI["email"]))
    url = f"/hubei/admin/applications/{walked.app_id}/cancel"
    officer.page(url)
    redirected_to(
        officer.post(
            url,
            {
                "ground": "death",
                "ground_on": local_today().isoformat(),
                "reference": "死亡证明 001",
            },
        )
    )
    assert (len(messages_to(demo, LI["phone"])), len(messages_to(demo, LI["email"]))) == before
    assert any("死亡证明 001" in m for m in messages_to(demo, "hb-county-staff@example.invalid"))


def test_A9_own_motion_outside_the_region_or_tenant_is_404(demo):
    walked, _, _ = registered(demo, AYI, "hb-tertiary-staff", "湖北省演示第一医院")  # 武昌区
    url = f"/hubei/admin/applications/{walked.app_id}/cancel"
    assert staff_login(demo, "hb-county-officer").get(url).status_code == 404  # 远安县
    gd = staff_login(demo, "gd-officer")
    assert gd.get(f"/guangdong/admin/applications/{walked.app_id}/cancel").status_code == 404


def test_A9_own_motion_while_a_report_waits_points_to_it(demo):
    walked, staff, officer = registered(demo)
    redirected_to(_report(staff, walked.app_id, "death", local_today()))
    cancel = applications_of(demo, walked.doctor_id)[-1]
    page = officer.page(f"/hubei/admin/applications/{walked.app_id}/cancel").get_data(as_text=True)
    assert (
        f"/hubei/admin/applications/{cancel.id}" in page
        and '<form method="post" action="/hubei/admin/applications'
        not in page.split("own-motion")[1]
    )
    r = officer.post(
        f"/hubei/admin/applications/{walked.app_id}/cancel",
        {"ground": "death", "ground_on": local_today().isoformat(), "reference": "R"},
    )
    assert r.status_code == 409
    assert applications_of(demo, walked.doctor_id)[0].state.value == "approved"


def test_L8_V1_the_public_check_shows_cancelled_with_its_date(demo):
    walked, _, officer = registered(demo)
    number = certificate_of(demo, walked.app_id)
    public = walked.browser.client
    assert "已注销" not in public.get(f"/hubei/verify?no={number}").get_data(as_text=True)
    url = f"/hubei/admin/applications/{walked.app_id}/cancel"
    officer.page(url)
    redirected_to(
        officer.post(
            url,
            {
                "ground": "criminal_penalty",
                "ground_on": local_today().isoformat(),
                "reference": "R",
            },
        )
    )
    page = public.get(f"/hubei/verify?no={number}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    today = local_today()
    assert "已注销" in text
    assert f"注销日期：{today.year}年{today.month}月{today.day}日" in text


def test_D20_no_reminder_and_no_sms_to_a_dead_doctor(demo):
    walked, staff, officer = registered(demo)
    registered(demo, AYI, "hb-tertiary-staff", "湖北省演示第一医院", officer=officer)
    redirected_to(_report(staff, walked.app_id, "death", local_today()))  # reported, not decided
    with in_tenant(demo, "hubei"):
        until = db.session.get(Application, walked.app_id).valid_until
    dead_before = len(messages_to(demo, LI["phone"])) + len(messages_to(demo, LI["email"]))
    alive_before = len(messages_to(demo, AYI["phone"]))
    result = demo.test_cli_runner().invoke(
        args=["notify", "remind", "--today", (until - timedelta(days=30)).isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert len(messages_to(demo, AYI["phone"])) == alive_before + 1  # the living are reminded
    assert len(messages_to(demo, LI["phone"])) + len(messages_to(demo, LI["email"])) == dead_before


# ---- L3/A9: the written decision not to register ----------------------------------------------


def _refused(app):
    staff = staff_login(app, "hb-county-staff")
    walked = walk_doctor(app, "hubei", LI, until="confirmed", staff=staff, institution="远安")
    officer = staff_login(app, "hb-county-officer")
    officer.page(f"/hubei/admin/applications/{walked.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{walked.app_id}/refuse",
            {"ground": "criminal_or_ban", "explanation": "2025年刑满释放未满二年"},
        )
    )
    return walked, staff


def test_L3_the_refusal_notice_for_the_doctor_and_the_institution(demo):
    walked, staff = _refused(demo)
    doctor = walked.browser
    listing = doctor.page("/hubei/me/applications").get_data(as_text=True)
    url = f"/hubei/me/applications/{walked.app_id}/refusal-notice"
    assert url in listing
    page = doctor.page(url)
    text = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert len(page.get_data()) < 14_000  # P-budget of a doctor's page (tests/test_budgets.py)
    for words in (
        "不予注册决定书",
        "李明华",
        LI["id_number"],  # the doctor's own copy: in full
        "2025年刑满释放未满二年",
        "远安县卫生健康委员会",
        "行政复议",
        "行政诉讼",
        "重新申请注册",
        'media="print"',  # print CSS
    ):
        assert words in text, words
    inst_list = staff.page("/hubei/institution/refusals").get_data(as_text=True)
    inst_url = f"/hubei/institution/applications/{walked.app_id}/refusal-notice"
    assert inst_url in inst_list
    inst = staff.page(inst_url).get_data(as_text=True)
    assert "不予注册决定书" in inst and LI["id_number"] not in inst and "420***********1236" in inst
    assert "2025年刑满释放未满二年" in inst


def test_L3_no_refusal_notice_for_others_or_for_what_is_not_refused(demo):
    walked, staff = _refused(demo)
    registered_doctor, reg_staff, _ = registered(
        demo, AYI, "hb-tertiary-staff", "湖北省演示第一医院"
    )
    assert (
        registered_doctor.browser.get(
            f"/hubei/me/applications/{walked.app_id}/refusal-notice"
        ).status_code
        == 404
    )  # another doctor's
    assert (
        registered_doctor.browser.get(
            f"/hubei/me/applications/{registered_doctor.app_id}/refusal-notice"
        ).status_code
        == 404
    )  # approved, not refused
    assert (
        reg_staff.get(
            f"/hubei/institution/applications/{registered_doctor.app_id}/refusal-notice"
        ).status_code
        == 404
    )
    # another institution's
    assert (
        reg_staff.get(f"/hubei/institution/applications/{walked.app_id}/refusal-notice").status_code
        == 404
    )
    gd = staff_login(demo, "gd-county-staff")
    assert (
        gd.get(f"/guangdong/institution/applications/{walked.app_id}/refusal-notice").status_code
        == 404
    )


def test_I6_A4_a_report_without_ground_is_dismissed_and_the_registration_stays(demo):
    walked, staff, officer = registered(demo)
    redirected_to(_report(staff, walked.app_id, "suspended_two_years", local_today()))
    cancel_id = applications_of(demo, walked.doctor_id)[-1].id
    url = f"/hubei/admin/applications/{cancel_id}"
    page = officer.page(url).get_data(as_text=True)
    assert f"{url}/dismiss" in page and f"{url}/refuse" not in page  # no L3 refusal of a report
    assert officer.post(f"{url}/refuse", {"ground": "other", "explanation": "x"}).status_code == 400
    r = officer.post(f"{url}/dismiss", {"reason": ""})
    assert r.status_code == 422 and "请填写理由" in r.get_data(as_text=True)
    redirected_to(officer.post(f"{url}/dismiss", {"reason": "该医师仍在岗执业，报告有误"}))
    reg, cancel = applications_of(demo, walked.doctor_id)
    assert (reg.state.value, cancel.state.value) == ("approved", "refused")
    assert audit_actions(demo, cancel.id)[-1] == "dismiss"
    assert "报告有误" in messages_to(demo, LI["phone"])[-1]
    assert any("报告有误" in m for m in messages_to(demo, "hb-county-staff@example.invalid"))
    # no written decision not to register for it (it is no refusal to register, L3)
    assert (
        walked.browser.get(f"/hubei/me/applications/{cancel_id}/refusal-notice").status_code == 404
    )
    # the institution may report again later
    staff.page(f"/hubei/institution/roster/{walked.app_id}/cancellation")
    assert "报告卫生健康主管部门" in staff.page(
        f"/hubei/institution/roster/{walked.app_id}/cancellation"
    ).get_data(as_text=True)


def test_I6_A9_a_doctor_s_own_request_at_the_institution(demo):
    """The doctor applied for cancellation and the institution has not confirmed it yet: the
    institution confirms that request instead of reporting; the commission may still cancel on
    its own motion (its ground does not wait for the institution)."""
    walked, staff, officer = registered(demo)
    doctor = walked.browser
    doctor.page("/hubei/me/cancellation")
    redirected_to(
        doctor.post("/hubei/me/cancellation", {"cancel_ground": "other", "cancel_note": "转行"})
    )
    url = f"/hubei/institution/roster/{walked.app_id}/cancellation"
    page = staff.page(url).get_data(as_text=True)
    assert "请在本机构的审核队列中确认" in page and "/hubei/institution/approvals" in page
    r = staff.post(url, {"ground": "death", "ground_on": local_today().isoformat(), "note": "x"})
    assert r.status_code == 409 and "请在本机构的审核队列中确认" in r.get_data(as_text=True)
    assert len(applications_of(demo, walked.doctor_id)) == 2
    cancel = f"/hubei/admin/applications/{walked.app_id}/cancel"
    officer.page(cancel)
    redirected_to(
        officer.post(
            cancel,
            {
                "ground": "criminal_penalty",
                "ground_on": local_today().isoformat(),
                "reference": "R",
            },
        )
    )
    assert applications_of(demo, walked.doctor_id)[0].state.value == "cancelled"


def test_I6_the_doctor_sees_the_report_on_the_home_page(demo):
    walked, staff, _ = registered(demo)
    redirected_to(_report(staff, walked.app_id, "certificate_revoked", local_today()))
    home = walked.browser.page("/hubei/me")
    text = home.get_data(as_text=True)
    assert home.status_code == 200
    assert "已报告你的注册的注销事由" in text and "吊销" in text
    assert (
        "/print" not in text
    )  # nothing to print for the commission: it is the institution's report
