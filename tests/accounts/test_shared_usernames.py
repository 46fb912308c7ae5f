"""Issue 14: sign-up does not tell whether a user name is taken, even after the code. A doctor's
user name need not be unique: the name and the password together open the account. Through
the sign-up page, the code page and the log-in page (and the password reset, D6)."""

from __future__ import annotations

import re

import pytest

from portal.accounts import holders
from portal.accounts.models import User
from portal.extensions import db
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to
from tests.support.journey import last_otp, messages_to, resident_id, sign_up

NAME = "zhangwei"


def doctor(n: int, username: str = NAME, password: str | None = None) -> dict:
    """The n-th doctor of these tests: one real name for all (the identity check, D2, answers
    alike), their own ID number, phone and e-mail."""
    password = password or f"Own-pass-{n}{n}{n}"
    return {
        "real_name": "赵无名",
        "id_number": resident_id(f"4201111985070{7100 + n}"),
        "phone": f"139000000{n:02d}",
        "email": f"doctor{n}@example.com",
        "username": username,
        "password": password,
        "password_again": password,
    }


def normalised(response, form: dict) -> tuple:
    """What the doctor sees, with their own data (and the CSRF token, the clock) blanked out."""
    text = response.get_data(as_text=True)
    text = re.sub(r'value="[^"]{20,}"', 'value="TOKEN"', text)
    text = re.sub(r"\b\d\d:\d\d:\d\d\b", "TIME", text)
    number = form["id_number"]
    for typed in (
        number,
        number[:3] + "*" * 11 + number[-4:],
        form["phone"],
        form["phone"][:3] + "****" + form["phone"][-4:],
        form["email"],
        form["username"],
    ):
        text = text.replace(typed, "TYPED")
    return response.status_code, response.headers.get("Location", ""), text


def confirm(app, form: dict) -> tuple[Browser, list[tuple]]:
    """Sign up, enter the code received on the phone typed in; what is seen after the code."""
    b = sign_up(app, "hubei", form)
    b.page("/hubei/me/verify")
    assert b.post("/hubei/me/verify/send", {"channel": "sms"}).status_code == 200
    b.page("/hubei/me/verify")
    r = b.post("/hubei/me/verify/check", {"channel": "sms", "code": last_otp(app, form["phone"])})
    seen = [normalised(r, form)]
    for url in ("/hubei/me/activate", "/hubei/me"):
        seen.append(normalised(b.page(url), form))
    return b, seen


def log_in(app, username: str, password: str):
    b = Browser(app.test_client())
    b.page("/hubei/login")
    return b, b.post("/hubei/login", {"username": username, "password": password})


def account_of(app, form: dict) -> User:
    with in_tenant(app, "hubei"):
        user = db.session.execute(db.select(User).filter_by(phone=form["phone"])).scalar_one()
        db.session.expunge(user)
        return user


def logged_in_as(app, b: Browser, form: dict) -> None:
    """The browser's session is the account of ``form`` (its own masked phone on its page)."""
    page = b.page("/hubei/me/account").get_data(as_text=True)
    assert form["phone"][:3] + "****" + form["phone"][-4:] in page


def test_two_doctors_with_one_user_name_both_sign_up_and_log_in(demo):
    first, second = doctor(1), doctor(2)
    _, seen_first = confirm(demo, first)  # the name was free
    _, seen_second = confirm(demo, second)  # the name was taken
    assert seen_second == seen_first
    assert account_of(demo, first).username == account_of(demo, second).username == NAME
    for form in (first, second):
        b, r = log_in(demo, NAME, form["password"])
        assert redirected_to(r).endswith("/hubei/me")
        logged_in_as(demo, b, form)
    _, r = log_in(demo, NAME, "Nobody-has-this-1")
    assert r.status_code == 422


def test_a_taken_user_name_answers_as_a_free_one(demo):
    confirm(demo, doctor(1))
    _, taken = confirm(demo, doctor(2))
    _, free = confirm(demo, doctor(3, username="lisi-free"))
    assert taken == free


def test_a_doctor_may_take_a_staff_members_name(demo):
    form = doctor(1, username="hb-officer")
    confirm(demo, form)
    assert account_of(demo, form).username == "hb-officer"
    b, r = log_in(demo, "hb-officer", form["password"])
    assert redirected_to(r).endswith("/hubei/me")
    logged_in_as(demo, b, form)
    from devdata.demo import DEMO_PASSWORD

    _, r = log_in(demo, "hb-officer", DEMO_PASSWORD)  # the officer still needs the TOTP code
    assert "/hubei/login/totp" in redirected_to(r)


def test_the_holder_beyond_the_cap_gets_a_variant(demo):
    _, first = confirm(demo, doctor(1))
    for n in range(2, holders.HOLDERS + 1):
        assert confirm(demo, doctor(n))[1] == first
    late = doctor(holders.HOLDERS + 1)
    b, seen = confirm(demo, late)
    given = account_of(demo, late).username
    assert given != NAME and re.fullmatch(NAME + r"-[0-9]{4}", given)
    # told, once, which name is theirs (the name typed shows as TYPED)
    assert f"TYPED-{given[-4:]}" in seen[1][2] and f"TYPED-{given[-4:]}" not in first[1][2]
    b, r = log_in(demo, given, late["password"])
    assert redirected_to(r).endswith("/hubei/me")
    logged_in_as(demo, b, late)


def test_the_same_name_and_password_as_a_holder_gets_a_variant(demo):
    """Otherwise one log-in would open two accounts: the newer owner would land in the older
    one's. Told only to whoever typed that holder's name AND password."""
    owner = doctor(1, password="Shared-pass-1")
    confirm(demo, owner)
    other = doctor(2, password="Shared-pass-1")
    confirm(demo, other)
    given = account_of(demo, other).username
    assert given.startswith(NAME + "-")
    assert account_of(demo, owner).username == NAME
    b, r = log_in(demo, NAME, "Shared-pass-1")
    assert redirected_to(r).endswith("/hubei/me")
    logged_in_as(demo, b, owner)
    b, r = log_in(demo, given, "Shared-pass-1")
    assert redirected_to(r).endswith("/hubei/me")
    logged_in_as(demo, b, other)


def test_an_unfinished_sign_up_of_a_shared_name_is_told_how_to_finish(demo):
    confirm(demo, doctor(1))
    left = doctor(2)
    sign_up(demo, "hubei", left)  # never enters the code
    _, r = log_in(demo, NAME, left["password"])
    assert r.status_code == 422 and 'id="unfinished-signup"' in r.get_data(as_text=True)
    _, wrong = log_in(demo, NAME, "Nobody-has-this-1")
    assert r.get_data(as_text=True) != wrong.get_data(as_text=True)


def test_password_reset_with_two_holders(demo):
    first, second = doctor(1), doctor(2)
    confirm(demo, first)
    confirm(demo, second)
    before = {f["phone"]: len(messages_to(demo, f["phone"])) for f in (first, second)}
    b = Browser(demo.test_client())
    b.page("/hubei/password/forgot")
    redirected_to(b.post("/hubei/password/forgot", {"username": NAME, "channel": "sms"}))
    for form in (first, second):  # a code to each holder's verified phone
        assert len(messages_to(demo, form["phone"])) == before[form["phone"]] + 1
    b.page("/hubei/password/reset")
    r = b.post(
        "/hubei/password/reset",
        {
            "username": NAME,
            "code": last_otp(demo, second["phone"]),
            "password": "Brand-new-42",
            "password_again": "Brand-new-42",
        },
    )
    assert redirected_to(r).endswith("/hubei/login")
    # the code told which account: the second one's password changed, the first's did not
    b, r = log_in(demo, NAME, "Brand-new-42")
    logged_in_as(demo, b, second)
    b, r = log_in(demo, NAME, first["password"])
    logged_in_as(demo, b, first)
    _, r = log_in(demo, NAME, second["password"])
    assert r.status_code == 422


class Counting:
    """The argon2 hasher, counting its verifications."""

    def __init__(self, inner):
        self.inner, self.verified = inner, 0

    def hash(self, password: str) -> str:
        return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return self.inner.verify(password_hash, password)


@pytest.fixture
def hasher(monkeypatch):
    """Every verification through the app's hasher (``passwords._hasher`` gives the hasher of
    the app's costs and its dummy hash), counted."""
    import portal.accounts.passwords as passwords

    real = passwords._hasher
    counting = Counting(None)

    def counted():
        inner, dummy = real()
        counting.inner = inner
        return counting, dummy

    monkeypatch.setattr(passwords, "_hasher", counted)
    return counting


def test_log_in_and_sign_up_do_the_same_work_for_any_number_of_holders(demo, hasher):
    """Timing tells nothing: as many argon2 verifications for 0, 1, 2 or 3 holders, for a
    wrong password and for a right one."""
    log_ins, sign_ups, right = [], [], []
    for n in range(holders.HOLDERS + 1):
        if n:
            confirm(demo, doctor(n))
        hasher.verified = 0
        log_in(demo, NAME, "Nobody-has-this-1")
        log_ins.append(hasher.verified)
        if n:
            hasher.verified = 0
            log_in(demo, NAME, doctor(n)["password"])
            right.append(hasher.verified)
        probe = doctor(20 + n, password="Probe-pass-77")
        b = Browser(demo.test_client())
        b.page("/hubei/signup")
        hasher.verified = 0
        redirected_to(b.post("/hubei/signup", probe))
        sign_ups.append(hasher.verified)
    assert log_ins == [holders.PASSWORD_CHECKS] * (holders.HOLDERS + 1)
    assert right == [holders.PASSWORD_CHECKS] * holders.HOLDERS
    assert sign_ups == [holders.PASSWORD_CHECKS] * (holders.HOLDERS + 1)


def test_a_new_password_of_another_holder_gives_a_variant(demo):
    """Setting the password of another account holding the name (the Account page, or a reset
    by code) would make one log-in open two accounts: the account that set it gets a variant
    and is told; the other keeps the name and its log-in."""
    owner, other = doctor(1, password="Owner-pass-1"), doctor(2)
    confirm(demo, owner)
    b, _ = confirm(demo, other)
    b.page("/hubei/me/account")
    r = b.post(
        "/hubei/me/account/password",
        {
            "current_password": other["password"],
            "password": "Owner-pass-1",
            "password_again": "Owner-pass-1",
        },
    )
    redirected_to(r)
    given = account_of(demo, other).username
    assert re.fullmatch(NAME + r"-[0-9]{4}", given)
    assert given in b.page("/hubei/me/account").get_data(as_text=True)
    b, r = log_in(demo, NAME, "Owner-pass-1")
    logged_in_as(demo, b, owner)
    b, r = log_in(demo, given, "Owner-pass-1")
    logged_in_as(demo, b, other)


def test_a_reset_to_another_holders_password_gives_a_variant(demo):
    owner, other = doctor(1, password="Owner-pass-1"), doctor(2)
    confirm(demo, owner)
    confirm(demo, other)
    b = Browser(demo.test_client())
    b.page("/hubei/password/forgot")
    redirected_to(b.post("/hubei/password/forgot", {"username": NAME, "channel": "sms"}))
    b.page("/hubei/password/reset")
    r = b.post(
        "/hubei/password/reset",
        {
            "username": NAME,
            "code": last_otp(demo, other["phone"]),
            "password": "Owner-pass-1",
            "password_again": "Owner-pass-1",
        },
    )
    assert redirected_to(r).endswith("/hubei/login")
    given = account_of(demo, other).username
    assert re.fullmatch(NAME + r"-[0-9]{4}", given)
    assert given in b.page("/hubei/login").get_data(as_text=True)  # told on the page
    assert given in messages_to(demo, other["phone"])[-1]  # and on the phone
    b, r = log_in(demo, NAME, "Owner-pass-1")
    logged_in_as(demo, b, owner)
    b, r = log_in(demo, given, "Owner-pass-1")
    logged_in_as(demo, b, other)
