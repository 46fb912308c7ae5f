"""Medical institutions (I1, I2)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import enum_column
from portal.extensions import db
from portal.tenants.models import TenantScoped, utcnow


class InstitutionLevel(enum.StrEnum):
    COUNTY = "county"  # at or below county level (R1: up to three scopes)
    SECONDARY = "secondary"
    TERTIARY = "tertiary"


class Institution(TenantScoped, db.Model):
    __tablename__ = "institution"
    __table_args__ = (UniqueConstraint("tenant_id", "licence_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    #: practice licence registration number (医疗机构执业许可证登记号)
    licence_no: Mapped[str] = mapped_column(String(40))
    level: Mapped[InstitutionLevel] = mapped_column(enum_column(InstitutionLevel))
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    #: the institution activates doctors who name it without a code (D4, I3)
    auto_activation: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    county = relationship("Region")
