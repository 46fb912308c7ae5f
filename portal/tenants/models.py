"""Tenants (one per province, T1) and their city/county tree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.columns import utcnow
from portal.extensions import db


class Tenant(db.Model):
    __tablename__ = "tenant"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL prefix, e.g. ``hubei`` (T2)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    #: display name, e.g. 湖北省
    name: Mapped[str] = mapped_column(String(60))
    #: the provincial health commission's contact details, shown to unverified doctors (D2)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_address: Mapped[str] = mapped_column(String(200), default="")
    #: when the commission answers the phone and takes paper materials, as free text (T5)
    office_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: rule overrides on top of config/rules.toml (R6); nested like the TOML
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    #: last certificate serial issued in this tenant (L10)
    certificate_serial: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantScoped:
    """Mixin for every tenant-owned table (T3). The one ORM filter in
    ``portal.tenants.scope`` limits every SELECT to the current tenant, and the
    ``before_flush`` hook stamps ``tenant_id`` on new rows."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("tenant.id"), index=True)


class RuleVersion(TenantScoped, db.Model):
    """One saved state of a tenant's rule overrides (A6, R6): every save by a province
    administrator adds a version; an application keeps the version in force when it was
    submitted. Rows are only ever inserted."""

    __tablename__ = "rule_version"
    __table_args__ = (UniqueConstraint("tenant_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1, 2, 3 … within the tenant
    number: Mapped[int] = mapped_column(Integer)
    #: the tenant's whole override dict (``Tenant.rules``) as saved, nested like the TOML
    overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    #: what changed against the previous version: [[dotted key, old, new], …]
    changes: Mapped[list] = mapped_column(JSON, default=list)
    #: the administrator who saved it (None: the rules a tenant started with)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by = relationship("User")


class Region(TenantScoped, db.Model):
    """A city (parent None) or a county (parent = its city)."""

    __tablename__ = "region"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: six-digit administrative division code (used in certificate numbers, L10)
    code: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(60))
    #: "city" or "county"
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    parent: Mapped[Region | None] = relationship(remote_side=[id])
    #: D16/A5: the office of the region's health commission where doctors bring their paper
    #: materials (empty: not filled in, the doctor is sent one level up; portal.rules.offices)
    office_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    office_address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    office_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    office_hours: Mapped[str] = mapped_column(String(100), default="", server_default="")
