"""Reference data (Q1, Q2) and identity cases (A3)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import enum_column, utcnow
from portal.extensions import db
from portal.pii import decrypted_on_load, encrypted_id_number
from portal.tenants.models import TenantScoped


class Level(enum.StrEnum):
    PRACTITIONER = "practitioner"  # 执业医师
    ASSISTANT = "assistant"  # 执业助理医师


class Category(enum.StrEnum):
    CLINICAL = "clinical"  # 临床
    TCM = "tcm"  # 中医
    DENTAL = "dental"  # 口腔
    PUBLIC_HEALTH = "public_health"  # 公共卫生


class Qualification(TenantScoped, db.Model):
    """A qualification record (Q1): certificate or Notice of Passing."""

    __tablename__ = "qualification"
    __table_args__ = (UniqueConstraint("tenant_id", "certificate_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    #: the resident ID number, encrypted, and its keyed blind index (issue 14, portal/pii.py)
    id_number_encrypted: Mapped[str] = mapped_column(String(255))
    id_number_index: Mapped[str] = mapped_column(String(64), index=True)
    id_number = encrypted_id_number()
    #: certificate number, or the Notice of Passing number (D8)
    certificate_no: Mapped[str] = mapped_column(String(40))
    level: Mapped[Level] = mapped_column(enum_column(Level))
    category: Mapped[Category] = mapped_column(enum_column(Category))
    #: 乡村全科执业助理医师 (R4)
    rural_general: Mapped[bool] = mapped_column(Boolean, default=False)
    #: only the Notice of Passing so far, the certificate not yet issued (D8)
    is_notice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    obtained_on: Mapped[date]
    #: R4: cancelled when the doctor registered their other assistant certificate
    cancelled_on: Mapped[date | None]


class PracticeRecord(TenantScoped, db.Model):
    """A registration made before the portal (Q2): the doctor activates at its institution and
    takes it over as their registration on the portal (D5, F17)."""

    __tablename__ = "practice_record"
    __table_args__ = (UniqueConstraint("tenant_id", "certificate_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    #: the resident ID number, encrypted, and its keyed blind index (issue 14, portal/pii.py)
    id_number_encrypted: Mapped[str] = mapped_column(String(255))
    id_number_index: Mapped[str] = mapped_column(String(64), index=True)
    id_number = encrypted_id_number()
    certificate_no: Mapped[str] = mapped_column(String(40))
    #: the institution's name as the imported file wrote it (kept as it was)
    institution_name: Mapped[str] = mapped_column(String(100))
    #: the portal's institution where the doctor is registered, matched at import by its code
    #: or exact name (A2); None for a record held before that whose name named no institution,
    #: until an officer sets it (``portal.workflow.records``)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(200))
    registered_on: Mapped[date]
    #: 医师级别 as on the paper certificate; used when the doctor has no qualification record
    level: Mapped[Level | None] = mapped_column(enum_column(Level))

    institution = relationship("Institution")


decrypted_on_load(Qualification)
decrypted_on_load(PracticeRecord)


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class IdentityCase(TenantScoped, db.Model):
    """A sign-up whose name and ID number matched no record (D2, A3)."""

    __tablename__ = "identity_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: A1/A3: the city or county whose officers handle the case (the province's officers see
    #: every case): the region of the institution the doctor named (D4), else the one the ID
    #: number's area code falls to; None: the province's officers only
    #: (``portal.workflow.identity.region_for``)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus), default=CaseStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")
    region = relationship("Region")


class ImportKind(enum.StrEnum):
    QUALIFICATIONS = "qualifications"  # Q1
    PRACTICE_RECORDS = "practice-records"  # Q2


class ImportStatus(enum.StrEnum):
    PENDING = "pending"  # previewed, valid, waiting for the administrator's confirmation
    IMPORTED = "imported"  # written, in one transaction


class ImportBatch(TenantScoped, db.Model):
    """An uploaded CSV file of reference data (A2), kept between the preview and the
    confirmation so the confirmation writes exactly what was previewed (checked again then)."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind))
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus), default=ImportStatus.PENDING
    )
    file_name: Mapped[str] = mapped_column(String(200), default="")
    #: SHA-256 of the decoded text, checked again at confirmation
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: the decoded text (UTF-8), whatever the file's encoding was
    content: Mapped[str] = mapped_column(Text)
    #: data lines in the file
    rows: Mapped[int] = mapped_column(Integer, default=0)
    #: at import: records written, and records already there with the same values
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    #: lines not written because their institution matched none of the portal's (A2): the
    #: file is kept, and the audit row lists their line numbers
    skipped_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime | None]

    created_by = relationship("User", foreign_keys=[created_by_id])
    imported_by = relationship("User", foreign_keys=[imported_by_id])


def find_qualification(name: str, id_number: str) -> Qualification | None:
    """The newest qualification record of this person (Q1), matched by name and ID number."""
    return db.session.execute(
        db.select(Qualification)
        .filter_by(name=name, id_number=id_number)
        .order_by(Qualification.obtained_on.desc())
        .limit(1)
    ).scalar_one_or_none()


def find_practice_record(name: str, id_number: str) -> PracticeRecord | None:
    """This person's practice record (Q2): a registration made before the portal (D5)."""
    return db.session.execute(
        db.select(PracticeRecord).filter_by(name=name, id_number=id_number).limit(1)
    ).scalar_one_or_none()
