"""What a doctor types (D1, SEC1, issue 14), through HTTP: a birth date in the ID number that is
after today or too young for a doctor is refused; a mainland mobile number is taken however it
is commonly written and stored as its 11 digits, on every form that has the shared mobile field;
each refusal of a name says what is wrong with it, once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.support.db import in_tenant, unchanged
from tests.support.http import Browser, redirected_to
from tests.support.journey import doctor_form, last_otp, resident_id, walk_doctor

DOCTOR = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


def _errors(response) -> dict[str, str]:
    return dict(
        re.findall(r'<p class="err" id="([^"]+)-err">([^<]*)</p>', response.get_data(as_text=True))
    )


def _signup_page(app) -> Browser:
    b = Browser(app.test_client())
    b.client.set_cookie("lang", "en")
    b.page("/hubei/signup")
    return b


def _user(app, username: str) -> User:
    with in_tenant(app, "hubei"):
        user = db.session.execute(select(User).filter_by(username=username)).scalar_one()
        db.session.expunge(user)
        return user


# ---- D1: the birth date in the ID number -----------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "message"),
    [
        ("42052520260311123", "after today"),  # the day after the (Beijing) today of NOON
        ("42052520300101123", "after today"),
        ("42052520100311123", "younger than 16"),  # 16 tomorrow
    ],
)
def test_D1_a_birth_date_after_today_or_too_young_is_refused(beijing_noon, demo, first17, message):
    b = _signup_page(demo)
    with unchanged(demo):
        r = b.post(
            "/hubei/signup", {**DOCTOR, "id_number": resident_id(first17), "username": "future"}
        )
    assert r.status_code == 422
    assert message in _errors(r)["id_number"]


def test_D1_sixteen_today_is_old_enough(beijing_noon, demo):
    b = _signup_page(demo)
    r = b.post(
        "/hubei/signup",
        {**DOCTOR, "id_number": resident_id("42052520100310123"), "username": "sixteen"},
    )
    assert redirected_to(r).endswith("/hubei/me")


def test_D1_the_refusal_follows_the_clock(time_machine, demo):
    """The same ID number is refused the day before the 16th birthday, accepted on it."""
    from tests.support.clock import beijing

    number = resident_id("42052520100501123")
    time_machine.move_to(beijing(2026, 4, 30), tick=False)
    b = _signup_page(demo)
    r = b.post("/hubei/signup", {**DOCTOR, "id_number": number, "username": "birthday"})
    assert r.status_code == 422 and "16" in _errors(r)["id_number"]
    time_machine.move_to(beijing(2026, 5, 1), tick=False)
    b = _signup_page(demo)
    r = b.post("/hubei/signup", {**DOCTOR, "id_number": number, "username": "birthday"})
    assert redirected_to(r).endswith("/hubei/me")


# ---- D1: the mobile number, however it is written -------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+86 138 0013 8001",
        "138 0013 8001",
        "138-0013-8001",
        "0086 13800138001",
        "+86-138-0013-8001",
        "(+86) 138 0013 8001",
        "＋８６ １３８ ００１３ ８００１",  # full-width, from a Chinese input method
    ],
)
def test_D1_a_mobile_number_written_any_common_way_is_stored_as_11_digits(demo, typed):
    b = _signup_page(demo)
    r = b.post("/hubei/signup", {**DOCTOR, "phone": typed})
    assert redirected_to(r).endswith("/hubei/me"), _errors(r)
    assert _user(demo, "liminghua").phone == "13800138001"


def test_D1_the_mobile_field_takes_what_people_paste():
    """``maxlength`` leaves room for "+86 (138) 0013-8001": the paste is never cut."""
    from portal.forms import MOBILE_MAXLENGTH

    assert int(MOBILE_MAXLENGTH) >= len("(+86) 138-0013-8001  ")


def test_D1_the_signup_page_does_not_cut_a_pasted_number(demo):
    page = _signup_page(demo).page("/hubei/signup").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="phone"[^>]*>', page).group(0)
    assert int(re.search(r'maxlength="(\d+)"', field).group(1)) >= len("+86 138 0013 8001")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("138 0013 800", "11 digits"),
        ("1380013800a", "only digits"),
        ("02787654321", "mobile number"),
        ("1" * 10_000, "11 digits"),
    ],
)
def test_D1_a_bad_mobile_number_is_explained_once(demo, typed, message):
    b = _signup_page(demo)
    with unchanged(demo):
        r = b.post("/hubei/signup", {**DOCTOR, "phone": typed})
    assert r.status_code == 422
    shown = _errors(r)["phone"]
    assert message in shown
    assert shown.count("e.g.") == 1, shown  # one message, not the length check's and the rule's


def test_SEC1_a_new_mobile_number_written_with_plus_86_is_taken(demo):
    walked = walk_doctor(demo, "hubei", DOCTOR, until="verified")
    b = walked.browser
    b.page("/hubei/me/account")
    r = b.post(
        "/hubei/me/account/contact",
        {"channel": "sms", "phone": "+86 139 0013 9002", "current_password": DOCTOR["password"]},
    )
    assert r.status_code == 200 and 'name="code"' in r.get_data(as_text=True)
    code = last_otp(demo, "13900139002")  # sent to the 11 digits
    redirected_to(b.post("/hubei/me/account/contact/confirm", {"channel": "sms", "code": code}))
    assert _user(demo, "liminghua").phone == "13900139002"


# ---- D1: each refusal of a name says what is wrong ------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("李 明华", "without spaces"),
        ("李明华　", None),  # a trailing ideographic space is trimmed: accepted
        ("Li明华", "no Latin letters"),
        ("李明华2", "no digits"),
        ("李··明", "middle dot"),
        ("·李明", "middle dot"),
        ("李明华!", "remove the other marks"),
    ],
)
def test_D1_a_refused_name_says_what_is_wrong(demo, name, message):
    b = _signup_page(demo)
    r = b.post("/hubei/signup", {**DOCTOR, "real_name": name})
    if message is None:
        assert redirected_to(r).endswith("/hubei/me")
        return
    assert r.status_code == 422
    shown = _errors(r)["real_name"]
    assert message in shown, shown
    if "space" in message:
        assert "letters or digits" not in shown


def test_D1_a_name_too_long_is_said_once(demo):
    b = _signup_page(demo)
    r = b.post("/hubei/signup", {**DOCTOR, "real_name": "李" * 31})
    assert r.status_code == 422
    shown = _errors(r)["real_name"]
    assert "2 to 30" in shown and shown.count("2 to 30") == 1


# ---- D3, issue 14: a sign-up never finished, told how to finish after the right password ------


def _log_in(app, username: str, password: str):
    b = Browser(app.test_client())
    b.client.set_cookie("lang", "en")
    b.page("/hubei/login")
    return b.post("/hubei/login", {"username": username, "password": password})


@pytest.mark.parametrize("taken", [False, True])
def test_D3_an_unfinished_sign_up_is_told_how_to_finish(demo, taken):
    if (
        taken
    ):  # someone else holds the user name: this sign-up got "liminghua-NNNN" (no enumeration)
        walk_doctor(demo, "hubei", DOCTOR, until="verified")
    form = {
        **doctor_form("赵无名", resident_id("42011119850707123"), "13800138011", "liminghua"),
        "password": "Probe-789",
        "password_again": "Probe-789",
    }
    b = _signup_page(demo)
    redirected_to(b.post("/hubei/signup", form))
    b.page("/hubei/me")
    redirected_to(b.post("/hubei/logout"))

    r = _log_in(demo, "liminghua", "Probe-789")
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "sign-up is not finished" in text and "/hubei/signup" in text
    assert "user name or password is wrong" not in text
    # a wrong password learns nothing
    r = _log_in(demo, "liminghua", "Wrong-pass-1")
    text = r.get_data(as_text=True)
    assert r.status_code == 422 and "not finished" not in text
    assert "user name or password is wrong" in text
