"""Identity cases (A3, D2): an officer links an unverified doctor to a qualification record
after checking the documents, or closes the case with a reason; the doctor is told either way.
Each decision: the change, an audit row and the message, in one transaction.

A case belongs to a region (A1): the FAQ sends an unverified doctor to "the local health
commission", so the officers of that city or county handle it (the province's see them all).
At sign-up the doctor gave only a name and an ID number: the case falls to the county whose
code is the ID number's area code, else that county's city, else to the province alone
(``rules.idcard.region_for_area``). The area code is where the number was issued, often not
where the doctor works now: once the doctor names their main practice institution (D4), where
they also bring the paper materials, the case moves to that institution's region."""

from __future__ import annotations

from flask_babel import lazy_gettext as _  # written in the recipient's language

from portal.accounts.models import User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.services import notify_user
from portal.notify.sms import sms
from portal.registry.institutions import Institution
from portal.registry.records import CaseStatus, IdentityCase, Qualification
from portal.rules.idcard import area_code, region_for_area
from portal.tenants.models import Region
from portal.workflow.audit import audit
from portal.workflow.locks import lock
from portal.workflow.takeover import record_to_take_over, take_over


def region_for(doctor: User) -> int | None:
    """The id of the region a case of this doctor falls to (see the module's docstring)."""
    if doctor.institution_id is not None:
        return db.session.get(Institution, doctor.institution_id).county_id
    try:
        area = area_code(doctor.id_number or "")
    except ValueError:
        return None
    regions = {
        code: (rid, level)
        for rid, code, level in db.session.execute(
            db.select(Region.id, Region.code, Region.level).where(
                Region.code.in_({area, area[:4] + "00"})
            )
        )
    }
    code = region_for_area(area, {c: level for c, (_rid, level) in regions.items()})
    return regions[code][0] if code else None


def open_case(doctor: User, note: str) -> IdentityCase:
    """D2: no record matched this sign-up. Part of the sign-up's transaction (not committed here)."""
    case = IdentityCase(user_id=doctor.id, note=note, region_id=region_for(doctor))
    db.session.add(case)
    return case


def follow_institution(doctor: User) -> None:
    """D4: the doctor named their main practice institution: their open case moves to its
    region. Part of the caller's transaction (``activation.name_institution``)."""
    region_id = region_for(doctor)
    for case in db.session.execute(
        db.select(IdentityCase).filter_by(user_id=doctor.id, status=CaseStatus.OPEN)
    ).scalars():
        if case.region_id != region_id:
            audit(
                "identity_case",
                case.id,
                "move",
                doctor,
                {"region_id": case.region_id},
                {"region_id": region_id},
                f"institution {doctor.institution_id} named",
            )
            case.region_id = region_id


def _close(case: IdentityCase, officer: User, note: str) -> dict:
    lock(case, CaseStatus.OPEN, field="status")  # a link and a close at once: one of them
    before = {"status": case.status.value}
    case.status, case.closed_at, case.note = CaseStatus.CLOSED, utcnow(), note
    return before


def link_record(case: IdentityCase, officer: User, record: Qualification) -> None:
    """The documents match this qualification record: the account is verified against it."""
    doctor = case.user
    before = _close(case, officer, f"linked to {record.certificate_no}")
    user_before = {
        "identity_verified": doctor.identity_verified,
        "qualification_id": doctor.qualification_id,
    }
    doctor.identity_verified, doctor.qualification_id = True, record.id
    audit(
        "user",
        doctor.id,
        "link_qualification",
        officer,
        user_before,
        {"identity_verified": True, "qualification_id": record.id},
        f"identity case {case.id}",
    )
    # D5/F17: activated at the institution of a practice record that did not say the level
    # (``activation``): with the qualification linked, that registration is taken over now
    paper = record_to_take_over(doctor) if doctor.activated_at is not None else None
    if paper is not None and doctor.institution_id is not None:
        doctor.qualification = record
        take_over(doctor, paper, officer)
    audit(
        "identity_case", case.id, "link", officer, before, {"status": case.status.value}, case.note
    )
    notify_user(
        doctor,
        _(
            "Your identity was verified by the health commission: your account is linked to "
            "qualification %(no)s. You can now continue on the portal.",
            no=record.certificate_no,
        ),
        subject=_("Identity verified"),
        sms=sms("identity_verified", no=record.certificate_no),
    )
    db.session.commit()


def close_case(case: IdentityCase, officer: User, reason: str) -> None:
    """No record can be linked: the case ends with a reason the doctor is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required")
    before = _close(case, officer, reason)
    audit("identity_case", case.id, "close", officer, before, {"status": case.status.value}, reason)
    notify_user(
        case.user,
        _(
            "The health commission closed the check of your identity. Reason: %(reason)s",
            reason=reason,
        ),
        subject=_("Identity check closed"),
        sms=sms("identity_closed", reason=reason),
    )
    db.session.commit()
