"""JavaScript off (SPEC P1): doctors registered on paper before the portal (D5, F17, L2).

Each kind signs up, verifies the phone, first names the provincial hospital and is told where
they are registered, then chooses the hospital on record (which activates automatically here)
and finds the paper registration in force with every service; then starts a change of
registration in the wizard:

- 刘建国: the demo's practice record and a qualification record;
- 王德明: the demo's practice record and no qualification record: the record is the basis.
"""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1)
    expect = None
from tests.support.browser import SMS_CODE, read_outbox
from tests.support.http import redirected_to
from tests.support.journey import doctor_form
from tests.support.no_js import ids_unique

pytestmark = pytest.mark.browser

ON_RECORD = "远安县人民医院（演示）"
ELSEWHERE = "湖北省演示第一医院"
WITH_QUALIFICATION = doctor_form("刘建国", "420525198005063211", "13600136108", "nojs_liujianguo")
RECORD_ONLY = doctor_form("王德明", "420525197603124518", "13600136109", "nojs_wangdeming")


@pytest.fixture
def county_auto_activation(desk):
    """The county hospital on the records activates accounts without a code (I3), this test only."""
    staff = desk("hb-county-staff")
    staff.page("/hubei/institution/activations")
    redirected_to(staff.post("/hubei/institution/activations/auto", {"enabled": "y"}))
    yield staff
    staff.page("/hubei/institution/activations")
    redirected_to(staff.post("/hubei/institution/activations/auto", {}))


def _walk(new_context, form: dict, certificate_no: str, scope: str) -> None:
    context = new_context(javascript=False, phone=True)
    doctor = context.new_page()
    doctor.goto("/hubei/signup")
    doctor.get_by_label("Real name (as on your ID card)").fill(form["real_name"])
    doctor.get_by_label("Resident ID number").fill(form["id_number"])
    doctor.get_by_label("Mobile number").fill(form["phone"])
    doctor.get_by_label("Email", exact=True).fill(form["email"])
    doctor.get_by_label("User name (for logging in)").fill(form["username"])
    doctor.get_by_label("Password", exact=True).fill(form["password"])
    doctor.get_by_label("Password again").fill(form["password"])
    doctor.get_by_role("button", name="Create my account").click()
    doctor.wait_for_url("**/hubei/me")
    expect(doctor.get_by_text(certificate_no)).to_be_visible()  # the record, before activation
    expect(doctor.get_by_text(ON_RECORD).first).to_be_visible()

    doctor.get_by_role("link", name="Verify now").click()
    doctor.get_by_role("button", name="Send me a code").click()
    doctor.get_by_label("Verification code").fill(
        read_outbox(context.new_page(), form["phone"], SMS_CODE)
    )
    doctor.get_by_role("button", name="Verify", exact=True).click()
    doctor.wait_for_url("**/hubei/me/activate")

    # D5/L2: another institution is refused, with where the doctor is registered
    doctor.get_by_label("Name of your main practice institution").fill("演示第一")
    doctor.get_by_role("button", name="Search").click()
    doctor.get_by_role("button", name=f"Choose {ELSEWHERE}").click()
    expect(doctor.get_by_role("alert")).to_contain_text(
        f"You are registered at {ON_RECORD}, not at {ELSEWHERE}."
    )
    expect(doctor.get_by_role("alert")).to_contain_text("apply for a change of registration")
    ids_unique(doctor)
    doctor.get_by_role("button", name=f"Choose {ON_RECORD}").click()
    doctor.wait_for_url("**/hubei/me")

    # F17: the paper registration in force, with the services of a registered doctor
    expect(doctor.get_by_text("Registered", exact=True)).to_be_visible()
    facts = doctor.locator("dl.facts")
    expect(facts.first).to_contain_text(certificate_no)
    expect(facts.first).to_contain_text(ON_RECORD)
    expect(facts.first).to_contain_text(scope)
    expect(doctor.get_by_role("link", name="Information maintenance")).to_be_visible()
    expect(doctor.get_by_role("link", name="Start my application")).to_have_count(0)
    ids_unique(doctor)

    # L2: a change of registration starts from it
    doctor.get_by_role("button", name="Change my practice scopes").click()
    doctor.wait_for_url("**/hubei/me/application/practice")
    expect(doctor.get_by_role("heading", name="Change of registration")).to_be_visible()
    expect(doctor.get_by_label(scope)).to_be_visible()
    ids_unique(doctor)


def test_paper_registration_with_a_qualification_without_javascript(
    new_context, live_server, county_auto_activation
):
    _walk(new_context, WITH_QUALIFICATION, "110420525000123", "内科专业")


def test_paper_registration_without_a_qualification_without_javascript(
    new_context, live_server, county_auto_activation
):
    _walk(new_context, RECORD_ONLY, "110420525000456", "外科专业")
