"""Deciding a doctor's request on the registration in force (D17 modifications, D19 filings)."""

from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db
from portal.tenants.models import utcnow
from portal.workflow import WrongState
from portal.workflow.models import RequestOnRegistration


def lock(row: RequestOnRegistration, *states) -> None:
    """Lock the row and refuse unless it is in one of ``states``: of two decisions at once,
    the second sees the first."""
    db.session.refresh(row, with_for_update=True)
    if row.state not in states:
        raise WrongState(f"{row.__tablename__} {row.id} is {row.state.value}")


def decide(row: RequestOnRegistration, by: User, state) -> dict:
    """Record the decision; returns the state before, for the audit row."""
    before = {"state": row.state.value}
    row.state, row.decided_at, row.decided_by_id = state, utcnow(), by.id
    return before
