"""What the notification worker counts (Prometheus counters, shared across processes through
PROMETHEUS_MULTIPROC_DIR) and the outbox's backlog, read from the database. ``portal.ops``
exports them at /metrics and in /readyz."""

from __future__ import annotations

from prometheus_client import Counter
from sqlalchemy import func

from portal.columns import utcnow
from portal.extensions import db
from portal.notify.models import OutboxMessage

MESSAGES_SENT = Counter(
    "portal_messages_sent", "Messages (codes, notices) handed to the gateway", ["channel"]
)
MESSAGES_FAILED = Counter(
    "portal_messages_failed", "Delivery attempts the gateway refused or missed", ["channel"]
)


def outbox_figures() -> tuple[int, float]:
    """(undelivered messages, age in seconds of the oldest), across tenants."""
    count, oldest = db.session.execute(
        db.select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.sent_at.is_(None))
        .execution_options(all_tenants=True)
    ).one()
    age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return count, max(0.0, age)
