"""Queue notifications in the caller's transaction; deliver them from the worker (SEC7)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask_babel import LazyString, force_locale
from flask_mail import Message

from portal.columns import utcnow
from portal.extensions import db, mail
from portal.notify.figures import MESSAGES_FAILED, MESSAGES_SENT
from portal.notify.gateways import DeliveryError, sms_gateway
from portal.notify.models import OutboxMessage
from portal.tenants.scope import tenant_context

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


def joined(*parts) -> LazyString:
    """Text made of translated parts (lazy ones among them), written when the message is: in
    the recipient's language (``queue``)."""
    return LazyString(lambda: "".join(str(p) for p in parts))


def _written(text, locale: str | None) -> str:
    """``text`` as the recipient reads it: a lazy translation (``lazy_gettext``, ``joined``)
    is written in ``locale``, the recipient's last chosen language, whoever's action sent it;
    without one (a new phone number, not yet anyone's), in the language of the request."""
    if text is None or isinstance(text, str):  # (a lazy string's truth would write it now)
        return text or ""
    if locale is None:
        return str(text)
    with force_locale(locale):
        return str(text)


def queue(
    channel: str, recipient: str, body, *, subject="", user_id=None, locale: str | None = None
) -> OutboxMessage:
    """Add a message to the outbox, written in ``locale`` (the language of the user it is for,
    ``User.locale``). The caller commits it with the change that caused it."""
    msg = OutboxMessage(
        channel=channel,
        recipient=recipient,
        body=_written(body, locale),
        subject=_written(subject, locale),
        user_id=user_id,
    )
    db.session.add(msg)
    return msg


def notify_user(user, body, *, subject="", sms: bool = True, email: bool = True) -> None:
    """Tell a user something by SMS and email, to the addresses they have, in their language
    (``user.locale``)."""
    text = _written(body, user.locale)
    if sms and user.phone:
        queue("sms", user.phone, text, user_id=user.id)
    if email and user.email:
        queue(
            "email",
            user.email,
            text,
            subject=_written(subject, user.locale) or text[:60],
            user_id=user.id,
        )


def deliver(msg: OutboxMessage) -> None:
    """Hand one message to its gateway; raises when it was not accepted."""
    if msg.channel == "sms":
        sms_gateway().send(msg.recipient, msg.body, key=f"outbox-{msg.id}")
    elif msg.channel == "email":
        mail.send(
            Message(
                subject=msg.subject,
                recipients=[msg.recipient],
                body=msg.body,
                extra_headers={"X-Outbox-Id": str(msg.id)},
            )
        )
    else:
        raise DeliveryError(f"unknown channel {msg.channel!r}")


def _claim() -> OutboxMessage | None:
    """The oldest message that is due, locked for this transaction. On PostgreSQL, ``FOR
    UPDATE SKIP LOCKED``: several workers each take a different message, never the same one.
    (SQLite has no row locks: run one worker there.)"""
    stmt = (
        db.select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_try_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(1)
        .execution_options(all_tenants=True)
    )
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return db.session.execute(stmt).scalars().first()


def deliver_one() -> bool | None:
    """Claim, deliver and record one message in one transaction: True when it was sent,
    False when the gateway failed (tried again later, with backoff), None when nothing is due."""
    msg = _claim()
    if msg is None:
        db.session.rollback()
        return None
    # claimed across tenants; recorded as the message's own tenant (row-level security, SEC9)
    with tenant_context(msg.tenant_id):
        return _deliver_claimed(msg)


def _deliver_claimed(msg: OutboxMessage) -> bool:
    msg.attempts += 1
    try:
        deliver(msg)
    except Exception as exc:  # any gateway failure: retry later with backoff
        msg.next_try_at = utcnow() + min(timedelta(seconds=2**msg.attempts), MAX_BACKOFF)
        msg.last_error = f"{type(exc).__name__}: {exc}"[:500]
        # the id and our own words only: never the recipient or the body, nor a mail
        # server's answer, which may repeat the address (SEC5)
        reason = str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__
        log.warning(
            "outbox message %s not delivered (attempt %s): %s",
            msg.id,
            msg.attempts,
            reason,
            extra={"outbox_id": msg.id, "channel": msg.channel},
        )
        MESSAGES_FAILED.labels(msg.channel).inc()
        sent = False
    else:
        msg.sent_at = utcnow()
        MESSAGES_SENT.labels(msg.channel).inc()
        sent = True
    db.session.commit()
    return sent


def deliver_pending(limit: int = 50, stop: threading.Event | None = None) -> int:
    """Deliver what is due, one message per transaction, until nothing is due, ``limit``
    messages were tried or ``stop`` is set; returns how many were sent."""
    sent = 0
    for _ in range(limit):
        if stop is not None and stop.is_set():
            break
        outcome = deliver_one()
        if outcome is None:
            break
        sent += bool(outcome)
    return sent


def work(once: bool = False, interval: float = 1.0, stop: threading.Event | None = None) -> None:
    """Deliver until ``stop`` is set (SIGTERM: the message in hand is finished first)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        pause = interval
        try:
            deliver_pending(stop=stop)
        except Exception:  # the database went away a moment: log it, try again a little later
            db.session.rollback()
            log.exception("outbox delivery failed")
            pause = max(interval, 5.0)
        if once:
            return
        stop.wait(pause)
