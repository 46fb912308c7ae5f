"""API keys for machines (V3): the province's administrator issues one to an institution or a
platform that reads the open verification interface (``/<tenant>/fhir/``). A key belongs to one
tenant (T3: the ORM filter and row-level security keep it there), is shown once when issued
and stored only as its SHA-256 digest (a key is 256 random bits: a slow password hash would
add nothing but CPU per request), and can be revoked. The issue, the revocation and the last
use are recorded (``portal.workflow.api_keys``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import utcnow
from portal.extensions import db
from portal.tenants.models import TenantScoped

#: every key starts so, which tells a leaked one for what it is (secret scanners look for it)
PREFIX = "vk_"
#: the part of a key kept in clear, to tell keys apart in the list (the prefix and 6 characters)
SHOWN = len(PREFIX) + 6


class ApiKey(TenantScoped, db.Model):
    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: who holds it: an institution or a platform, as the administrator names it
    name: Mapped[str] = mapped_column(String(100))
    #: the key's first characters, shown in the list (never enough to use it)
    shown: Mapped[str] = mapped_column(String(16))
    #: SHA-256 of the whole key, hex
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    last_used_at: Mapped[datetime | None]

    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def find_key(key: str) -> ApiKey | None:
    """The current tenant's key that ``key`` is, revoked or not; None for anything else (a key
    of another tenant is not seen, T3)."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return None
    return db.session.execute(
        db.select(ApiKey).where(ApiKey.digest == digest_of(key))
    ).scalar_one_or_none()
