"""Identity cases (A3, D2): an officer links an unverified doctor to a qualification record
after checking the documents, or closes the case with a reason; the doctor is told either way.
Each decision: the change, an audit row and the message, in one transaction."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.accounts.models import User
from portal.admin.models import CaseStatus, IdentityCase, Qualification
from portal.extensions import db
from portal.notify.services import notify_user
from portal.tenants.models import utcnow
from portal.workflow import WrongState, audit


def _close(case: IdentityCase, officer: User, note: str) -> dict:
    if case.status is not CaseStatus.OPEN:
        raise WrongState(f"identity case {case.id} is {case.status.value}")
    before = {"status": case.status.value}
    case.status, case.closed_at, case.note = CaseStatus.CLOSED, utcnow(), note
    return before


def link_record(case: IdentityCase, officer: User, record: Qualification) -> None:
    """The documents match this qualification record: the account is verified against it."""
    doctor = case.user
    before = _close(case, officer, f"linked to {record.certificate_no}")
    user_before = {"identity_verified": doctor.identity_verified, "qualification_id": doctor.qualification_id}
    doctor.identity_verified, doctor.qualification_id = True, record.id
    audit("user", doctor.id, "link_qualification", officer, user_before,
          {"identity_verified": True, "qualification_id": record.id}, f"identity case {case.id}")
    audit("identity_case", case.id, "link", officer, before, {"status": case.status.value}, case.note)
    notify_user(doctor, _("Your identity was verified by the health commission: your account is linked to "
                          "qualification %(no)s. You can now continue on the portal.", no=record.certificate_no),
                subject=_("Identity verified"))
    db.session.commit()


def close_case(case: IdentityCase, officer: User, reason: str) -> None:
    """No record can be linked: the case ends with a reason the doctor is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required")
    before = _close(case, officer, reason)
    audit("identity_case", case.id, "close", officer, before, {"status": case.status.value}, reason)
    notify_user(case.user, _("The health commission closed the check of your identity. Reason: %(reason)s",
                             reason=reason), subject=_("Identity check closed"))
    db.session.commit()
