"""The transactional outbox (SEC7) and the record of reminders sent (D20)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.columns import utcnow
from portal.extensions import db
from portal.tenants.models import TenantScoped


class OutboxMessage(TenantScoped, db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_pending", "sent_at", "next_try_at"),
        Index("ix_outbox_message_user", "tenant_id", "user_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: "sms" or "email"
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: an SMS: the name of its provider template (portal/notify/sms.py) and its parameters;
    #: ``body`` is then what the phone shows (signature + the template's text, rendered)
    template: Mapped[str] = mapped_column(String(40), default="", server_default="")
    params: Mapped[dict | None] = mapped_column(JSON)
    #: the language the SMS was written in: an English template id when the tenant has one
    locale: Mapped[str] = mapped_column(String(10), default="", server_default="")
    #: the gateway that accepted it ("aliyun", "tencent", "http", "dev") and its message id
    provider: Mapped[str] = mapped_column(String(20), default="", server_default="")
    provider_message_id: Mapped[str] = mapped_column(String(80), default="", server_default="")
    #: "queued", "sent" (the provider accepted it), "delivered" or "failed" (its receipt)
    delivery_status: Mapped[str] = mapped_column(
        String(12), default="queued", server_default="queued"
    )
    #: the provider's status or error code (e.g. DELIVERED, IS:1001)
    delivery_code: Mapped[str] = mapped_column(String(80), default="", server_default="")
    delivery_at: Mapped[datetime | None]


class ReminderSent(TenantScoped, db.Model):
    """A reminder (D20) that went into the outbox: one row per thing and schedule entry, so
    a second run of ``flask notify remind`` sends nothing twice. Inserted in the same
    transaction as the outbox messages (SEC7): both are there, or neither."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "subject_id", "step"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: "registration" (an application's id), "draft" (an application's id) or
    #: "activation" (a one-time code's id)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    #: the schedule entry: days (registration, draft) or hours (activation) before the deadline
    step: Mapped[int] = mapped_column(Integer)
    #: the Beijing date of the run that sent it
    sent_on: Mapped[date]
