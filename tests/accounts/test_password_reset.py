"""Password reset by a code sent to the verified phone or email (SPEC D6, SEC1, SEC2, SEC6),
through HTTP, with JavaScript off (plain posts) and on (htmx).

Whether a user name exists must not show in anything the answer holds: the status, the
redirect, the page (compared byte for byte once the CSRF token and the typed user name are
taken out), the cookies' names and attributes. Not even when a send limit (SEC2) or the
consecutive-failure lock refuses the code. Times are moved by editing rows, never by sleeping;
no assert is timed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from devdata.demo import DEMO_PASSWORD
from portal.accounts.models import CodePurpose, OneTimeCode, User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant, snapshot
from tests.support.http import Browser, landed, redirected_to, totp_now
from tests.support.journey import doctor_form, last_otp, sign_up, verify_phone

DOCTOR = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
#: signed up, phone never verified
UNVERIFIED = doctor_form("阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli")
#: as long as "liminghua", so even a page that showed the typed name would be the same length
UNKNOWN = "nosuchdoc"
NEW_PASSWORD = "Brand-new-42"
FORGOT, RESET, LOGIN = "/hubei/password/forgot", "/hubei/password/reset", "/hubei/login"
NEUTRAL_ERROR = "The code is wrong or has expired."
SENT = {
    "sms": "If an account with this user name has a verified mobile number, a code was sent to it by text message.",
    "email": "If an account with this user name has a verified email address, a code was sent to it.",
}
TOKEN = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=")[^"]+(")')


def english(b: Browser) -> Browser:
    b.client.set_cookie("lang", "en")
    return b


def browser(app, htmx: bool = False) -> Browser:
    return english(Browser(app.test_client(), htmx=htmx))


_APP = []


@pytest.fixture(autouse=True)
def _remember_app(app):
    _APP[:] = [app]


def _session_data(value: str) -> dict:
    """What the signed (readable, not encrypted) session cookie holds."""
    app = _APP[0]
    return app.session_interface.get_signing_serializer(app).loads(value)


def comparable(response, typed: str = "") -> tuple:
    """Everything an observer sees of an answer (status, headers, cookies and what the
    session cookie holds, the body), without the CSRF token (random per session) and the
    user name they typed themselves, and the request id (random per request, issue 7)."""

    def mask(text: str) -> str:
        return text.replace(typed, "USERNAME") if typed else text

    body = mask(TOKEN.sub(r"\1TOKEN\2", response.get_data(as_text=True)))
    cookies = []
    for header in response.headers.getlist("Set-Cookie"):
        name, value = header.split(";")[0].split("=", 1)
        shown = value
        if name == "session" and value:
            data = _session_data(value)
            data.pop("csrf_token", None)
            shown = mask(repr(sorted(data.items())))
        cookies.append(header.replace(value, "VALUE", 1) if value else header)
        cookies.append(f"{name}: {shown}")
    headers = {
        k: v
        for k, v in response.headers.items()
        if k not in ("Set-Cookie", "Content-Length", "X-Request-ID")
    }
    return response.status_code, headers, sorted(cookies), body


def forgot(
    app, username: str, channel: str = "sms", htmx: bool = False
) -> tuple[Browser, object, object]:
    """Ask for a code; return the browser, the answer to the post and the page it leads to."""
    b = browser(app, htmx)
    b.page(FORGOT)
    r = b.post(FORGOT, {"username": username, "channel": channel})
    # htmx: the page comes in the answer itself (issue 16), its message shown there, once
    page = landed(b, r)
    return b, r, page


def reset(
    b: Browser, username: str, code: str, password: str = NEW_PASSWORD, again: str | None = None
):
    b.page(RESET)
    return b.post(
        RESET,
        {
            "username": username,
            "code": code,
            "password": password,
            "password_again": password if again is None else again,
        },
    )


def messages(app, recipient: str) -> list[str]:
    with in_tenant(app, "hubei"):
        return list(
            db.session.execute(
                select(OutboxMessage.body).filter_by(recipient=recipient).order_by(OutboxMessage.id)
            ).scalars()
        )


def user_row(app, username: str = "liminghua") -> User:
    with in_tenant(app, "hubei"):
        user = db.session.execute(select(User).filter_by(username=username)).scalar_one()
        db.session.expunge(user)
        return user


def reset_codes(app) -> list[OneTimeCode]:
    with in_tenant(app, "hubei"):
        rows = (
            db.session.execute(
                select(OneTimeCode)
                .filter_by(purpose=CodePurpose.RESET_PASSWORD)
                .order_by(OneTimeCode.id)
            )
            .scalars()
            .all()
        )
        db.session.expunge_all()
        return rows


def shift_codes(app, seconds: int) -> None:
    """Move every code ``seconds`` into the past, as if that much time had passed."""
    with in_tenant(app, "hubei"):
        for row in db.session.execute(select(OneTimeCode)).scalars():
            row.created_at -= timedelta(seconds=seconds)
            row.expires_at -= timedelta(seconds=seconds)
        db.session.commit()


def log_in(app, username: str, password: str):
    b = browser(app)
    b.page(LOGIN)
    return b.post(LOGIN, {"username": username, "password": password})


def changed_tables(before: dict, after: dict) -> list[str]:
    return [t for t in before if before[t] != after[t]]


@pytest.fixture
def doctor(demo):
    """A doctor whose phone is verified (not the email), logged in in ``doctor.browser``."""
    b = sign_up(demo, "hubei", DOCTOR)
    verify_phone(demo, b, "hubei", DOCTOR["phone"])
    sign_up(demo, "hubei", UNVERIFIED)
    return b


def code_for(
    app, username: str = "liminghua", channel: str = "sms", recipient: str = DOCTOR["phone"]
) -> str:
    forgot(app, username, channel)
    return last_otp(app, recipient)


# ---- step 1: asking for a code ---------------------------------------------------------------


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_forgot_answers_the_same_whether_or_not_the_account_exists(
    demo, doctor, browser_mode, channel
):
    """A verified doctor, a doctor whose contact is not verified, an unknown name: the same
    status, redirect, cookies and page, byte for byte."""
    htmx = browser_mode == "htmx"
    answers = {}
    for name in ("liminghua", "ayiguli", UNKNOWN):
        _b, r, page = forgot(demo, name, channel, htmx)
        answers[name] = (comparable(r, name), comparable(page, name))
    assert answers["liminghua"] == answers["ayiguli"] == answers[UNKNOWN]
    r_status, r_headers, _cookies, _body = answers[UNKNOWN][0]
    if htmx:
        # issue 16: the reset page itself in the same answer, its address pushed
        assert r_status == 200 and r_headers["HX-Push-Url"] == RESET
    else:
        assert r_status == 303 and r_headers["Location"] == RESET
    page_status, _h, _c, page_body = answers[UNKNOWN][1]
    assert page_status == 200 and SENT[channel] in page_body
    assert 'value="USERNAME"' in page_body  # the name typed is filled in for the next step


def test_forgot_sends_a_code_only_to_a_verified_contact(demo, doctor):
    forgot(demo, "liminghua", "sms")
    body = messages(demo, DOCTOR["phone"])[-1]
    assert re.search(r"reset code is [0-9]{6}", body) and re.search(r"@[^ ]+ #[0-9]{6}$", body)
    forgot(demo, "liminghua", "email")  # the doctor's email is not verified
    forgot(demo, "ayiguli", "sms")  # nor this doctor's phone
    forgot(demo, "ayiguli", "email")
    forgot(demo, UNKNOWN, "sms")
    assert messages(demo, DOCTOR["email"]) == []
    assert not [
        m
        for m in messages(demo, UNVERIFIED["phone"]) + messages(demo, UNVERIFIED["email"])
        if "reset" in m
    ]
    assert [r.destination for r in reset_codes(demo)] == [DOCTOR["phone"]]
    with in_tenant(demo, "hubei"):
        assert db.session.execute(
            select(AuditLog.action).filter_by(action="request_password_reset")
        ).scalars().all() == ["request_password_reset"]


def test_origin_bound_line_names_the_configured_host_not_the_request_header(
    demo, doctor, monkeypatch
):
    """Anyone may ask for a reset code, with any Host header: the SMS names PUBLIC_HOST."""
    monkeypatch.setitem(demo.config, "PUBLIC_HOST", "portal.example.cn")
    forgot(demo, "liminghua", "sms")  # the test client's Host header is "localhost"
    body = messages(demo, DOCTOR["phone"])[-1]
    assert (
        body.endswith(f"@portal.example.cn #{last_otp(demo, DOCTOR['phone'])}")
        and "localhost" not in body
    )


def test_staff_get_the_code_at_the_email_on_record(demo):
    """Staff and officers never verify their contacts: those an officer entered are used."""
    forgot(demo, "hb-county-staff", "email")
    forgot(demo, "hb-county-staff", "sms")  # no phone on record: nothing
    email = user_row(demo, "hb-county-staff").email
    assert len(messages(demo, email)) == 1 and [r.channel for r in reset_codes(demo)] == ["email"]


def test_another_tenants_user_name_gets_nothing(demo, doctor):
    b = browser(demo)
    b.page("/guangdong/password/forgot")
    r = b.post("/guangdong/password/forgot", {"username": "liminghua", "channel": "sms"})
    assert redirected_to(r) == "/guangdong/password/reset"
    assert reset_codes(demo) == [] and len(messages(demo, DOCTOR["phone"])) == 1  # only the D3 code


def test_disabled_account_gets_nothing(demo, doctor):
    with in_tenant(demo, "hubei"):
        db.session.execute(
            select(User).filter_by(username="liminghua")
        ).scalar_one().disabled = True
        db.session.commit()
    forgot(demo, "liminghua", "sms")
    assert reset_codes(demo) == []


def test_cooldown_and_hourly_limit_do_not_reveal_the_account(demo, doctor, browser_mode):
    """SEC2 still holds (60 s between codes, 5 an hour per phone) and says nothing: the
    refused asks answer exactly like an unknown user name."""
    htmx = browser_mode == "htmx"
    unknown = [comparable(r, UNKNOWN) for r in forgot(demo, UNKNOWN, "sms", htmx)[1:]]
    with in_tenant(demo, "hubei"):  # the D3 code was sent long ago, outside the hour
        for row in db.session.execute(
            select(OneTimeCode).filter_by(purpose=CodePurpose.VERIFY_PHONE)
        ).scalars():
            row.created_at -= timedelta(hours=2)
        db.session.commit()
    forgot(demo, "liminghua", "sms", htmx)
    refused = forgot(demo, "liminghua", "sms", htmx)[1:]  # within the cool-down
    assert [comparable(r, "liminghua") for r in refused] == unknown
    assert len(reset_codes(demo)) == 1
    for _ in range(4):
        shift_codes(demo, 61)
        forgot(demo, "liminghua", "sms", htmx)
    assert len(reset_codes(demo)) == 5
    shift_codes(demo, 61)
    refused = forgot(demo, "liminghua", "sms", htmx)[1:]  # the sixth within the hour
    assert [comparable(r, "liminghua") for r in refused] == unknown
    assert len(reset_codes(demo)) == 5


def test_forgot_refuses_a_missing_user_name_or_channel(demo):
    b = browser(demo)
    b.page(FORGOT)
    before = snapshot(demo)
    r = b.post(FORGOT, {"username": "", "channel": "sms"})
    assert r.status_code == 422 and "Enter your user name." in r.get_data(as_text=True)
    r = b.post(FORGOT, {"username": "liminghua", "channel": "fax"})
    assert r.status_code == 422 and "Choose where to send the code." in r.get_data(as_text=True)
    assert changed_tables(before, snapshot(demo)) == []


# ---- step 2: the new password ----------------------------------------------------------------


def test_reset_sets_the_password_and_ends_every_session(demo, doctor, browser_mode):
    htmx = browser_mode == "htmx"
    assert doctor.page("/hubei/me").status_code == 200  # logged in since sign-up
    version = user_row(demo).session_version
    code = code_for(demo)
    b = browser(demo, htmx)
    r = reset(b, "liminghua", code)
    assert redirected_to(r) == LOGIN
    assert "Your password was changed" in landed(b, r).get_data(as_text=True)

    user = user_row(demo)
    assert user.session_version == version + 1
    assert [row.used_at is not None for row in reset_codes(demo)] == [True]
    assert redirected_to(doctor.page("/hubei/me")).startswith(LOGIN)  # the old session has ended
    assert log_in(demo, "liminghua", DOCTOR["password"]).status_code == 422
    assert redirected_to(log_in(demo, "liminghua", NEW_PASSWORD)) == "/hubei/me"
    # the notice goes to the verified phone, not to the unverified email
    assert "was changed" in messages(demo, DOCTOR["phone"])[-1]
    assert messages(demo, DOCTOR["email"]) == []
    with in_tenant(demo, "hubei"):
        row = db.session.execute(select(AuditLog).filter_by(action="reset_password")).scalar_one()
        assert (row.entity, row.entity_id, row.actor_id) == ("user", user.id, user.id)
        assert row.after == {"session_version": version + 1, "channel": "sms"}


def test_staff_still_need_their_authenticator_after_a_reset(demo):
    email = user_row(demo, "hb-county-staff").email
    b, _r, _page = forgot(demo, "hb-county-staff", "email")
    code = re.search(r"reset code is ([0-9]{6})", messages(demo, email)[-1]).group(1)
    assert redirected_to(reset(b, "hb-county-staff", code)) == LOGIN
    assert "was changed" in messages(demo, email)[-1]
    assert log_in(demo, "hb-county-staff", DEMO_PASSWORD).status_code == 422
    b = browser(demo)
    b.page(LOGIN)
    r = b.post(LOGIN, {"username": "hb-county-staff", "password": NEW_PASSWORD})
    assert redirected_to(r).startswith("/hubei/login/totp")
    from devdata.demo import demo_totp_secret

    b.page("/hubei/login/totp")
    r = b.post("/hubei/login/totp", {"code": totp_now(demo_totp_secret("hb-county-staff"))})
    assert redirected_to(r).startswith("/hubei/institution")


def _refused(app, b: Browser, username: str, code: str) -> tuple:
    r = reset(b, username, code)
    assert r.status_code == 422
    assert NEUTRAL_ERROR in r.get_data(as_text=True)
    return comparable(r, username)


def test_wrong_code_and_unknown_user_name_answer_the_same(demo, doctor, browser_mode):
    htmx = browser_mode == "htmx"
    code = code_for(demo)
    wrong = "000000" if code != "000000" else "111111"
    before = user_row(demo)
    known = _refused(demo, browser(demo, htmx), "liminghua", wrong)
    unknown = _refused(demo, browser(demo, htmx), UNKNOWN, wrong)
    unverified = _refused(demo, browser(demo, htmx), "ayiguli", wrong)
    assert known == unknown == unverified
    if htmx:
        assert "<html" not in known[3]
    after = user_row(demo)
    assert (
        after.password_hash == before.password_hash
        and after.session_version == before.session_version
    )
    assert after.code_failures == before.code_failures + 1  # SEC2: the wrong try counts
    # the right code still works afterwards
    assert redirected_to(reset(browser(demo), "liminghua", code)) == LOGIN


def test_every_user_name_costs_one_password_hash(demo, doctor, monkeypatch):
    """The same argon2 work whether or not the account exists (the answer's time, SEC1)."""
    from portal.workflow import codes as services

    code_for(demo)
    calls = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda pw: calls.append(pw) or real(pw))
    for name in ("liminghua", UNKNOWN):
        reset(browser(demo), name, "000000")
    assert len(calls) == 2


def test_expired_code_is_refused_and_changes_nothing(demo, doctor):
    code = code_for(demo)
    shift_codes(demo, 5 * 60 + 1)
    before = snapshot(demo)
    expired = _refused(demo, browser(demo), "liminghua", code)
    assert changed_tables(before, snapshot(demo)) == []
    assert expired == _refused(demo, browser(demo), UNKNOWN, code)


def test_replayed_code_is_refused(demo, doctor):
    code = code_for(demo)
    assert redirected_to(reset(browser(demo), "liminghua", code)) == LOGIN
    after_first = user_row(demo)
    _refused(demo, browser(demo), "liminghua", code)
    user = user_row(demo)
    assert (user.password_hash, user.session_version) == (
        after_first.password_hash,
        after_first.session_version,
    )
    assert redirected_to(log_in(demo, "liminghua", NEW_PASSWORD)) == "/hubei/me"


def test_code_of_another_purpose_does_not_reset(demo, doctor):
    """The D3 verification code is not a reset code."""
    b = browser(demo)
    doctor.page("/hubei/me")
    doctor.post("/hubei/me/verify/send", {"channel": "email"})
    _refused(demo, b, "liminghua", last_otp(demo, DOCTOR["email"]))
    assert log_in(demo, "liminghua", DOCTOR["password"]).status_code == 303


@pytest.mark.parametrize(
    ("password", "again", "field"),
    [
        ("short1", "short1", "password"),
        ("onlyletters", "onlyletters", "password"),
        ("12345678", "12345678", "password"),
        ("x" * 129 + "1", "x" * 129 + "1", "password"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "password_again"),
        ("", "", "password"),
    ],
)
def test_weak_or_mismatched_password_is_refused_and_the_code_kept(
    demo, doctor, password, again, field
):
    code = code_for(demo)
    before = snapshot(demo)
    r = reset(browser(demo), "liminghua", code, password, again)
    assert r.status_code == 422
    assert f'id="{field}-err"' in r.get_data(as_text=True)
    assert changed_tables(before, snapshot(demo)) == []  # the code is neither used nor counted
    assert redirected_to(reset(browser(demo), "liminghua", code)) == LOGIN


def test_full_width_code_and_user_name_from_a_chinese_keyboard(demo, doctor):
    code = code_for(demo)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert redirected_to(reset(browser(demo), "ｌｉｍｉｎｇｈｕａ", wide)) == LOGIN


def test_lock_applies_and_does_not_reveal_the_account(demo, doctor):
    """Ten wrong codes in a row lock code entry (SEC2): even the right code is refused, with
    the answer an unknown user name gets. While locked, nothing is sent to the owner's phone,
    however often a reset is asked for (issue 14: lock means no sends)."""
    code = code_for(demo)
    wrong = "000000" if code != "000000" else "111111"
    b = browser(demo)
    for _ in range(10):
        _refused(demo, b, "liminghua", wrong)
    assert user_row(demo).code_locked_until is not None
    before = snapshot(demo)
    locked = _refused(demo, browser(demo), "liminghua", code)
    assert locked == _refused(demo, browser(demo), UNKNOWN, code)
    assert changed_tables(before, snapshot(demo)) == []  # the right code was not taken
    assert log_in(demo, "liminghua", DOCTOR["password"]).status_code == 303

    sent = len(messages(demo, DOCTOR["phone"]))
    for _ in range(3):
        shift_codes(demo, 61)
        _b, r, page = forgot(demo, "liminghua", "sms")
        assert comparable(page, "liminghua") == comparable(forgot(demo, UNKNOWN, "sms")[2], UNKNOWN)
    assert len(messages(demo, DOCTOR["phone"])) == sent

    with in_tenant(demo, "hubei"):  # an hour later
        user = db.session.execute(select(User).filter_by(username="liminghua")).scalar_one()
        user.code_locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    shift_codes(demo, 61)
    assert redirected_to(reset(browser(demo), "liminghua", code_for(demo))) == LOGIN


@pytest.mark.parametrize("url", [FORGOT, RESET])
def test_post_without_csrf_token_is_refused(demo, doctor, url):
    code = code_for(demo)
    before = snapshot(demo)
    r = browser(demo).client.post(
        url,
        data={
            "username": "liminghua",
            "channel": "sms",
            "code": code,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert r.status_code == 400
    assert changed_tables(before, snapshot(demo)) == []


# ---- the pages ----------------------------------------------------------------------------


def test_login_page_links_to_the_reset(demo):
    page = browser(demo).page(LOGIN).get_data(as_text=True)
    assert f'href="{FORGOT}"' in page and "Forgot your password?" in page


@pytest.mark.parametrize("url", [FORGOT, RESET])
def test_pages_work_without_javascript_and_have_the_right_autocomplete(demo, url):
    page = browser(demo).page(url).get_data(as_text=True)
    form = re.search(r"<form method=\"post\" action=\"([^\"]+)\" hx-post=\"([^\"]+)\"[^>]*>", page)
    assert form and form.group(1) == form.group(2) == url
    assert 'hx-disabled-elt="find button"' in page
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*name="username"', page)
    if url == RESET:
        assert re.search(r'<input[^>]*autocomplete="one-time-code"[^>]*name="code"', page)
        assert len(re.findall(r'<input[^>]*autocomplete="new-password"', page)) == 2
    else:
        assert set(re.findall(r'<button type="submit" name="channel" value="(\w+)"', page)) == {
            "sms",
            "email",
        }
    assert "<script>" not in page and " style=" not in page
    partial = browser(demo, htmx=True).get(url)
    assert partial.status_code == 200 and "<html" not in partial.get_data(as_text=True)
