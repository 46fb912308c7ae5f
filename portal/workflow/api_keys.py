"""API keys issued, revoked and used (V3, A8): the administrator's actions are audited (the
key's name and its first characters, never the key); a use only moves ``last_used_at``, at
most once a minute per key, so a busy platform does not write on every request."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts.api_keys import SHOWN, ApiKey, digest_of, new_key
from portal.accounts.models import User
from portal.columns import utcnow
from portal.extensions import db
from portal.workflow.audit import audit
from portal.workflow.locks import lock_unless

#: how stale ``last_used_at`` may get before a use writes it again
TOUCH_EVERY = timedelta(minutes=1)


def issue(name: str, by: User) -> tuple[ApiKey, str]:
    """A new key for ``name``: the row, and the key itself, which is shown once and not kept."""
    key = new_key()
    row = ApiKey(name=name, shown=key[:SHOWN], digest=digest_of(key), created_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit("api_key", row.id, "issue", by, {}, {"name": name, "shown": row.shown})
    db.session.commit()
    return row, key


def revoke(row: ApiKey, by: User) -> None:
    """The key stops working at once. Revoking twice is a lost race (A9)."""
    lock_unless(row, lambda r: r.revoked_at is not None)
    row.revoked_at = utcnow()
    row.revoked_by_id = by.id
    audit("api_key", row.id, "revoke", by, {"revoked": False}, {"revoked": True})
    db.session.commit()


def used(row: ApiKey) -> None:
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        db.session.commit()
