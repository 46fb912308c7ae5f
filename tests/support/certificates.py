"""Registered doctors for the signed e-certificate's tests (V2): an approved registration put in
the database directly, its doctor logged in, and the two addresses the certificate page gives
(the signed certificate's check, the presentation code's check)."""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from datetime import date

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.columns import local_today, utcnow
from portal.extensions import db
from portal.registry.institutions import Institution
from portal.registry.records import Category, Level
from portal.rules.registration import valid_until
from portal.workflow.models import Application, State
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to
from tests.support.journey import ALL_MATERIALS

PASSWORD = "Secret-123"
HB_NO = "114205250000001"
GD_NO = "134402320000001"

#: the demo doctors of each tenant this module registers (the demo institution by its whole
#: name: a server shared with tests/browser/test_provisioning.py has another one of 远安县)
DOCTORS = {
    "hubei": (
        "liminghua",
        "李明华",
        "420525198803121236",
        "13800138001",
        "远安县人民医院（演示）",
        HB_NO,
    ),
    "guangdong": (
        "chenzq",
        "陈志强",
        "440104198709254569",
        "13800138002",
        "乳源瑶族自治县人民医院（演示）",
        GD_NO,
    ),
}


@dataclass
class Registered:
    tenant: str
    username: str
    certificate_no: str
    app_id: int


def register(app, tenant: str, **other) -> Registered:
    """The tenant's demo doctor, approved today (Beijing) at the demo institution; ``other``
    replaces ``username``, ``name``, ``id_number``, ``phone`` or ``number`` (a server shared
    with other tests already has the first ones)."""
    username, name, id_number, phone, institution, number = DOCTORS[tenant]
    username = other.get("username", username)
    name = other.get("name", name)
    id_number = other.get("id_number", id_number)
    phone = other.get("phone", phone)
    number = other.get("number", number)
    with in_tenant(app, tenant):
        inst = db.session.execute(
            db.select(Institution).filter(Institution.name.contains(institution))
        ).scalar_one()
        now, today = utcnow(), local_today()
        doctor = User(
            username=username,
            password_hash=hash_password(PASSWORD),
            role=Role.DOCTOR,
            real_name=name,
            id_number=id_number,
            phone=phone,
            email=f"{username}@example.com",
            phone_verified_at=now,
            identity_verified=True,
            institution_id=inst.id,
            institution_named_at=now,
            activated_at=now,
        )
        db.session.add(doctor)
        db.session.flush()
        application = Application(
            doctor_id=doctor.id,
            state=State.APPROVED,
            institution_id=inst.id,
            level=Level.PRACTITIONER,
            category=Category.CLINICAL,
            scopes=["internal"],
            contract_start=date(2024, 1, 1),
            contract_end=date(2030, 1, 1),
            home_address="演示省演示县演示街 1 号",
            work_experience="无",
            rewards_punishments="无",
            submitted_at=now,
            confirmed_at=now,
            decided_at=now,
            materials_received=ALL_MATERIALS,
            certificate_no=number,
            registered_on=today,
            valid_until=valid_until(today, 2),
        )
        db.session.add(application)
        db.session.commit()
        return Registered(tenant, username, number, application.id)


def log_in(app, doctor: Registered, lang: str = "zh_CN") -> Browser:
    client = app.test_client()
    client.set_cookie("lang", lang)
    b = Browser(client)
    b.page(f"/{doctor.tenant}/login")
    redirected_to(
        b.post(f"/{doctor.tenant}/login", {"username": doctor.username, "password": PASSWORD})
    )
    return b


def _link(page: str, param: str) -> str:
    match = re.search(rf'href="(http[^"]*/verify\?{param}=[^"]+)"', page)
    assert match, f"no ?{param}= link on the certificate page"
    return html.unescape(match.group(1))


def certificate_links(b: Browser, tenant: str) -> tuple[str, str]:
    """The signed certificate's address and the presentation code's, as the page shows them."""
    page = b.page(f"/{tenant}/me/certificate").get_data(as_text=True)
    return _link(page, "t"), _link(page, "p")


def path_of(url: str) -> str:
    """The path and query of an absolute address (the test client asks by path)."""
    return re.sub(r"^https?://[^/]+", "", url)


def token_of(url: str) -> str:
    return url.rsplit("=", 1)[1]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def with_claims(token: str, **changes) -> str:
    """The token with its payload changed and the signature kept (an altered certificate)."""
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims.update(changes)
    altered = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    return f"{header}.{b64(altered)}.{signature}"
