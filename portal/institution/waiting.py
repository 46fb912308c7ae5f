"""What waits for an institution (I4): applications of every kind, modification requests
(D17) and multi-site filings (D19), as ONE queue, newest first, keyset paged (P5).

The three live in three tables. Each is read on its own index with
``(time, id) < cursor ... LIMIT n + 1`` (applications by ``submitted_at``, requests and
filings by ``created_at``), columns of the order only, and the three short lists are merged
here; then only the rows the page shows are read in full, by primary key. The order is
``(time, source rank, id)`` descending, so a cursor ``(time, source, id)`` says exactly where
the page ended whatever the table; no OFFSET, so the hundredth page costs what the first does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import tuple_
from sqlalchemy.orm import contains_eager, joinedload

from portal.accounts.models import User
from portal.extensions import db
from portal.inputs import db_id
from portal.labels import KIND_LABELS
from portal.workflow.models import (
    Application,
    FilingState,
    Kind,
    ModificationRequest,
    ModificationState,
    SiteFiling,
    State,
)

PAGE = 50
#: at most this many items in one batch decision (two pages' worth)
MAX_BATCH = 100
#: names are at most 40 characters (User.real_name)
MAX_NAME = 40

#: the filter's kinds, in the order the filter lists them
KINDS = {
    **{kind.value: label for kind, label in KIND_LABELS.items()},
    "modification": _l("Modification of registered information"),
    "filing": _l("Multi-site filing"),
}

#: source code in tokens and cursors -> rank in the order (ties on time: applications first)
RANK = {"a": 2, "m": 1, "f": 0}
DOM = {"a": "app", "m": "mod", "f": "filing"}
MODELS = {"a": Application, "m": ModificationRequest, "f": SiteFiling}

_CURSOR = re.compile(r"([0-9]{20})([amf])([0-9]{1,10})")
_TOKEN = re.compile(r"([amf])-([0-9]{1,10})")


# ---- the cursor and the item tokens -------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last item's time, source and id."""

    at: datetime
    source: str
    id: int

    def __str__(self) -> str:
        return f"{self.at:%Y%m%d%H%M%S%f}{self.source}{self.id}"


def parse_cursor(raw: str | None) -> Cursor | None:
    """The cursor of a ``before=`` query value; None (the first page) for anything malformed."""
    match = _CURSOR.fullmatch(raw or "")
    if not match:
        return None
    try:
        return Cursor(
            datetime.strptime(match.group(1), "%Y%m%d%H%M%S%f"),
            match.group(2),
            db_id(match.group(3)),
        )
    except ValueError:
        return None


def parse_token(raw: str) -> tuple[str, int] | None:
    """``a-12`` (application 12), ``m-3`` (modification request 3), ``f-9`` (filing 9)."""
    match = _TOKEN.fullmatch(raw or "")
    if not match:
        return None
    try:
        return match.group(1), db_id(match.group(2))
    except ValueError:
        return None


def name_prefix(raw: str | None) -> str:
    """The name searched for: trimmed, bounded (no name is longer than ``MAX_NAME``)."""
    return (raw or "").strip()[:MAX_NAME]


def like_prefix(text: str) -> str:
    """A LIKE pattern for names starting with ``text`` (its own % and _ taken literally)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# ---- one item of the queue ---------------------------------------------------------------------


@dataclass
class Item:
    source: str
    row: Application | ModificationRequest | SiteFiling

    @property
    def at(self) -> datetime:
        return self.row.submitted_at if self.source == "a" else self.row.created_at

    @property
    def key(self) -> tuple:
        return self.at, RANK[self.source], self.row.id

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.source, self.row.id)

    @property
    def token(self) -> str:
        return f"{self.source}-{self.row.id}"

    @property
    def dom_id(self) -> str:
        return f"{DOM[self.source]}-{self.row.id}"

    @property
    def kind(self) -> str:
        """The filter's word for it: an application's kind, "modification" or "filing"."""
        return (
            self.row.kind.value
            if self.source == "a"
            else {"m": "modification", "f": "filing"}[self.source]
        )

    @property
    def doctor(self) -> User:
        return self.row.doctor

    @property
    def pending(self) -> bool:
        waiting = {"a": State.SUBMITTED, "m": ModificationState.PENDING, "f": FilingState.PENDING}[
            self.source
        ]
        return self.row.state is waiting


# ---- reading the queue -------------------------------------------------------------------------


def _after(time_col, id_col, source: str, cursor: Cursor | None):
    """Rows of ``source`` after ``cursor`` in the order (time, rank, id) descending."""
    if cursor is None:
        return None
    mine, theirs = RANK[source], RANK[cursor.source]
    if mine == theirs:
        return tuple_(time_col, id_col) < tuple_(cursor.at, cursor.id)
    return time_col <= cursor.at if mine < theirs else time_col < cursor.at


def _filtered(source: str, institution_id: int, kind: str | None, name: str, cursor: Cursor | None):
    """The rows of ``source`` waiting for the institution after ``cursor`` (not yet ordered)."""
    model = MODELS[source]
    time_col = model.submitted_at if source == "a" else model.created_at
    stmt = (
        db.select(model)
        .join(User, User.id == model.doctor_id)
        .where(model.institution_id == institution_id)
    )
    if source == "a":
        stmt = stmt.where(model.state == State.SUBMITTED)
        if kind in {k.value for k in Kind}:
            stmt = stmt.where(model.kind == Kind(kind))
    elif source == "m":
        stmt = stmt.where(model.state == ModificationState.PENDING)
    else:
        stmt = stmt.where(model.state == FilingState.PENDING)
    if name:
        stmt = stmt.where(User.real_name.like(like_prefix(name), escape="\\"))
    after = _after(time_col, model.id, source, cursor)
    if after is not None:
        stmt = stmt.where(after)
    return stmt, time_col


def _keys(
    source: str, institution_id: int, kind: str | None, name: str, cursor: Cursor | None, limit: int
):
    """The order keys ``(time, rank, id)`` of the first ``limit`` rows of ``source``: columns
    only, on the same index (P5)."""
    model = MODELS[source]
    stmt, time_col = _filtered(source, institution_id, kind, name, cursor)
    rows = db.session.execute(
        stmt.with_only_columns(time_col, model.id)
        .order_by(time_col.desc(), model.id.desc())
        .limit(limit)
    )
    return [(at, RANK[source], row_id) for at, row_id in rows]


def _rows(source: str, ids: list[int]) -> dict[int, Application | ModificationRequest | SiteFiling]:
    """The rows of ``source`` with these ids (by primary key), with what the page shows of
    them, by id. One decided since its key was read is shown as it is now (not pending)."""
    model = MODELS[source]
    stmt = (
        db.select(model)
        .join(User, User.id == model.doctor_id)
        .where(model.id.in_(ids))
        .options(contains_eager(model.doctor))
    )
    if source == "a":
        stmt = stmt.options(joinedload(Application.previous))
    elif source == "m":
        stmt = stmt.options(joinedload(model.application))
    else:
        stmt = stmt.options(joinedload(model.application).joinedload(Application.institution))
    return {row.id: row for row in db.session.execute(stmt).unique().scalars()}


def sources_for(kind: str | None) -> tuple[str, ...]:
    if kind == "modification":
        return ("m",)
    if kind == "filing":
        return ("f",)
    return ("a",) if kind in KINDS else ("a", "m", "f")


def queue_page(
    institution_id: int,
    kind: str | None = None,
    name: str = "",
    cursor: Cursor | None = None,
    size: int = PAGE,
) -> tuple[list[Item], Cursor | None]:
    """One page of what waits for the institution, newest first, and the cursor of the next
    page (None on the last). Two statements per table, whatever the queue's length: the
    order keys of each table's first ``size + 1`` rows, merged, then by primary key only the
    rows the page shows (P6: reading the three tables' first rows in full read up to three
    times what the page shows)."""
    kind = kind if kind in KINDS else None
    keys = []
    for source in sources_for(kind):
        keys += [
            (*key, source) for key in _keys(source, institution_id, kind, name, cursor, size + 1)
        ]
    keys.sort(reverse=True)
    more = len(keys) > size
    keys = keys[:size]
    # every table asked again, even with none of its rows on the page: the same statements
    # whatever the queue holds (P5)
    rows = {
        source: _rows(source, [row_id for _at, _rank, row_id, s in keys if s == source])
        for source in sources_for(kind)
    }
    items = [
        Item(source, rows[source][row_id])
        for _at, _rank, row_id, source in keys
        if row_id in rows[source]
    ]
    return items, (Cursor(keys[-1][0], keys[-1][3], keys[-1][2]) if more and keys else None)


def find(source: str, row_id: int, institution_id: int) -> Item | None:
    """The institution's item (a draft is nobody's business, another tenant's finds nothing, T3)."""
    row = db.session.get(MODELS[source], row_id)
    if row is None or row.institution_id != institution_id:
        return None
    if source == "a" and row.state is State.DRAFT:
        return None
    return Item(source, row)
