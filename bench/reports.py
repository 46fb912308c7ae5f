"""The officer's reports, queue and audit search at scale (A7, A4, A8; issue 16, goal 3): wall
milliseconds per request, in-process, database included.

    /work/main/.venv/bin/python -m bench.reports --url postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        --app-url postgresql+psycopg://portal_app:…@127.0.0.1:5432/bench

``--url`` is the tables' owner (data loaded when missing, as ``bench/server.py`` does);
``--app-url`` the application's non-owner role, so that row-level security is in every figure
(default: ``--url``). The app is built as ``bench/profile.py`` builds it. For the province's,
the city's (宜昌市) and the county's (远安县) officer: the reports page and each CSV over 90 days,
one year and three years, and the officer's queue; for the province's officer, the audit search
over a date range before any row (old: nothing matches, the log is read for nothing unless an
index finds the range). Each figure is the median of ``--repeat`` requests after one warm-up
(wall time: the database's work is what is measured here). Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta

from bench.profile import Browser, build_app, fork_as_gunicorn
from bench.server import machine, prepare

OFFICERS = {"province": "hb-officer", "city": "hb-city-officer", "county": "hb-county-officer"}
TABLES = ("status", "institution", "county", "times")
RANGES = {"90 days": 90, "1 year": 365, "3 years": 3 * 365}


def timed(
    browser: Browser, path: str, repeat: int, headers: dict | None = None
) -> tuple[float, int]:
    """(median wall ms, bytes) of ``repeat`` GETs of ``path`` after one warm-up."""
    response, _ = browser.request("GET", path, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    size = len(response.get_data())
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        browser.request("GET", path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the tables' owner (loads what is missing)")
    parser.add_argument("--app-url", help="the application's role (default: --url)")
    parser.add_argument(
        "--doctors", type=int, default=5000, help="synthetic doctors (loaded when fewer)"
    )
    parser.add_argument("--waiting", type=int, default=6000, help="items waiting for the queue")
    parser.add_argument("--repeat", type=int, default=5, help="requests per figure (median)")
    parser.add_argument(
        "--officer", action="append", choices=sorted(OFFICERS), help="only this level (repeatable)"
    )
    args = parser.parse_args()

    print(f"machine: {machine()}; database: {args.url.split(':')[0]}", flush=True)
    data = prepare(args.url, args.doctors, args.waiting)
    app = build_app(args.app_url or args.url)
    fork_as_gunicorn()
    from devdata.demo import demo_totp_secret

    today = date.today()
    print(f"\n{data['doctors']:,} synthetic doctors; median of {args.repeat} requests, wall ms")
    print(f"{'officer':<10}{'what':<34}" + "".join(f"{r:>10}" for r in RANGES))
    queues = {}
    for level, username in OFFICERS.items():
        if args.officer and level not in args.officer:
            continue
        b = Browser(app).login(username, demo_totp_secret(username))
        for what in ("page", "partial", *(f"{t}.csv" for t in TABLES)):
            cells = []
            for days in RANGES.values():
                period = f"from={today - timedelta(days=days - 1)}&to={today}"
                if what in ("page", "partial"):
                    path = f"/hubei/admin/reports?{period}"
                else:
                    path = f"/hubei/admin/reports.csv?table={what[:-4]}&{period}"
                headers = {"HX-Request": "true"} if what == "partial" else None
                cells.append(timed(b, path, args.repeat, headers)[0])
            label = "reports page" if what == "page" else what
            if what == "partial":
                label = "reports page (htmx partial)"
            print(f"{level:<10}{label:<34}" + "".join(f"{c:>10.1f}" for c in cells), flush=True)
        queues[level] = timed(b, "/hubei/admin/", args.repeat)[0]
        if level == "province":
            old = "from=2000-01-01&to=2000-12-31"
            audit_ms = timed(b, f"/hubei/admin/audit?{old}", args.repeat)[0]
            recent = f"from={today - timedelta(days=6)}&to={today}"
            audit_recent = timed(b, f"/hubei/admin/audit?{recent}", args.repeat)[0]
    print("\nofficer queue /hubei/admin/ (wall ms):")
    for level, ms in queues.items():
        ratio = f"   {ms / queues['province']:.2f}× the province's" if "province" in queues else ""
        print(f"  {level:<10}{ms:>8.1f}{ratio}")
    if "province" in queues:
        print(f"audit search, a year with no entry (2000): {audit_ms:.1f} ms")
        print(f"audit search, the last 7 days: {audit_recent:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
