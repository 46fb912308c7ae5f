"""Deciding a doctor's request on the registration in force (D17 modifications, D19 filings)."""

from __future__ import annotations

from portal.accounts.models import User
from portal.columns import utcnow
from portal.workflow.models import RequestOnRegistration


def decide(row: RequestOnRegistration, by: User, state) -> dict:
    """Record the decision on a row the caller locked (``portal.workflow.locks.lock``).

    Returns the state before, for the audit row."""
    before = {"state": row.state.value}
    row.state, row.decided_at, row.decided_by_id = state, utcnow(), by.id
    return before
