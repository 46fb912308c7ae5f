"""Queue notifications in the caller's transaction; deliver them from the worker (SEC7)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from flask_babel import LazyString, force_locale, get_locale
from flask_mail import Message

from portal.columns import utcnow
from portal.extensions import db, mail
from portal.notify.figures import MESSAGES_FAILED, MESSAGES_SENT
from portal.notify.gateways import DeliveryError, sms_gateway, sms_settings
from portal.notify.models import OutboxMessage
from portal.notify.sms import Sms
from portal.notify.sms_templates import TEMPLATES
from portal.tenants.models import Tenant
from portal.tenants.scope import current_tenant_id, tenant_context

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
    ``User.locale``). The caller commits it with the change that caused it. An SMS is a
    template (``body`` an ``Sms``, see ``queue_sms``); an email is free text."""
    if channel == "sms":
        if not isinstance(body, Sms):
            raise TypeError("an SMS is a provider template: pass portal.notify.sms.sms(...)")
        return queue_sms(recipient, body, user_id=user_id, locale=locale)
    msg = OutboxMessage(
        channel=channel,
        recipient=recipient,
        body=_written(body, locale),
        subject=_written(subject, locale),
        user_id=user_id,
    )
    db.session.add(msg)
    return msg


def signature(tenant: Tenant | None) -> str:
    """The tenant's approved SMS signature (短信签名): configured per tenant, else its name."""
    if tenant is None:
        return ""
    return sms_settings(tenant.slug).get("signature") or f"{tenant.name}卫健委"


def queue_sms(recipient: str, message: Sms, *, user_id=None, locale: str | None = None):
    """Queue an SMS: its template and variables for the gateway, and in ``body`` exactly what
    the phone shows, 【signature】 and the template's text in the recipient's language."""
    tenant_id = current_tenant_id()
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None

    if locale is None:  # a new number, not yet anyone's: the request's language, else the default
        current = get_locale() if has_request_context() else None
        locale = str(current) if current else current_app.config.get("BABEL_DEFAULT_LOCALE")
    settings = sms_settings(tenant.slug) if tenant else {}
    if (
        settings.get("provider") in ("aliyun", "tencent")
        and not locale.startswith("zh")
        and message.template not in (settings.get("templates_en") or {})
    ):
        # the provider holds only the Chinese text of this template: the phone shows Chinese
        locale = "zh_CN"
    with force_locale(locale):
        variables = message.variables()
        body = f"【{signature(tenant)}】{message.text(variables)}"
    msg = OutboxMessage(
        channel="sms",
        recipient=recipient,
        body=body,
        subject="",
        user_id=user_id,
        template=message.template,
        params=variables,
        locale=locale,
    )
    db.session.add(msg)
    return msg


def notify_user(user, body, *, subject="", sms: Sms | None, email: bool = True) -> None:
    """Tell a user something by SMS (the template ``sms``, None: no SMS) and email (``body``,
    free text), to the addresses they have, in their language (``user.locale``)."""
    text = _written(body, user.locale)
    if sms is not None and user.phone:
        queue_sms(user.phone, sms, user_id=user.id, locale=user.locale)
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
        tenant = db.session.get(Tenant, msg.tenant_id)
        gateway = sms_gateway(tenant.slug if tenant else "")
        msg.provider_message_id = gateway.send(msg, key=f"outbox-{msg.id}") or ""
        msg.provider = gateway.name
        msg.delivery_status, msg.delivery_at = "sent", utcnow()
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
        if msg.channel == "sms":  # the provider's own code, for the officer's list (issue 12)
            msg.delivery_code = str(getattr(exc, "code", "") or "")[:80]
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


def pull_receipts() -> int:
    """Ask each tenant's provider what became of the SMS it accepted (issue 12): "delivered"
    or "failed" with the provider's code, recorded on the outbox message. Returns how many
    messages got a final status. (``flask notify receipts``; run it every few minutes.)"""
    updated = 0
    for tenant in db.session.execute(db.select(Tenant).order_by(Tenant.id)).scalars().all():
        with tenant_context(tenant.id):
            waiting = (
                db.session.execute(
                    db.select(OutboxMessage).where(
                        OutboxMessage.channel == "sms",
                        OutboxMessage.delivery_status == "sent",
                        OutboxMessage.provider.in_(("aliyun", "tencent")),
                        OutboxMessage.sent_at > utcnow() - timedelta(days=3),
                    )
                )
                .scalars()
                .all()
            )
            if not waiting:
                continue
            try:
                gateway = sms_gateway(tenant.slug)
                found = gateway.receipts(
                    [m for m in waiting if m.provider == getattr(gateway, "name", "")]
                )
            except DeliveryError as exc:
                log.warning("delivery receipts of %s not pulled: %s", tenant.slug, exc)
                db.session.rollback()
                continue
            for msg, status, code, _when in found:
                msg.delivery_status, msg.delivery_code = status, str(code)[:80]
                msg.delivery_at = utcnow()
                updated += 1
            db.session.commit()
    return updated


@dataclass(frozen=True)
class SentSms:
    """One SMS to a user as an officer may see it (issue 12): never the code nor the text."""

    at: datetime
    template: str
    label: object
    to: str
    status: str
    code: str


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


def sms_sent_to(user_id: int, limit: int = 20) -> list[SentSms]:
    """The latest SMS queued for ``user_id`` in the current tenant, newest first: when, which
    template, to which (masked) number, and what became of it (the provider's status)."""
    rows = db.session.execute(
        db.select(
            OutboxMessage.created_at,
            OutboxMessage.template,
            OutboxMessage.recipient,
            OutboxMessage.delivery_status,
            OutboxMessage.delivery_code,
        )
        .where(OutboxMessage.user_id == user_id, OutboxMessage.channel == "sms")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return [
        SentSms(
            at,
            template,
            TEMPLATES[template].label if template in TEMPLATES else template,
            _masked(recipient),
            status,
            code,
        )
        for at, template, recipient, status, code in rows
    ]
