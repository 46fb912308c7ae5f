"""No account enumeration at sign-up (SEC, D1, issue 14): the answer is the same whether the
user name or the ID number is already held, before the phone code and after it too; the owner
of an account whose ID number is typed is told on their own phone and email, at most once a
day."""

from __future__ import annotations

import re

import pytest

from portal.accounts.models import User
from portal.extensions import db
from portal.registry.records import CaseStatus, IdentityCase
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to
from tests.support.journey import (
    doctor_form,
    last_otp,
    messages_to,
    resident_id,
    sign_up,
    verify_phone,
)

OWNER = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
#: every probe has the same real name, so the identity check (D2) answers alike for all
NEW = {
    **doctor_form("赵无名", resident_id("42011119850707123"), "13800138011", "zhaowuming"),
    "password": "Probe-789",
    "password_again": "Probe-789",
}
PROBES = {
    "new": NEW,
    "user name taken": {
        **NEW,
        "id_number": resident_id("42011119850707124"),
        "phone": "13800138012",
        "username": OWNER["username"],
    },
    "ID number taken": {
        **NEW,
        "id_number": OWNER["id_number"],
        "phone": "13800138013",
        "username": "zhao-two",
    },
    "both taken": {
        **NEW,
        "id_number": OWNER["id_number"],
        "phone": "13800138014",
        "username": OWNER["username"],
    },
}


def _masked_id(value: str) -> str:
    return value[:3] + "*" * 11 + value[-4:]


def normalised(response, form: dict) -> tuple:
    """What a prober can compare: status, where it leads, the page with what they typed
    themselves (and the CSRF token) blanked out."""
    text = response.get_data(as_text=True)
    text = re.sub(r'value="[^"]{20,}"', 'value="TOKEN"', text)
    # the clock time another code may be asked for (issue 14) tells the time, not the account
    text = re.sub(r"\b\d\d:\d\d:\d\d\b", "TIME", text)
    for typed in (
        form["id_number"],
        _masked_id(form["id_number"]),
        form["phone"],
        form["phone"][:3] + "****" + form["phone"][-4:],
        form["email"],
        form["username"],
    ):
        text = text.replace(typed, "TYPED")
    location = response.headers.get("Location", "")
    return response.status_code, location, text


def probe(app, form: dict) -> list[tuple]:
    """Everything a stranger sees from signing up, short of receiving the code."""
    b = Browser(app.test_client())
    seen = [normalised(b.page("/hubei/signup"), form)]
    seen.append(normalised(b.post("/hubei/signup", form), form))
    for url in ("/hubei/me", "/hubei/me/verify", "/hubei/me/verify?channel=email"):
        seen.append(normalised(b.page(url), form))
    seen.append(normalised(b.post("/hubei/me/verify/send", {"channel": "sms"}), form))
    # and the log-in with what was typed: it would tell a taken user name from one's own
    redirected_to(b.post("/hubei/logout"))
    b.page("/hubei/login")
    seen.append(
        normalised(
            b.post("/hubei/login", {"username": form["username"], "password": form["password"]}),
            form,
        )
    )
    return seen


@pytest.fixture
def owner(demo):
    b = sign_up(demo, "hubei", OWNER)
    verify_phone(demo, b, "hubei", OWNER["phone"])
    return b


def test_signup_answers_alike_whatever_exists(demo, owner):
    seen = {name: probe(demo, form) for name, form in PROBES.items()}
    for name, pages in seen.items():
        assert pages == seen["new"], f"sign-up with the {name} answers differently from a new one"
    # the owner was not told anything yet: only a stranger's typing, no proof of a phone
    assert len(messages_to(demo, OWNER["phone"])) == 1  # their own verification code


def confirm(app, form: dict) -> tuple[Browser, object]:
    """Sign up and enter the code received on the phone typed in."""
    b = sign_up(app, "hubei", form)
    b.page("/hubei/me/verify")
    assert b.post("/hubei/me/verify/send", {"channel": "sms"}).status_code == 200
    b.page("/hubei/me/verify")
    return b, b.post(
        "/hubei/me/verify/check", {"channel": "sms", "code": last_otp(app, form["phone"])}
    )


def test_taken_user_name_is_given_as_typed_after_the_code(demo, owner):
    """Issue 14: a doctor's user name need not be unique (the name and the password open the
    account), so the pages after the code are those of a free name, and each logs in."""
    form = PROBES["user name taken"]
    free = {**NEW, "id_number": resident_id("42011119850707126"), "phone": "13800138016"}
    assert _after_the_code(demo, form) == _after_the_code(demo, free)
    with in_tenant(demo, "hubei"):
        names = db.session.execute(
            db.select(User.phone).filter_by(username=OWNER["username"]).order_by(User.id)
        ).scalars()
        assert list(names) == [OWNER["phone"], form["phone"]]  # the owner's account untouched
    for person, landing in ((form, form["phone"]), (OWNER, OWNER["phone"])):
        b = Browser(demo.test_client())
        b.page("/hubei/login")
        assert redirected_to(
            b.post("/hubei/login", {"username": person["username"], "password": person["password"]})
        ).endswith("/hubei/me")
        page = b.page("/hubei/me/account").get_data(as_text=True)
        assert landing[:3] + "****" + landing[-4:] in page


def _after_the_code(app, form: dict) -> list[tuple]:
    """What the prober sees once their own phone is proved: the answer to the code and the
    pages it leads to."""
    b, r = confirm(app, form)
    seen = [normalised(r, form)]
    for url in ("/hubei/me", "/hubei/me/activate"):
        seen.append(normalised(b.page(url), form))
    return seen


def test_taken_ID_number_answers_as_any_unmatched_sign_up(demo, owner, beijing_noon):
    """Issue 14: proving a phone of one's own no longer tells whether an ID number has an
    account: the pages after the code are those of a sign-up the records did not match; the
    commission gets the case; the owner is told, by their own phone, at most once a day."""
    # a new ID number of the same county as the owner's (the county's commission handles the
    # case, and it is read off the number the prober typed)
    same_county = {
        **NEW,
        "id_number": resident_id("42052519850707125"),
        "phone": "13800138015",
        "username": "zhao-five",
    }
    assert _after_the_code(demo, PROBES["ID number taken"]) == _after_the_code(demo, same_county)
    told = messages_to(demo, OWNER["phone"])
    assert OWNER["username"] in told[-1] and PROBES["ID number taken"]["phone"][-4:] in told[-1]
    assert not messages_to(demo, OWNER["email"])  # never to an address its owner did not prove
    with in_tenant(demo, "hubei"):
        taken = db.session.execute(
            db.select(User).filter_by(phone=PROBES["ID number taken"]["phone"])
        ).scalar_one()
        assert not taken.disabled and not taken.identity_verified
        case = db.session.execute(
            db.select(IdentityCase).filter_by(user_id=taken.id, status=CaseStatus.OPEN)
        ).scalar_one()
        assert "already held" in case.note
    # more probes the same day do not text the owner again
    again = {**PROBES["ID number taken"], "phone": "13800138021", "username": "zhao-three"}
    confirm(demo, again)
    assert len(messages_to(demo, OWNER["phone"])) == len(told)
    beijing_noon.shift(25 * 3600)
    later = {**PROBES["ID number taken"], "phone": "13800138022", "username": "zhao-four"}
    confirm(demo, later)
    assert len(messages_to(demo, OWNER["phone"])) == len(told) + 1


def test_a_doctor_who_left_before_the_code_signs_up_again(demo):
    """The unconfirmed account cannot log in by password; signing up again with the same
    details takes it up (with the new password), it does not become 'zhaowuming-1234'."""
    first = sign_up(demo, "hubei", NEW)
    first.page("/hubei/me")
    redirected_to(first.post("/hubei/logout"))
    again = {**NEW, "password": "Other-456", "password_again": "Other-456"}
    b = sign_up(demo, "hubei", again)
    verify_phone(demo, b, "hubei", NEW["phone"])
    with in_tenant(demo, "hubei"):
        assert db.session.execute(
            db.select(User.username).filter_by(phone=NEW["phone"])
        ).scalars().all() == ["zhaowuming"]
    redirected_to(b.post("/hubei/logout"))
    b.page("/hubei/login")
    assert redirected_to(
        b.post("/hubei/login", {"username": "zhaowuming", "password": "Other-456"})
    ).endswith("/hubei/me")
