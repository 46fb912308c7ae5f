"""The bulk check (V4, L8): the public-register state of many certificate numbers at once, for
an institution's credentialing audit. What it tells of each number is what the public check
tells (V1): in force, lapsed or cancelled (with the day), or unknown in this province.

The lookups are batched: one ``IN`` query per ``CHUNK`` distinct numbers, reading four columns
(no ORM objects), and one more per chunk for the days cancelled registrations were cancelled.
10,000 numbers are 20 queries, whatever the file holds, in memory that grows with the file
(bounded by ``portal.rules.bulk_check.MAX_ROWS``), never with the register. The check is
audited with the count of numbers, not the list (A8)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func

from portal.accounts.models import User
from portal.extensions import db
from portal.rules.bulk_check import Line
from portal.rules.workdays import beijing_date
from portal.workflow.audit import audit
from portal.workflow.models import Application, Kind, State
from portal.workflow.register import PUBLIC_STATES

#: numbers per ``IN`` query: well under every database's limit on bound parameters
CHUNK = 500

REGISTERED = "registered"
LAPSED = "lapsed"
CANCELLED = "cancelled"
UNKNOWN = "unknown"
#: a line whose cell is not a certificate number (``Line.problem`` says why)
INVALID = "invalid"
STATES = (REGISTERED, LAPSED, CANCELLED, UNKNOWN, INVALID)


@dataclass(frozen=True)
class Checked:
    line: int
    number: str
    state: str
    #: valid-until day (in force, lapsed), the day cancelled (cancelled), else None
    on: date | None = None
    problem: str | None = None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _states(numbers: list[str], today: date) -> dict[str, tuple[str, date | None]]:
    """Each number's latest public registration (as ``register.find_registration`` picks it):
    its state and day."""
    latest: dict[str, tuple] = {}
    rows = db.session.execute(
        db.select(
            Application.id,
            Application.certificate_no,
            Application.state,
            Application.valid_until,
            Application.registered_on,
            Application.decided_at,
        ).where(
            Application.certificate_no.in_(numbers),
            Application.state.in_(PUBLIC_STATES),
            Application.registered_on.is_not(None),
        )
    ).all()
    for row in rows:
        held = latest.get(row.certificate_no)
        if held is None or (row.registered_on, row.id) > (held.registered_on, held.id):
            latest[row.certificate_no] = row
    cancelled = [r.id for r in latest.values() if r.state is State.CANCELLED]
    decided: dict[int, object] = {}
    if cancelled:
        decided = dict(
            db.session.execute(
                db.select(Application.previous_id, func.max(Application.decided_at))
                .where(
                    Application.previous_id.in_(cancelled),
                    Application.kind == Kind.CANCEL,
                    Application.state == State.APPROVED,
                )
                .group_by(Application.previous_id)
            ).all()
        )
    out = {}
    for number, row in latest.items():
        if row.state is State.CANCELLED:
            moment = decided.get(row.id) or row.decided_at
            out[number] = (CANCELLED, beijing_date(moment) if moment else None)
        elif row.valid_until is not None and today <= row.valid_until:
            out[number] = (REGISTERED, row.valid_until)
        else:
            out[number] = (LAPSED, row.valid_until)
    return out


def check(lines: Iterable[Line], today: date, by: User) -> list[Checked]:
    """Every line with its state, in the file's order; audited (the count only)."""
    lines = list(lines)
    distinct = list(dict.fromkeys(line.number for line in lines if line.problem is None))
    found: dict[str, tuple[str, date | None]] = {}
    for chunk in _chunks(distinct, CHUNK):
        found.update(_states(chunk, today))
    out = []
    for line in lines:
        if line.problem is not None:
            out.append(Checked(line.line, line.number, INVALID, None, line.problem))
        else:
            state, on = found.get(line.number, (UNKNOWN, None))
            out.append(Checked(line.line, line.number, state, on))
    counts = {state: 0 for state in STATES}
    for item in out:
        counts[item.state] += 1
    audit(
        "institution",
        by.institution_id or 0,
        "bulk_check",
        by,
        {},
        {"numbers": len(out), **{k: v for k, v in counts.items() if v}},
    )
    db.session.commit()
    return out
