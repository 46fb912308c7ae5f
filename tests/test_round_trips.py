"""Issue 16 (P4): one round trip per user action. A post made with htmx that succeeds answers
with the next page itself, its address in ``HX-Push-Url`` and the whole body as the place to
swap it; the same post without JavaScript answers 303 and the browser loads the page. The page
in the answer is the one the browser would have loaded: the session as the post left it (logged
in, a message shown once), no-store when personal."""

from __future__ import annotations

import re

import pytest

from tests.support.cancellation import LI
from tests.support.http import Browser, staff_login
from tests.support.journey import sign_up, walk_doctor

HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def _heading(text: str) -> str:
    return HEADING.search(text).group(1).strip()


def test_htmx_sign_up_answers_with_the_home_page(demo):
    b = Browser(demo.test_client(), htmx=True)
    b.page("/hubei/signup")
    r = b.post("/hubei/signup", LI)
    assert r.status_code == 200
    assert r.headers["HX-Push-Url"] == "/hubei/me"
    assert r.headers["HX-Retarget"] == "body"
    assert r.headers["HX-Reswap"].startswith("innerHTML")
    assert "HX-Redirect" not in r.headers and "Location" not in r.headers
    assert r.headers["Cache-Control"] == "no-store"  # a personal page (SEC5)
    text = r.get_data(as_text=True)
    assert text.startswith("<!doctype html>")  # the whole page: htmx takes its body and title
    assert 'hx-history="false"' in text  # kept out of htmx's history cache (SEC5)
    home = b.page("/hubei/me")  # the session the answer set: logged in, the same page
    assert home.status_code == 200
    assert _heading(text) == _heading(home.get_data(as_text=True))


def test_plain_sign_up_still_answers_303(demo):
    b = Browser(demo.test_client())
    b.page("/hubei/signup")
    r = b.post("/hubei/signup", LI)
    assert r.status_code == 303 and r.headers["Location"].endswith("/hubei/me")
    assert "HX-Push-Url" not in r.headers


@pytest.mark.parametrize("htmx", [False, True])
def test_a_message_is_shown_once(demo, htmx):
    """A flashed message travels with the next page (in the same answer with htmx) and is not
    shown again on the page after."""
    b = sign_up(demo, "hubei", LI)
    b.htmx = htmx
    b.page("/hubei/me/account")
    r = b.post(
        "/hubei/me/account/password",
        {
            "current_password": "Secret-123",
            "password": "Other-pass-456",
            "password_again": "Other-pass-456",
        },
    )
    if htmx:
        assert r.status_code == 200 and r.headers["HX-Push-Url"].endswith("/hubei/me/account")
        shown = r.get_data(as_text=True)
    else:
        assert r.status_code == 303
        shown = b.page(r.headers["Location"]).get_data(as_text=True)
    assert 'class="flash"' in shown
    assert 'class="flash"' not in b.page("/hubei/me/account").get_data(as_text=True)


def test_links_point_where_they_lead(demo):
    """The home page's "Start my application" names the step itself, not an address that
    redirects (a second round trip on a slow link)."""
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(
        demo, "hubei", LI, until="activated", staff=staff, institution="远安县人民医院"
    )
    text = walked.browser.page("/hubei/me").get_data(as_text=True)
    links = re.findall(r'href="(/hubei/me/application[^"]*)"', text)
    assert links
    for href in links:
        assert walked.browser.page(href).status_code == 200, href


def test_a_page_names_its_stylesheet_and_script_in_its_headers(demo):
    """A first visit starts the stylesheet and htmx with the HTML's headers (rel=preload), the
    same addresses the page loads; a partial, an htmx answer or an error page does not."""
    b = Browser(demo.test_client())
    r = b.page("/hubei/signup")
    text = r.get_data(as_text=True)
    links = re.findall(r"<([^>]+)>; rel=preload; as=(style|script)", r.headers["Link"])
    assert links and len(links) == r.headers["Link"].count("rel=preload")
    for url, kind in links:
        tag = f'<link rel="stylesheet" href="{url}">' if kind == "style" else f'src="{url}"'
        assert tag in text
        with b.client.get(url) as static:
            assert static.status_code == 200
    assert "Link" not in demo.test_client().get("/hubei/no-such-page").headers
    signed = Browser(demo.test_client(), htmx=True)
    signed.page("/hubei/signup")
    assert "Link" not in signed.post("/hubei/signup", LI).headers
