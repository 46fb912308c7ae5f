"""Public verification (V1, L8) and the doctor's electronic certificate, through HTTP.

Registrations are put in the database directly (an Application approved, with its
certificate number), except in the last test, where the officer approves through the admin
pages and the number the workflow issued is then looked up."""

from __future__ import annotations

import gzip
import html
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import segno
from babel.dates import format_date

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.columns import local_today, utcnow
from portal.extensions import db, limiter
from portal.public.models import VerificationCount
from portal.registry.institutions import Institution
from portal.registry.records import Category, Level
from portal.rules.registration import valid_until
from portal.workflow.models import Application, State
from tests.support.clock import NOON
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS

# registrations dated from today (Beijing): a known day, at noon
pytestmark = pytest.mark.usefixtures("beijing_noon")

PASSWORD = "Secret-123"


@dataclass
class Registered:
    tenant: str
    username: str
    real_name: str
    id_number: str
    phone: str
    email: str
    certificate_no: str
    institution: str
    registered_on: date | None
    app_id: int | None


def _scopes(keys: list[str]) -> dict:
    """The application's scope column(s): ``scopes`` (a list) since the wizard, ``scope`` before."""
    return {"scopes": keys} if hasattr(Application, "scopes") else {"scope": keys[0]}


def add_doctor(
    app,
    tenant: str,
    *,
    username: str,
    real_name: str,
    id_number: str,
    phone: str,
    institution: str,
    state: State | None = State.APPROVED,
    certificate_no: str | None = None,
    registered_on: date | None = None,
    level: Level = Level.PRACTITIONER,
    category: Category = Category.CLINICAL,
    scopes: tuple[str, ...] = ("internal",),
) -> Registered:
    """A doctor of ``tenant`` whose account is complete, with an application in ``state``
    (None: no application) at the institution whose name contains ``institution``."""
    email = f"{username}@example.com"
    with in_tenant(app, tenant):
        inst = db.session.execute(
            db.select(Institution).filter(Institution.name.contains(institution))
        ).scalar_one()
        now = utcnow()
        doctor = User(
            username=username,
            password_hash=hash_password(PASSWORD),
            role=Role.DOCTOR,
            real_name=real_name,
            id_number=id_number,
            phone=phone,
            email=email,
            phone_verified_at=now,
            identity_verified=True,
            institution_id=inst.id,
            institution_named_at=now,
            activated_at=now,
        )
        db.session.add(doctor)
        db.session.flush()
        app_id = None
        if state is not None:
            if state == State.APPROVED:
                registered_on = registered_on or local_today()
            application = Application(
                doctor_id=doctor.id,
                state=state,
                institution_id=inst.id,
                level=level,
                category=category,
                **_scopes(list(scopes)),
                contract_start=date(2024, 1, 1),
                contract_end=date(2030, 1, 1),
                home_address="演示省演示县演示街 1 号",
                work_experience="无",
                rewards_punishments="无",
                submitted_at=now,
                confirmed_at=now if state in (State.CONFIRMED, State.APPROVED) else None,
                decided_at=now if state == State.APPROVED else None,
                materials_received=ALL_MATERIALS if state == State.APPROVED else [],
                certificate_no=certificate_no,
                registered_on=registered_on,
                # as the workflow fixes it at approval (R3: two years by the national rules)
                valid_until=valid_until(registered_on, 2) if registered_on else None,
            )
            db.session.add(application)
            db.session.flush()
            app_id = application.id
        db.session.commit()
        return Registered(
            tenant,
            username,
            real_name,
            id_number,
            phone,
            email,
            certificate_no or "",
            inst.name,
            registered_on,
            app_id,
        )


HB_NO = "114205250000001"
GD_NO = "134402320000001"


@pytest.fixture(autouse=True)
def _fresh_limits():
    """Rate-limit counts live in the limiter's store, not the database: each test starts at 0."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def hubei_doctor(demo):
    return add_doctor(
        demo,
        "hubei",
        username="liminghua",
        real_name="李明华",
        id_number="420525198803121236",
        phone="13800138001",
        institution="远安",
        certificate_no=HB_NO,
        registered_on=local_today() - timedelta(days=30),
        scopes=("internal", "general_practice"),
    )


@pytest.fixture
def guangdong_doctor(demo):
    return add_doctor(
        demo,
        "guangdong",
        username="chenzhiqiang",
        real_name="陈志强",
        id_number="440104198709254569",
        phone="13900139001",
        institution="乳源",
        certificate_no=GD_NO,
        category=Category.DENTAL,
        scopes=("dental",),
    )


def english(client):
    client.set_cookie("lang", "en")
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def private_data(d: Registered) -> list[str]:
    """What the public page must never show (SEC5): ID number (whole or masked), phone
    (whole or masked), email, user name."""
    return [
        d.id_number,
        d.id_number[:3] + "*" * 11 + d.id_number[-4:],
        d.id_number[-6:],
        d.phone,
        d.phone[:3] + "****" + d.phone[-4:],
        d.email,
        d.username,
    ]


def lookups(app, tenant: str) -> int:
    with in_tenant(app, tenant):
        row = db.session.execute(
            db.select(VerificationCount).filter_by(day=local_today())
        ).scalar_one_or_none()
        return row.lookups if row else 0


# ---- the lookup ---------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_registration_shows_the_public_facts_and_nothing_private(demo, hubei_doctor, htmx):
    client = english(demo.test_client())
    r = client.get(f"/hubei/verify?no={HB_NO}", headers={"HX-Request": "true"} if htmx else {})
    assert r.status_code == 200
    page = text(r)
    until = valid_until(hubei_doctor.registered_on, 2)
    scopes = "内科专业、全科医学专业" if hasattr(Application, "scopes") else "内科专业"
    for fact in (
        "李明华",
        HB_NO,
        "Registered",
        "Practising physician (执业医师)",
        "Clinical (临床)",
        scopes,
        "远安县人民医院（演示）",
        format_date(until, "long", locale="en"),
    ):
        assert fact in page, fact
    assert not [p for p in private_data(hubei_doctor) if p in page]
    # the registration date is not on the public register; only valid-until
    assert format_date(hubei_doctor.registered_on, "long", locale="en") not in page
    assert ("<html" in page) is not htmx  # htmx gets the block only
    assert 'name="no"' in page  # the form stays, for the next number
    assert "no-cache" in r.headers["Cache-Control"]


def test_the_page_is_chinese_by_default(demo, hubei_doctor):
    page = text(demo.test_client().get(f"/hubei/verify?no={HB_NO}"))
    assert '<html lang="zh-CN">' in page and "李明华" in page and "执业医师" in page


def test_bare_form_without_a_number(demo):
    r = english(demo.test_client()).get("/hubei/verify")
    assert r.status_code == 200
    page = text(r)
    assert '<form method="get" action="/hubei/verify"' in page and 'name="no"' in page
    assert 'role="alert">No registration' not in page
    assert lookups(demo, "hubei") == 0  # showing the form is not a lookup


def test_tenant_home_links_to_the_check(demo):
    assert 'href="/hubei/verify"' in text(demo.test_client().get("/hubei/"))


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_unknown_number_is_404_with_a_message_and_the_form(demo, hubei_doctor, htmx):
    r = english(demo.test_client()).get(
        "/hubei/verify?no=114205259999999", headers={"HX-Request": "true"} if htmx else {}
    )
    # htmx swaps a partial in only on 2xx (and 422/429): the page is 404, its partial 200
    assert r.status_code == (200 if htmx else 404)
    page = text(r)
    assert "No registration in 湖北省 has the certificate number 114205259999999" in page
    assert 'name="no"' in page and 'value="114205259999999"' in page
    assert "李明华" not in page


@pytest.mark.parametrize(
    "typed", ["1142 0525 0000 001", "１１４２０５２５００００００１", f" {HB_NO} "]
)
def test_spaces_and_full_width_digits_are_read(demo, hubei_doctor, typed):
    r = demo.test_client().get("/hubei/verify", query_string={"no": typed})
    assert r.status_code == 200 and "李明华" in text(r)


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "11420525000000x",
        "1" * 21,
        "9" * 10_000,
        "-114205250000001",
        "1e15",
        "<script>alert(1)</script>",
        "李明华",
        "11420525'; --",
        "",
    ],
)
def test_malformed_numbers_get_a_message_not_a_lookup(demo, hubei_doctor, typed):
    r = english(demo.test_client()).get("/hubei/verify", query_string={"no": typed})
    assert r.status_code == 422
    page = text(r)
    assert re.search(r'<p class="err" id="no-err">[^<]+</p>', page), page[-2000:]
    assert 'aria-invalid="true"' in page
    assert "<script>alert" not in page  # escaped when echoed
    assert len(r.get_data()) < 20_000  # a huge input is not echoed back whole
    assert "远安县人民医院" not in page and "Registered" not in page
    assert lookups(demo, "hubei") == 0


def test_nul_is_refused_with_400(demo, hubei_doctor):
    r = demo.test_client().get("/hubei/verify", query_string={"no": HB_NO + "\x00"})
    assert r.status_code == 400
    assert lookups(demo, "hubei") == 0


def test_a_certificate_of_another_province_is_not_found(demo, hubei_doctor, guangdong_doctor):
    client = english(demo.test_client())
    r = client.get(f"/hubei/verify?no={GD_NO}")
    assert r.status_code == 404 and "陈志强" not in text(r)
    r = client.get(f"/guangdong/verify?no={HB_NO}")
    assert r.status_code == 404 and "李明华" not in text(r)
    r = client.get(f"/guangdong/verify?no={GD_NO}")
    assert r.status_code == 200 and "陈志强" in text(r) and "Dental (口腔)" in text(r)


def test_the_same_number_in_two_provinces_shows_each_its_own(demo, hubei_doctor):
    add_doctor(
        demo,
        "guangdong",
        username="chenzhiqiang",
        real_name="陈志强",
        id_number="440104198709254569",
        phone="13900139001",
        institution="乳源",
        certificate_no=HB_NO,
    )
    hubei = text(demo.test_client().get(f"/hubei/verify?no={HB_NO}"))
    guangdong = text(demo.test_client().get(f"/guangdong/verify?no={HB_NO}"))
    assert "李明华" in hubei and "陈志强" not in hubei
    assert "陈志强" in guangdong and "李明华" not in guangdong


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.REJECTED, State.CONFIRMED])
def test_only_approved_registrations_are_public(demo, state):
    add_doctor(
        demo,
        "hubei",
        username="wangfang",
        real_name="王芳",
        id_number="420106199205142348",
        phone="13800138003",
        institution="远安",
        state=state,
        certificate_no="124205250000009",
        registered_on=date(2025, 1, 1),
    )
    r = demo.test_client().get("/hubei/verify?no=124205250000009")
    assert r.status_code == 404 and "王芳" not in text(r)


def test_a_lapsed_registration_says_so(demo):
    add_doctor(
        demo,
        "hubei",
        username="wangfang",
        real_name="王芳",
        id_number="420106199205142348",
        phone="13800138003",
        institution="远安",
        certificate_no="124205250000002",
        registered_on=local_today() - timedelta(days=3 * 365),
        level=Level.ASSISTANT,
    )
    r = english(demo.test_client()).get("/hubei/verify?no=124205250000002")
    assert r.status_code == 200
    page = text(r)
    assert "Lapsed" in page and ">Registered<" not in page
    assert "Practising assistant physician (执业助理医师)" in page


# ---- counting and the rate limit (V1, L8) --------------------------------------------------


def test_every_lookup_is_counted_per_tenant_and_day(demo, hubei_doctor, guangdong_doctor):
    client = demo.test_client()
    client.get(f"/hubei/verify?no={HB_NO}")
    client.get("/hubei/verify?no=114205259999999")  # not found: still a lookup
    client.get(f"/hubei/verify?no={HB_NO}", headers={"HX-Request": "true"})
    client.get("/hubei/verify?no=abc")  # malformed: no lookup
    client.get("/hubei/verify")  # the bare form: no lookup
    client.get(f"/guangdong/verify?no={GD_NO}")
    assert lookups(demo, "hubei") == 3
    assert lookups(demo, "guangdong") == 1
    with in_tenant(demo, "hubei"):
        assert (
            db.session.execute(
                db.select(db.func.count()).select_from(VerificationCount)
            ).scalar_one()
            == 1
        )


def test_counting_survives_two_first_lookups_at_once(demo, monkeypatch):
    """Another process added the day's row between this one's UPDATE (no row yet) and its
    INSERT: the unique constraint refuses the second row, and the count is updated instead."""
    from portal.public.models import count_lookup

    with in_tenant(demo, "hubei"):
        db.session.add(VerificationCount(day=local_today(), lookups=1))  # the other process's row
        db.session.commit()
        real_execute = db.session.execute
        calls = []

        class NoRow:
            rowcount = 0

        def execute(stmt, *args, **kwargs):
            calls.append(stmt)
            return NoRow() if len(calls) == 1 else real_execute(stmt, *args, **kwargs)

        monkeypatch.setattr(db.session, "execute", execute)
        count_lookup(local_today())
        monkeypatch.undo()
    assert len(calls) == 2
    assert lookups(demo, "hubei") == 2


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_too_many_lookups_from_one_address_get_429(demo, hubei_doctor, monkeypatch, htmx):
    monkeypatch.setitem(demo.config, "VERIFY_RATE_LIMIT", "3 per 10 minutes")
    client = english(demo.test_client())
    headers = {"HX-Request": "true"} if htmx else {}
    for no in (HB_NO, "114205259999999", "abc"):  # found, not found, malformed: each one counts
        assert client.get(f"/hubei/verify?no={no}", headers=headers).status_code in (200, 404, 422)
    r = client.get(f"/hubei/verify?no={HB_NO}", headers=headers)
    assert r.status_code == 429
    page = text(r)
    assert "You have checked many certificates in a short time" in page
    assert "李明华" not in page
    assert 'name="no"' in page
    assert ("<html" in page) is not htmx
    assert int(r.headers["Retry-After"]) > 0
    assert lookups(demo, "hubei") == 2  # the refused lookup is not counted
    # the same address under another tenant: the limit is per client, not per province
    assert client.get(f"/guangdong/verify?no={GD_NO}").status_code == 429
    # the bare form still opens; another address may still look up
    assert client.get("/hubei/verify").status_code == 200
    other = demo.test_client()
    r = other.get(f"/hubei/verify?no={HB_NO}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert r.status_code == 200 and "李明华" in text(r)


def test_the_limit_is_chinese_by_default(demo, hubei_doctor, monkeypatch):
    monkeypatch.setitem(demo.config, "VERIFY_RATE_LIMIT", "1 per 10 minutes")
    client = demo.test_client()
    client.get(f"/hubei/verify?no={HB_NO}")
    r = client.get(f"/hubei/verify?no={HB_NO}")
    assert r.status_code == 429 and '<html lang="zh-CN">' in text(r)


def test_default_limit_is_30_per_10_minutes(demo):
    assert demo.config["VERIFY_RATE_LIMIT"] == "30 per 10 minutes"


# ---- budget (P2) -----------------------------------------------------------------------------


def test_verify_page_fits_the_byte_budget(demo, hubei_doctor):
    client = demo.test_client()
    html = client.get(f"/hubei/verify?no={HB_NO}").get_data()
    css_url = re.search(r'href="(/static/portal\.[0-9a-f]{10}\.css)"', html.decode()).group(1)
    with client.get(css_url) as r:
        css = r.get_data()
    assert len(gzip.compress(html)) + len(gzip.compress(css)) <= 14 * 1024
    partial = client.get(f"/hubei/verify?no={HB_NO}", headers={"HX-Request": "true"}).get_data()
    assert len(gzip.compress(partial)) <= 4 * 1024


# ---- the doctor's electronic certificate ------------------------------------------------------


def log_in(app, tenant: str, username: str) -> Browser:
    b = Browser(english(app.test_client()))
    b.page(f"/{tenant}/login")
    redirected_to(b.post(f"/{tenant}/login", {"username": username, "password": PASSWORD}))
    return b


def test_certificate_page_shows_the_facts_and_a_qr_code_of_the_public_check(demo, hubei_doctor):
    b = log_in(demo, "hubei", "liminghua")
    home = text(b.page("/hubei/me"))
    assert 'href="/hubei/me/certificate"' in home
    r = b.page("/hubei/me/certificate")
    assert r.status_code == 200
    page = text(r)
    url = f"http://localhost/hubei/verify?no={HB_NO}"
    for fact in ("李明华", HB_NO, "内科专业", "远安县人民医院（演示）", "Registered"):
        assert fact in page, fact
    assert f'<a href="{url}">' in page
    assert r.headers["Cache-Control"] == "no-store"  # a logged-in page (SEC5)
    # the inline QR code holds exactly the public check of the signed certificate (V2, its
    # link on the page too): the same modules as segno makes of it
    signed = html.unescape(re.search(r'href="(http[^"]*/verify\?t=[^"]+)"', page).group(1))
    assert signed.startswith("http://localhost/hubei/verify?t=")
    svg = re.search(r"<svg role=\"img\".*?</svg>", page, re.S).group(0)
    expected = segno.make(signed, error="m").svg_inline(
        scale=3, dark="#000", light="#fff", svgclass="qr", lineclass=None
    )
    assert re.findall(r' d="([^"]+)"', svg) == re.findall(r' d="([^"]+)"', expected)
    assert "<title>" in svg
    # the strict CSP: no inline style or script anywhere on the page
    assert (
        "style=" not in page
        and "<script>" not in page
        and "<script " not in page.replace('<script src="', "")
    )
    assert "420525198803121236" not in page


def test_certificate_qr_as_an_svg_file(demo, hubei_doctor, beijing_noon):
    beijing_noon.move_to(NOON, tick=False)  # the page and the file sign at the same instant
    b = log_in(demo, "hubei", "liminghua")
    page = text(b.page("/hubei/me/certificate"))
    assert 'href="/hubei/me/certificate/qr.svg"' in page
    r = b.page("/hubei/me/certificate/qr.svg")
    assert r.status_code == 200
    assert r.mimetype == "image/svg+xml"
    body = text(r)
    assert body.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in body
    # the signed certificate's check (V2), as the page links it
    url = html.unescape(re.search(r'href="(http[^"]*/verify\?t=[^"]+)"', page).group(1))
    expected = segno.make(url, error="m")
    out = io.BytesIO()
    expected.save(
        out,
        kind="svg",
        scale=8,
        dark="#000",
        light="#fff",
        svgclass=None,
        lineclass=None,
        title=HB_NO,
    )
    assert body == out.getvalue().decode()
    assert "style=" not in body


def test_certificate_page_without_a_registration_goes_home(demo):
    add_doctor(
        demo,
        "hubei",
        username="wangfang",
        real_name="王芳",
        id_number="420106199205142348",
        phone="13800138003",
        institution="远安",
        state=State.CONFIRMED,
    )
    b = log_in(demo, "hubei", "wangfang")
    for path in ("/hubei/me/certificate", "/hubei/me/certificate/qr.svg"):
        r = b.client.get(path)
        assert redirected_to(r).endswith("/hubei/me"), path
    assert "no approved registration yet" in text(b.page("/hubei/me"))
    assert 'href="/hubei/me/certificate"' not in text(b.page("/hubei/me"))


def test_certificate_page_of_a_doctor_with_no_application_goes_home(demo):
    add_doctor(
        demo,
        "hubei",
        username="wangfang",
        real_name="王芳",
        id_number="420106199205142348",
        phone="13800138003",
        institution="远安",
        state=None,
    )
    b = log_in(demo, "hubei", "wangfang")
    assert redirected_to(b.client.get("/hubei/me/certificate")).endswith("/hubei/me")


@pytest.mark.parametrize("path", ["/hubei/me/certificate", "/hubei/me/certificate/qr.svg"])
def test_certificate_needs_a_doctor_log_in(demo, hubei_doctor, path):
    r = demo.test_client().get(path)
    assert r.status_code in (302, 303) and r.headers["Location"].startswith("/hubei/login")
    officer = staff_login(demo, "hb-officer")
    assert officer.client.get(path).status_code == 404  # not a doctor


def test_a_guangdong_doctor_cannot_see_a_hubei_certificate(demo, hubei_doctor, guangdong_doctor):
    b = log_in(demo, "guangdong", "chenzhiqiang")
    page = text(b.page("/guangdong/me/certificate"))
    assert GD_NO in page and HB_NO not in page and "李明华" not in page
    r = b.client.get("/hubei/me/certificate")  # a Guangdong session is anonymous in Hubei
    assert r.status_code in (302, 303) and r.headers["Location"].startswith("/hubei/login")


# ---- the whole way: the officer approves, the number issued is on the public register ----------


def test_the_number_the_officer_issues_is_found_publicly(demo):
    d = add_doctor(
        demo,
        "hubei",
        username="ayiguli",
        real_name="阿依古丽·买买提",
        id_number="420111199001016789",
        phone="13800138002",
        institution="远安",
        state=State.CONFIRMED,
        category=Category.TCM,
        scopes=("tcm",),
    )
    officer = staff_login(demo, "hb-officer")
    officer.page(f"/hubei/admin/applications/{d.app_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{d.app_id}/approve", {"materials": ALL_MATERIALS})
    )
    with in_tenant(demo, "hubei"):
        number = db.session.get(Application, d.app_id).certificate_no
    assert number
    r = english(demo.test_client()).get(f"/hubei/verify?no={number}")
    assert r.status_code == 200
    page = text(r)
    assert "阿依古丽·买买提" in page and "中医专业" in page and "Registered" in page
    b = log_in(demo, "hubei", "ayiguli")
    assert f"/hubei/verify?no={number}" in text(b.page("/hubei/me/certificate"))
