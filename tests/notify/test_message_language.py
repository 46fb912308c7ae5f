"""Every message (SMS, e-mail) is written in the language of the person who receives it: the UI
language they last chose (Chinese by default), not that of the person whose action sent it."""

from __future__ import annotations

from datetime import date, timedelta

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.notify.models import OutboxMessage
from tests.support.db import in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, doctor_form, last_activation_code, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


def _to(app, recipient: str) -> list[str]:
    with in_tenant(app, "hubei"):
        return list(
            db.session.execute(
                db.select(OutboxMessage.body)
                .where(OutboxMessage.recipient == recipient)
                .order_by(OutboxMessage.id)
            ).scalars()
        )


def _english(b):
    b.client.set_cookie("lang", "en")
    return b


def _locale(app, username: str) -> str:
    with in_tenant(app, "hubei"):
        return db.session.execute(db.select(User.locale).filter_by(username=username)).scalar_one()


def test_the_language_chosen_before_log_in_is_kept_at_log_in(demo):
    walked = walk_doctor(demo, "hubei", LI, until="verified")
    assert _locale(demo, "liminghua") == "zh_CN"  # Chinese by default
    b = walked.browser
    b.page("/hubei/me")
    b.post("/hubei/logout")
    b.page("/lang/en?next=/hubei/login")  # chosen on the log-in page, before logging in
    b.page("/hubei/login")
    redirected_to(b.post("/hubei/login", {"username": "liminghua", "password": LI["password"]}))
    assert _locale(demo, "liminghua") == "en"


def test_an_officer_in_english_tells_a_chinese_doctor_in_chinese(demo):
    staff = _english(staff_login(demo, "hb-county-staff"))  # the institution works in English
    walked = walk_doctor(demo, "hubei", LI, until="confirmed", staff=staff, institution="远安")
    assert (
        "确认了您的执业注册申请" in _to(demo, LI["phone"])[-1]
        or "确认" in _to(demo, LI["phone"])[-1]
    )
    assert "confirmed your registration application" not in _to(demo, LI["phone"])[-1]
    officer = _english(staff_login(demo, "hb-officer"))
    url = f"/hubei/admin/applications/{walked.app_id}"
    officer.page(url)
    redirected_to(officer.post(url + "/approve", {"materials": ALL_MATERIALS}))
    approved = _to(demo, LI["phone"])[-1]
    assert "您的执业注册已获批准" in approved and "approved" not in approved
    # the officer's own page stays in English
    assert "Approved. Certificate number" in officer.page(url).get_data(as_text=True)


def test_a_doctor_who_chose_english_is_told_in_english_by_a_chinese_institution(demo):
    staff = staff_login(demo, "hb-county-staff")  # Chinese, the default
    walked = walk_doctor(demo, "hubei", LI, until="submitted", staff=staff, institution="远安")
    r = walked.browser.page("/hubei/lang/en?next=/hubei/me")  # the doctor switches to English
    assert redirected_to(r).endswith("/hubei/me")
    with in_tenant(demo, "hubei"):
        assert db.session.get(User, walked.doctor_id).locale == "en"
    staff.page("/hubei/institution/approvals")
    redirected_to(
        staff.post(
            f"/hubei/institution/approvals/{walked.app_id}/reject", {"reason": "合同期限有误"}
        )
    )
    returned = _to(demo, LI["phone"])[-1]
    assert "returned your registration application" in returned and "合同期限有误" in returned
    # ... and back to Chinese, from the link on the page
    page = walked.browser.page("/hubei/me").get_data(as_text=True)
    assert 'href="/hubei/lang/zh_CN?next=/hubei/me"' in page
    walked.browser.page("/hubei/lang/zh_CN?next=/hubei/me")
    with in_tenant(demo, "hubei"):
        assert db.session.get(User, walked.doctor_id).locale == "zh_CN"


def test_an_activation_code_from_english_staff_reaches_a_chinese_doctor_in_chinese(demo):
    staff = _english(staff_login(demo, "hb-county-staff"))
    walked = walk_doctor(demo, "hubei", LI, until="named", staff=staff, institution="远安")
    staff.page("/hubei/institution/activations")
    staff.post(f"/hubei/institution/activations/{walked.doctor_id}/send", {"channel": "sms"})
    body = _to(demo, LI["phone"])[-1]
    assert "激活码" in body and "activation code" not in body
    assert last_activation_code(demo, LI["phone"])


def test_reminders_are_written_in_each_doctors_language(demo):
    """D20 from the command line (no request, no UI language): each doctor's own."""
    from portal.columns import utcnow
    from portal.registry.institutions import Institution
    from portal.workflow.models import Application, State

    today = date(2026, 5, 10)
    ids = {}
    with in_tenant(demo, "hubei"):
        inst = db.session.execute(db.select(Institution).order_by(Institution.id)).scalars().first()
        for name, phone, locale in (
            ("zhong", "13900000001", "zh_CN"),
            ("ying", "13900000002", "en"),
        ):
            user = User(
                username=name,
                password_hash="-",
                role=Role.DOCTOR,
                real_name="李明华",
                phone=phone,
                email=f"{name}@example.com",
                phone_verified_at=utcnow(),
                identity_verified=True,
                institution_id=inst.id,
                activated_at=utcnow(),
                locale=locale,
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                Application(
                    doctor_id=user.id,
                    state=State.APPROVED,
                    institution_id=inst.id,
                    level="practitioner",
                    category="clinical",
                    scopes=["internal"],
                    registered_on=today - timedelta(days=700),
                    valid_until=today + timedelta(days=30),
                    certificate_no=f"11420525000000{len(ids)}",
                )
            )
            ids[name] = phone
        db.session.commit()
    result = demo.test_cli_runner().invoke(args=["notify", "remind", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    zh, en = _to(demo, ids["zhong"])[-1], _to(demo, ids["ying"])[-1]
    assert "有效期至" in zh or "有效" in zh
    assert "is valid until June 9, 2026" in en, en
