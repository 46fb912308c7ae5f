"""Issue 14: no message takes anything from the request's Host header, which anyone may set.
The origin-bound line of a code's SMS (``@host #code``, D3) names the host the tenant is served
on (its own, else PUBLIC_HOST); and production answers a host it does not serve with a 404,
with or without tenants on their own host names."""

from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.extensions import db
from tests.support.http import Browser
from tests.support.journey import doctor_form, messages_to, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
NEW_PHONE = "13900139002"


def _origin(body: str) -> str:
    return re.search(r"@(\S+) #\d{6}\s*$", body).group(1)


def test_the_phone_code_names_the_portals_host_not_the_requests(demo):
    walked = walk_doctor(demo, "hubei", LI, until="signed_up")
    b = walked.browser
    b.client.environ_base["HTTP_HOST"] = "evil.example"
    b.page("/hubei/me/verify")
    r = b.post("/hubei/me/verify/send", {"channel": "sms"})
    assert r.status_code < 400, r.status_code
    body = messages_to(demo, LI["phone"])[-1]
    assert _origin(body) == demo.config["PUBLIC_HOST"].split(":")[0]
    assert "evil" not in body


def test_a_new_numbers_code_names_the_portals_host_not_the_requests(demo):
    b: Browser = walk_doctor(demo, "hubei", LI, until="verified").browser
    b.client.environ_base["HTTP_HOST"] = "evil.example"
    b.page("/hubei/me/account")
    b.post(
        "/hubei/me/account/contact",
        {"channel": "sms", "phone": NEW_PHONE, "current_password": LI["password"]},
    )
    body = messages_to(demo, NEW_PHONE)[-1]
    assert _origin(body) == demo.config["PUBLIC_HOST"].split(":")[0], body


@pytest.fixture
def production(demo):
    app = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": demo.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "x" * 32,
            "FORCE_HTTPS": False,
            "REFUSE_UNSAFE_SETTINGS": False,
            "PUBLIC_HOST": "portal.example.gov.cn",
        },
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_production_without_tenant_hosts_serves_only_its_own_host(production):
    client = production.test_client()
    r = client.get("/hubei/", base_url="https://evil.example")
    assert r.status_code == 404 and "evil.example" in r.get_data(as_text=True)
    assert client.get("/hubei/", base_url="https://portal.example.gov.cn").status_code == 200
    assert client.get("/healthz", base_url="https://10.0.0.5").status_code == 200


def test_a_production_app_in_the_same_process_leaves_the_others_alone(demo):
    """The security headers' options belong to each app (one Talisman per app): building a
    production app that forces https does not send another app's plain requests to https."""
    app = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": demo.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "x" * 32,
            "REFUSE_UNSAFE_SETTINGS": False,
            "PUBLIC_HOST": "portal.example.gov.cn",
        },
    )
    try:
        assert app.config["FORCE_HTTPS"] is True
        r = app.test_client().get("/hubei/", base_url="http://portal.example.gov.cn")
        assert r.status_code == 302 and r.headers["Location"].startswith("https://")
        assert demo.test_client().get("/hubei/").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()
