"""Medical institutions (I1, I2)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import enum_column, utcnow
from portal.extensions import db
from portal.tenants.models import TenantScoped


class InstitutionLevel(enum.StrEnum):
    COUNTY = "county"  # at or below county level (R1: up to three scopes)
    SECONDARY = "secondary"
    TERTIARY = "tertiary"


class Institution(TenantScoped, db.Model):
    __tablename__ = "institution"
    __table_args__ = (
        UniqueConstraint("tenant_id", "licence_no"),
        UniqueConstraint("tenant_id", "credit_code", name="uq_institution_tenant_id_credit_code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    #: practice licence registration number (医疗机构执业许可证登记号)
    licence_no: Mapped[str] = mapped_column(String(40))
    #: unified social credit code (统一社会信用代码, GB 32100), when the officer entered it: the
    #: practice-record import names institutions by it (A2)
    credit_code: Mapped[str | None] = mapped_column(String(18))
    level: Mapped[InstitutionLevel] = mapped_column(enum_column(InstitutionLevel))
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    #: the institution activates doctors who name it without a code (D4, I3)
    auto_activation: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    county = relationship("Region")


class InstitutionCheck(TenantScoped, db.Model):
    """The on-site check an officer made before creating the institution's account (I1, A1):
    the practice licence (original and copy), the power of attorney and the agent's ID card
    were seen, by whom and on what day."""

    __tablename__ = "institution_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    licence_seen: Mapped[bool] = mapped_column(Boolean)
    power_of_attorney_seen: Mapped[bool] = mapped_column(Boolean)
    agent_id_card_seen: Mapped[bool] = mapped_column(Boolean)
    #: the name of the officer who made the check on site (as they wrote it)
    checked_by: Mapped[str] = mapped_column(String(40))
    checked_on: Mapped[date]
    #: the officer who recorded it in the portal
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution = relationship("Institution")
    recorded_by = relationship("User")
