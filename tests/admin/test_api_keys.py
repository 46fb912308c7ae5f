"""API keys for the FHIR interface (V3, A8, T3) through HTTP: the administrator issues one (shown
once, stored as a digest, audited), it works in its own tenant only, by either header, with its
own limit above the anonymous one; revoked or wrong, it is refused with a 401
OperationOutcome."""

from __future__ import annotations

import hashlib
import re

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from portal.accounts.api_keys import ApiKey
from portal.extensions import db, limiter
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.registrations import LI_NO, add_li

pytestmark = pytest.mark.usefixtures("beijing_noon")

HB_NO = LI_NO
SEARCH = f"/hubei/fhir/Practitioner?identifier={HB_NO}"
KEY = re.compile(r"<code>(vk_[A-Za-z0-9_\-]{40,})</code>")


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def li(demo):
    return add_li(demo)


def issue(admin, tenant: str, name: str) -> str:
    admin.page(f"/{tenant}/admin/api-keys")
    r = admin.post(f"/{tenant}/admin/api-keys", {"name": name})
    assert r.status_code == 201
    page = r.get_data(as_text=True)
    assert "no-store" in r.headers["Cache-Control"]
    return KEY.search(page).group(1)


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def rows(app, tenant: str) -> list[ApiKey]:
    with in_tenant(app, tenant):
        out = db.session.execute(db.select(ApiKey).order_by(ApiKey.id)).scalars().all()
        db.session.expunge_all()
        return out


def unauthorised(r) -> None:
    assert r.status_code == 401 and r.mimetype == "application/fhir+json"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    outcome = OperationOutcome.model_validate_json(r.get_data(as_text=True))
    assert outcome.issue[0].code == "login"


def test_issued_once_stored_as_digest_listed_and_audited(demo, li):
    admin = staff_login(demo, "hb-admin")
    key = issue(admin, "hubei", "湖北省演示第一医院 医务处")
    [row] = rows(demo, "hubei")
    assert row.name == "湖北省演示第一医院 医务处" and row.revoked_at is None
    assert row.digest == hashlib.sha256(key.encode()).hexdigest() and key not in row.digest
    assert key.startswith(row.shown) and len(row.shown) < 12
    listing = admin.page("/hubei/admin/api-keys").get_data(as_text=True)
    assert key not in listing and row.shown in listing and "湖北省演示第一医院 医务处" in listing
    assert "从未使用" in listing  # never used yet
    with in_tenant(demo, "hubei"):
        audit = db.session.execute(db.select(AuditLog).filter_by(entity="api_key")).scalar_one()
        assert audit.action == "issue" and key not in str(audit.after)
    # the key works by either header, and its last use is listed
    client = demo.test_client()
    for headers in (bearer(key), {"X-API-Key": key}):
        r = client.get(SEARCH, headers=headers)
        assert r.status_code == 200
        assert Bundle.model_validate_json(r.get_data(as_text=True)).total == 1
    assert rows(demo, "hubei")[0].last_used_at is not None
    assert "从未使用" not in admin.page("/hubei/admin/api-keys").get_data(as_text=True)


def test_a_hubei_key_is_refused_in_guangdong(demo, li):
    key = issue(staff_login(demo, "hb-admin"), "hubei", "平台甲")
    client = demo.test_client()
    unauthorised(client.get("/guangdong/fhir/Practitioner?identifier=1", headers=bearer(key)))
    unauthorised(client.get("/guangdong/fhir/metadata", headers={"X-API-Key": key}))
    assert rows(demo, "hubei")[0].last_used_at is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer vk_wrong"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "vk_" + "A" * 43},
        {"X-API-Key": ""},
    ],
)
def test_wrong_keys_are_401(demo, li, headers):
    unauthorised(demo.test_client().get(SEARCH, headers=headers))


def test_revoked_key_is_401_and_the_revocation_audited(demo, li):
    admin = staff_login(demo, "hb-admin")
    key = issue(admin, "hubei", "平台乙")
    [row] = rows(demo, "hubei")
    assert demo.test_client().get(SEARCH, headers=bearer(key)).status_code == 200
    admin.page("/hubei/admin/api-keys")
    redirected_to(admin.post(f"/hubei/admin/api-keys/{row.id}/revoke"))
    unauthorised(demo.test_client().get(SEARCH, headers=bearer(key)))
    assert rows(demo, "hubei")[0].revoked_at is not None
    assert "已撤销" in admin.page("/hubei/admin/api-keys").get_data(as_text=True)
    # revoked twice: the second is told it was done (A9), nothing changes
    admin.page("/hubei/admin/api-keys")
    assert admin.post(f"/hubei/admin/api-keys/{row.id}/revoke").status_code == 409
    with in_tenant(demo, "hubei"):
        actions = db.session.execute(
            db.select(AuditLog.action).filter_by(entity="api_key").order_by(AuditLog.id)
        ).scalars()
        assert list(actions) == ["issue", "revoke"]


def test_each_key_has_its_own_higher_limit(demo, li, monkeypatch):
    monkeypatch.setitem(demo.config, "VERIFY_RATE_LIMIT", "1 per 10 minutes")
    monkeypatch.setitem(demo.config, "FHIR_KEY_RATE_LIMIT", "3 per 10 minutes")
    admin = staff_login(demo, "hb-admin")
    first, second = issue(admin, "hubei", "平台甲"), issue(admin, "hubei", "平台乙")
    client = demo.test_client()
    assert client.get(SEARCH).status_code == 200
    assert client.get(SEARCH).status_code == 429  # anonymous: the public check's limit
    for _ in range(3):
        assert client.get(SEARCH, headers=bearer(first)).status_code == 200
    over = client.get(SEARCH, headers=bearer(first))
    assert over.status_code == 429 and over.mimetype == "application/fhir+json"
    assert int(over.headers["Retry-After"]) > 0
    # the other key, from the same address, still has its own
    assert client.get(SEARCH, headers={"X-API-Key": second}).status_code == 200


def test_only_the_administrator_manages_keys(demo):
    officer = staff_login(demo, "hb-officer")
    assert officer.page("/hubei/admin/api-keys").status_code == 404  # as every admin-only page
    assert "/hubei/admin/api-keys" not in officer.page("/hubei/admin/").get_data(as_text=True)
    admin = staff_login(demo, "hb-admin")
    admin.page("/hubei/admin/api-keys")
    r = admin.post("/hubei/admin/api-keys", {"name": ""})
    assert r.status_code == 422 and rows(demo, "hubei") == []
    assert admin.post("/hubei/admin/api-keys", {"name": "x" * 101}).status_code == 422


def test_another_tenants_key_cannot_be_revoked(demo):
    key = issue(staff_login(demo, "hb-admin"), "hubei", "平台甲")
    [row] = rows(demo, "hubei")
    gd = staff_login(demo, "gd-admin")
    gd.page("/guangdong/admin/api-keys")
    assert gd.post(f"/guangdong/admin/api-keys/{row.id}/revoke").status_code == 404
    assert demo.test_client().get("/hubei/fhir/metadata", headers=bearer(key)).status_code == 200


def test_guessing_keys_is_limited_like_anonymous_lookups(demo, li, monkeypatch):
    monkeypatch.setitem(demo.config, "VERIFY_RATE_LIMIT", "2 per 10 minutes")
    client = demo.test_client()
    for _ in range(2):
        unauthorised(client.get(SEARCH, headers=bearer("vk_guess")))
    r = client.get(SEARCH, headers=bearer("vk_guess"))
    assert r.status_code == 429 and r.mimetype == "application/fhir+json"
