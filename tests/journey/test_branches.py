"""The spine's other branches: automatic activation (D4, I3), rejection with a reason the
doctor sees (D15, I4), email instead of SMS (D3), TOTP replay (SEC3), the operator commands."""

from __future__ import annotations

import re

from devdata.demo import DEMO_PASSWORD, demo_totp_secret
from portal.accounts.models import User
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.registry.institutions import Institution
from portal.tenants.models import Tenant
from portal.workflow.models import Application
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to, staff_login, totp_now
from tests.support.journey import SPINE_DOCTOR as DOCTOR
from tests.support.journey import fill_wizard


def signed_up_and_verified(app, doctor=DOCTOR, channel="sms") -> Browser:
    b = Browser(app.test_client())
    b.page("/hubei/signup")
    redirected_to(b.post("/hubei/signup", doctor))
    suffix = "?channel=email" if channel == "email" else ""
    b.page("/hubei/me/verify" + suffix)
    assert b.post("/hubei/me/verify/send", {"channel": channel}).status_code == 200
    to = doctor["email"] if channel == "email" else doctor["phone"]
    with in_tenant(app, "hubei"):
        body = (
            db.session.execute(
                db.select(OutboxMessage.body)
                .filter_by(recipient=to)
                .order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
    code = re.search(r"(\d{6})", body).group(1)
    b.page("/hubei/me/verify" + suffix)
    redirected_to(b.post("/hubei/me/verify/check", {"channel": channel, "code": code}))
    return b


def institution_id(app, fragment: str) -> int:
    with in_tenant(app, "hubei"):
        return db.session.execute(
            db.select(Institution.id).where(Institution.name.contains(fragment))
        ).scalar_one()


def test_email_instead_of_sms(demo):
    """D3: "didn't get a text?" → verify the email address instead."""
    fresh = Browser(demo.test_client())
    fresh.page("/hubei/signup")
    redirected_to(fresh.post("/hubei/signup", {**DOCTOR, "username": "other-doctor"}))
    assert "/hubei/me/verify?channel=email" in fresh.page("/hubei/me/verify").get_data(as_text=True)
    b = signed_up_and_verified(
        demo,
        doctor={
            **DOCTOR,
            "id_number": "420106199205142348",
            "real_name": "王芳",
            "username": "wangfang",
            "email": "wf@example.com",
        },
        channel="email",
    )
    with in_tenant(demo, "hubei"):
        user = db.session.execute(db.select(User).filter_by(username="wangfang")).scalar_one()
        assert user.email_verified_at is not None and user.phone_verified_at is None
    assert "/hubei/me/activate" in b.page("/hubei/me").get_data(as_text=True)


def test_automatic_activation(demo):
    """D4/I3: with automatic activation on, naming the institution activates the account."""
    staff = staff_login(demo, "hb-tertiary-staff", htmx=False)
    staff.page("/hubei/institution/activations")
    redirected_to(staff.post("/hubei/institution/activations/auto", {"enabled": "y"}))
    doc = signed_up_and_verified(demo)
    doc.page("/hubei/me/activate")
    r = doc.post(
        "/hubei/me/activate/institution", {"institution_id": str(institution_id(demo, "第一医院"))}
    )
    assert redirected_to(r).endswith("/hubei/me")
    with in_tenant(demo, "hubei"):
        user = db.session.execute(
            db.select(User).filter_by(username=DOCTOR["username"])
        ).scalar_one()
        assert user.activated_at is not None
    assert "/hubei/me/application" in doc.page("/hubei/me").get_data(as_text=True)


def test_switching_automatic_activation_on_activates_those_waiting(demo):
    doc = signed_up_and_verified(demo)
    doc.page("/hubei/me/activate")
    redirected_to(
        doc.post(
            "/hubei/me/activate/institution",
            {"institution_id": str(institution_id(demo, "第一医院"))},
        )
    )
    staff = staff_login(demo, "hb-tertiary-staff", htmx=False)
    assert "李明华" in staff.page("/hubei/institution/activations").get_data(as_text=True)
    redirected_to(staff.post("/hubei/institution/activations/auto", {"enabled": "y"}))
    # the doctor only refreshes the page (S3)
    assert "/hubei/me/application" in doc.page("/hubei/me").get_data(as_text=True)


def submitted_application(app) -> tuple[Browser, int]:
    staff = staff_login(app, "hb-county-staff", htmx=False)
    staff.page("/hubei/institution/activations")
    redirected_to(staff.post("/hubei/institution/activations/auto", {"enabled": "y"}))
    doc = signed_up_and_verified(app)
    doc.page("/hubei/me/activate")
    county = institution_id(app, "远安")
    redirected_to(doc.post("/hubei/me/activate/institution", {"institution_id": str(county)}))
    fill_wizard(
        doc,
        "hubei",
        scopes=("general_practice",),
        address="湖北省远安县演示街 2 号",
        history=("无", "无"),
        contract=("2026-01-01", "2028-12-31"),
    )
    doc.page("/hubei/me/application/review")
    redirected_to(doc.post("/hubei/me/application/review", {}))
    with in_tenant(app, "hubei"):
        return doc, db.session.execute(db.select(Application.id)).scalar_one()


def test_reject_needs_a_reason_the_doctor_sees(demo):
    doc, app_id = submitted_application(demo)
    staff = staff_login(demo, "hb-county-staff", htmx=True)
    staff.page("/hubei/institution/approvals")
    r = staff.post(f"/hubei/institution/approvals/{app_id}/reject", {"reason": "  "})
    assert r.status_code == 422 and "<html" not in r.get_data(as_text=True)
    r = staff.post(
        f"/hubei/institution/approvals/{app_id}/reject", {"reason": "合同日期与劳动合同不符"}
    )
    assert r.status_code == 200
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert "合同日期与劳动合同不符" in home
    # the doctor corrects and submits again; the contract dates given are kept (D14)
    assert redirected_to(doc.page("/hubei/me/application")).endswith("/hubei/me/application/review")
    form = doc.page("/hubei/me/application/practice").get_data(as_text=True)
    assert "2028-12-31" in form
    redirected_to(
        doc.post(
            "/hubei/me/application/practice",
            {
                "scopes": ["general_practice"],
                "contract_start": "2026-01-01",
                "contract_end": "2027-12-31",
            },
        )
    )
    doc.page("/hubei/me/application/review")
    redirected_to(doc.post("/hubei/me/application/review", {}))
    with in_tenant(demo, "hubei"):
        application = db.session.get(Application, app_id)
        assert application.state.value == "submitted" and application.reject_reason == ""
        bodies = (
            db.session.execute(db.select(OutboxMessage.body).filter_by(recipient=DOCTOR["phone"]))
            .scalars()
            .all()
        )
        assert any("合同日期与劳动合同不符" in b for b in bodies)


def test_totp_step_is_accepted_once(demo):
    """SEC3: the same time step replayed is refused."""
    secret = demo_totp_secret("hb-officer")
    code = totp_now(secret)
    first = Browser(demo.test_client())
    first.page("/hubei/login")
    redirected_to(first.post("/hubei/login", {"username": "hb-officer", "password": DEMO_PASSWORD}))
    first.page("/hubei/login/totp")
    assert redirected_to(first.post("/hubei/login/totp", {"code": code})).endswith("/hubei/admin/")
    second = Browser(demo.test_client())
    second.page("/hubei/login")
    redirected_to(
        second.post("/hubei/login", {"username": "hb-officer", "password": DEMO_PASSWORD})
    )
    second.page("/hubei/login/totp")
    r = second.post("/hubei/login/totp", {"code": code})
    assert r.status_code == 422
    assert second.page("/hubei/admin/").status_code in (302, 303)


def test_staff_needs_totp_before_any_page(demo):
    b = Browser(demo.test_client())
    b.page("/hubei/login")
    redirected_to(
        b.post("/hubei/login", {"username": "hb-county-staff", "password": DEMO_PASSWORD})
    )
    r = b.page("/hubei/institution/approvals")
    assert r.status_code in (302, 303) and "/hubei/login" in r.headers["Location"]


def test_wrong_password_is_refused_without_saying_which(demo):
    b = Browser(demo.test_client())
    b.page("/hubei/login")
    wrong_pw = b.post("/hubei/login", {"username": "hb-officer", "password": "nope-nope-1"})
    no_user = b.post("/hubei/login", {"username": "nobody-here", "password": "nope-nope-1"})
    assert wrong_pw.status_code == no_user.status_code == 422
    msg = "The user name or password is wrong."
    zh = "用户名或密码错误"
    assert all(
        msg in r.get_data(as_text=True) or zh in r.get_data(as_text=True)
        for r in (wrong_pw, no_user)
    )


def test_cli_tenants_create_notify_and_dev_totp(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "create", "sichuan", "四川省"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["tenants", "create", "sichuan", "四川省"]).exit_code != 0
    assert runner.invoke(args=["tenants", "create", "Bad Slug", "x"]).exit_code != 0
    assert (
        runner.invoke(args=["tenants", "create", "static", "x"]).exit_code != 0
    )  # would shadow a route
    with app.app_context():
        assert (
            db.session.execute(db.select(Tenant).filter_by(slug="sichuan")).scalar_one().name
            == "四川省"
        )
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "420525198803121236" in result.output
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # idempotent
    with in_tenant(app, "hubei"):
        # two staff, officers of the province, a city and a county (A1), the province administrator (A6)
        assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 6
    assert "hb-county-officer" in result.output and "远安县卫生健康委员会" in result.output
    result = runner.invoke(args=["dev", "totp", "hb-officer"])
    assert result.exit_code == 0 and re.fullmatch(r"\d{6}\n", result.output)


def test_worker_delivers_the_outbox(demo):
    signed_up_and_verified(demo)
    runner = demo.test_cli_runner()
    assert runner.invoke(args=["notify", "work", "--once"]).exit_code == 0
    with in_tenant(demo, "hubei"):
        pending = (
            db.session.execute(db.select(OutboxMessage).filter_by(sent_at=None)).scalars().all()
        )
        assert pending == []
    result = runner.invoke(args=["notify", "outbox"])
    assert DOCTOR["phone"] in result.output and "sent" in result.output


def test_healthz(app):
    r = app.test_client().get("/healthz")
    assert r.status_code == 200 and r.get_data(as_text=True) == "ok"


def test_dev_outbox_only_when_enabled(demo):
    demo.config["DEV_OUTBOX"] = False
    try:
        assert demo.test_client().get("/hubei/dev/outbox").status_code == 404
    finally:
        demo.config["DEV_OUTBOX"] = True


def test_pages_with_id_numbers_are_not_cached(demo):
    """SEC5: a refused sign-up echoes the ID number typed in; it must not stay in a cache."""
    b = Browser(demo.test_client())
    b.page("/hubei/signup")
    r = b.post("/hubei/signup", {**DOCTOR, "real_name": "Li Minghua"})
    assert r.status_code == 422 and DOCTOR["id_number"] in r.get_data(as_text=True)
    assert r.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in r.headers["Vary"]


def test_no_attribute_renders_as_none(demo):
    """P7: aria-invalid="None" or aria-describedby="None" is invalid ARIA."""
    b = Browser(demo.test_client())
    for url in ("/hubei/signup", "/hubei/login"):
        assert '="None"' not in b.page(url).get_data(as_text=True), url
    r = b.post("/hubei/signup", {**DOCTOR, "real_name": "Li"})
    assert r.status_code == 422 and '="None"' not in r.get_data(as_text=True)


def test_credential_posts_are_rate_limited_per_address(demo):
    """Guessing passwords from one address is slowed down (SEC2 holds per account on top)."""
    demo.config["CREDENTIAL_RATE_LIMIT"] = "3 per minute"
    try:
        b = Browser(demo.test_client())
        b.page("/hubei/login")
        answers = [
            b.post(
                "/hubei/login", {"username": "hb-officer", "password": f"wrong-{i}x"}
            ).status_code
            for i in range(4)
        ]
        assert answers == [422, 422, 422, 429]
        r = b.client.post(
            "/hubei/login",
            data={"username": "x", "password": "y", "csrf_token": b.token},
            headers={"HX-Request": "true"},
        )
        assert (
            r.status_code == 429
            and r.headers["HX-Retarget"] == "#main"
            and "<html" not in r.get_data(as_text=True)
        )
        assert int(r.headers["Retry-After"]) > 0
    finally:
        demo.config["CREDENTIAL_RATE_LIMIT"] = "100000 per minute"
