"""Queue notifications in the caller's transaction; deliver them from the worker (SEC7)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app
from flask_mail import Message

from portal.extensions import db, mail
from portal.notify.models import OutboxMessage
from portal.tenants.models import utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


def queue(channel: str, recipient: str, body: str, *, subject: str = "", user_id=None) -> OutboxMessage:
    """Add a message to the outbox. The caller commits it with the change that caused it."""
    msg = OutboxMessage(channel=channel, recipient=recipient, body=body, subject=subject, user_id=user_id)
    db.session.add(msg)
    return msg


def notify_user(user, body: str, *, subject: str = "", sms: bool = True, email: bool = True) -> None:
    """Tell a user something by SMS and email, to the addresses they have."""
    if sms and user.phone:
        queue("sms", user.phone, body, user_id=user.id)
    if email and user.email:
        queue("email", user.email, body, subject=subject or body[:60], user_id=user.id)


class DeliveryError(Exception):
    pass


class DevSmsGateway:
    """Development: the outbox page and `flask notify outbox` are the phone.

    The gateway interface: ``send(recipient, body, key)``; ``key`` is the same for every try
    of one outbox message ("outbox-<id>"), so a gateway that honours idempotency keys never
    delivers a message twice when a worker died after sending it and before marking it sent."""

    def send(self, recipient: str, body: str, key: str = "") -> None:
        return None


def sms_gateway():
    name = current_app.config.get("SMS_GATEWAY", "dev")
    if name == "dev":
        return DevSmsGateway()
    raise DeliveryError(f"unknown SMS gateway {name!r}")


def idempotency_key(msg: OutboxMessage) -> str:
    """One key per message, the same at every try (SEC7)."""
    return f"outbox-{msg.id}"


def deliver(msg: OutboxMessage) -> None:
    if msg.channel == "sms":
        sms_gateway().send(msg.recipient, msg.body, key=idempotency_key(msg))
    elif msg.channel == "email":
        mail.send(Message(subject=msg.subject, recipients=[msg.recipient], body=msg.body))
    else:
        raise DeliveryError(f"unknown channel {msg.channel!r}")


def deliver_pending(limit: int = 50) -> int:
    """Deliver what is due, one message per transaction (its row locked, SKIP LOCKED on
    PostgreSQL, so two workers never take the same one); returns how many were sent."""
    sent = 0
    for _ in range(limit):
        stmt = (
            db.select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_try_at <= utcnow())
            .order_by(OutboxMessage.id)
            .limit(1)
            .execution_options(all_tenants=True)
        )
        if db.engine.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        msg = db.session.execute(stmt).scalar_one_or_none()
        if msg is None:
            break
        try:
            deliver(msg)
        except Exception as exc:  # any gateway failure: retry later with backoff
            msg.attempts += 1
            msg.next_try_at = utcnow() + min(timedelta(seconds=2**msg.attempts), MAX_BACKOFF)
            msg.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("outbox message %s failed (attempt %s)", msg.id, msg.attempts)
        else:
            msg.attempts += 1
            msg.sent_at = utcnow()
            sent += 1
        # marked at once: a worker dying later resends none of the messages before this one
        db.session.commit()
    return sent


def work(once: bool = False, interval: float = 1.0) -> None:
    while True:
        deliver_pending()
        if once:
            return
        time.sleep(interval)
