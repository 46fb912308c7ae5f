"""Two applications submitted on either side of a change of the rules (A6), and the steps that
take them to a decision: shared by the rule-version tests and the rules editor's tests."""

from __future__ import annotations

from portal.extensions import db
from portal.workflow.models import Application
from tests.support.db import in_tenant
from tests.support.http import Browser, english, redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, walk_doctor
from tests.support.officers import AYI, LI
from tests.support.rules_editor import save_rules


def submitted_around_a_rule_change(demo, **change):
    """李明华 submits, the administrator saves ``change``, 阿依古丽 submits; both at 远安,
    whose staff confirms them after the change."""
    staff = staff_login(demo, "hb-county-staff")
    earlier = walk_doctor(demo, "hubei", LI, until="submitted", staff=staff, institution="远安")
    redirected_to(save_rules(english(staff_login(demo, "hb-admin")), "hubei", **change))
    later = walk_doctor(
        demo, "hubei", AYI, until="submitted", staff=staff, institution="远安", scope="tcm"
    )
    english(earlier.browser)
    english(later.browser)
    return staff, earlier, later


def approve(b: Browser, app_id: int) -> None:
    b.page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        b.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": ALL_MATERIALS})
    )


def confirm(staff: Browser, app_id: int) -> None:
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{app_id}/confirm"))


def certificate_no(demo, app_id: int) -> str:
    with in_tenant(demo, "hubei"):
        return db.session.get(Application, app_id).certificate_no
