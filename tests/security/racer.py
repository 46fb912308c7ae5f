"""One process of a race (SEC2 across processes): its own app on the shared database posts
the same form ``count`` times as one logged-in user, from ``start`` (a wall-clock time), and
prints the status codes as JSON. Run by tests/security/test_code_limits.py."""

from __future__ import annotations

import json
import sys
import time


def main(db_url: str, cookie: str, token: str, url: str, data: str, count: str, start: str) -> None:
    from portal import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": db_url, "DEV_OUTBOX": True,
                                 "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 30}}
                                 if db_url.startswith("sqlite") else {}})
    client = app.test_client()
    client.set_cookie("session", cookie)
    time.sleep(max(0.0, float(start) - time.time()))
    codes = []
    for _ in range(int(count)):
        r = client.post(url, data={**json.loads(data), "csrf_token": token})
        codes.append(r.status_code)
    print(json.dumps(codes))


if __name__ == "__main__":
    main(*sys.argv[1:])
