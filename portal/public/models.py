"""Counts of public certificate lookups (V1: every check is counted)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, UniqueConstraint, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.tenants.models import TenantScoped


class VerificationCount(TenantScoped, db.Model):
    """Lookups on the public verification page, one row per tenant and (Beijing) day."""

    __tablename__ = "verification_count"
    __table_args__ = (UniqueConstraint("tenant_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    #: lookups of a well-formed certificate number that day, found or not
    lookups: Mapped[int] = mapped_column(Integer, default=0)


def count_lookup(day: date) -> None:
    """Add one lookup to the current tenant's count for ``day`` and commit. Safe when two
    processes count the first lookup of a day at once: the unique constraint lets one insert
    win, and the other then updates."""
    for _attempt in range(2):
        # an ORM UPDATE: the tenant filter (portal.tenants.scope) limits it to this tenant
        done = db.session.execute(
            update(VerificationCount)
            .where(VerificationCount.day == day)
            .values(lookups=VerificationCount.lookups + 1)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount:
            break
        try:
            with db.session.begin_nested():
                db.session.add(VerificationCount(day=day, lookups=1))
            break
        except IntegrityError:
            continue
    db.session.commit()
