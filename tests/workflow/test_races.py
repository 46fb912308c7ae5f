"""Every decision exactly once (A4, A9, SEC7): two people deciding the same item at the same
moment get one outcome; the other gets a 409 saying what was decided, by which office and
when, with the state it is in now. No certificate number, message or audit row of the losing
decision exists. Each race is forced into its worst interleaving (tests/support/race.py):
without the row lock of ``portal.workflow.locks`` each of them fails, every time."""

from __future__ import annotations

import re

import pytest

from portal.columns import local_today
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.registry.records import IdentityCase, PracticeRecord
from portal.tenants.models import Tenant
from portal.workflow.models import Application, AuditLog, ModificationRequest, SiteFiling
from tests.support import figures
from tests.support.db import in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.journey import (
    ALL_MATERIALS,
    doctor_form,
    fill_wizard,
    institution_id,
    sign_up,
    user_id,
    walk_doctor,
)
from tests.support.race import race, twin

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")  # 远安县人民医院
WANG = doctor_form(
    "王方", "420106199205142348", "13800138031", "wangfang"
)  # a typo: no record matched
OK = (200, 204, 303)
HHMM = r"\d{2}:\d{2}"


def _english(b):
    b.client.set_cookie("lang", "en")
    return b


def _audit(app, entity: str, entity_id: int, *actions: str) -> list[str]:
    with in_tenant(app, "hubei"):
        return list(
            db.session.execute(
                db.select(AuditLog.action)
                .where(
                    AuditLog.entity == entity,
                    AuditLog.entity_id == entity_id,
                    AuditLog.action.in_(actions),
                )
                .order_by(AuditLog.id)
            ).scalars()
        )


def _messages(app, recipient: str) -> list[str]:
    with in_tenant(app, "hubei"):
        return list(
            db.session.execute(
                db.select(OutboxMessage.body)
                .where(OutboxMessage.recipient == recipient)
                .order_by(OutboxMessage.id)
            ).scalars()
        )


def _state(app, app_id: int) -> str:
    with in_tenant(app, "hubei"):
        return db.session.get(Application, app_id).state.value


def _last_message_id(app) -> int:
    with in_tenant(app, "hubei"):
        return db.session.execute(
            db.select(db.func.coalesce(db.func.max(OutboxMessage.id), 0))
        ).scalar()


def _note(app, interleaving: str, won: str, loser, since: int) -> None:
    """A row of SECURITY.md's race table: what won, what the other request got, what was queued."""
    queued = _queued(app, since)
    said = (
        re.search(r"<h1>([^<]*)</h1>", loser.get_data(as_text=True)) if loser is not None else None
    )
    other = (
        f"{loser.status_code}: {said.group(1)}"
        if said
        else (str(loser.status_code) if loser else "—")
    )
    figures.race(interleaving, won, re.sub(r"\d{2}:\d{2}", "HH:MM", other), queued)


def _queued(app, since: int) -> str:
    with in_tenant(app, "hubei"):
        channels = list(
            db.session.execute(
                db.select(OutboxMessage.channel).where(OutboxMessage.id > since)
            ).scalars()
        )
    return f"{channels.count('sms')} SMS, {channels.count('email')} e-mail"


def _split(responses) -> tuple:
    """(the winner's response, the loser's): exactly one of each."""
    codes = [r.status_code for r in responses]
    assert sorted(codes, key=lambda c: c == 409) == [c for c in codes if c != 409] + [409], codes
    assert len([c for c in codes if c in OK]) == 1, codes
    winner = next(r for r in responses if r.status_code in OK)
    loser = next(r for r in responses if r.status_code == 409)
    figures.add("decision races forced")
    return winner, loser


def _confirmed(app):
    staff = staff_login(app, "hb-county-staff")
    return walk_doctor(app, "hubei", LI, until="confirmed", staff=staff, institution="远安")


def _two_tabs(app, username: str, url: str, htmx: bool = False, english: bool = False):
    """One user in two browser tabs: the loser is told "by you"."""
    first = staff_login(app, username, htmx=htmx)
    if english:
        _english(first)
    first.page(url)
    return first, twin(first)


def _two_officers(app, url: str, htmx: bool = False, english: bool = False):
    """The province's officer and the county's, each on the application's page: both decide it."""
    tabs = [staff_login(app, name, htmx=htmx) for name in ("hb-officer", "hb-county-officer")]
    for tab in tabs:
        if english:
            _english(tab)
        tab.page(url)
    return tabs


# ---- the commission's decisions (A4) ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain-zh", "htmx-en"])
def test_A9_approve_x_approve_issues_one_number_that_the_public_check_knows(demo, mode):
    htmx, english = mode.startswith("htmx"), mode.endswith("en")
    walked = _confirmed(demo)
    url = f"/hubei/admin/applications/{walked.app_id}"
    a, b = _two_officers(demo, url, htmx=htmx, english=english)
    with in_tenant(demo, "hubei") as tenant:
        serial = db.session.get(Tenant, tenant.id).certificate_serial
    since = _last_message_id(demo)
    _winner, loser = _split(
        race(
            lambda: a.post(url + "/approve", {"materials": ALL_MATERIALS}),
            lambda: b.post(url + "/approve", {"materials": ALL_MATERIALS}),
        )
    )

    assert _audit(demo, "application", walked.app_id, "approve") == ["approve"]
    with in_tenant(demo, "hubei") as tenant:
        assert db.session.get(Tenant, tenant.id).certificate_serial == serial + 1  # one number used
        number = db.session.get(Application, walked.app_id).certificate_no
    told = [
        m for m in _messages(demo, LI["phone"]) if "执业证书编码" in m or "Certificate number" in m
    ]
    assert len(told) == 1 and number in told[0], told  # one SMS, with the number in force
    assert "未查到" not in walked.browser.page(f"/hubei/verify?no={number}").get_data(as_text=True)
    _note(
        demo, f"approve × approve ({mode})", "approved once, one certificate number", loser, since
    )

    page = loser.get_data(as_text=True)
    assert ("<html" in page) is not htmx  # htmx: the message takes the main area (HX-Retarget)
    if english:
        assert re.search(
            rf"This application was approved by the health commission of (湖北省|远安县) at {HHMM}\.",
            page,
        )
        assert "Current status: Approved" in page
    else:
        assert re.search(rf"此申请已于 {HHMM} 由(湖北省|远安县)卫生健康委员会批准。", page)
        assert "当前状态：已批准" in page


@pytest.mark.parametrize(
    "first, second", [("approve", "return"), ("approve", "refuse"), ("return", "refuse")]
)
def test_A9_two_different_decisions_one_outcome(demo, first, second):
    walked = _confirmed(demo)
    url = f"/hubei/admin/applications/{walked.app_id}"
    a, b = _two_officers(demo, url, english=True)
    data = {
        "approve": {"materials": ALL_MATERIALS},
        "return": {"reason": "户籍地址与身份证不一致"},
        "refuse": {"ground": "civil_capacity", "explanation": ""},
    }
    since = _last_message_id(demo)
    responses = race(
        lambda: a.post(f"{url}/{first}", data[first]),
        lambda: b.post(f"{url}/{second}", data[second]),
    )
    winner, loser = _split(responses)
    won = first if responses[0] is winner else second
    _note(demo, f"{first} × {second}", f"{won} only", loser, since)
    assert _audit(demo, "application", walked.app_id, "approve", "return", "refuse") == [won]
    assert (
        _state(demo, walked.app_id)
        == {"approve": "approved", "return": "returned", "refuse": "refused"}[won]
    )
    told = {"approve": "获批准", "return": "退回", "refuse": "不予注册"}  # the doctor reads Chinese
    to_doctor = " ".join(_messages(demo, LI["email"]))
    assert [k for k, word in told.items() if word in to_doctor] == [won], to_doctor
    done = {
        "approve": "approved",
        "return": "returned for correction",
        "refuse": "refused registration",
    }[won]
    assert re.search(
        rf"This application was {done} by the health commission of (湖北省|远安县) at {HHMM}\.",
        loser.get_data(as_text=True),
    )


# ---- the institution's decisions (I4) ------------------------------------------------------------


def test_A9_confirm_x_reject_by_two_staff_tabs(demo):
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", LI, until="submitted", staff=staff, institution="远安")
    queue = "/hubei/institution/approvals"
    a, b = _two_tabs(demo, "hb-county-staff", queue)
    since = _last_message_id(demo)
    responses = race(
        lambda: a.post(f"{queue}/{walked.app_id}/confirm"),
        lambda: b.post(f"{queue}/{walked.app_id}/reject", {"reason": "合同期限有误"}),
    )
    winner, loser = _split(responses)
    won = "confirm" if responses[0] is winner else "reject"
    said = re.search(r"此申请已于[^<]*", loser.get_data(as_text=True))
    figures.race(
        "confirm × reject (institution)",
        f"{won} only",
        f"409: {re.sub(r'[0-9]{2}:[0-9]{2}', 'HH:MM', said.group(0)) if said else ''}",
        _queued(demo, since),
    )
    assert _audit(demo, "application", walked.app_id, "confirm", "reject") == [won]
    assert _state(demo, walked.app_id) == {"confirm": "confirmed", "reject": "rejected"}[won]
    verb = {"confirm": "确认", "reject": "退回"}[won]
    page = loser.get_data(as_text=True)
    assert re.search(rf"此申请已于 {HHMM} 由您{verb}。", page), page[-3000:]
    assert "<html" in page  # a plain post: the queue page itself, with the 409


# ---- the doctor's account (D4) and application (D7) --------------------------------------------


def test_A9_code_activation_x_automatic_activation_activates_once(demo):
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", LI, until="named", staff=staff, institution="远安")
    staff.page("/hubei/institution/activations")
    assert (
        staff.post(
            f"/hubei/institution/activations/{walked.doctor_id}/send", {"channel": "sms"}
        ).status_code
        in OK
    )
    code = re.search(r"[:：]\s*([A-Z2-9]{8,})", _messages(demo, LI["phone"])[-1]).group(1)
    doctor = walked.browser
    doctor.page("/hubei/me/activate")
    tab = twin(staff)
    tab.page("/hubei/institution/activations")
    since = _last_message_id(demo)
    responses = race(
        lambda: doctor.post("/hubei/me/activate/code", {"code": code}),
        lambda: tab.post("/hubei/institution/activations/auto", {"enabled": "y"}),
        actions=("activate",),
    )
    assert _audit(demo, "user", walked.doctor_id, "activate") == ["activate"]
    figures.add("decision races forced")
    if responses[0].status_code == 409:  # the switch came first: the doctor is told so
        assert re.search(
            rf"此账号已于 {HHMM} 由远安县人民医院（演示）激活。",
            responses[0].get_data(as_text=True),
        )
    else:
        assert redirected_to(responses[0]).endswith("/hubei/me")
    assert responses[1].status_code in OK
    _note(
        demo,
        "activation by code × automatic activation",
        "activated once",
        responses[0] if responses[0].status_code == 409 else None,
        since,
    )


def test_A9_two_submits_from_two_tabs_submit_once(demo):
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", LI, until="activated", staff=staff, institution="远安")
    fill_wizard(walked.browser, "hubei")
    review = "/hubei/me/application/review"
    walked.browser.page(review)
    tab = twin(walked.browser)
    since = _last_message_id(demo)
    _winner, loser = _split(
        race(lambda: walked.browser.post(review, {}), lambda: tab.post(review, {}))
    )
    with in_tenant(demo, "hubei"):
        app_id = db.session.execute(
            db.select(Application.id).filter_by(doctor_id=walked.doctor_id)
        ).scalar_one()
    assert _audit(demo, "application", app_id, "submit") == ["submit"]
    assert sum("submitted" in m or "已提交" in m for m in _messages(demo, LI["phone"])) == 1
    assert re.search(rf"此申请已于 {HHMM} 由您提交。", loser.get_data(as_text=True))
    _note(demo, "submit × submit (two tabs)", "submitted once", loser, since)


# ---- requests on a registration (D17, D19) -------------------------------------------------------


def _registered(app):
    walked = _confirmed(app)
    officer = staff_login(app, "hb-officer")
    officer.page(f"/hubei/admin/applications/{walked.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    return walked


def _last_id(app, model) -> int:
    with in_tenant(app, "hubei"):
        return db.session.execute(
            db.select(model.id).order_by(model.id.desc()).limit(1)
        ).scalar_one()


def test_A9_two_decisions_of_one_modification(demo):
    walked = _registered(demo)
    doctor = walked.browser
    with in_tenant(demo, "hubei"):
        contract_end = db.session.get(Application, walked.app_id).contract_end
    doctor.page("/hubei/me/maintenance")
    r = doctor.post(
        "/hubei/me/maintenance",
        {
            "home_address": "湖北省远安县鸣凤镇新街 8 号",
            "work_experience": "2012-2024 演示医院 内科",
            "rewards_punishments": "无",
            "contract_end": contract_end.isoformat(),
        },
    )
    assert r.status_code in OK, r.status_code
    req_id = _last_id(demo, ModificationRequest)
    a, b = _two_tabs(demo, "hb-county-staff", "/hubei/institution/approvals", htmx=True)
    base = f"/hubei/institution/modifications/{req_id}"
    since = _last_message_id(demo)
    responses = race(
        lambda: a.post(base + "/approve"), lambda: b.post(base + "/reject", {"reason": "地址有误"})
    )
    winner, loser = _split(responses)
    won = "approve" if responses[0] is winner else "reject"
    assert _audit(demo, "modification", req_id, "approve", "reject") == [won]
    figures.race(
        "modification: approve × reject",
        f"{won} only",
        "409 (htmx: the item says why)",
        _queued(demo, since),
    )
    verb = {"approve": "批准", "reject": "退回"}[won]
    assert re.search(rf"此信息修改申请已于 {HHMM} 由您{verb}。", loser.get_data(as_text=True))


def test_A9_two_decisions_of_one_site_filing(demo):
    walked = _registered(demo)
    doctor = walked.browser
    doctor.page("/hubei/me/sites")
    r = doctor.post(
        "/hubei/me/sites",
        {"institution_id": str(institution_id(demo, "hubei", "湖北省演示第一医院"))},
    )
    assert r.status_code in OK, r.status_code
    filing_id = _last_id(demo, SiteFiling)
    a, b = _two_tabs(demo, "hb-tertiary-staff", "/hubei/institution/approvals")
    base = f"/hubei/institution/filings/{filing_id}"
    since = _last_message_id(demo)
    responses = race(
        lambda: a.post(base + "/confirm"),
        lambda: b.post(base + "/reject", {"reason": "不在本院执业"}),
    )
    winner, loser = _split(responses)
    won = "confirm" if responses[0] is winner else "reject"
    assert _audit(demo, "site_filing", filing_id, "confirm", "reject") == [won]
    figures.race(
        "site filing: confirm × reject",
        f"{won} only",
        "409 (the queue says why)",
        _queued(demo, since),
    )
    verb = {"confirm": "确认", "reject": "退回"}[won]
    assert re.search(rf"此多机构备案已于 {HHMM} 由您{verb}。", loser.get_data(as_text=True))


# ---- identity cases (A3) --------------------------------------------------------------------------


def test_A9_identity_case_link_x_close(demo):
    sign_up(demo, "hubei", WANG)
    case_id = _last_id(demo, IdentityCase)
    url = f"/hubei/admin/identity-cases/{case_id}"
    a, b = _two_tabs(demo, "hb-officer", url)
    since = _last_message_id(demo)
    responses = race(
        lambda: a.post(url + "/link", {"certificate_no": "H2017420000002"}),
        lambda: b.post(url + "/close", {"reason": "材料不符"}),
    )
    winner, loser = _split(responses)
    won = "link" if responses[0] is winner else "close"
    assert _audit(demo, "identity_case", case_id, "link", "close") == [won]
    verb = {"link": "关联资格记录", "close": "关闭"}[won]
    assert re.search(rf"此身份核查已于 {HHMM} 由您{verb}。", loser.get_data(as_text=True))
    assert "当前状态：已关闭" in loser.get_data(as_text=True)
    _note(demo, "identity case: link × close", f"{won} only", loser, since)


def test_A9_a_doctor_withdrawing_a_filing_rejected_meanwhile_is_told_by_whom(demo):
    """Not a race, a stale page: the site rejected the filing after the doctor's page loaded."""
    walked = _registered(demo)
    doctor = walked.browser
    doctor.page("/hubei/me/sites")
    doctor.post(
        "/hubei/me/sites",
        {"institution_id": str(institution_id(demo, "hubei", "湖北省演示第一医院"))},
    )
    filing_id = _last_id(demo, SiteFiling)
    doctor.page("/hubei/me/sites")
    site = staff_login(demo, "hb-tertiary-staff")
    site.page("/hubei/institution/approvals")
    site.post(f"/hubei/institution/filings/{filing_id}/reject", {"reason": "不在本院执业"})
    r = doctor.post(f"/hubei/me/sites/{filing_id}/withdraw")
    assert r.status_code == 409
    assert re.search(
        rf"此多机构备案已于 {HHMM} 由湖北省演示第一医院退回。", r.get_data(as_text=True)
    )
    assert _audit(demo, "site_filing", filing_id, "withdraw") == []


# ---- officer accounts (A1, issue 12) -----------------------------------------------------------


def test_A9_two_disables_of_one_officer_disable_once(demo):
    """The administrator and the province's officer disable the county officer at once: one
    audit row; the other is told it is already disabled, by whom and when."""
    officer_id = user_id(demo, "hubei", "hb-county-officer")
    url = f"/hubei/admin/officers/{officer_id}"
    tabs = [_english(staff_login(demo, name)) for name in ("hb-admin", "hb-officer")]
    for tab in tabs:
        tab.page(url)
    winner, loser = _split(race(*(lambda t=t: t.post(f"{url}/disable") for t in tabs)))
    assert _audit(demo, "user", officer_id, "disable") == ["disable"]
    page = loser.get_data(as_text=True)
    assert "This account is already disabled." in page
    assert re.search(
        rf"This account was deactivated by the health commission of 湖北省 at {HHMM}\.", page
    ), page[-3000:]


def test_A9_D5_activation_x_correction_of_the_record_never_registers_at_the_wrong_one(demo):
    """A pre-portal doctor (刘建国, on record at 远安县人民医院) enters the hospital's code while
    an officer moves the record to the provincial hospital: either the registration is taken
    over at 远安 and the correction is refused (409: it is a change of registration now), or the
    correction comes first and nothing is taken over at 远安 (an identity case says why)."""
    liu = doctor_form("刘建国", "420525198005063211", "13800138091", "liujianguo")
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", liu, until="named", staff=staff, institution="远安")
    staff.page("/hubei/institution/activations")
    assert (
        staff.post(
            f"/hubei/institution/activations/{walked.doctor_id}/send", {"channel": "sms"}
        ).status_code
        in OK
    )
    code = re.search(r"[:：]\s*([A-Z2-9]{8,})", _messages(demo, liu["phone"])[-1]).group(1)
    with in_tenant(demo, "hubei"):
        record_id = db.session.execute(
            db.select(PracticeRecord.id).filter_by(certificate_no="110420525000123")
        ).scalar_one()
    officer = staff_login(demo, "hb-officer")
    officer.page(f"/hubei/admin/practice-records/{record_id}")
    doctor = walked.browser
    doctor.page("/hubei/me/activate")
    responses = race(
        lambda: doctor.post("/hubei/me/activate/code", {"code": code}),
        lambda: officer.post(
            f"/hubei/admin/practice-records/{record_id}/institution",
            {"institution": "湖北省演示第一医院", "reason": "纸质证书"},
        ),
        actions=("take_over_practice_record", "set_institution"),
    )
    figures.add("decision races forced")
    with in_tenant(demo, "hubei"):
        record = db.session.get(PracticeRecord, record_id)
        taken = db.session.execute(
            db.select(Application).filter_by(certificate_no="110420525000123")
        ).scalar_one_or_none()
        if taken is not None:  # the take-over won: at the record's institution, still 远安
            assert taken.institution_id == record.institution_id == walked.institution_id
            assert responses[1].status_code == 409
        else:  # the correction won: nothing registered at 远安; the commission has a case
            assert record.institution_id != walked.institution_id
            assert responses[1].status_code in OK
            assert db.session.execute(
                db.select(IdentityCase).filter_by(user_id=walked.doctor_id)
            ).scalar_one()


# ---- cancellation the doctor did not ask for (L4, I6, A9) ----------------------------------------


def _report_form(ground: str = "criminal_penalty") -> dict:
    return {"ground": ground, "ground_on": local_today().isoformat(), "note": "院内核实"}


def _own_motion_form(reference: str) -> dict:
    return {
        "ground": "certificate_revoked",
        "ground_on": local_today().isoformat(),
        "reference": reference,
    }


def _cancellations(app, reg_id: int) -> list[tuple[str, str]]:
    with in_tenant(app, "hubei"):
        return [
            (a.cancel_origin, a.state.value)
            for a in db.session.execute(
                db.select(Application).filter_by(previous_id=reg_id).order_by(Application.id)
            ).scalars()
        ]


def test_A9_I6_two_reports_of_one_registration_from_two_tabs_report_once(demo):
    walked = _registered(demo)
    url = f"/hubei/institution/roster/{walked.app_id}/cancellation"
    a, b = _two_tabs(demo, "hb-county-staff", url)
    since = _last_message_id(demo)
    _winner, loser = _split(
        race(lambda: a.post(url, _report_form()), lambda: b.post(url, _report_form("other")))
    )
    assert _audit(demo, "application", walked.app_id, "cancellation_reported") == [
        "cancellation_reported"
    ]
    assert _cancellations(demo, walked.app_id) == [("institution", "confirmed")]
    assert sum("注销事由" in m for m in _messages(demo, LI["phone"])) == 1  # told once
    assert re.search(rf"此申请已于 {HHMM} 由您报告注销。", loser.get_data(as_text=True))
    _note(demo, "cancellation report × report (two tabs)", "reported once", loser, since)


def test_A9_two_officers_cancelling_on_their_own_motion_cancel_once(demo):
    walked = _registered(demo)
    url = f"/hubei/admin/applications/{walked.app_id}/cancel"
    a, b = _two_officers(demo, url, english=True)
    since = _last_message_id(demo)
    _winner, loser = _split(
        race(
            lambda: a.post(url, _own_motion_form("A-1")),
            lambda: b.post(url, _own_motion_form("B-2")),
        )
    )
    assert _audit(demo, "application", walked.app_id, "cancelled") == ["cancelled"]
    assert _cancellations(demo, walked.app_id) == [("commission", "approved")]
    assert _state(demo, walked.app_id) == "cancelled"
    assert sum("执业注册" in m and "注销" in m for m in _messages(demo, LI["phone"])) == 1
    assert re.search(
        rf"This application was cancelled by the health commission of (湖北省|远安县) at {HHMM}\.",
        loser.get_data(as_text=True),
    )
    _note(demo, "own-motion cancellation × own-motion", "cancelled once", loser, since)


def test_A9_an_institution_report_racing_an_own_motion_cancellation_one_outcome(demo):
    walked = _registered(demo)
    report_url = f"/hubei/institution/roster/{walked.app_id}/cancellation"
    cancel_url = f"/hubei/admin/applications/{walked.app_id}/cancel"
    staff = _english(staff_login(demo, "hb-county-staff"))
    staff.page(report_url)
    officer = _english(staff_login(demo, "hb-officer"))
    officer.page(cancel_url)
    since = _last_message_id(demo)
    responses = race(
        lambda: staff.post(report_url, _report_form()),
        lambda: officer.post(cancel_url, _own_motion_form("C-3")),
    )
    winner, loser = _split(responses)
    won = "report" if responses[0] is winner else "own motion"
    if won == "report":
        assert _cancellations(demo, walked.app_id) == [("institution", "confirmed")]
        assert _state(demo, walked.app_id) == "approved"
        assert re.search(
            rf"This application was reported for cancellation by 远安县人民医院（演示） at {HHMM}\.",
            loser.get_data(as_text=True),
        )
    else:
        assert _cancellations(demo, walked.app_id) == [("commission", "approved")]
        assert re.search(
            rf"This application was cancelled by the health commission of 湖北省 at {HHMM}\.",
            loser.get_data(as_text=True),
        )
    _note(demo, "cancellation report × own motion", f"{won} only", loser, since)


def test_A9_approving_and_dismissing_one_cancellation_report_one_outcome(demo):
    walked = _registered(demo)
    staff = staff_login(demo, "hb-county-staff")
    report_url = f"/hubei/institution/roster/{walked.app_id}/cancellation"
    staff.page(report_url)
    redirected_to(staff.post(report_url, _report_form()))
    cancel_id = _last_id(demo, Application)
    url = f"/hubei/admin/applications/{cancel_id}"
    a, b = _two_officers(demo, url, english=True)
    since = _last_message_id(demo)
    responses = race(
        lambda: a.post(f"{url}/approve", {}),
        lambda: b.post(f"{url}/dismiss", {"reason": "报告有误"}),
    )
    winner, loser = _split(responses)
    won = "approve" if responses[0] is winner else "dismiss"
    assert _audit(demo, "application", cancel_id, "approve", "dismiss") == [won]
    assert _state(demo, walked.app_id) == {"approve": "cancelled", "dismiss": "approved"}[won]
    done = {"approve": "approved", "dismiss": "decided without cancelling"}[won]
    assert re.search(
        rf"This application was {done} by the health commission of (湖北省|远安县) at {HHMM}\.",
        loser.get_data(as_text=True),
    )
    _note(demo, "cancellation report: approve × dismiss", f"{won} only", loser, since)
