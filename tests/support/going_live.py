"""Steps of docs/going-live.md as an operator and the people it sets up take them: the
operator's commands through Flask's CliRunner, everything else through HTTP (T5)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.support.http import Browser, redirected_to, totp_now

SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
LINK = re.compile(r"https?://\S+/setup/\S+")
#: the first password in an account SMS (three groups of four)
PASSWORD = re.compile(
    r"(?<![A-Za-z0-9-])([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})(?![A-Za-z0-9-])"
)
OWN_PASSWORD = "Own-pass-2026"


def cli(app, *args: str, ok: bool = True):
    result = app.test_cli_runner().invoke(args=list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def setup_link_path(output: str) -> str:
    """The path of the one-time set-up link a command printed."""
    return urlsplit(LINK.search(output).group(0)).path


def choose_password_and_enrol(b: Browser, tenant: str, home: str) -> str:
    """The first log-in's steps (I1): a password of one's own, then the authenticator app.
    Returns the TOTP secret read off the page."""
    b.page(f"/{tenant}/first-login/password")
    r = b.post(
        f"/{tenant}/first-login/password",
        {"password": OWN_PASSWORD, "password_again": OWN_PASSWORD},
    )
    assert redirected_to(r).endswith(f"/{tenant}/first-login/authenticator")
    page = b.page(f"/{tenant}/first-login/authenticator").get_data(as_text=True)
    secret = SECRET.search(page).group(1).replace(" ", "")
    r = b.post(f"/{tenant}/first-login/authenticator", {"code": totp_now(secret)})
    assert redirected_to(r).endswith(home), redirected_to(r)
    return secret


def through_setup_link(app, path: str, tenant: str, home: str) -> Browser:
    """The person opens the set-up link, presses Start, and sets up the account."""
    b = Browser(app.test_client())
    page = b.page(path)
    assert page.status_code == 200, page.status_code
    r = b.post(path, {})
    assert redirected_to(r).endswith(f"/{tenant}/first-login/password")
    choose_password_and_enrol(b, tenant, home)
    return b


def first_log_in(app, username: str, password: str, tenant: str, home: str) -> Browser:
    """Log in with the first password from the SMS, then set the account up (I1)."""
    b = Browser(app.test_client())
    b.page(f"/{tenant}/login")
    r = b.post(f"/{tenant}/login", {"username": username, "password": password})
    assert redirected_to(r).endswith(f"/{tenant}/first-login/password")
    choose_password_and_enrol(b, tenant, home)
    return b
