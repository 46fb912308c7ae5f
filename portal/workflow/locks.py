"""Every decision exactly once (A4, A9, SEC7): the one place where a transition takes its row.

A transition reads the state of the row it changes, decides, and writes. Two requests doing
that at the same moment (two officers approving, an approval racing a return, two activations)
both read the old state and both write, unless the read and the write are one step that the
other request must wait for. ``lock(obj, *states)`` is that step: it takes ``obj``'s row for
the rest of the caller's transaction, reads it again, and raises ``Decided`` unless it is in one
of ``states``. The second request waits for the first to commit, then reads what the first
wrote, and is refused with what happened (``portal.workflow.conflicts``).

- PostgreSQL: ``SELECT … FOR UPDATE`` on the row (READ COMMITTED: the read after the wait sees
  the committed change).
- SQLite has no row locks, and its driver runs a SELECT outside any transaction: a write takes
  the database's write lock until commit, so the lock is a write to the row that changes
  nothing (``SET id = id``), then the read. Other writers wait (the busy timeout), readers don't.

Call it first, before anything is read to decide. What the caller changed before (a view
filling in fields, then calling the transition) is flushed first, so it is kept: it is
written under the same lock, and undone with everything else when the transition refuses."""

from __future__ import annotations

from portal.extensions import db


class WrongState(Exception):
    """The item is not in a state that allows this action (e.g. withdrawn meanwhile)."""


#: the audit log's name of each locked table (A8: ``AuditLog.entity``)
ENTITIES = {
    "application": "application",
    "modification_request": "modification",
    "site_filing": "site_filing",
    "identity_case": "identity_case",
    "user_account": "user",
    "institution": "institution",
}


class Decided(WrongState):
    """Another request changed the row first: ``entity`` / ``entity_id`` name it as the audit
    log does, ``state`` is what it is now (None for rows without a state)."""

    def __init__(self, obj, message: str = ""):
        self.entity = ENTITIES.get(obj.__tablename__, obj.__tablename__)
        self.entity_id = obj.id
        self.state = getattr(obj, "state", getattr(obj, "status", None))
        super().__init__(message or f"{self.entity} {self.entity_id} is {self.state}")


def take(obj) -> None:
    """Take ``obj``'s row until the transaction ends and read it again (see the module's text)."""
    obj = getattr(obj, "_get_current_object", lambda: obj)()  # current_user is a proxy
    session = db.session
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.refresh(obj, with_for_update=True)
        return
    model = type(obj)
    session.execute(
        db.update(model)
        .where(model.id == obj.id)
        .values(id=model.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(obj)


def lock(obj, *states, field: str = "state") -> None:
    """Take ``obj``'s row and refuse with ``Decided`` unless its ``field`` is one of
    ``states`` (no states: take it, whatever it is)."""
    take(obj)
    if states and getattr(obj, field) not in states:
        raise Decided(obj)


def lock_unless(obj, done, message: str = "") -> None:
    """Take ``obj``'s row and refuse with ``Decided`` when ``done(obj)`` says the change was
    made meanwhile (e.g. an account already activated)."""
    take(obj)
    if done(obj):
        raise Decided(obj, message)
