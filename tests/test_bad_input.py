"""Bad input on every form (SEC6) and the one-time-code limits (SEC2), through HTTP.

Each bad post answers a 4xx, or the form again with its error, never a 500, and changes
nothing: the whole database is compared before and after (``unchanged``), except where a
wrong code is counted, which is the point of SEC2. Times are moved by editing the rows,
never by sleeping."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from portal.accounts.codes import ACTIVATION_ALPHABET
from portal.accounts.models import CodePurpose, OneTimeCode, User
from portal.extensions import db
from portal.registry.records import IdentityCase
from portal.tenants.models import Tenant
from portal.workflow.models import Application
from tests.support.db import in_tenant, snapshot, unchanged
from tests.support.http import Browser, redirected_to, staff_login, totp_now
from tests.support.journey import (
    ALL_MATERIALS,
    doctor_form,
    institution_id,
    last_activation_code,
    last_otp,
    messages_to,
    name_institution,
    resident_id,
    walk_doctor,
)

LONG = "x" * 10_000
LONG_CJK = "李" * 10_000
DOCTOR = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
UNMATCHED = doctor_form("赵无名", resident_id("42011119850707123"), "13800138009", "zhaowuming")
#: 1988-13-12: month 13, with a check digit that is right for the other 17 characters (D1)
MONTH_13 = resident_id("42052519881312123")


def errors(response) -> dict[str, str]:
    """Field id -> its error text, as shown next to the field."""
    return dict(
        re.findall(r'<p class="err" id="([^"]+)-err">([^<]*)</p>', response.get_data(as_text=True))
    )


def english(b: Browser) -> Browser:
    b.client.set_cookie("lang", "en")
    return b


def shift_codes(app, *, seconds: int) -> None:
    """Move every one-time code ``seconds`` into the past (created and expiry)."""
    with in_tenant(app, "hubei"):
        for row in db.session.execute(select(OneTimeCode)).scalars():
            row.created_at -= timedelta(seconds=seconds)
            row.expires_at -= timedelta(seconds=seconds)
        db.session.commit()


def code_rows(app, purpose: CodePurpose | None = None) -> list[OneTimeCode]:
    with in_tenant(app, "hubei"):
        stmt = select(OneTimeCode).order_by(OneTimeCode.id)
        if purpose is not None:
            stmt = stmt.where(OneTimeCode.purpose == purpose)
        rows = db.session.execute(stmt).scalars().all()
        db.session.expunge_all()
        return rows


def lifetime(row: OneTimeCode) -> timedelta:
    """expires_at - created_at, to the second (the two are stamped a moment apart)."""
    return timedelta(seconds=round((row.expires_at - row.created_at).total_seconds()))


def doctor_row(app, username: str = "liminghua") -> User:
    with in_tenant(app, "hubei"):
        user = db.session.execute(select(User).filter_by(username=username)).scalar_one()
        db.session.expunge(user)
        return user


def no_csrf(b: Browser, url: str, data: dict):
    """A forged post: the same fields, no CSRF token."""
    return b.client.post(url, data=data)


# ---- sign-up (D1) ---------------------------------------------------------------------------


def signup_page(app) -> Browser:
    b = english(Browser(app.test_client()))
    b.page("/hubei/signup")
    return b


SIGNUP_CASES = {
    # case: (fields changed, the field whose error shows, a piece of the message)
    "all empty": ({k: "" for k in DOCTOR}, "real_name", "required"),
    "name too long": ({"real_name": LONG_CJK}, "real_name", ""),
    "ID too long": ({"id_number": LONG}, "id_number", "18 characters"),
    "phone too long": ({"phone": "1" * 10_000}, "phone", "mobile number"),
    "email too long": ({"email": LONG + "@example.com"}, "email", "email"),
    "user name too long": ({"username": "a" * 10_000}, "username", "4 to 32"),
    "password too long": (
        {"password": LONG + "1", "password_again": LONG + "1"},
        "password",
        "8 to 128",
    ),
    "letters in the real name": ({"real_name": "Li Minghua"}, "real_name", "Chinese characters"),
    "a letter among the characters": ({"real_name": "李明华a"}, "real_name", "Chinese characters"),
    "digits in the real name": ({"real_name": "李明华2"}, "real_name", "Chinese characters"),
    "wrong ID check digit": ({"id_number": "420525198803121235"}, "id_number", "check every digit"),
    "letter inside the ID": ({"id_number": "4205251988031212X6"}, "id_number", "17 digits"),
    "ID birth month 13": ({"id_number": MONTH_13}, "id_number", "birth date"),
    "ID birth date 30 February": (
        {"id_number": resident_id("42052519880230123")},
        "id_number",
        "birth date",
    ),
    "landline, not a mobile": ({"phone": "02787654321"}, "phone", "mobile number"),
    "10-digit phone": ({"phone": "1380013800"}, "phone", "mobile number"),
    "not an email": ({"email": "li.example.com"}, "email", "email"),
    "user name in Chinese": ({"username": "李明华"}, "username", "4 to 32"),
    "user name starting with a digit": ({"username": "1liming"}, "username", "4 to 32"),
    "password digits only": (
        {"password": "12345678", "password_again": "12345678"},
        "password",
        "letters",
    ),
    "passwords differ": ({"password_again": "Secret-124"}, "password_again", "differ"),
}


@pytest.mark.parametrize("case", list(SIGNUP_CASES))
def test_D1_signup_refuses_bad_fields(demo, case):
    changes, field_id, message = SIGNUP_CASES[case]
    b = signup_page(demo)
    with unchanged(demo):
        r = b.post("/hubei/signup", {**DOCTOR, **changes})
    assert r.status_code == 422
    shown = errors(r)
    assert field_id in shown, (case, shown)
    assert message.lower() in shown[field_id].lower(), (case, shown[field_id])


def test_D1_signup_all_empty_marks_every_field(demo):
    b = signup_page(demo)
    with unchanged(demo):
        r = b.post("/hubei/signup", {k: "" for k in DOCTOR})
    assert r.status_code == 422 and set(errors(r)) == set(DOCTOR)


def test_D1_area_code_missing_from_stdnum_is_accepted(demo):
    """420525 (远安县) is a real county that python-stdnum's table lacks: only a warning."""
    with pytest.raises(StdnumError):
        ric.validate("420525198803121236")  # precondition: stdnum alone would refuse it
    b = signup_page(demo)
    r = b.post("/hubei/signup", {**UNMATCHED, "id_number": resident_id("42052519900101123")})
    assert redirected_to(r).endswith("/hubei/me")
    user = doctor_row(demo, "zhaowuming")
    assert user.id_number.startswith("420525")
    with in_tenant(
        demo, "hubei"
    ):  # no qualification record: unverified, with an identity case (D2)
        assert db.session.execute(select(IdentityCase.user_id)).scalar_one() == user.id


def test_D1_full_width_digits_from_a_phone_keyboard_are_read_as_digits(demo):
    """A Chinese input method may type ４２０… and １３８…: stored as ASCII, matched to the record."""
    b = signup_page(demo)
    r = b.post(
        "/hubei/signup",
        {
            **DOCTOR,
            "id_number": "４２０５２５１９８８０３１２１２３６",
            "phone": "１３８００１３８００１",
            "username": "fullwidth",
        },
    )
    assert redirected_to(r).endswith("/hubei/me")
    user = doctor_row(demo, "fullwidth")
    assert (
        user.id_number == "420525198803121236"
        and user.phone == "13800138001"
        and user.identity_verified
    )


def test_D1_middle_dot_name_is_accepted(demo):
    b = signup_page(demo)
    r = b.post(
        "/hubei/signup",
        doctor_form("阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli"),
    )
    assert redirected_to(r).endswith("/hubei/me")
    assert doctor_row(demo, "ayiguli").identity_verified  # matched the qualification record (D2)


def test_signup_without_csrf_token(demo):
    b = signup_page(demo)
    with unchanged(demo):
        assert no_csrf(b, "/hubei/signup", DOCTOR).status_code == 400
        assert b.post("/hubei/signup", {**DOCTOR, "csrf_token": "forged"}).status_code == 400


@pytest.mark.parametrize("field", ["real_name", "id_number", "username", "email", "password"])
def test_nul_character_is_refused(demo, field):
    """PostgreSQL cannot store NUL: it is refused at the door instead of failing as a 500."""
    b = signup_page(demo)
    with unchanged(demo):
        r = b.post(
            "/hubei/signup", {**DOCTOR, field: DOCTOR[field][:3] + "\x00" + DOCTOR[field][3:]}
        )
    assert r.status_code == 400


# ---- log-in and TOTP (SEC1, SEC3) -----------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "", "password": ""},
        {"username": LONG, "password": "Demo-pass-2026"},
        {"username": "hb-officer", "password": LONG},
        {"username": "hb-officer", "password": "wrong-password-1"},
        {"username": "nobody-here", "password": "Demo-pass-2026"},
        {"username": "hb-officer\x00", "password": "Demo-pass-2026"},
    ],
    ids=["empty", "long user name", "long password", "wrong password", "unknown user", "NUL"],
)
def test_login_refuses_bad_input(demo, fields):
    b = english(Browser(demo.test_client()))
    b.page("/hubei/login")
    with unchanged(demo):
        r = b.post("/hubei/login", fields)
    assert r.status_code in (400, 422)
    assert b.page("/hubei/login/totp").status_code == 303  # no password step was passed


def test_login_without_csrf_token(demo):
    b = Browser(demo.test_client())
    b.page("/hubei/login")
    with unchanged(demo):
        r = no_csrf(b, "/hubei/login", {"username": "hb-officer", "password": "Demo-pass-2026"})
    assert 400 <= r.status_code < 500
    assert "/hubei/login" in redirected_to(b.page("/hubei/login/totp"))


def password_step(app, username="hb-officer") -> Browser:
    b = english(Browser(app.test_client()))
    b.page("/hubei/login")
    assert "/login/totp" in redirected_to(
        b.post("/hubei/login", {"username": username, "password": "Demo-pass-2026"})
    )
    b.page("/hubei/login/totp")
    return b


@pytest.mark.parametrize(
    "code",
    ["", "000000", "12345", "1234567", "abcdef", LONG],
    ids=["empty", "wrong", "five digits", "seven digits", "letters", "long"],
)
def test_SEC3_totp_refuses_bad_codes(demo, code):
    from devdata.demo import demo_totp_secret

    if code == "000000" and totp_now(demo_totp_secret("hb-officer")) == code:
        code = "000001"
    b = password_step(demo)
    with unchanged(demo):
        r = b.post("/hubei/login/totp", {"code": code})
    assert r.status_code == 422
    assert "/hubei/login" in redirected_to(b.page("/hubei/admin/"))


def test_SEC3_totp_replayed_code_is_refused(demo):
    from devdata.demo import demo_totp_secret

    code = totp_now(demo_totp_secret("hb-officer"))
    first = password_step(demo)
    redirected_to(first.post("/hubei/login/totp", {"code": code}))
    second = password_step(demo)
    with unchanged(demo):
        r = second.post("/hubei/login/totp", {"code": code})
    assert r.status_code == 422 and "already used" in errors(r)["code"]


def test_totp_without_csrf_or_password_step(demo):
    from devdata.demo import demo_totp_secret

    b = password_step(demo)
    with unchanged(demo):
        r = no_csrf(b, "/hubei/login/totp", {"code": totp_now(demo_totp_secret("hb-officer"))})
        assert 400 <= r.status_code < 500
    lone = Browser(demo.test_client())
    lone.page("/hubei/login")
    with unchanged(demo):
        r = lone.post("/hubei/login/totp", {"code": totp_now(demo_totp_secret("hb-officer"))})
    assert redirected_to(r).startswith("/hubei/login")


# ---- phone verification (D3) ----------------------------------------------------------------


@pytest.fixture
def signed_up(demo):
    b = english(Browser(demo.test_client()))
    b.page("/hubei/signup")
    redirected_to(b.post("/hubei/signup", DOCTOR))
    b.page("/hubei/me/verify")
    return b


def send_code(b: Browser, channel="sms"):
    b.page("/hubei/me/verify")
    return b.post(f"/hubei/me/verify/send?channel={channel}", {"channel": channel})


def check_code(b: Browser, code: str, channel="sms"):
    b.page("/hubei/me/verify")
    return b.post(f"/hubei/me/verify/check?channel={channel}", {"channel": channel, "code": code})


@pytest.mark.parametrize(
    "data",
    [
        {"channel": ""},
        {"channel": "fax"},
        {"channel": LONG},
        {},
    ],
    ids=["empty channel", "unknown channel", "long channel", "no channel"],
)
def test_verify_send_refuses_bad_channel(demo, signed_up, data):
    with unchanged(demo):
        r = signed_up.post("/hubei/me/verify/send", data)
    assert r.status_code == 400


def test_verify_send_without_csrf(demo, signed_up):
    with unchanged(demo):
        assert no_csrf(signed_up, "/hubei/me/verify/send", {"channel": "sms"}).status_code == 400


@pytest.mark.parametrize("code", ["", LONG, "1" * 13], ids=["empty", "10000 chars", "13 digits"])
def test_verify_check_refuses_malformed_code_without_counting_it(demo, signed_up, code):
    assert send_code(signed_up).status_code == 200
    with unchanged(demo):
        r = check_code(signed_up, code)
    assert r.status_code == 422 and errors(r)["code"]


def test_verify_check_without_csrf(demo, signed_up):
    send_code(signed_up)
    with unchanged(demo):
        r = no_csrf(
            signed_up,
            "/hubei/me/verify/check",
            {"channel": "sms", "code": last_otp(demo, DOCTOR["phone"])},
        )
    assert 400 <= r.status_code < 500
    assert doctor_row(demo).phone_verified_at is None


def test_D3_wrong_code_is_refused(demo, signed_up):
    send_code(signed_up)
    right = last_otp(demo, DOCTOR["phone"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    r = check_code(signed_up, wrong)
    assert r.status_code == 422 and "wrong" in errors(r)["code"]
    assert doctor_row(demo).phone_verified_at is None
    assert code_rows(demo)[-1].attempts == 1 and code_rows(demo)[-1].used_at is None


def test_SEC2_expired_code_is_refused(demo, signed_up):
    send_code(signed_up)
    code = last_otp(demo, DOCTOR["phone"])
    shift_codes(demo, seconds=5 * 60 + 1)
    with unchanged(demo):
        r = check_code(signed_up, code)
    assert r.status_code == 422 and "expired" in errors(r)["code"]
    assert doctor_row(demo).phone_verified_at is None


def test_SEC2_replayed_code_is_refused(demo, signed_up):
    send_code(signed_up)
    code = last_otp(demo, DOCTOR["phone"])
    redirected_to(check_code(signed_up, code))
    with unchanged(demo):
        r = check_code(signed_up, code)
    assert r.status_code == 422 and "expired" in errors(r)["code"]


def test_SEC2_older_code_stops_working_when_a_new_one_is_sent(demo, signed_up):
    send_code(signed_up)
    first = last_otp(demo, DOCTOR["phone"])
    shift_codes(demo, seconds=61)
    assert send_code(signed_up).status_code == 200
    second = last_otp(demo, DOCTOR["phone"])
    if first != second:
        assert check_code(signed_up, first).status_code == 422
        assert doctor_row(demo).phone_verified_at is None
    redirected_to(check_code(signed_up, second))


# ---- SEC2: the limits -----------------------------------------------------------------------


def test_SEC2_resend_cool_down(demo, signed_up):
    assert send_code(signed_up).status_code == 200
    shift_codes(demo, seconds=50)
    with unchanged(demo):
        r = send_code(signed_up)
    assert r.status_code == 429 and "wait" in errors(r)["code"]
    assert len(code_rows(demo)) == 1
    shift_codes(demo, seconds=11)  # 61 s after the first
    assert send_code(signed_up).status_code == 200
    assert len(code_rows(demo)) == 2


def test_SEC2_at_most_five_sends_per_hour(demo, signed_up):
    for _ in range(5):
        assert send_code(signed_up).status_code == 200
        shift_codes(demo, seconds=61)
    with unchanged(demo):
        r = send_code(signed_up)
    assert r.status_code == 429 and "last hour" in errors(r)["code"]
    shift_codes(demo, seconds=3600)
    assert send_code(signed_up).status_code == 200


def test_SEC2_five_wrong_tries_kill_the_code(demo, signed_up):
    send_code(signed_up)
    right = last_otp(demo, DOCTOR["phone"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for i in range(5):
        r = check_code(signed_up, wrong)
        assert r.status_code == 422, i
    assert "Too many wrong tries" in errors(r)["code"]
    r = check_code(signed_up, right)  # the 6th try, with the right code
    assert r.status_code == 422 and "Too many wrong tries" in errors(r)["code"]
    assert doctor_row(demo).phone_verified_at is None
    assert code_rows(demo)[-1].used_at is None


def test_SEC2_ten_wrong_codes_in_a_row_lock_code_entry_across_new_codes(demo, signed_up):
    for _round in range(2):  # a new code does not reset the count of consecutive failures
        send_code(signed_up)
        right = last_otp(demo, DOCTOR["phone"])
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        for _ in range(5):
            r = check_code(signed_up, wrong)
        shift_codes(demo, seconds=61)
    assert r.status_code == 422 and "locked" in errors(r)["code"]
    user = doctor_row(demo)
    assert user.code_failures == 10 and user.code_locked_until is not None
    # the last code, typed right, is still refused while the lock holds
    with unchanged(demo):
        r = check_code(signed_up, right)
    assert r.status_code == 422 and "locked" in errors(r)["code"]
    # and no new code is sent while it holds (issue 14: lock means no sends)
    sent = len(messages_to(demo, DOCTOR["phone"]))
    r = send_code(signed_up)
    assert r.status_code == 429 and "locked" in errors(r)["code"]
    assert len(messages_to(demo, DOCTOR["phone"])) == sent
    assert doctor_row(demo).phone_verified_at is None
    # an hour later the lock is gone
    with in_tenant(demo, "hubei"):
        user = db.session.execute(select(User).filter_by(username="liminghua")).scalar_one()
        user.code_locked_until -= timedelta(minutes=61)
        db.session.commit()
    send_code(signed_up)
    redirected_to(check_code(signed_up, last_otp(demo, DOCTOR["phone"])))
    assert doctor_row(demo).code_failures == 0


def test_SEC2_codes_are_stored_hashed(demo, signed_up):
    send_code(signed_up)
    sms = last_otp(demo, DOCTOR["phone"])
    shift_codes(demo, seconds=61)
    send_code(signed_up, "email")
    mail = last_otp(demo, DOCTOR["email"])
    for row in snapshot(demo)["one_time_code"]:
        for value in row:
            assert sms not in str(value) and mail not in str(value)


def test_SEC2_code_lifetime_and_shape(demo, signed_up):
    send_code(signed_up)
    row = code_rows(demo)[-1]
    assert lifetime(row) == timedelta(minutes=5)
    assert re.fullmatch(r"\d{6}", last_otp(demo, DOCTOR["phone"]))


# ---- activation (D4) ------------------------------------------------------------------------


@pytest.fixture
def hb_staff(demo):
    return english(staff_login(demo, "hb-county-staff"))


@pytest.fixture
def waiting(demo):
    """A doctor who verified the phone and named 远安县人民医院, waiting for a code."""
    walked = walk_doctor(demo, "hubei", DOCTOR, until="named", institution="远安")
    english(walked.browser)
    return walked


def send_activation(staff: Browser, doctor_id: int, channel="sms"):
    staff.page("/hubei/institution/activations")
    return staff.post(f"/hubei/institution/activations/{doctor_id}/send", {"channel": channel})


@pytest.mark.parametrize("value", ["", "abc", "9" * 10_000, "2147483648", "²", "-1", "1\x00"])
def test_D4_choose_institution_refuses_bad_ids(demo, value):
    walked = walk_doctor(demo, "hubei", DOCTOR, until="verified")
    walked.browser.page("/hubei/me/activate")
    with unchanged(demo):
        r = walked.browser.post("/hubei/me/activate/institution", {"institution_id": value})
    assert r.status_code == 400


def test_D4_choose_unknown_institution_or_without_csrf(demo):
    walked = walk_doctor(demo, "hubei", DOCTOR, until="verified")
    walked.browser.page("/hubei/me/activate")
    with unchanged(demo):
        assert (
            walked.browser.post(
                "/hubei/me/activate/institution", {"institution_id": "999999"}
            ).status_code
            == 404
        )
        assert (
            no_csrf(
                walked.browser, "/hubei/me/activate/institution", {"institution_id": "1"}
            ).status_code
            == 400
        )


@pytest.mark.parametrize(
    "code", ["", LONG, "ABCDEFGHJK", "abc\x00"], ids=["empty", "long", "wrong", "NUL"]
)
def test_D4_bad_activation_code(demo, hb_staff, waiting, code):
    send_activation(hb_staff, waiting.doctor_id)
    waiting.browser.page("/hubei/me/activate")
    r = waiting.browser.post("/hubei/me/activate/code", {"code": code})
    assert r.status_code in (400, 422)
    assert doctor_row(demo).activated_at is None


def test_D4_expired_activation_code(demo, hb_staff, waiting):
    send_activation(hb_staff, waiting.doctor_id)
    code = last_activation_code(demo, DOCTOR["phone"])
    shift_codes(demo, seconds=72 * 3600 + 1)
    waiting.browser.page("/hubei/me/activate")
    with unchanged(demo):
        r = waiting.browser.post("/hubei/me/activate/code", {"code": code})
    assert r.status_code == 422 and "expired" in errors(r)["code"]


def test_D4_activation_code_is_bound_to_one_doctor(demo, hb_staff, waiting):
    """Another doctor of the same institution cannot use it; its owner still can, once."""
    other = walk_doctor(demo, "hubei", UNMATCHED, until="named", institution="远安")
    send_activation(hb_staff, waiting.doctor_id)
    code = last_activation_code(demo, DOCTOR["phone"])
    other.browser.page("/hubei/me/activate")
    r = other.browser.post("/hubei/me/activate/code", {"code": code})
    assert r.status_code == 422
    assert doctor_row(demo, "zhaowuming").activated_at is None
    waiting.browser.page("/hubei/me/activate")
    redirected_to(waiting.browser.post("/hubei/me/activate/code", {"code": code}))
    # replayed: the account is active, nothing more happens
    with unchanged(demo):
        r = waiting.browser.post("/hubei/me/activate/code", {"code": code})
        assert redirected_to(r).endswith("/hubei/me")


def test_D4_activation_code_without_csrf(demo, hb_staff, waiting):
    send_activation(hb_staff, waiting.doctor_id)
    code = last_activation_code(demo, DOCTOR["phone"])
    with unchanged(demo):
        r = no_csrf(waiting.browser, "/hubei/me/activate/code", {"code": code})
    assert 400 <= r.status_code < 500


def test_SEC2_activation_code_shape(demo, hb_staff, waiting):
    send_activation(hb_staff, waiting.doctor_id)
    code = last_activation_code(demo, DOCTOR["phone"])
    assert len(code) >= 8 and set(code) <= set(ACTIVATION_ALPHABET)
    assert not set(code) & set("01OIL")
    row = code_rows(demo, CodePurpose.ACTIVATION)[-1]
    assert lifetime(row) == timedelta(hours=72)
    assert all(code not in str(v) for r in snapshot(demo)["one_time_code"] for v in r)


# ---- institution: activation queue (I3) -----------------------------------------------------


def test_I3_send_activation_bad_requests(demo, hb_staff, waiting):
    tertiary = english(staff_login(demo, "hb-tertiary-staff"))
    hb_staff.page("/hubei/institution/activations")
    with unchanged(demo):
        assert (
            no_csrf(
                hb_staff,
                f"/hubei/institution/activations/{waiting.doctor_id}/send",
                {"channel": "sms"},
            ).status_code
            == 400
        )
        for channel in ("fax", LONG):
            assert send_activation(hb_staff, waiting.doctor_id, channel).status_code == 400
        for doctor_id in (999999, 2**31, 10**30):  # unknown, and past any id column
            assert send_activation(hb_staff, doctor_id).status_code == 404
        # a doctor who named the other institution is not in this queue
        assert send_activation(tertiary, waiting.doctor_id).status_code == 404
        assert (
            no_csrf(hb_staff, "/hubei/institution/activations/auto", {"enabled": "y"}).status_code
            == 400
        )


def test_SEC2_activation_send_cool_down(demo, hb_staff, waiting):
    redirected_to(send_activation(hb_staff, waiting.doctor_id))
    with unchanged(demo):
        r = send_activation(hb_staff, waiting.doctor_id)
    redirected_to(r)  # a plain post: back to the queue with the message
    assert "wait" in hb_staff.page("/hubei/institution/activations").get_data(as_text=True)
    hb_staff.htmx = True
    with unchanged(demo):
        r = send_activation(hb_staff, waiting.doctor_id)
    assert r.status_code == 429
    assert len(code_rows(demo, CodePurpose.ACTIVATION)) == 1


def test_I3_send_to_an_activated_doctor_sends_nothing(demo, hb_staff, waiting):
    send_activation(hb_staff, waiting.doctor_id)
    waiting.browser.page("/hubei/me/activate")
    redirected_to(
        waiting.browser.post(
            "/hubei/me/activate/code", {"code": last_activation_code(demo, DOCTOR["phone"])}
        )
    )
    shift_codes(demo, seconds=61)
    with unchanged(demo):
        redirected_to(send_activation(hb_staff, waiting.doctor_id))
    assert "already activated" in hb_staff.page("/hubei/institution/activations").get_data(
        as_text=True
    )


# ---- the application wizard (D9–D15) --------------------------------------------------------


@pytest.fixture
def activated(demo, hb_staff):
    walked = walk_doctor(
        demo, "hubei", DOCTOR, until="activated", staff=hb_staff, institution="远安"
    )
    english(walked.browser)
    return walked


def post_step(walked, step: str, fields: dict):
    walked.browser.page(f"/hubei/me/application/{step}")
    return walked.browser.post(f"/hubei/me/application/{step}", fields)


GOOD = {
    "personal": {"home_address": "湖北省远安县演示街 1 号"},
    "practice": {"scopes": ["internal"], "contract_start": "", "contract_end": ""},
    "history": {"work_experience": "无", "rewards_punishments": "无"},
}

STEP_CASES = {
    # case: (step, fields changed, field with the error)
    "long address": ("personal", {"home_address": LONG_CJK}, "home_address"),
    "empty address": ("personal", {"home_address": ""}, "home_address"),
    "long work experience": ("history", {"work_experience": LONG_CJK}, "work_experience"),
    "long rewards and punishments": (
        "history",
        {"rewards_punishments": LONG_CJK},
        "rewards_punishments",
    ),
    "empty work experience": ("history", {"work_experience": ""}, "work_experience"),
    "empty rewards and punishments (D9: 无, not empty)": (
        "history",
        {"rewards_punishments": " "},
        "rewards_punishments",
    ),
    "no scope": ("practice", {"scopes": []}, "scopes"),
    "scope of another category (L9)": ("practice", {"scopes": ["tcm"]}, "scopes"),
    "unknown scope": ("practice", {"scopes": [LONG]}, "scopes"),
    "four scopes at county level (R1)": (
        "practice",
        {"scopes": ["internal", "surgery", "paediatrics", "emergency"]},
        "scopes",
    ),
    "impossible date": (
        "practice",
        {"contract_start": "2024-13-45", "contract_end": "2025-01-01"},
        "contract_start",
    ),
    "date not a date": (
        "practice",
        {"contract_start": LONG, "contract_end": "2025-01-01"},
        "contract_start",
    ),
    "contract ends before it starts": (
        "practice",
        {"contract_start": "2025-01-01", "contract_end": "2024-01-01"},
        "contract_end",
    ),
    "one contract date only (D14)": ("practice", {"contract_start": "2025-01-01"}, "contract_end"),
}


@pytest.mark.parametrize("case", list(STEP_CASES))
def test_D9_wizard_refuses_bad_fields(demo, activated, case):
    step, changes, field_id = STEP_CASES[case]
    with unchanged(demo):
        r = post_step(activated, step, {**GOOD[step], **changes})
    assert r.status_code == 422, (case, r.status_code)
    assert field_id in errors(r), (case, errors(r))


BAD_PHOTOS = {
    "GIF behind a .jpg name": (
        lambda: (io.BytesIO(b"GIF89a" + b"\0" * 64), "me.jpg", "image/jpeg"),
        "broken",
    ),
    "text behind a .png name": (
        lambda: (io.BytesIO(b"<script>alert(1)</script>"), "me.png", "image/png"),
        "readable",
    ),
    "truncated JPEG": (lambda: (io.BytesIO(_jpeg()[:400]), "me.jpg", "image/jpeg"), "readable"),
    "decompression bomb": (lambda: (io.BytesIO(_bomb()), "me.png", "image/png"), "too many pixels"),
    "too small": (lambda: (io.BytesIO(_jpeg((80, 100))), "me.jpg", "image/jpeg"), "too small"),
    "no file": (lambda: (io.BytesIO(b""), "", "application/octet-stream"), "choose a file"),
}


def _jpeg(size=(600, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "JPEG")
    return out.getvalue()


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 megapixels in about 50 KB
    return out.getvalue()


@pytest.mark.parametrize("case", list(BAD_PHOTOS))
def test_D11_photo_checked_by_content(demo, activated, case):
    make, message = BAD_PHOTOS[case]
    post_step(activated, "personal", GOOD["personal"])  # the draft exists
    with unchanged(demo):
        r = post_step(activated, "photo", {"action": "upload", "photo": make()})
    assert r.status_code == 422
    shown = errors(r)
    assert "photo" in shown and (
        message.lower() in shown["photo"].lower() or case.startswith("GIF")
    ), shown


def test_D11_someone_elses_or_a_made_up_photo_cannot_be_used(demo, activated):
    post_step(activated, "personal", GOOD["personal"])
    for pending in ("abc", "999999", "9" * 400, ""):
        with unchanged(demo):
            r = post_step(activated, "photo", {"action": "use", "pending_id": pending})
        assert r.status_code == 422, pending


def test_D9_submit_with_steps_missing_is_refused(demo, activated):
    post_step(activated, "personal", GOOD["personal"])
    with unchanged(demo):
        r = post_step(activated, "review", {})
    assert r.status_code == 422
    assert "/hubei/me/application/photo" in r.get_data(as_text=True)  # links to what is missing


def test_D9_wizard_without_csrf(demo, activated):
    with unchanged(demo):
        for step in ("personal", "practice", "history", "review"):
            r = no_csrf(activated.browser, f"/hubei/me/application/{step}", GOOD.get(step, {}))
            assert r.status_code == 400


def test_D9_unknown_step_is_404(demo, activated):
    assert activated.browser.page("/hubei/me/application/nope").status_code == 404


def test_D7_submitted_application_cannot_be_edited(demo, hb_staff):
    walked = walk_doctor(
        demo, "hubei", DOCTOR, until="submitted", staff=hb_staff, institution="远安"
    )
    with unchanged(demo):
        for step in ("personal", "practice", "review"):
            r = walked.browser.post(
                f"/hubei/me/application/{step}", {**GOOD.get(step, {}), "home_address": "别处"}
            )
            assert redirected_to(r).endswith("/hubei/me")


def test_application_before_activation_is_refused(demo):
    walked = walk_doctor(demo, "hubei", DOCTOR, until="named", institution="远安")
    walked.browser.page("/hubei/me")
    with unchanged(demo):
        r = walked.browser.post("/hubei/me/application/personal", GOOD["personal"])
    assert redirected_to(r).endswith("/hubei/me")


# ---- institution: approval queue (I4) -------------------------------------------------------


@pytest.fixture
def submitted(demo, hb_staff):
    walked = walk_doctor(
        demo, "hubei", DOCTOR, until="submitted", staff=hb_staff, institution="远安"
    )
    hb_staff.page("/hubei/institution/approvals")
    return walked


def app_state(app, app_id: int) -> str:
    with in_tenant(app, "hubei"):
        return db.session.get(Application, app_id).state.value


def test_I4_confirm_and_reject_without_csrf(demo, hb_staff, submitted):
    with unchanged(demo):
        assert (
            no_csrf(
                hb_staff, f"/hubei/institution/approvals/{submitted.app_id}/confirm", {}
            ).status_code
            == 400
        )
        assert (
            no_csrf(
                hb_staff,
                f"/hubei/institution/approvals/{submitted.app_id}/reject",
                {"reason": "材料不全"},
            ).status_code
            == 400
        )


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("reason", ["", "   ", LONG_CJK], ids=["empty", "blank", "long"])
def test_I4_reject_needs_a_sensible_reason(demo, hb_staff, submitted, reason, htmx):
    hb_staff.htmx = htmx
    with unchanged(demo):
        r = hb_staff.post(
            f"/hubei/institution/approvals/{submitted.app_id}/reject", {"reason": reason}
        )
    # a 422 either way: the item (htmx) or the whole queue (plain form, P1) with the message next
    # to this item's reason field, tied to it (P7)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert ("<html" in page) is not htmx
    field = re.search(rf'<input id="(reason-[a-z]+-{submitted.app_id})"[^>]*>', page)
    assert field and f'aria-describedby="{field.group(1)}-err"' in field.group(0)
    message = "Give the reason" if reason.strip() == "" else "500"
    assert re.search(f'<p class="err" id="{field.group(1)}-err"[^>]*>[^<]*{message}', page)
    assert app_state(demo, submitted.app_id) == "submitted"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_I4_confirm_an_already_confirmed_application(demo, hb_staff, submitted, htmx):
    redirected_to(hb_staff.post(f"/hubei/institution/approvals/{submitted.app_id}/confirm"))
    hb_staff.page("/hubei/institution/approvals")
    hb_staff.htmx = htmx
    with unchanged(demo):
        r = hb_staff.post(f"/hubei/institution/approvals/{submitted.app_id}/confirm")
        # A9: a 409 with what happened, by whom and when, plain (the queue page) or htmx (the item)
        assert r.status_code == 409 and "no longer waiting" in r.get_data(as_text=True)
        assert ("<html" in r.get_data(as_text=True)) is not htmx
        r = hb_staff.post(
            f"/hubei/institution/approvals/{submitted.app_id}/reject", {"reason": "晚了"}
        )
        assert r.status_code == 409


def test_I4_unknown_draft_and_huge_ids(demo, hb_staff, activated):
    post_step(activated, "personal", GOOD["personal"])  # a draft exists
    with in_tenant(demo, "hubei"):
        draft_id = db.session.execute(select(Application.id)).scalar_one()
    hb_staff.page("/hubei/institution/approvals")
    with unchanged(demo):
        for app_id in (draft_id, 999999, 2**31, 10**30):
            for action in ("confirm", "reject"):
                r = hb_staff.post(
                    f"/hubei/institution/approvals/{app_id}/{action}", {"reason": "x"}
                )
                assert r.status_code == 404, (app_id, action)


# ---- the officer (A4) -----------------------------------------------------------------------


@pytest.fixture
def officer(demo):
    return english(staff_login(demo, "hb-officer"))


def approve(officer: Browser, app_id: int, materials=ALL_MATERIALS):
    officer.page(f"/hubei/admin/applications/{app_id}")
    return officer.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": materials})


def serial(app) -> int:
    with app.app_context():
        return db.session.execute(
            select(Tenant.certificate_serial).filter_by(slug="hubei")
        ).scalar_one()


def test_A4_approve_a_submitted_not_confirmed_application(demo, submitted, officer):
    """The officer's page does not show a submitted application's approve form; a forged post
    is refused with 409 and no certificate number is used."""
    officer.page("/hubei/admin/")
    with unchanged(demo):
        r = officer.post(
            f"/hubei/admin/applications/{submitted.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    assert r.status_code == 409
    assert app_state(demo, submitted.app_id) == "submitted" and serial(demo) == 0


def test_A4_approve_twice(demo, hb_staff, submitted, officer):
    redirected_to(hb_staff.post(f"/hubei/institution/approvals/{submitted.app_id}/confirm"))
    redirected_to(approve(officer, submitted.app_id))
    assert serial(demo) == 1
    with unchanged(demo):
        officer.page("/hubei/admin/")
        r = officer.post(
            f"/hubei/admin/applications/{submitted.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    assert r.status_code == 409 and serial(demo) == 1


@pytest.mark.parametrize(
    "materials",
    [[], ALL_MATERIALS[:-1], ["bogus"] * 6, [LONG]],
    ids=["none", "one missing", "bogus", "long"],
)
def test_A4_approve_needs_every_material(demo, hb_staff, submitted, officer, materials):
    redirected_to(hb_staff.post(f"/hubei/institution/approvals/{submitted.app_id}/confirm"))
    with unchanged(demo):
        r = approve(officer, submitted.app_id, materials)
    assert r.status_code == 422 and "materials" in errors(r)


def test_A4_approve_without_csrf_and_bad_ids(demo, hb_staff, submitted, officer):
    redirected_to(hb_staff.post(f"/hubei/institution/approvals/{submitted.app_id}/confirm"))
    officer.page("/hubei/admin/")
    with unchanged(demo):
        assert (
            no_csrf(
                officer,
                f"/hubei/admin/applications/{submitted.app_id}/approve",
                {"materials": ALL_MATERIALS},
            ).status_code
            == 400
        )
        for app_id in (999999, 2**31, 10**30):
            assert officer.page(f"/hubei/admin/applications/{app_id}").status_code == 404
            assert (
                officer.post(
                    f"/hubei/admin/applications/{app_id}/approve", {"materials": ALL_MATERIALS}
                ).status_code
                == 404
            )


@pytest.mark.parametrize("before", ["abc", "-1", "0", "9" * 40, "2147483648"])
def test_queue_paging_ignores_bad_cursor(demo, hb_staff, officer, before):
    """P5's keyset cursor: a malformed one is ignored, a huge one never reaches the database."""
    with unchanged(demo):
        assert officer.page(f"/hubei/admin/?before={before}").status_code == 200
        assert hb_staff.page(f"/hubei/institution/approvals?before={before}").status_code == 200


def test_nul_in_query_string(demo, waiting):
    with unchanged(demo):
        assert waiting.browser.page("/hubei/me/activate?q=%E8%BF%9C%00").status_code == 400


# ---- name_institution is a step of the walk: keep the helper honest --------------------------


def test_name_institution_twice_after_activation_changes_nothing(demo, hb_staff, activated):
    with unchanged(demo):
        name_institution(activated.browser, "hubei", institution_id(demo, "hubei", "远安"))
