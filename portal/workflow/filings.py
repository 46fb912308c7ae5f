"""Multi-site practice filing (D19, L6, 多机构备案): a registered doctor files additional
practice sites; each site's institution confirms or rejects the filing in its queue (I4).

L6: one main institution, any number of others filed; the place of practice is the province
(the tenant) for a practitioner and the main institution's county for an assistant. Like
every transition in ``portal.workflow``, each function checks the state (``WrongState``),
makes the change, writes the audit row (A8) and queues the notification (SEC7) in ONE
transaction.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _  # written in the recipient's language
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.extensions import db
from portal.notify.services import notify_user
from portal.notify.sms import sms
from portal.registry.records import Level
from portal.workflow.audit import audit
from portal.workflow.decisions import decide
from portal.workflow.locks import WrongState, lock, take
from portal.workflow.models import Application, FilingState, Kind, SiteFiling, State

#: filings that hold a site: a second filing of the same site is refused meanwhile
ACTIVE = (FilingState.PENDING, FilingState.CONFIRMED)


class Refused(ValueError):
    """The site cannot be filed; ``key`` says why: "main_institution", "already_filed",
    "outside_region"."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


# ---- look-ups --------------------------------------------------------------------------------


def filings_of(doctor: User) -> list[SiteFiling]:
    """The doctor's filings, newest first, with their institutions."""
    return (
        db.session.execute(
            db.select(SiteFiling)
            .where(SiteFiling.doctor_id == doctor.id)
            .options(joinedload(SiteFiling.institution))
            .order_by(SiteFiling.id.desc())
        )
        .scalars()
        .all()
    )


def _active_filing(doctor: User, institution_id: int) -> SiteFiling | None:
    return (
        db.session.execute(
            db.select(SiteFiling)
            .where(
                SiteFiling.doctor_id == doctor.id,
                SiteFiling.institution_id == institution_id,
                SiteFiling.state.in_(ACTIVE),
            )
            .limit(1)
        )
        .scalars()
        .first()
    )


def _registered(doctor_id: int) -> bool:
    """The doctor has a registration in force (an approved first registration or change)."""
    return (
        db.session.execute(
            db.select(Application.id)
            .where(
                Application.doctor_id == doctor_id,
                Application.state == State.APPROVED,
                Application.kind != Kind.CANCEL,
            )
            .limit(1)
        ).first()
        is not None
    )


def in_region(registration: Application, institution) -> bool:
    """L6: an assistant practises in the main institution's county, a practitioner anywhere
    in the province (the tenant)."""
    main = registration.institution
    if main is None or institution.tenant_id != registration.tenant_id:
        return False
    if registration.level is Level.ASSISTANT:
        return institution.county_id == main.county_id
    return True


# ---- transitions -------------------------------------------------------------------------


def file_site(registration: Application, doctor: User, institution) -> SiteFiling:
    """The doctor files ``institution`` as an additional practice site of ``registration``.

    Raises ``WrongState("not_registered")`` unless the registration is in force, and
    ``Refused`` for the main institution, a site already filed (pending or confirmed) and a
    site outside the place of practice (L6)."""
    if registration.doctor_id != doctor.id:
        raise ValueError("not this doctor's registration")
    take(registration)  # two posts at once: the second waits and sees the first
    if registration.state is not State.APPROVED or registration.kind is Kind.CANCEL:
        raise WrongState("not_registered")
    if institution.id == registration.institution_id:
        raise Refused("main_institution")
    if _active_filing(doctor, institution.id) is not None:
        raise Refused("already_filed")
    if not in_region(registration, institution):
        raise Refused("outside_region")
    filing = SiteFiling(
        doctor_id=doctor.id,
        application_id=registration.id,
        institution_id=institution.id,
        state=FilingState.PENDING,
    )
    db.session.add(filing)
    db.session.flush()
    audit(
        "site_filing",
        filing.id,
        "file",
        doctor,
        {},
        {
            "state": filing.state.value,
            "application_id": registration.id,
            "institution_id": institution.id,
        },
    )
    notify_user(
        doctor,
        _(
            "Your filing of %(name)s as an additional practice site was sent to that institution for "
            "confirmation.",
            name=institution.name,
        ),
        subject=_("Practice site filing sent"),
        sms=sms("filing_sent", inst=institution.name),
        email=False,
    )
    db.session.commit()
    return filing


def confirm_filing(filing: SiteFiling, staff: User) -> None:
    """The site's institution confirms: the doctor may practise there too."""
    lock(filing, FilingState.PENDING)
    if not _registered(filing.doctor_id):  # cancelled meanwhile: only a rejection fits
        raise WrongState("not_registered")
    before = decide(filing, staff, FilingState.CONFIRMED)
    audit("site_filing", filing.id, "confirm", staff, before, {"state": filing.state.value})
    notify_user(
        filing.doctor,
        _(
            "%(name)s confirmed your filing: it is now one of your practice sites.",
            name=filing.institution.name,
        ),
        subject=_("Practice site confirmed"),
        sms=sms("filing_confirmed", inst=filing.institution.name),
    )
    db.session.commit()


def reject_filing(filing: SiteFiling, staff: User, reason: str) -> None:
    """The site's institution rejects, with a reason the doctor sees."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required")
    lock(filing, FilingState.PENDING)
    before = decide(filing, staff, FilingState.REJECTED)
    filing.reason = reason
    audit(
        "site_filing",
        filing.id,
        "reject",
        staff,
        before,
        {"state": filing.state.value, "reason": reason},
        reason,
    )
    notify_user(
        filing.doctor,
        _(
            "%(name)s rejected your filing as an additional practice site. Reason: %(reason)s",
            name=filing.institution.name,
            reason=reason,
        ),
        subject=_("Practice site rejected"),
        sms=sms("filing_rejected", inst=filing.institution.name, reason=reason),
    )
    db.session.commit()


def withdraw_filing(filing: SiteFiling, doctor: User) -> None:
    """The doctor withdraws a filing waiting for confirmation, or stops practising at a
    confirmed site."""
    if filing.doctor_id != doctor.id:
        raise ValueError("not this doctor's filing")
    lock(filing, *ACTIVE)
    before = decide(filing, doctor, FilingState.WITHDRAWN)
    audit("site_filing", filing.id, "withdraw", doctor, before, {"state": filing.state.value})
    notify_user(
        doctor,
        _(
            "You withdrew the filing of %(name)s as an additional practice site.",
            name=filing.institution.name,
        ),
        subject=_("Practice site withdrawn"),
        sms=sms("filing_withdrawn", inst=filing.institution.name),
        email=False,
    )
    db.session.commit()
