"""TOTP secrets encrypted at rest (SEC3, issue 5): what the database holds is a Fernet token
under TOTP_ENCRYPTION_KEYS, never the secret; log-in decrypts it; the wrong keys refuse the
log-in with a clear 503 (no session, no 500); `flask totp rotate-key` moves every secret to a
new key, after which the old key can go; migration 0016 encrypts secrets stored in clear and
its downgrade decrypts them."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from config import DEV_TOTP_ENCRYPTION_KEY
from devdata.demo import DEMO_PASSWORD, demo_totp_secret
from portal import create_app
from portal.extensions import db
from tests.support.db import owner_connection
from tests.support.http import Browser, redirected_to, staff_login, totp_now
from tests.support.provisioning import credentials, first_log_in, log_in_with_totp, provision

BASE32 = re.compile(
    r"[A-Z2-7]{32}"
)  # a secret as pyotp makes them (32 characters); a shorter run can occur in any token by chance
DEMO_STAFF = (
    "hb-county-staff",
    "hb-tertiary-staff",
    "hb-officer",
    "hb-city-officer",
    "hb-county-officer",
    "hb-admin",
)


def stored(app, username: str) -> str | None:
    """The column as the database holds it (raw SQL: no model, no tenant filter)."""
    with app.app_context(), owner_connection(app) as conn:
        return conn.execute(
            text("SELECT totp_secret FROM user_account WHERE username = :u"), {"u": username}
        ).scalar_one()


def whole_row(app, username: str) -> str:
    with app.app_context(), owner_connection(app) as conn:
        row = conn.execute(
            text("SELECT * FROM user_account WHERE username = :u"), {"u": username}
        ).one()
    return " ".join(str(v) for v in row)


@contextmanager
def same_database(app, keys: list[str]):
    """Another app process's view of the suite's database, with other TOTP keys."""
    other = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "DEV_OUTBOX": True,
            "TOTP_ENCRYPTION_KEYS": keys,
        },
    )
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()


def totp_step(app, username: str, secret: str, tenant: str = "hubei", htmx: bool = False):
    """Password, then the current code: (browser, answer to the code)."""
    b = Browser(app.test_client(), htmx=htmx)
    b.client.set_cookie("lang", "en")
    b.page(f"/{tenant}/login")
    assert f"/{tenant}/login/totp" in redirected_to(
        b.post(f"/{tenant}/login", {"username": username, "password": DEMO_PASSWORD})
    )
    b.page(f"/{tenant}/login/totp")
    r = b.post(f"/{tenant}/login/totp", {"code": totp_now(secret)})
    if r.status_code == 422:  # this time step was used by an earlier log-in: the next one
        r = b.post(f"/{tenant}/login/totp", {"code": totp_now(secret, 30)})
    return b, r


def test_an_enrolled_secret_is_stored_encrypted_and_logs_in(demo, caplog):
    caplog.set_level(logging.DEBUG)
    provision(demo, staff_login(demo, "hb-officer"))
    username, password = credentials(demo, "13700137001")
    _b, secret = first_log_in(demo, username, password)  # the secret as the enrolment page shows it

    value = stored(demo, username)
    assert value and secret not in whole_row(demo, username)
    assert not BASE32.search(value), "a base32 run in the column"
    assert value.startswith("gAAAAA")  # a Fernet token, which the key opens to the secret shown
    assert Fernet(DEV_TOTP_ENCRYPTION_KEY).decrypt(value.encode()).decode() == secret
    _b, where = log_in_with_totp(demo, username, secret)
    assert where.endswith("/hubei/institution/")
    assert secret not in caplog.text and value not in caplog.text  # never logged


def test_demo_secrets_are_stored_encrypted_too(demo):
    """`flask demo load` encrypts as well: the README's secrets are not in the database."""
    for username in DEMO_STAFF:
        assert demo_totp_secret(username) not in whole_row(demo, username)
        assert not BASE32.search(stored(demo, username))
    runner = demo.test_cli_runner()
    result = runner.invoke(args=["dev", "totp", "hb-officer"])
    assert result.exit_code == 0 and result.output.strip() in {
        totp_now(demo_totp_secret("hb-officer"), d) for d in (-30, 0, 30)
    }


def test_the_same_token_twice_differs(demo):
    """Fernet uses a fresh IV: two accounts with the same secret do not show it by equal tokens."""
    with demo.app_context():
        from portal.accounts.totp_keys import encrypt

        assert encrypt("JBSWY3DPEHPK3PXP") != encrypt("JBSWY3DPEHPK3PXP")


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_with_the_wrong_key_the_log_in_is_refused_clearly(demo, htmx, caplog):
    """The keys of this server do not open the secret (an old key dropped too early): the code
    step answers 503 with a message in the user's language, no session starts, the log names
    the setting to check (not the secret)."""
    wrong = Fernet.generate_key().decode()
    with same_database(demo, [wrong]) as other:
        b, r = totp_step(other, "hb-county-staff", demo_totp_secret("hb-county-staff"), htmx=htmx)
        assert r.status_code == 503
        if htmx:  # htmx swaps no 5xx answer: the page is loaded again and shows the message
            page = b.page(r.headers["HX-Redirect"]).get_data(as_text=True)
        else:
            page = r.get_data(as_text=True)
        assert "cannot be checked at the moment" in page
        assert "/hubei/login" in redirected_to(b.client.get("/hubei/institution/activations"))
        assert "TOTP_ENCRYPTION_KEYS" in caplog.text
        assert demo_totp_secret("hb-county-staff") not in caplog.text and wrong not in caplog.text
    # with the right key the same account logs in (nothing was changed by the refusal)
    staff_login(demo, "hb-county-staff")


def test_rotating_the_key_end_to_end(demo):
    """docs/operations.md: a new key in front of the old one, `flask totp rotate-key`, then the
    old key dropped: every account still logs in, and the old key alone opens nothing."""
    old, new = DEV_TOTP_ENCRYPTION_KEY, Fernet.generate_key().decode()
    before = {u: stored(demo, u) for u in DEMO_STAFF}

    with same_database(demo, [new, old]) as both:
        # during the deploy both keys open everything (the officer logs in); what is enrolled
        # now is encrypted with the new key
        provision(both, staff_login(both, "hb-officer"))
        newcomer, password = credentials(both, "13700137001")
        _b, secret = first_log_in(both, newcomer, password)
        assert Fernet(new).decrypt(stored(demo, newcomer).encode()).decode() == secret
        result = both.test_cli_runner().invoke(args=["totp", "rotate-key"])
        assert result.exit_code == 0, result.output
        assert (
            "re-encrypted 12 TOTP secret(s)" in result.output and "1 already were" in result.output
        )
        again = both.test_cli_runner().invoke(args=["totp", "rotate-key"])
        assert "re-encrypted 0 TOTP secret(s)" in again.output and "13 already were" in again.output

    after = {u: stored(demo, u) for u in DEMO_STAFF}
    for username in DEMO_STAFF:
        assert after[username] != before[username]
        assert Fernet(new).decrypt(after[username].encode()).decode() == demo_totp_secret(username)

    with same_database(demo, [new]) as only_new:
        for name in ("hb-county-staff", "hb-admin"):
            _b, r = totp_step(only_new, name, demo_totp_secret(name))
            assert r.status_code == 303, r.status_code
        _b, where = log_in_with_totp(only_new, newcomer, secret)
        assert where.endswith("/hubei/institution/")
    with same_database(demo, [old]) as only_old:
        _b, r = totp_step(only_old, "hb-tertiary-staff", demo_totp_secret("hb-tertiary-staff"))
        assert r.status_code == 503


def test_rotation_names_the_secrets_no_key_opens(demo):
    """A secret under a key that is not configured any more: the others are rotated, the
    command fails and names the account (id only), so the operator keeps that key or enrols it
    again."""
    stranger = Fernet(Fernet.generate_key())
    with demo.app_context(), owner_connection(demo) as conn:
        conn.execute(
            text("UPDATE user_account SET totp_secret = :t WHERE username = 'hb-admin'"),
            {"t": stranger.encrypt(b"JBSWY3DPEHPK3PXP").decode()},
        )
        admin_id = conn.execute(
            text("SELECT id FROM user_account WHERE username = 'hb-admin' ORDER BY id LIMIT 1")
        ).scalar_one()
    new = Fernet.generate_key().decode()
    with same_database(demo, [new, DEV_TOTP_ENCRYPTION_KEY]) as both:
        result = both.test_cli_runner().invoke(args=["totp", "rotate-key"])
    assert result.exit_code == 1
    assert "re-encrypted 11 TOTP secret(s)" in result.output
    assert f"user ids {admin_id}" in result.output and new not in result.output
