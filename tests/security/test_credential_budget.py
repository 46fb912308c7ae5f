"""Issue 14: guessing credentials. One budget per address covers every credential post (not
60 more on each page), and failed passwords are counted per user name from any address: after
the limit, that name answers 429 for a while, whether or not the account exists (SEC1), and
the right password works again once the window has moved on."""

from __future__ import annotations

import pytest

from portal.extensions import limiter
from tests.support.http import Browser, redirected_to
from tests.support.journey import doctor_form, resident_id, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


@pytest.fixture
def limits(demo):
    """The limits lowered for the test, on counters of its own: the limiter's storage lives as
    long as the process, and earlier tests' tries (at other clock times) must not count."""
    with demo.app_context():
        limiter.reset()
    yield demo.config
    demo.config["CREDENTIAL_RATE_LIMIT"] = "100000 per minute"
    demo.config["PASSWORD_FAILURE_LIMIT"] = "100000 per minute"
    with demo.app_context():
        limiter.reset()


def _from(app, address: str) -> Browser:
    b = Browser(app.test_client())
    b.client.environ_base["REMOTE_ADDR"] = address
    return b


def test_one_budget_per_address_across_every_credential_page(demo, limits):
    limits["CREDENTIAL_RATE_LIMIT"] = "4 per minute"
    b = _from(demo, "10.1.0.1")
    b.page("/hubei/login")
    posts = [
        ("/hubei/login", {"username": "hb-officer", "password": "wrong-1x"}),
        ("/hubei/login", {"username": "hb-officer", "password": "wrong-2x"}),
        ("/hubei/password/forgot", {"username": "hb-officer", "channel": "sms"}),
        ("/hubei/password/reset", {"username": "hb-officer", "code": "123456"}),
        ("/hubei/login/totp", {"code": "123456"}),
        ("/hubei/signup", {"username": "x"}),
    ]
    answers = [b.post(url, data).status_code for url, data in posts]
    assert 429 not in answers[:4], answers
    assert answers[4:] == [429, 429], answers
    # another address has its own budget
    other = _from(demo, "10.1.0.2")
    other.page("/hubei/login")
    assert other.post(*posts[0]).status_code == 422


@pytest.mark.parametrize("name", ["liminghua", "nobody-of-that-name"])
def test_failed_passwords_slow_one_name_from_any_address(demo, limits, beijing_noon, name):
    walk_doctor(demo, "hubei", LI, until="verified")
    limits["PASSWORD_FAILURE_LIMIT"] = "3 per 15 minutes"
    answers = []
    for i in range(5):  # five addresses, as a guesser spreading the tries would
        b = _from(demo, f"10.2.0.{i}")
        b.page("/hubei/login")
        answers.append(b.post("/hubei/login", {"username": name, "password": f"wrong-{i}x"}))
    assert [r.status_code for r in answers] == [422, 422, 422, 429, 429]
    # the right password is refused too while the name is slowed down (no oracle in between)
    b = _from(demo, "10.2.1.1")
    b.page("/hubei/login")
    assert b.post("/hubei/login", {"username": name, "password": LI["password"]}).status_code == 429
    # another name is not slowed down
    assert b.post("/hubei/login", {"username": "hb-officer", "password": "x"}).status_code == 422
    beijing_noon.shift(16 * 60)
    b = _from(demo, "10.2.1.2")
    b.page("/hubei/login")
    r = b.post("/hubei/login", {"username": name, "password": LI["password"]})
    if name == "liminghua":
        assert "/hubei/me" in redirected_to(r)
    else:
        assert r.status_code == 422


def test_setting_a_password_on_a_name_counts_in_its_budget(demo, limits, beijing_noon):
    """Issue 14: a doctor's user name need not be unique, so a sign-up (like a reset or a
    doctor's new password) sets a password on a name: it counts as a try of that name, or a
    guesser could set their own account's password to each guess and never fail a log-in."""
    limits["PASSWORD_FAILURE_LIMIT"] = "3 per 15 minutes"
    answers = []
    for i in range(4):
        b = _from(demo, f"10.3.0.{i}")
        b.page("/hubei/signup")
        form = doctor_form(
            "赵无名", resident_id(f"4201111985070{7200 + i}"), f"1390000011{i}", "zwzw"
        )
        answers.append(b.post("/hubei/signup", form).status_code)
    assert answers == [303, 303, 303, 429], answers
    b = _from(demo, "10.3.1.1")
    b.page("/hubei/login")
    assert b.post("/hubei/login", {"username": "zwzw", "password": "Secret-123"}).status_code == 429
    beijing_noon.shift(16 * 60)
    assert b.post("/hubei/login", {"username": "zwzw", "password": "x"}).status_code == 422
