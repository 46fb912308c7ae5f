"""Forced races (A9, SEC7): two or more requests decide the same item at the same moment, in
the worst interleaving, every time.

Each racer is a request in its own thread, as from its own browser tab, with its own database
connection. When a racer's transition has read and decided (it builds the audit row of its
decision, ``AuditLog(...)``, which every transition writes) and before anything of it is
written, it waits for every other racer to get that far too. Without a lock they all get
there, each having read the state before the others' change, and all write: the decision is
taken twice. With the lock (``portal.workflow.locks``), the racer that holds the row waits
``HOLD`` seconds for the others, which cannot come (they wait for the row), then writes and
commits; the others read what it wrote and are refused. Nothing in the application changes
for this: the pause is a SQLAlchemy event on the audit row, in the test's process only."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import event

from portal.workflow.models import AuditLog

#: how long a racer holding the row waits for the others: longer than the few milliseconds
#: between racers nothing holds back, shorter than SQLite's busy timeout (5 s), which the
#: racers waiting for the database's write lock spend meanwhile
HOLD = 2.0


def twin(browser):
    """The same user in a second tab: a new client with the first one's cookies and form token."""
    from tests.support.http import Browser

    other = Browser(browser.client.application.test_client(), htmx=browser.htmx)
    for name in ("session", "lang"):
        cookie = browser.client.get_cookie(name)
        if cookie is not None:
            other.client.set_cookie(name, cookie.value)
    other.token = browser.token
    return other


def race(*requests: Callable, actions: tuple[str, ...] = ()) -> list:
    """Run each of ``requests`` (no-argument callables that post and return the response) in its
    own thread; each waits for the others after deciding, before writing (see the module's
    text). ``actions``: only audit rows of these actions count as the decision (a request that
    audits something else first, e.g. a code checked, goes on). Returns the responses in order."""
    barrier = threading.Barrier(len(requests), timeout=HOLD)
    mine = threading.local()

    def decided(target, args, kwargs):
        if not getattr(mine, "racing", False) or mine.waited:
            return
        if actions and kwargs.get("action") not in actions:
            return
        mine.waited = True
        try:
            barrier.wait()
        except threading.BrokenBarrierError:  # the others wait for the row: go on alone
            pass

    responses: list = [None] * len(requests)
    errors: list[BaseException] = []

    def run(i: int, request: Callable) -> None:
        mine.racing, mine.waited = True, False
        try:
            responses[i] = request()
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    event.listen(AuditLog, "init", decided)
    try:
        threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        event.remove(AuditLog, "init", decided)
    if errors:
        raise errors[0]
    return responses
