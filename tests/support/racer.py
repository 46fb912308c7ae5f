"""One process of a race (SEC2 across processes): its own app on the shared database posts
the same form ``count`` times as one logged-in user, from ``start`` (a wall-clock time), and
prints the status codes as JSON. Run by tests/security/test_code_limits.py as ``python -m tests.support.racer``.

With a ``barrier`` folder the race is not left to chance. The processes first wait for each
other (every app built); then each one, on its first send, stops after counting the sends to
the destination (SEC2's cool-down and hourly cap) and before writing its own code, until
every process has got that far too. Without a lock they all get there, having all counted
the same sends, and all send: the worst interleaving, every time. With the lock, the process
that holds it waits ``HOLD`` seconds for the others, which cannot come (they wait for the
lock, before counting), then writes and commits; the others count after it. Nothing in the
application changes for this: the pause is a SQLAlchemy event on this process's engine."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

#: how long a process at the barrier waits for the others before going on: far longer than
#: the few milliseconds between two processes that nothing holds back
HOLD = 5.0
#: the statement the barrier stops before: the new code, written once the limits let it be
#: sent (``portal.accounts.codes.issue``)
SEND = "insert into one_time_code"


def _wait_for(folder: Path, prefix: str, parties: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while len(list(folder.glob(f"{prefix}-*"))) < parties:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _install_barrier(app, folder: Path, me: str, parties: int) -> None:
    from sqlalchemy import event

    from portal.extensions import db

    passed = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if passed or not statement.lower().startswith(SEND):
            return
        passed.append(True)  # the first send of this process only
        (folder / f"counted-{me}").touch()
        _wait_for(folder, "counted", parties, HOLD)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)


def main(
    db_url: str,
    cookie: str,
    token: str,
    url: str,
    data: str,
    count: str,
    start: str,
    barrier: str = "",
    me: str = "0",
    parties: str = "1",
) -> None:
    from portal import create_app

    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": db_url,
            "DEV_OUTBOX": True,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 30}}
            if db_url.startswith("sqlite")
            else {},
        },
    )
    client = app.test_client()
    client.set_cookie("session", cookie)
    if barrier:
        folder = Path(barrier)
        _install_barrier(app, folder, me, int(parties))
        (folder / f"ready-{me}").touch()
        if not _wait_for(folder, "ready", int(parties), 120):
            raise SystemExit("the other processes never got ready")
    else:
        time.sleep(max(0.0, float(start) - time.time()))
    codes = []
    for _ in range(int(count)):
        r = client.post(url, data={**json.loads(data), "csrf_token": token})
        codes.append(r.status_code)
    print(json.dumps(codes))


if __name__ == "__main__":
    main(*sys.argv[1:])
