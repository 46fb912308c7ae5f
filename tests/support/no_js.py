"""Steps shared by the JavaScript-off journeys (SPEC P1).

Each journey starts from made-up doctors with a qualification record (none of the other
browser tests' people), taken to where the journey begins through HTTP: the spine's own
JS-off test (test_spine.py) walks sign-up to approval in the browser. The doctor then logs in
to a Chromium with JavaScript disabled and does the rest there, as a person would.
"""

from __future__ import annotations

import re
from datetime import date

try:
    from playwright.sync_api import Locator, Page, expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    Locator = Page = expect = None

from tests.support.db import in_tenant
from tests.support.http import redirected_to
from tests.support.journey import ALL_MATERIALS, walk_doctor

COUNTY_HOSPITAL = "远安县人民医院（演示）"  # county level: up to three scopes (R1)
TERTIARY = "湖北省演示第一医院"  # secondary and above: one scope


def qualify(
    app,
    form: dict,
    certificate_no: str,
    category: str = "clinical",
    obtained_on: date = date(2025, 10, 1),
) -> None:
    """The doctor's qualification record (Q1), as the administrator's import would leave it."""
    from portal.extensions import db
    from portal.registry.records import Category, Level, Qualification

    with in_tenant(app, "hubei"):
        db.session.add(
            Qualification(
                name=form["real_name"],
                id_number=form["id_number"],
                certificate_no=certificate_no,
                level=Level.PRACTITIONER,
                category=Category(category),
                obtained_on=obtained_on,
            )
        )
        db.session.commit()


def registered(server, desk, form: dict, certificate_no: str, *, until: str = "approved") -> int:
    """A doctor of the county hospital (内科专业) taken through HTTP up to a ``"confirmed"`` or
    ``"approved"`` first registration; returns the application's id."""
    qualify(server.app, form, certificate_no)
    walked = walk_doctor(
        server.app,
        "hubei",
        form,
        until="confirmed",
        staff=desk("hb-county-staff"),
        institution="远安县人民医院",
        address="湖北省远安县鸣凤镇演示街 20 号",
    )
    if until == "approved":
        officer = desk("hb-officer")
        officer.page(f"/hubei/admin/applications/{walked.app_id}")
        redirected_to(
            officer.post(
                f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
            )
        )
    return walked.app_id


def latest_application(app, form: dict, tenant: str = "hubei") -> int:
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.workflow.models import Application

    with in_tenant(app, tenant):
        doctor = db.session.execute(
            db.select(User.id).filter_by(username=form["username"])
        ).scalar_one()
        return db.session.execute(
            db.select(Application.id)
            .filter_by(doctor_id=doctor)
            .order_by(Application.id.desc())
            .limit(1)
        ).scalar_one()


def decide(
    desk,
    form: dict,
    app,
    *,
    staff: str = "hb-county-staff",
    officer: str = "hb-officer",
    materials=ALL_MATERIALS,
) -> None:
    """The institution confirms the doctor's latest application, the commission approves it."""
    app_id = latest_application(app, form)
    desk(staff).page("/hubei/institution/approvals")
    redirected_to(desk(staff).post(f"/hubei/institution/approvals/{app_id}/confirm"))
    desk(officer).page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        desk(officer).post(f"/hubei/admin/applications/{app_id}/approve", {"materials": materials})
    )


def doctor_logs_in(
    new_context, form: dict, password: str | None = None, tenant: str = "hubei"
) -> Page:
    """The doctor on a phone with JavaScript off, logged in by the plain form, on "My registration"."""
    page = new_context(javascript=False, phone=True).new_page()
    page.goto(f"/{tenant}/login")
    page.get_by_label("User name", exact=True).fill(form["username"])
    page.get_by_label("Password", exact=True).fill(password or form["password"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/{tenant}/me")
    expect(page.get_by_role("heading", level=1)).to_have_text(form["real_name"])
    return page


def certificate_number(page: Page) -> str:
    return re.search(r"\b\d{15}\b", page.locator("dl.facts").first.inner_text()).group(0)


def wizard_next(page: Page, heading: str) -> None:
    """ "Save and continue", a full page load, and the next step's heading."""
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def error_next_to(field: Locator, message: str, group: bool = False) -> None:
    """After a refused post (a full page, JS off) the message stands next to its field (or
    ``group``: its fieldset), in the same field block, fieldset, notice or one-field form, and is
    tied to it (aria-describedby; the field marked aria-invalid, P7)."""
    expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    err_id = next(
        i for i in (field.get_attribute("aria-describedby") or "").split() if i.endswith("-err")
    )
    expect(field.page.locator(f"#{err_id}")).to_contain_text(message)
    holder = field.locator(
        "xpath=ancestor-or-self::*[self::fieldset or self::form or contains(concat(' ', @class, ' '), "
        "' field ') or contains(concat(' ', @class, ' '), ' notice ')][1]"
    )
    expect(holder.locator(f"#{err_id}")).to_have_count(1)
    if not group:
        expect(field).to_have_attribute("aria-invalid", "true")


def ids_unique(page: Page) -> None:
    """No id twice on a page: a label's ``for`` and aria-describedby name one element (P7)."""
    ids = re.findall(r'\sid="([^"]+)"', page.content())
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def read_outbox_to(page: Page, recipient: str, pattern: re.Pattern) -> str:
    """The newest code sent to a phone number or an email address, off the development outbox."""
    page.goto("/hubei/dev/outbox")
    for item in page.get_by_role("listitem").filter(has_text=recipient).all():  # newest first
        match = pattern.search(item.locator("pre").inner_text())
        if match:
            return match.group(1)
    raise AssertionError(f"no message to {recipient} matching {pattern.pattern} in the outbox")
