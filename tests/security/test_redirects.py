"""Issue 14: no open redirect. Every page that sends the browser back to a return address
taken from the request (the language switches, the log-in and its TOTP step) answers a path of
this site, under the tenant where one is given, whatever the address: as the browser would read
it (tabs and newlines dropped, a backslash as a slash, ``//`` as another host), encoded or not.
None of them answers a 500 (an input reaching a header)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from devdata.demo import DEMO_PASSWORD
from tests.support import figures
from tests.support.http import Browser

HOSTILE = [
    "//evil.com",
    "/%09/evil.com",
    "/\t/evil.com",
    "/%0a/x",
    "/%0d%0aSet-Cookie:%20a=b",
    "/\\evil.com",
    "/%5cevil.com",
    "/%2f/evil.com",
    "/%2F%2Fevil.com",
    "https://evil.com/hubei/",
    "javascript:alert(1)",
    "/hubei/../guangdong/",
    "/hubei/%2e%2e/guangdong/",
    "/hubei/%0a/x",
    "/hubei//evil.com",
    "/ /evil.com",
    "/" + "a" * 600,
]


def _location_is_ours(r, prefix: str) -> str:
    assert r.status_code in (302, 303), r.status_code
    where = r.headers["Location"]
    assert where.startswith(prefix), where
    assert not where.startswith("//") and "\\" not in where, where
    assert all(ord(ch) > 0x20 and ord(ch) != 0x7F for ch in where), repr(where)
    return where


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switches_go_back_only_to_this_site(demo, target):
    client = demo.test_client()
    r = client.get(f"/lang/en?next={quote(target, safe='/%:')}")
    assert _location_is_ours(r, "/") == "/"
    r = client.get(f"/hubei/lang/en?next={quote(target, safe='/%:')}")
    assert _location_is_ours(r, "/hubei/") == "/hubei/"
    figures.add("hostile return addresses sent back to this site", 2)


@pytest.mark.parametrize("target", HOSTILE)
def test_the_log_in_goes_on_only_to_a_page_of_its_tenant(demo, target):
    b = Browser(demo.test_client())
    b.page("/hubei/login")
    r = b.post(
        f"/hubei/login?next={quote(target, safe='/%:')}",
        {"username": "hb-county-staff", "password": DEMO_PASSWORD},
    )
    where = _location_is_ours(r, "/hubei/login/totp")
    assert "evil" not in where and "guangdong" not in where


def test_a_page_of_the_site_is_still_where_the_switch_returns(demo):
    """The check is not a blanket refusal: a real page comes back, query string and all."""
    client = demo.test_client()
    r = client.get("/hubei/lang/en?next=" + quote("/hubei/verify?no=123", safe="/"))
    assert r.headers["Location"] == "/hubei/verify?no=123"
    r = client.get("/lang/zh_CN?next=/hubei/")
    assert r.headers["Location"] == "/hubei/"
