"""The commission's queue by due date (L1) as the tests drive it: an institution's
confirmation on a given instant, the officer's "today", the queue's rows."""

from __future__ import annotations

from datetime import date, datetime

from portal.admin import decisions
from portal.workflow import applications
from tests.support.http import redirected_to


def confirm_on(monkeypatch, staff, app_id: int, when: datetime) -> None:
    monkeypatch.setattr(applications, "utcnow", lambda: when)
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{app_id}/confirm"))
    monkeypatch.undo()


def rows(b, url: str = "/hubei/admin/") -> list[str]:
    page = b.page(url).get_data(as_text=True)
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return body.split("<tr>")[1:]


def on(monkeypatch, today: date) -> None:
    monkeypatch.setattr(decisions, "local_today", lambda: today)
