"""The audit log (A8): who changed what, when, before and after. Every transition writes its
row with ``audit`` in the transaction of the change; rows are only ever inserted."""

from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db
from portal.workflow.models import AuditLog


def audit(
    entity: str,
    entity_id: int,
    action: str,
    actor: User | None,
    before: dict,
    after: dict,
    note: str = "",
) -> None:
    db.session.add(
        AuditLog(
            entity=entity,
            entity_id=entity_id,
            action=action,
            actor_id=actor.id if actor else None,
            before=before,
            after=after,
            note=note,
        )
    )


def snapshot(obj, fields: tuple[str, ...]) -> dict:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = (
            value.isoformat()
            if hasattr(value, "isoformat")
            else (str(value) if value is not None else None)
        )
    return out
