"""The column helpers and the clock every model uses, below every package of the portal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Enum

BEIJING = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Naive UTC, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today in China (registration dates are Beijing dates)."""
    return datetime.now(BEIJING).date()


def enum_column(enum_cls, length=24):
    """An enum stored as its values in a VARCHAR (the same on SQLite and PostgreSQL)."""
    return Enum(
        enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )
