"""JavaScript off (SPEC P1): the doctor's spine and information maintenance in Chromium with
JavaScript disabled — plain forms, full page loads and redirects only.

The doctor signs up, verifies the phone with the code off the development outbox, names an
institution that activates accounts automatically (D4, I3), fills the wizard up to submission;
once registered (the institution and the commission decide through HTTP), the doctor asks to
maintain registered information (D17).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None
from portal.columns import local_today
from tests.support.browser import SMS_CODE, photo_bytes, read_outbox, staff_browser
from tests.support.db import in_tenant
from tests.support.http import redirected_to
from tests.support.journey import ALL_MATERIALS, doctor_form, resident_id
from tests.support.no_js import error_next_to, ids_unique

pytestmark = pytest.mark.browser

INSTITUTION = "湖北省演示第一医院"
DOCTOR = doctor_form("沈静", resident_id("42010619860707123"), "13600136107", "nojs_shenjing")


def _qualified(app) -> None:
    from portal.extensions import db
    from portal.registry.records import Category, Level, Qualification

    with in_tenant(app, "hubei"):
        db.session.add(
            Qualification(
                name=DOCTOR["real_name"],
                id_number=DOCTOR["id_number"],
                certificate_no="H2025420077001",
                level=Level.PRACTITIONER,
                category=Category.CLINICAL,
                obtained_on=date(2025, 10, 1),
            )
        )
        db.session.commit()


def _tiny_jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (100, 120), "teal").save(out, "JPEG")
    return out.getvalue()


def _application_id(app) -> int:
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.workflow.models import Application

    with in_tenant(app, "hubei"):
        doctor = db.session.execute(
            db.select(User.id).filter_by(username=DOCTOR["username"])
        ).scalar_one()
        return db.session.execute(
            db.select(Application.id).filter_by(doctor_id=doctor)
        ).scalar_one()


@pytest.fixture
def automatic_activation(live_server):
    """The provincial hospital activates accounts without a code (I3), for this test only."""
    staff = staff_browser(live_server, "hb-tertiary-staff")
    staff.page("/hubei/institution/activations")
    redirected_to(staff.post("/hubei/institution/activations/auto", {"enabled": "y"}))
    yield staff
    staff.page("/hubei/institution/activations")
    redirected_to(staff.post("/hubei/institution/activations/auto", {}))


def test_spine_and_maintenance_without_javascript(new_context, live_server, automatic_activation):
    _qualified(live_server.app)
    context = new_context(javascript=False, phone=True)
    doctor = context.new_page()

    # ---- D1/D2: sign-up ----------------------------------------------------------------------
    doctor.goto("/hubei/signup")
    doctor.get_by_label("Real name (as on your ID card)").fill(
        "Shen Jing"
    )  # a user name, not the legal name
    doctor.get_by_label("Resident ID number").fill(
        DOCTOR["id_number"][:17] + ("1" if DOCTOR["id_number"][17] != "1" else "2")
    )
    doctor.get_by_label("Mobile number").fill(DOCTOR["phone"])
    doctor.get_by_label("Email", exact=True).fill(DOCTOR["email"])
    doctor.get_by_label("User name (for logging in)").fill(DOCTOR["username"])
    doctor.get_by_label("Password", exact=True).fill(DOCTOR["password"])
    doctor.get_by_label("Password again").fill(DOCTOR["password"] + "x")
    doctor.get_by_role(
        "button", name="Create my account"
    ).click()  # refused: each message next to its field
    error_next_to(
        doctor.get_by_label("Real name (as on your ID card)"),
        "Write your name in Chinese characters, as on your ID card: no Latin letters",
    )
    error_next_to(
        doctor.get_by_label("Resident ID number"), "This ID number is not valid: check every digit"
    )
    error_next_to(doctor.get_by_label("Password again"), "The two passwords differ.")
    expect(doctor.get_by_label("Mobile number")).to_have_value(
        DOCTOR["phone"]
    )  # what was typed stays
    ids_unique(doctor)
    doctor.get_by_label("Real name (as on your ID card)").fill(DOCTOR["real_name"])
    doctor.get_by_label("Resident ID number").fill(DOCTOR["id_number"])
    doctor.get_by_label("Password", exact=True).fill(DOCTOR["password"])
    doctor.get_by_label("Password again").fill(DOCTOR["password"])
    doctor.get_by_role("button", name="Create my account").click()
    doctor.wait_for_url("**/hubei/me")
    expect(doctor.get_by_role("heading", level=1)).to_have_text(DOCTOR["real_name"])

    # ---- D3: the phone code off the development outbox -----------------------------------------
    doctor.get_by_role("link", name="Verify now").click()
    doctor.get_by_role("button", name="Send me a code").click()
    expect(doctor.get_by_role("button", name="Send the code again")).to_be_visible()
    code = read_outbox(context.new_page(), DOCTOR["phone"], SMS_CODE)
    doctor.get_by_label("Verification code").fill("000000" if code != "000000" else "111111")
    doctor.get_by_role("button", name="Verify", exact=True).click()
    error_next_to(
        doctor.get_by_label("Verification code"), "The code is wrong. Check it and try again."
    )
    doctor.get_by_label("Verification code").fill(code)
    doctor.get_by_role("button", name="Verify", exact=True).click()
    doctor.wait_for_url("**/hubei/me/activate")

    # ---- D4: an institution with automatic activation: no code to wait for -------------------
    doctor.get_by_label("Name of your main practice institution").fill("演示第一")
    doctor.get_by_role("button", name="Search").click()
    doctor.get_by_role("button", name=f"Choose {INSTITUTION}").click()
    doctor.wait_for_url("**/hubei/me")
    expect(doctor.get_by_role("link", name="Start my application")).to_be_visible()

    # ---- D9–D15: the wizard, one full page per step ---------------------------------------------
    doctor.get_by_role("link", name="Start my application").click()
    expect(doctor.get_by_role("heading", name="Personal details")).to_be_visible()
    doctor.get_by_role(
        "button", name="Save and continue"
    ).click()  # empty: refused next to the field
    expect(doctor.get_by_label("Home address as on your ID card")).to_have_attribute(
        "aria-invalid", "true"
    )
    doctor.get_by_label("Home address as on your ID card").fill("湖北省武汉市江汉区演示路 7 号")
    doctor.get_by_role("button", name="Save and continue").click()
    expect(doctor.get_by_role("heading", name="Qualification", exact=True)).to_be_visible()
    doctor.get_by_role("button", name="Save and continue").click()
    expect(doctor.get_by_role("heading", name="Practice", exact=True)).to_be_visible()
    doctor.get_by_label("内科专业").check()
    doctor.get_by_role("button", name="Save and continue").click()
    expect(doctor.get_by_role("heading", name="History")).to_be_visible()
    doctor.get_by_label("Work experience").fill("2016-2025 湖北省演示第一医院 住院医师")
    doctor.get_by_label("Rewards and punishments").fill("无")
    doctor.get_by_role("button", name="Save and continue").click()
    expect(doctor.get_by_role("heading", name="Photo", exact=True)).to_be_visible()
    doctor.get_by_label("Photo (JPEG or PNG)").set_input_files(
        files=[{"name": "tiny.jpg", "mimeType": "image/jpeg", "buffer": _tiny_jpeg()}]
    )
    doctor.get_by_role("button", name="Upload and preview").click()
    error_next_to(
        doctor.get_by_label("Photo (JPEG or PNG)"),
        "The photo is too small: at least 150 × 200 pixels.",
    )
    doctor.get_by_label("Photo (JPEG or PNG)").set_input_files(
        files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    doctor.get_by_role("button", name="Upload and preview").click()
    expect(doctor.get_by_role("img", name="Preview of your photo")).to_be_visible()
    doctor.get_by_role("button", name="Save and continue").click()  # uses the preview
    expect(doctor.get_by_role("heading", name="Review and submit")).to_be_visible()
    doctor.get_by_role("button", name="Submit to my institution").click()
    doctor.wait_for_url("**/hubei/me")
    expect(doctor.get_by_text(f"Submitted: waiting for {INSTITUTION} to confirm.")).to_be_visible()

    # ---- the institution confirms, the commission approves (their own tests drive the UI) -----
    app_id = _application_id(live_server.app)
    staff = automatic_activation
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{app_id}/confirm"))
    officer = staff_browser(live_server, "hb-officer")
    officer.page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": ALL_MATERIALS})
    )
    doctor.goto("/hubei/me")
    expect(doctor.get_by_text("Registered", exact=True)).to_be_visible()

    # ---- D17: information maintenance, a plain form post ----------------------------------------
    doctor.get_by_role("link", name="Information maintenance").click()
    doctor.get_by_role("button", name="Send for approval").click()  # as registered: nothing to send
    expect(
        doctor.get_by_role("alert").filter(has_text="Nothing was changed: edit a detail first.")
    ).to_be_visible()
    doctor.get_by_label("Home address as on your ID card").fill("")
    doctor.get_by_label("Contract end date").fill("2020-01-01")  # before the contract starts
    doctor.get_by_role("button", name="Send for approval").click()
    error_next_to(doctor.get_by_label("Home address as on your ID card"), "This field is required.")
    error_next_to(
        doctor.get_by_label("Contract end date"), "The contract must end after it starts."
    )
    ids_unique(doctor)
    doctor.get_by_label("Contract end date").fill(f"{local_today().year + 3}-06-30")
    doctor.get_by_label("Home address as on your ID card").fill("湖北省武汉市江汉区新址路 8 号")
    doctor.get_by_role("button", name="Send for approval").click()
    doctor.wait_for_url(re.compile(r".*/hubei/me(/maintenance)?$"))
    expect(doctor.get_by_text("湖北省武汉市江汉区新址路 8 号").first).to_be_visible()
    staff.page("/hubei/institution/approvals")
    html = staff.page("/hubei/institution/approvals").get_data(as_text=True)
    assert "湖北省武汉市江汉区新址路 8 号" in html  # waiting for the institution
