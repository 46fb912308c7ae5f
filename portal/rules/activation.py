"""Activation codes as the institution sees them (I3): where a code went, masked, and what
became of it."""

from __future__ import annotations

from datetime import datetime


def mask_destination(value: str) -> str:
    """A phone number as 138****0000, an email address as l***@example.com."""
    if "@" in value:
        local, _at, domain = value.partition("@")
        return (local[:1] + "***@" + domain) if local else value
    return value[:3] + "****" + value[-4:] if len(value) == 11 else value


def code_status(used_at: datetime | None, expires_at: datetime, now: datetime) -> str:
    """ "used", "expired" (its lifetime ended, or a newer code replaced it) or "waiting"."""
    if used_at is not None:
        return "used"
    return "expired" if expires_at <= now else "waiting"
