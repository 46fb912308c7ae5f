"""Provisioning in a real Chromium (I1, I2, A1), with JavaScript on (htmx) and off: an officer
creates an institution after the on-site check; its person in charge reads the user name and
first password off the development SMS outbox, logs in, chooses a password, enrols TOTP (the
key read off the page, the code computed as an authenticator app would); adds a staff member,
who does the same first log-in.

The UI is in English (cookie ``lang=en``): elements are found by their English labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyotp
import pytest

try:
    from playwright.sync_api import Page, expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    Page = expect = None

from portal.columns import local_today
from portal.extensions import db
from portal.workflow.models import Application, State
from tests.support.browser import (
    FIRST_PASSWORD,
    RESULTS,
    USERNAME,
    logged_in,
    read_outbox,
    stays_on_page,
)
from tests.support.db import in_tenant
from tests.support.http import redirected_to
from tests.support.journey import (
    doctor_form,
    last_activation_code,
    resident_id,
    submit_application,
    walk_doctor,
)

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Run:
    institution: str
    licence_no: str
    person_in_charge: str
    pic_mobile: str
    staff_name: str
    staff_mobile: str
    password: str
    doctors: tuple[
        tuple[str, str, str], ...
    ]  # (real name, first 17 digits of the ID number, mobile)


RUNS = {
    True: Run(
        "远安县演示镇卫生院（浏览器）",
        "PDYBROWSER0001",
        "赵建华",
        "13700137011",
        "钱小梅",
        "13600136011",
        "Own-pass-js-1",
        (
            ("韩雪", "42052519930612101", "13500135011"),
            ("曹磊", "42052519920317102", "13500135012"),
            ("彭静", "42052519910921103", "13500135013"),
        ),
    ),
    False: Run(
        "武昌区演示社区卫生服务中心（浏览器）",
        "PDYBROWSER0002",
        "孙志远",
        "13700137022",
        "李晓红",
        "13600136022",
        "Own-pass-nojs-2",
        (
            ("邓婷", "42010619940815201", "13500135021"),
            ("许强", "42010619950102202", "13500135022"),
            ("傅敏", "42011119930505203", "13500135023"),
        ),
    ),
}


def qualified(app, run: Run) -> list[dict]:
    """The sign-up forms of the run's three doctors, each in the qualification registry (Q1)."""
    from portal.registry.records import Category, Level, Qualification

    forms = []
    with in_tenant(app, "hubei"):
        for n, (name, first17, mobile) in enumerate(run.doctors):
            form = doctor_form(
                name, resident_id(first17), mobile, f"batch_{run.licence_no[-1]}_{n}"
            )
            db.session.add(
                Qualification(
                    name=name,
                    id_number=form["id_number"],
                    level=Level.PRACTITIONER,
                    certificate_no=f"H20254200{run.licence_no[-1]}60{n:02d}",
                    category=Category.CLINICAL,
                    obtained_on=date(2025, 10, 1),
                )
            )
            forms.append(form)
        db.session.commit()
    return forms


def read_credentials(phone_page: Page, mobile: str) -> tuple[str, str]:
    """The user name and first password of the newest account SMS to ``mobile``."""
    return read_outbox(phone_page, mobile, USERNAME), read_outbox(
        phone_page, mobile, FIRST_PASSWORD
    )


def first_log_in(page: Page, username: str, first_password: str, own_password: str) -> None:
    """I1: log in with the first password, choose one's own, enrol the authenticator app."""
    page.goto("/hubei/login")
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(first_password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    # every page leads back here until it is done
    page.goto("/hubei/institution/approvals")
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(own_password)
    page.get_by_label("New password again").fill(own_password)
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(
        page.get_by_role("img", name="QR code: scan it with your authenticator app")
    ).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    # a wrong code is refused next to the field
    page.get_by_label("6-digit code from your authenticator app").fill(
        f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    )
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_text("This code does not match.")).to_be_visible()
    page.get_by_label("6-digit code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Confirm and continue").click()
    page.wait_for_url("**/hubei/institution/approvals")
    expect(page.get_by_text("Your authenticator app is set up.")).to_be_visible()


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_provision_first_log_in_and_staff(new_context, live_server, js):
    run = RUNS[js]
    tag = "js-on" if js else "js-off"
    RESULTS.mkdir(exist_ok=True)

    # ---- I1, A1: the officer creates the institution after the on-site check ----------------
    officer = new_context(javascript=js).new_page()
    logged_in(officer, live_server, "hb-officer", "/hubei/admin/")
    officer.get_by_role("link", name="Institutions").click()
    officer.get_by_role("link", name="Create an institution").click()
    officer.get_by_label("Institution name").fill(run.institution)
    officer.get_by_label("Practice licence registration number").fill(run.licence_no)
    officer.get_by_label("Level").select_option(label="At or below county level")
    officer.get_by_label("County").select_option(label="宜昌市 远安县")
    officer.get_by_label("Address").fill("远安县演示镇演示路 5 号")
    officer.get_by_label("Person in charge's name").fill(run.person_in_charge)
    officer.get_by_label("Person in charge's mobile number").fill(run.pic_mobile)
    officer.get_by_label("Checked on site by (officer's name)").fill("陈科员")
    officer.get_by_label("Date of the check").fill(local_today().isoformat())
    # without the three documents ticked, nothing is created
    officer.get_by_role("button", name="Create the institution and send the account").click()
    expect(officer.get_by_text("Tick this only once you have seen the document")).to_have_count(3)
    officer.get_by_label("Practice licence seen, original and copy").check()
    officer.get_by_label("Power of attorney seen").check()
    officer.get_by_label("Agent's ID card seen").check()
    officer.get_by_role("button", name="Create the institution and send the account").click()
    expect(officer.get_by_role("heading", name=run.institution)).to_be_visible()
    expect(officer.get_by_text("The institution was created.")).to_be_visible()
    officer.screenshot(path=RESULTS / f"admin-institution-{tag}.png", full_page=True)

    # ---- I1: the person in charge reads the SMS and logs in for the first time -------------
    phone = new_context(javascript=js).new_page()  # the "phone's inbox"
    username, first_password = read_credentials(phone, run.pic_mobile)
    pic = new_context(javascript=js).new_page()
    first_log_in(pic, username, first_password, run.password)

    # ---- I2: the person in charge adds a staff member --------------------------------------
    pic.get_by_role("link", name="Staff", exact=True).click()
    expect(pic.get_by_role("heading", name="Staff accounts")).to_be_visible()
    pic.get_by_label("Name").fill(run.staff_name)
    pic.get_by_label("Mobile number").fill(run.staff_mobile)
    pic.get_by_role("button", name="Add the staff member").click()
    expect(pic.get_by_text(f"was created for {run.staff_name}")).to_be_visible()
    expect(pic.get_by_role("row").filter(has_text=run.staff_name)).to_contain_text(
        "Waiting for the first log-in"
    )
    pic.screenshot(path=RESULTS / f"institution-staff-{tag}.png", full_page=True)

    staff_username, staff_password = read_credentials(phone, run.staff_mobile)
    assert staff_username != username
    staff = new_context(javascript=js).new_page()
    first_log_in(staff, staff_username, staff_password, run.password + "s")
    expect(staff.get_by_role("link", name="Staff", exact=True)).to_have_count(
        0
    )  # not the person in charge

    # ---- I4: three doctors name the new institution and apply; the staff member activates ----
    doctors = [
        walk_doctor(live_server.app, "hubei", form, until="named", institution=run.institution)
        for form in qualified(live_server.app, run)
    ]
    staff.get_by_role("link", name="Activation queue").click()
    for walked in doctors:
        row = staff.get_by_role("row").filter(has_text=walked.form["real_name"])
        if js:  # the row answers in place
            row.get_by_role("button", name="Send code by SMS").click()
            expect(row.get_by_role("status")).to_contain_text("Activation code sent to")
        else:  # a plain post, a redirect back and a message
            with staff.expect_navigation(url="**/hubei/institution/activations"):
                row.get_by_role("button", name="Send code by SMS").click()
            expect(staff.get_by_text("Activation code sent to")).to_be_visible()
    for walked in doctors:  # each reads the code off the phone and applies (D4, D9–D15)
        b, phone = walked.browser, walked.form["phone"]
        b.page("/hubei/me/activate")
        assert redirected_to(
            b.post(
                "/hubei/me/activate/code", {"code": last_activation_code(live_server.app, phone)}
            )
        ).endswith("/hubei/me")
        walked.app_id = submit_application(
            live_server.app, b, "hubei", walked.doctor_id, walked.institution_id, "internal"
        )
        assert run.institution in b.page("/hubei/me").get_data(
            as_text=True
        )  # "Submitted: waiting for ..."

    # ---- I4: the staff member approves the three in one batch --------------------------------
    staff.get_by_role("link", name="Approval queue").click()
    expect(staff.get_by_role("heading", name="Waiting for your decision")).to_be_visible()
    items = {
        w.form["real_name"]: staff.locator("article").filter(has_text=w.form["real_name"])
        for w in doctors
    }
    for item in items.values():
        expect(item).to_contain_text("First registration")
        item.get_by_label("Select for a decision on several items").check()
    if js:
        still_here = stays_on_page(staff)
        with staff.expect_response(lambda r: r.url.endswith("/approvals/batch")) as answer:
            staff.get_by_role("button", name="Approve selected").click()
        assert answer.value.request.headers.get("hx-request") == "true"
    else:
        staff.get_by_role("button", name="Approve selected").click()
        staff.wait_for_url("**/hubei/institution/approvals/batch")
    result = staff.locator("#batch-result").get_by_role("status")
    expect(result).to_contain_text("3 of 3 done.")
    for name in items:
        expect(result.get_by_role("listitem").filter(has_text=name)).to_have_text(
            f"{name} · First registration: Confirmed. The doctor was notified."
        )
    if js:  # each item answers in place: decided, nothing left to tick
        assert still_here(), "the batch decision navigated away instead of updating the page"
        for item in items.values():
            expect(item.get_by_role("status")).to_have_text("Confirmed. The doctor was notified.")
            expect(item.get_by_role("checkbox")).to_have_count(0)
            expect(item.get_by_role("button", name="Confirm")).to_have_count(0)
    staff.screenshot(path=RESULTS / f"institution-batch-{tag}.png", full_page=True)
    if not js:  # the result page lists the queue as it now is, under its own tab
        expect(staff.get_by_role("link", name="Approval queue")).to_have_attribute(
            "aria-current", "page"
        )
        for item in items.values():
            expect(item).to_have_count(0)
    staff.goto("/hubei/institution/approvals")
    for item in items.values():
        expect(item).to_have_count(0)
    expect(staff.get_by_text("Nothing is waiting for you.")).to_be_visible()

    # ... and each doctor sees the application confirmed
    for walked in doctors:
        walked.browser.client.set_cookie("lang", "en")
        home = walked.browser.page("/hubei/me").get_data(as_text=True)
        assert f"Confirmed by {run.institution}." in home, walked.form["real_name"]
    with in_tenant(live_server.app, "hubei"):
        states = (
            db.session.execute(
                db.select(Application.state).filter(Application.id.in_([w.app_id for w in doctors]))
            )
            .scalars()
            .all()
        )
    assert states == [State.CONFIRMED] * 3
