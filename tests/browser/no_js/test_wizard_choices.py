"""JavaScript off (SPEC P1): the wizard's explicit choice of R4 in Chromium with JavaScript
disabled: 黄丽 (广东, demo) holds an assistant and a rural general assistant qualification and
registers one; each choice says which certificate it cancels, and the other is cancelled only
once she confirms it by a plain checkbox, whose refusal stands next to it. The institution and
the commission decide through HTTP."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None
from tests.support.browser import photo_bytes
from tests.support.db import in_tenant
from tests.support.http import redirected_to
from tests.support.journey import doctor_form, walk_doctor
from tests.support.no_js import (
    doctor_logs_in,
    error_next_to,
    ids_unique,
    latest_application,
    wizard_next,
)

pytestmark = pytest.mark.browser

HUANG = doctor_form("黄丽", "440232199311075670", "13600136209", "nojs_huangli")
INSTITUTION = "乳源瑶族自治县人民医院（演示）"
KEPT, CANCELLED = (
    "H2025440000002",
    "H2024440000003",
)  # the rural general assistant's, the assistant's


def test_R4_one_of_two_certificates_without_javascript(new_context, live_server, desk):
    from portal.extensions import db
    from portal.registry.records import Qualification

    walk_doctor(
        live_server.app,
        "guangdong",
        HUANG,
        until="activated",
        staff=desk("gd-county-staff"),
        institution="乳源瑶族自治县人民医院",
    )
    doctor = doctor_logs_in(new_context, HUANG, tenant="guangdong")
    doctor.get_by_role("link", name="Start my application").click()
    doctor.get_by_label("Home address as on your ID card").fill("广东省乳源瑶族自治县演示路 5 号")
    wizard_next(doctor, "Qualification")
    ids_unique(doctor)
    # each choice says what it cancels: a plain page needs no script to follow the choice
    expect(
        doctor.get_by_role("radio", name=re.compile(f"^{KEPT}.*registering it cancels {CANCELLED}"))
    ).to_be_checked()
    expect(
        doctor.get_by_role("radio", name=re.compile(f"^{CANCELLED}.*registering it cancels {KEPT}"))
    ).to_be_visible()
    doctor.get_by_role(
        "button", name="Save and continue"
    ).click()  # not confirmed: refused next to the box
    confirm = doctor.get_by_role(
        "checkbox", name="I understand that the other certificate will be cancelled"
    )
    error_next_to(confirm, f"Confirm that certificate {CANCELLED} will be cancelled.")
    expect(
        doctor.get_by_role("radio", name=re.compile(f"^{KEPT}"))
    ).to_be_checked()  # the choice is kept
    confirm.check()
    wizard_next(doctor, "Practice")
    doctor.get_by_label("全科医学专业").check()
    wizard_next(doctor, "History")
    doctor.get_by_label("Work experience").fill("2024-2026 乳源瑶族自治县人民医院 助理医师")
    doctor.get_by_label("Rewards and punishments").fill("无")
    wizard_next(doctor, "Photo")
    doctor.get_by_label("Photo (JPEG or PNG)").set_input_files(
        files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    doctor.get_by_role("button", name="Upload and preview").click()
    doctor.get_by_role("button", name="Save and continue").click()  # uses the preview
    expect(doctor.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(doctor.locator("dl.facts")).to_contain_text(KEPT)
    doctor.get_by_role("button", name="Submit to my institution").click()
    doctor.wait_for_url("**/guangdong/me")
    expect(doctor.get_by_text(f"Submitted: waiting for {INSTITUTION} to confirm.")).to_be_visible()

    app_id = latest_application(live_server.app, HUANG, "guangdong")
    staff, officer = desk("gd-county-staff"), desk("gd-officer")
    staff.page("/guangdong/institution/approvals")
    redirected_to(staff.post(f"/guangdong/institution/approvals/{app_id}/confirm"))
    page = officer.page(f"/guangdong/admin/applications/{app_id}").get_data(as_text=True)
    materials = re.findall(r'name="materials" value="([^"]+)"', page)
    redirected_to(
        officer.post(f"/guangdong/admin/applications/{app_id}/approve", {"materials": materials})
    )
    doctor.goto("/guangdong/me")
    expect(doctor.get_by_text("Registered", exact=True)).to_be_visible()
    with in_tenant(
        live_server.app, "guangdong"
    ):  # R4: the other certificate is cancelled on approval
        cancelled = db.session.execute(
            db.select(Qualification.cancelled_on).filter_by(certificate_no=CANCELLED)
        )
        assert cancelled.scalar_one() is not None
