"""Steps shared by the provisioning, first-log-in and staff tests (I1, I2, A1), through HTTP as
a browser would; the database is only read (ids, and what the outbox would have delivered)."""

from __future__ import annotations

import re

from portal.columns import local_today
from portal.extensions import db
from portal.tenants.models import Region
from tests.support.db import in_tenant
from tests.support.http import Browser, english, redirected_to, totp_now
from tests.support.journey import messages_to

#: the user name and the first password in the SMS, whatever the language of the text
#: (jg: an institution's account; wj: an officer's, by region code, wj00 for the province)
USERNAME = re.compile(r"(?<![A-Za-z0-9])((?:jg[0-9]{4}|wj[0-9]{2,6})-[0-9]{2})(?![0-9])")
PASSWORD = re.compile(
    r"(?<![A-Za-z0-9-])([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})(?![A-Za-z0-9-])"
)
SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
NEW_PASSWORD = "Own-pass-2026"


def county_id(app, code: str = "420525", tenant: str = "hubei") -> int:
    with in_tenant(app, tenant):
        return db.session.execute(db.select(Region.id).filter_by(code=code)).scalar_one()


def provision_form(app, **over) -> dict:
    """Every field of the provisioning form, filled in as after a complete on-site check."""
    form = {
        "name": "远安县演示镇卫生院",
        "licence_no": "PDY42052500077",
        "level": "county",
        "county_id": str(county_id(app)),
        "address": "远安县演示镇演示路 5 号",
        "person_in_charge": "赵建华",
        "mobile": "13700137001",
        "licence_seen": "y",
        "power_of_attorney_seen": "y",
        "agent_id_card_seen": "y",
        "checked_by": "陈科员",
        "checked_on": local_today().isoformat(),
    }
    form.update(over)
    return {k: v for k, v in form.items() if v is not None}


def provision(app, officer: Browser, **over) -> dict:
    form = provision_form(app, **over)
    officer.page("/hubei/admin/institutions/new")
    r = officer.post("/hubei/admin/institutions/new", form)
    assert "/hubei/admin/institutions/" in redirected_to(r)
    return form


def credentials(app, mobile: str, tenant: str = "hubei") -> tuple[str, str]:
    """The user name and first password of the latest account SMS to ``mobile``."""
    body = messages_to(app, mobile, tenant)[-1]
    return USERNAME.search(body).group(1), PASSWORD.search(body).group(1)


def log_in(
    app, username: str, password: str, tenant: str = "hubei", htmx: bool = False
) -> tuple[Browser, str]:
    """Password only: returns the browser and where the portal sent it."""
    b = english(Browser(app.test_client(), htmx=htmx))
    b.page(f"/{tenant}/login")
    return b, redirected_to(
        b.post(f"/{tenant}/login", {"username": username, "password": password})
    )


def first_log_in(
    app,
    username: str,
    password: str,
    tenant: str = "hubei",
    htmx: bool = False,
    home: str = "institution/",
) -> tuple[Browser, str]:
    """I1: the first password, a password of one's own, the authenticator enrolled. Returns the
    browser (logged in) and the TOTP secret read off the page."""
    b, where = log_in(app, username, password, tenant, htmx)
    assert where.endswith(f"/{tenant}/first-login/password"), where
    b.page(f"/{tenant}/first-login/password")
    r = b.post(
        f"/{tenant}/first-login/password",
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert redirected_to(r).endswith(f"/{tenant}/first-login/authenticator")
    page = b.page(f"/{tenant}/first-login/authenticator").get_data(as_text=True)
    secret = SECRET.search(page).group(1).replace(" ", "")
    r = b.post(f"/{tenant}/first-login/authenticator", {"code": totp_now(secret)})
    assert redirected_to(r).endswith(f"/{tenant}/{home}")
    return b, secret


def log_in_with_totp(
    app, username: str, secret: str, password: str = NEW_PASSWORD, tenant: str = "hubei"
):
    """Password, then a TOTP code (the next time step when this one was already used)."""
    b, where = log_in(app, username, password, tenant)
    assert f"/{tenant}/login/totp" in where, where
    b.page(f"/{tenant}/login/totp")
    r = b.post(f"/{tenant}/login/totp", {"code": totp_now(secret)})
    if r.status_code == 422:
        r = b.post(f"/{tenant}/login/totp", {"code": totp_now(secret, 30)})
    return b, redirected_to(r)
