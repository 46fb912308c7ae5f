"""Applications and the audit log (A8). Only ``portal.workflow`` changes an
application's state."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.columns import enum_column, utcnow
from portal.extensions import db
from portal.registry.records import Category, Level
from portal.rules.catalogue import scope_name
from portal.tenants.models import TenantScoped
from portal.workflow.audit_guard import install as install_audit_guard


class Kind(enum.StrEnum):
    FIRST = "first"  # first registration (D7)
    CHANGE = "change"  # change of registration: scope (L2); the certificate number stays
    CANCEL = "cancel"  # cancellation on a ground of L4
    REREGISTER = "reregister"  # re-registration after a lapse or a cancellation (R3, L5)


#: L4 (Practitioners' Law art. 17): the grounds a cancellation cites
CANCEL_GROUNDS = (
    "suspended_two_years",
    "failed_assessment_again",
    "certificate_revoked",
    "criminal_penalty",
    "death",
    "other",
)

#: who started a cancellation: the doctor (D7), the institution's report (I6), the commission
#: on its own motion (A9)
CANCEL_ORIGINS = ("doctor", "institution", "commission")


class State(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the institution (I4)
    REJECTED = "rejected"  # the institution rejected it, with a reason; the doctor may resubmit
    CONFIRMED = "confirmed"  # the institution confirmed; paper materials go to the commission
    APPROVED = "approved"  # the commission approved; certificate number issued (A4)
    SUPERSEDED = "superseded"  # a registration replaced by an approved change (D7)
    CANCELLED = "cancelled"  # a registration ended by an approved cancellation (L4)
    EXPIRED = "expired"  # a draft left untouched past the tenant's draft lifetime (D20)
    RETURNED = "returned"  # the commission returned it for correction, with a reason; the doctor may resubmit (A4)
    REFUSED = "refused"  # the commission refused it on a ground of L3 (不予注册); final (A4)


#: L3 (Practitioners' Law art. 16): the grounds a refusal cites; "other" needs an explanation
REFUSAL_GROUNDS = (
    "civil_capacity",
    "criminal_or_ban",
    "certificate_revoked",
    "failed_assessment",
    "other",
)


class Application(TenantScoped, db.Model):
    __tablename__ = "application"
    __table_args__ = (
        #: I4, P5: the institution's waiting applications, newest first, all kinds or one kind
        Index("ix_application_queue", "tenant_id", "institution_id", "state", "submitted_at", "id"),
        Index(
            "ix_application_queue_kind",
            "tenant_id",
            "institution_id",
            "state",
            "kind",
            "submitted_at",
            "id",
        ),
        #: I5, P5: the institution's registrations in force, most recent first
        Index(
            "ix_application_roster", "tenant_id", "institution_id", "state", "registered_on", "id"
        ),
        #: A4, L1, P5: the officer's queue, the most urgent first (keyset on due date, acceptance, id)
        Index(
            "ix_application_officer_queue",
            "tenant_id",
            "state",
            "decision_due",
            "confirmed_at",
            "id",
        ),
        #: D20, R3: the registrations whose valid-until day is near (reminders)
        Index("ix_application_valid_until", "tenant_id", "state", "valid_until"),
        #: V1: the public check finds a registration by its certificate number (bench/server.py
        #: measured a full table scan per lookup without it)
        Index("ix_application_certificate_no", "tenant_id", "certificate_no"),
        #: A7, issue 16: the reports count the applications submitted in a range, from the
        #: index alone on PostgreSQL (migration 0030)
        Index(
            "ix_application_report",
            "tenant_id",
            "submitted_at",
            postgresql_include=["institution_id", "state", "confirmed_at", "id"],
        ),
        #: A5, F12, issue 16: a city officer's queue counts the county approvals not yet filed
        #: with the city (a scan of every application without it: 190 ms at 300,000 doctors)
        Index("ix_application_city_filing", "tenant_id", "needs_county_approval", "city_filed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[Kind] = mapped_column(enum_column(Kind), default=Kind.FIRST)
    state: Mapped[State] = mapped_column(enum_column(State), default=State.DRAFT)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    #: from the qualification record (D12)
    level: Mapped[Level] = mapped_column(enum_column(Level))
    category: Mapped[Category] = mapped_column(enum_column(Category))
    #: keys of the practice scopes in the catalogue (D13, L9), limited by R1/R2
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    #: R1: general practice on top of the specialty, after transfer training
    gp_transfer_training: Mapped[bool] = mapped_column(Boolean, default=False)
    gp_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    #: R1/A5: several scopes at county level need the county's approval and a city filing
    needs_county_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the qualification registered (R4: one of two assistant certificates)
    qualification_id: Mapped[int | None] = mapped_column(ForeignKey("qualification.id"))
    #: R4: the other certificate, cancelled when this registration is approved
    cancels_qualification_id: Mapped[int | None] = mapped_column(ForeignKey("qualification.id"))
    #: R3: training certificate after a lapse (months, assessment passed, scan)
    training_months: Mapped[int | None]
    training_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    training_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    #: L5 (Practitioners' Law art. 19): after a refusal, the certificate of the passed assessment
    assessment_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    #: D11: the 2-inch photo
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    #: D7: the registration a change or cancellation applies to
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    #: D7/L4: the ground of a cancellation and the doctor's explanation
    cancel_ground: Mapped[str | None] = mapped_column(String(40))
    cancel_note: Mapped[str] = mapped_column(Text, default="")
    #: L4/I6/A9: who started the cancellation (CANCEL_ORIGINS; None: the doctor, before 0024)
    cancel_origin: Mapped[str | None] = mapped_column(String(20))
    #: L4: the day of the ground (death, judgment, revocation ...), as reported or found
    cancel_ground_on: Mapped[date | None]
    #: A9: the commission's reference for an own-motion cancellation (e.g. the death record)
    cancel_reference: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: L4: the institution reported more than 30 days after the ground (accepted, flagged)
    cancel_reported_late: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: D9: the wizard step the doctor is on, to resume a draft there
    step: Mapped[str] = mapped_column(String(20), default="personal")
    #: time at this institution (D14)
    contract_start: Mapped[date | None]
    contract_end: Mapped[date | None]
    #: home address as on the ID card (D10)
    home_address: Mapped[str] = mapped_column(String(200), default="")
    work_experience: Mapped[str] = mapped_column(Text, default="")
    rewards_punishments: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    #: the reason of the last return: by the institution (D15) or by the commission (A4); the
    #: commission's explanation of a refusal
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    #: A4/L3: the ground of the commission's refusal (REFUSAL_GROUNDS)
    refusal_ground: Mapped[str | None] = mapped_column(String(40))
    #: A5/F12: a multi-scope registration approved by the county, filed with the city: when and
    #: by which city officer
    city_filed_at: Mapped[datetime | None]
    city_filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: paper materials the officer ticked as received (D16)
    materials_received: Mapped[list] = mapped_column(JSON, default=list)
    certificate_no: Mapped[str | None] = mapped_column(String(20))
    #: the day the registration succeeded: practice years count from here (R5, D18)
    registered_on: Mapped[date | None]
    #: the tenant's rules in force when it was submitted (A6): it is judged by those
    rule_version_id: Mapped[int | None] = mapped_column(ForeignKey("rule_version.id"))
    #: R3, A6: the last day the registration is valid, fixed at approval by the rules it was
    #: submitted under (a change of registration keeps the one of the registration it changes)
    valid_until: Mapped[date | None]
    #: L1, A6: the day the commission's decision is due, fixed at acceptance (the institution's
    #: confirmation) by the working days of the rules it was submitted under
    decision_due: Mapped[date | None]

    doctor = relationship("User", foreign_keys=[doctor_id])
    institution = relationship("Institution")
    city_filed_by = relationship("User", foreign_keys=[city_filed_by_id])
    qualification = relationship("Qualification", foreign_keys=[qualification_id])
    previous = relationship("Application", remote_side=[id], foreign_keys=[previous_id])
    cancels_qualification = relationship("Qualification", foreign_keys=[cancels_qualification_id])
    rule_version = relationship("RuleVersion")

    @property
    def scope_label(self) -> str:
        """The scopes' catalogue names, e.g. 内科专业、全科医学专业."""
        return "、".join(scope_name(s) for s in self.scopes or [])


class Document(TenantScoped, db.Model):
    """An uploaded file after checking: the doctor's photo (D11) or a certificate scan."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: "photo", "gp_certificate", "training_certificate", "assessment_certificate"
    kind: Mapped[str] = mapped_column(String(30))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(TenantScoped, db.Model):
    """Who changed what, when (A8). Rows are only ever inserted."""

    __tablename__ = "audit_log"
    __table_args__ = (
        # A8 search by record, by actor, by kind, newest first (keyset on id)
        Index("ix_audit_log_record", "tenant_id", "entity", "entity_id", "id"),
        Index("ix_audit_log_actor", "tenant_id", "actor_id", "id"),
        Index("ix_audit_log_action", "tenant_id", "action", "id"),
        #: A8, issue 16: a search over a date range, newest first by time (migration 0030)
        Index("ix_audit_log_time", "tenant_id", "at", "id"),
        #: A7: the approval of each application, for the processing times
        Index(
            "ix_audit_log_decision",
            "tenant_id",
            "entity",
            "action",
            "entity_id",
            postgresql_include=["at"],
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: e.g. "application", "user"
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


# ---- D17: information maintenance ------------------------------------------------------------


class ModificationState(enum.StrEnum):
    PENDING = "pending"  # waiting for the registration's institution (I4)
    APPROVED = "approved"  # the institution approved: the new values are in the registration
    REJECTED = "rejected"  # the institution rejected it, with a reason: the old values stay


class RequestOnRegistration:
    """What a doctor's request on the registration in force has, whatever it asks (D17, D19):
    the doctor, the registration, the institution that decides, and the decision."""

    doctor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: the registration in force it applies to
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    #: the institution that decides: the registration's (D17) or the extra site (D19)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    #: the institution's reason when it rejects
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    #: the staff member who decided, or the doctor who withdrew
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @declared_attr
    def doctor(cls):  # noqa: N805
        return relationship("User", foreign_keys=[cls.doctor_id])

    @declared_attr
    def application(cls):  # noqa: N805
        return relationship("Application")

    @declared_attr
    def institution(cls):  # noqa: N805
        return relationship("Institution")


class ModificationRequest(RequestOnRegistration, TenantScoped, db.Model):
    """A registered doctor's request to modify registered details (D17). The registration
    keeps its values until the institution approves; only ``portal.workflow.modifications``
    changes the state."""

    __tablename__ = "modification_request"
    __table_args__ = (
        #: I4, P5: keyset (created_at, id) within the institution's pending requests
        Index(
            "ix_modification_request_queue",
            "tenant_id",
            "institution_id",
            "state",
            "created_at",
            "id",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[ModificationState] = mapped_column(
        enum_column(ModificationState), default=ModificationState.PENDING
    )
    #: {field: {"old": ..., "new": ...}}, dates as ISO strings; only the fields that change
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


class FilingState(enum.StrEnum):
    PENDING = "pending"  # waiting for the extra site's institution (I4)
    CONFIRMED = "confirmed"  # the site's institution confirmed: the doctor practises there too
    REJECTED = "rejected"  # the site's institution refused, with a reason
    WITHDRAWN = "withdrawn"  # the doctor withdrew it


class SiteFiling(RequestOnRegistration, TenantScoped, db.Model):
    """A registered doctor's filing of an additional practice site (D19, L6, 多机构备案),
    confirmed by that site's institution; only ``portal.workflow.filings`` changes the state."""

    __tablename__ = "site_filing"
    __table_args__ = (
        #: I4, P5: keyset (created_at, id) within the institution's pending filings
        Index("ix_site_filing_queue", "tenant_id", "institution_id", "state", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[FilingState] = mapped_column(
        enum_column(FilingState), default=FilingState.PENDING
    )


install_audit_guard(AuditLog.__table__)
