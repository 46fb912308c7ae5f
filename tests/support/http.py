"""The test client as a person's browser: it reads the CSRF token off the last page as a form
would, follows the portal's redirects (303; for htmx the next page itself and HX-Push-Url), logs in with a password
and an authenticator code (SEC3)."""

from __future__ import annotations

import re
import time

import pyotp

from devdata.demo import DEMO_PASSWORD, demo_totp_secret

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Browser:
    """A test client that reads the CSRF token off the last page, as a browser form would."""

    def __init__(self, client, htmx: bool = False):
        self.client = client
        self.htmx = htmx
        self.token = None

    def _headers(self, extra=None):
        headers = {"HX-Request": "true"} if self.htmx else {}
        headers.update(extra or {})
        return headers

    def get(self, url, **kw):
        response = self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)
        self._remember(response)
        return response

    def page(self, url):
        """A full page (never a partial), as when typing the address."""
        response = self.client.get(url)
        self._remember(response)
        return response

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        if self.token is None:
            raise AssertionError("no CSRF token: open a page first")
        data.setdefault("csrf_token", self.token)
        response = self.client.post(
            url, data=data, headers=self._headers(kw.pop("headers", None)), **kw
        )
        self._remember(response)
        return response

    def _remember(self, response):
        match = CSRF.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)


def totp_now(secret: str, offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset)


def redirected_to(response) -> str:
    """Where the server sent the user: a 303 for a plain post; for htmx, the next page in the
    same answer (200) with its address in HX-Push-Url (issue 16), or (when it could not be
    rendered there) 204 and HX-Redirect."""
    if response.status_code == 200 and "HX-Push-Url" in response.headers:
        return response.headers["HX-Push-Url"]
    if response.status_code == 204:
        return response.headers["HX-Redirect"]
    errors = re.findall(r'class="err"[^>]*>([^<]*)', response.get_data(as_text=True))
    assert response.status_code in (302, 303), (response.status_code, errors)
    return response.headers["Location"]


def landed(b: Browser, response):
    """The page the user sees after ``response``: with htmx it came in the answer itself
    (issue 16; a message flashed by the post is shown there, once), else the browser loads it."""
    if response.status_code == 200 and "HX-Push-Url" in response.headers:
        return response
    return b.page(redirected_to(response))


def tenant_of(username: str) -> str:
    return "guangdong" if username.startswith("gd-") else "hubei"


def english(b: Browser, tenant: str = "hubei") -> Browser:
    """The user chooses English with the language switch: their pages are in English (checked
    against the msgids, whatever the catalogues say), and so are the messages sent to them once
    logged in (the switch keeps the choice on the account)."""
    b.page(f"/{tenant}/lang/en?next=/{tenant}/")
    return b


def staff_login(app, username: str, htmx: bool = False, tenant: str | None = None) -> Browser:
    """Password, then TOTP (SEC3), for a demo staff or officer account."""
    tenant = tenant or tenant_of(username)
    b = Browser(app.test_client(), htmx=htmx)
    b.page(f"/{tenant}/login")
    r = b.post(f"/{tenant}/login", {"username": username, "password": DEMO_PASSWORD})
    assert f"/{tenant}/login/totp" in redirected_to(r)
    b.page(f"/{tenant}/login/totp")
    secret = demo_totp_secret(username)
    r = b.post(f"/{tenant}/login/totp", {"code": totp_now(secret)})
    if (
        r.status_code == 422
    ):  # this time step was already used by an earlier log-in: take the next one
        r = b.post(f"/{tenant}/login/totp", {"code": totp_now(secret, 30)})
    redirected_to(r)
    return b
