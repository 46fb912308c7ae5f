"""Users of every role, and the one-time codes sent to them (SEC2)."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.totp_keys import decrypt, encrypt
from portal.columns import enum_column, utcnow
from portal.extensions import db
from portal.pii import decrypted_on_load, encrypted_id_number
from portal.tenants.models import TenantScoped


class Role(enum.StrEnum):
    DOCTOR = "doctor"
    STAFF = "staff"  # institution staff (I2)
    OFFICER = "officer"  # health-commission officer (A1–A5)
    ADMIN = "admin"  # province administrator (A6)


class User(TenantScoped, UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        #: issue 14: not unique. A doctor's user name with its password identifies the account;
        #: staff, officer and administrator names are kept unique by workflow.provisioning
        Index("ix_user_account_username", "tenant_id", "username"),
        #: and the database keeps staff, officer and administrator names unique among themselves
        #: (two made at the same moment with one name: the second fails, as before 0028)
        Index(
            "uq_user_account_staff_username",
            "tenant_id",
            "username",
            unique=True,
            postgresql_where=text("role <> 'doctor'"),
            sqlite_where=text("role <> 'doctor'"),
        ),
        #: I4/I5 search by name prefix (LIKE 'x%'): pattern ops on PostgreSQL serve it whatever the collation
        Index(
            "ix_user_account_real_name",
            "tenant_id",
            "real_name",
            postgresql_ops={"real_name": "varchar_pattern_ops"},
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: log-in name (D1: not the real name)
    username: Mapped[str] = mapped_column(String(40))
    #: argon2id hash (SEC1)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    #: legal name in Chinese characters (D1)
    real_name: Mapped[str] = mapped_column(String(40))
    #: 18-character resident ID number (doctors only); sensitive, shown masked (SEC5), stored
    #: encrypted with its keyed blind index for lookups (issue 14, portal/pii.py); ``id_number``
    #: reads and writes it in clear, ``User.id_number == x`` compares the index
    id_number_encrypted: Mapped[str | None] = mapped_column(String(255))
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number = encrypted_id_number()
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    #: the UI language the user last chose ("zh_CN" or "en"): messages to them are written in it
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN", server_default="zh_CN")
    phone_verified_at: Mapped[datetime | None]
    email_verified_at: Mapped[datetime | None]
    #: name + ID number matched a qualification or practice record (D2)
    identity_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    qualification_id: Mapped[int | None] = mapped_column(ForeignKey("qualification.id"))
    #: staff: their institution; doctor: the main practice institution they named (D4)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"), index=True)
    #: officers (A1): the city or county they work for; None for the province. An officer sees
    #: and decides only what their region covers (portal.admin.coverage)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    #: when the doctor named the institution (orders the activation queue)
    institution_named_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    #: TOTP secret for staff and officers (SEC3), encrypted: the column holds a Fernet token,
    #: never the secret (portal/accounts/totp_keys.py); ``totp_secret`` reads and writes it in
    #: clear. And the last time step accepted
    totp_secret_encrypted: Mapped[str | None] = mapped_column("totp_secret", String(255))
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    #: consecutive wrong codes across codes (SEC2) and the lock that follows 10 of them
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    code_locked_until: Mapped[datetime | None]
    #: bumped to end every open session of this user
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: signed in with a first (one-time) password sent by SMS: must choose their own before
    #: anything else, then enrol TOTP (I1, I2)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    #: staff: the institution's person in charge, who manages its staff accounts (I1, I2)
    is_person_in_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: issue 14: when the retention job erased this never-confirmed account's personal
    #: information (the row stays, disabled, for the audit rows that name it)
    erased_at: Mapped[datetime | None]

    qualification = relationship("Qualification")
    institution = relationship("Institution")
    region = relationship("Region")

    def get_id(self) -> str:
        return f"{self.tenant_id}:{self.id}:{self.session_version}"

    @property
    def totp_enrolled(self) -> bool:
        """An authenticator app is set up (without decrypting the secret)."""
        return self.totp_secret_encrypted is not None

    @property
    def totp_secret(self) -> str | None:
        """The TOTP secret in clear, decrypted with TOTP_ENCRYPTION_KEYS; raises
        totp_keys.SecretUnreadable when none of the keys opens it. Never log it."""
        return (
            decrypt(self.totp_secret_encrypted) if self.totp_secret_encrypted is not None else None
        )

    @totp_secret.setter
    def totp_secret(self, secret: str | None) -> None:
        self.totp_secret_encrypted = encrypt(secret) if secret else None

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def contact_verified(self) -> bool:
        return self.phone_verified_at is not None or self.email_verified_at is not None

    @property
    def masked_id_number(self) -> str:
        value = self.id_number or ""
        return value[:3] + "*" * 11 + value[-4:] if len(value) == 18 else ""

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


decrypted_on_load(User)


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else phone


def mask_email(email: str) -> str:
    """``li***@example.com``: enough to recognise one's own address, not to read it."""
    local, at, domain = email.partition("@")
    return (local[:2] + "***" + at + domain) if at else "***"


class CodePurpose(enum.StrEnum):
    VERIFY_PHONE = "verify_phone"
    VERIFY_EMAIL = "verify_email"
    ACTIVATION = "activation"
    RESET_PASSWORD = "reset_password"  # D6
    CHANGE_PHONE = (
        "change_phone"  # SEC1: a new mobile number, proved before it replaces the old one
    )
    CHANGE_EMAIL = "change_email"  # SEC1: likewise a new email address


class OneTimeCode(TenantScoped, db.Model):
    """A code sent to a user. Only its keyed hash is stored (SEC2)."""

    __tablename__ = "one_time_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    purpose: Mapped[CodePurpose] = mapped_column(enum_column(CodePurpose))
    #: "sms" or "email"
    channel: Mapped[str] = mapped_column(String(10))
    #: phone number or email address it went to (send limits count per destination)
    destination: Mapped[str] = mapped_column(String(254), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]
    #: who issued it (institution staff for activation codes; lists the codes an institution sent, I3)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)

    user = relationship("User", foreign_keys=[user_id])
