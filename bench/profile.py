"""Where a page's time goes, in-process (SPEC P6): CPU milliseconds per request of each main
page of ``bench/server.py`` and the functions that cost the most (cProfile).

    /work/main/.venv/bin/python -m bench.profile                       # a temporary SQLite file, 5,000 doctors
    /work/main/.venv/bin/python -m bench.profile --url sqlite:////tmp/perf/p.sqlite3 --doctors 10000
    /work/main/.venv/bin/python -m bench.profile --url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    # options: --repeat 210 (requests per page), --top 25 (functions listed), --page home (one page),
    #          --no-profile (CPU figures only), --sort tottime|cumulative,
    #          --sql (the statements of one request per page), --explain (with --sql: their plans)

The data are those of ``bench/server.py`` (same loader, loaded when missing). The app is built
as ``bench/wsgi.py`` builds it (production settings, JSON request log lines, one trusted proxy),
then put in the state of a gunicorn worker (config/gunicorn.py's ``pre_fork`` hook, if any);
requests go through Flask's test client as if through the proxy (https, X-Forwarded-For), and
each page is requested ``--repeat`` times after a warm-up, in five rounds. The figure is the
process's CPU time per request (``time.process_time``) in the quickest round, which a busy
shared machine disturbs far less than wall time; on SQLite it includes the database's work
(in-process), on PostgreSQL it does not. The bare page (``bench/bare.py``, the size of the
doctor home) is measured the same way, and "vs bare" is its CPU over the page's. To compare
two versions of the code, run this file from each checkout against the same database. It
asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import io
import logging
import os
import pstats
import random
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.server import CSRF, HOST, OLDER, PASSWORD, QUEUE, machine, prepare


class Browser:
    """Cookies and the CSRF token of one logged-in user, on Flask's test client, behind the proxy."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token = ""

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ):
        ip = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        sent = {
            "X-Forwarded-For": ip,
            "X-Forwarded-Proto": "https",
            "Accept-Language": "zh-CN",
            "Referer": f"https://{HOST}{path}",
            **(headers or {}),
        }
        data = {"csrf_token": self.token, **form} if form is not None else None
        response = self.client.open(
            path, method=method, data=data, headers=sent, base_url=f"https://{HOST}"
        )
        text = response.get_data(as_text=True)
        match = CSRF.search(text)
        if match:
            self.token = match.group(1)
        return response, text

    def login(self, username: str, totp_secret: str | None = None) -> Browser:
        self.request("GET", "/hubei/login")
        response, _ = self.request(
            "POST", "/hubei/login", {"username": username, "password": PASSWORD}
        )
        if response.status_code not in (302, 303):
            raise SystemExit(f"log-in of {username} answered {response.status_code}")
        if totp_secret:
            import pyotp

            self.request("GET", "/hubei/login/totp")
            for at in (time.time(), time.time() + 30):  # a time step is single-use per user (SEC3)
                response, _ = self.request(
                    "POST", "/hubei/login/totp", {"code": pyotp.TOTP(totp_secret).at(at)}
                )
                if response.status_code in (302, 303):
                    break
            else:
                raise SystemExit(f"TOTP of {username} refused ({response.status_code})")
        return self


def build_app(url: str):
    from config import DEV_ID_ENCRYPTION_KEY, DEV_ID_INDEX_KEY, DEV_TOTP_ENCRYPTION_KEY
    from portal import create_app

    app = create_app(
        "production",
        {
            "REFUSE_UNSAFE_SETTINGS": False,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_hex(32),
            "TRUSTED_PROXIES": 1,
            "SMS_GATEWAY": "dev",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_HOST": HOST,  # production answers only its own host name (issue 14)
            # the staff's TOTP secrets and the ID numbers were encrypted by `flask demo load` in
            # development, with its keys (without them every staff log-in answered 503)
            "TOTP_ENCRYPTION_KEYS": [DEV_TOTP_ENCRYPTION_KEY],
            "ID_ENCRYPTION_KEYS": [DEV_ID_ENCRYPTION_KEY],
            "ID_INDEX_KEY": DEV_ID_INDEX_KEY,
        },
    )
    # the JSON request lines are written as in production, to a sink instead of the terminal
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    return app


def fork_as_gunicorn() -> None:
    """What config/gunicorn.py does in the master before it forks a worker (its ``pre_fork``
    hook, if any), so that this process is in the state of a worker."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gunicorn_settings", Path(__file__).resolve().parents[1] / "config" / "gunicorn.py"
    )
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    if hasattr(settings, "pre_fork"):
        settings.pre_fork(None, None)


def pages(
    app, data: dict, far_page: int = 100
) -> list[tuple[str, Browser, str, str, dict | None, dict, int]]:
    """(label, browser, method, path, form, headers, expected status) of each main page."""
    from devdata.demo import demo_totp_secret

    home = Browser(app).login(data["registered"][0])
    drafting = Browser(app).login(data["drafting"][0])
    drafting.request("GET", "/hubei/me/application/personal")
    staff = Browser(app).login("hb-county-staff", demo_totp_secret("hb-county-staff"))
    officer = Browser(app).login("hb-officer", demo_totp_secret("hb-officer"))
    city = Browser(app).login("hb-city-officer", demo_totp_secret("hb-city-officer"))
    public = Browser(app)
    far = QUEUE
    for _ in range(far_page - 1):
        match = OLDER.search(staff.request("GET", far)[1])
        if not match:
            raise SystemExit(f"the queue has fewer than {far_page} pages: raise --waiting")
        far = html.unescape(match.group(1))
    today = date.today()
    year = f"from={today - timedelta(days=364)}&to={today}"
    autosave = {"action": "autosave", "home_address": "湖北省武汉市江岸区解放大道 1 号"}
    return [
        ("home", home, "GET", "/hubei/me", None, {}, 200),
        (
            "autosave",
            drafting,
            "POST",
            "/hubei/me/application/personal",
            autosave,
            {"HX-Request": "true"},
            204,
        ),
        ("queue1", staff, "GET", QUEUE, None, {}, 200),
        ("queue1-htmx", staff, "GET", QUEUE, None, {"HX-Request": "true"}, 200),
        ("queue100", staff, "GET", far, None, {}, 200),
        ("officer", officer, "GET", "/hubei/admin/", None, {}, 200),
        ("officer-city", city, "GET", "/hubei/admin/", None, {}, 200),
        ("reports", officer, "GET", f"/hubei/admin/reports?{year}", None, {}, 200),
        (
            "reports-csv",
            officer,
            "GET",
            f"/hubei/admin/reports.csv?table=times&{year}",
            None,
            {},
            200,
        ),
        ("verify", public, "GET", f"/hubei/verify?no={data['certificate']}", None, {}, 200),
    ]


LABELS = {
    "bare": "bare Flask page (bench/bare.py)",
    "home": "doctor home /hubei/me",
    "autosave": "wizard autosave (POST)",
    "queue1": "institution queue, page 1",
    "queue1-htmx": "  the same, htmx partial",
    "queue100": "institution queue, far page",
    "officer": "officer queue /hubei/admin/",
    "officer-city": "  the same, a city's officer",
    "reports": "reports page, one year",
    "reports-csv": "  processing-times CSV",
    "verify": "public verification",
}


def run(
    browser: Browser, method: str, path: str, form, headers: dict, expect: int, repeat: int
) -> tuple[float, float]:
    """(CPU ms, wall ms) per request: the least of five rounds of ``repeat // 5`` (other work
    on a shared machine only ever adds time, so the quietest round is the truest)."""
    for _ in range(5):
        response, _ = browser.request(method, path, form, headers)
        if response.status_code != expect:
            raise SystemExit(f"{method} {path} answered {response.status_code}, not {expect}")
    rounds = []
    n = max(1, repeat // 5)
    for _ in range(5):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            browser.request(method, path, form, headers)
        rounds.append(
            ((time.process_time() - cpu) * 1000 / n, (time.perf_counter() - wall) * 1000 / n)
        )
    return min(rounds)


def statements(app, call) -> list[tuple[str, object]]:
    """The SQL statements ``call`` sends, with their parameters."""
    from sqlalchemy import event

    from portal.extensions import db

    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen


def plan(app, statement: str, parameters) -> list[str]:
    """How the database runs a SELECT: EXPLAIN ANALYZE on PostgreSQL (its times are the
    server's), EXPLAIN QUERY PLAN on SQLite."""
    from portal.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        raw = conn.connection.driver_connection.cursor()
        postgres = db.engine.dialect.name == "postgresql"
        raw.execute(
            ("EXPLAIN ANALYZE " if postgres else "EXPLAIN QUERY PLAN ") + statement, parameters
        )
        rows = raw.fetchall()
        conn.rollback()
    return [row[0] if postgres else row[-1] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", help="SQLAlchemy database URL (default: a new temporary SQLite file)"
    )
    parser.add_argument(
        "--app-url",
        help="the application's non-owner role, so that row-level security is in the figures "
        "(default: --url, which loads the data as the tables' owner)",
    )
    parser.add_argument(
        "--doctors", type=int, default=5000, help="synthetic doctors (loaded when fewer)"
    )
    parser.add_argument(
        "--waiting", type=int, default=6000, help="items waiting for the institution queue"
    )
    parser.add_argument(
        "--far-page", type=int, default=100, help="the queue page reached by the Older links"
    )
    parser.add_argument("--repeat", type=int, default=210, help="requests per page (five rounds)")
    parser.add_argument("--top", type=int, default=25, help="functions listed per page")
    parser.add_argument(
        "--page", action="append", choices=sorted(LABELS), help="only this page (repeatable)"
    )
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--no-profile", action="store_true", help="CPU figures only")
    parser.add_argument(
        "--sql", action="store_true", help="also print the SQL statements of one request per page"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="with --sql: each SELECT's plan (EXPLAIN ANALYZE on "
        "PostgreSQL, EXPLAIN QUERY PLAN on SQLite)",
    )
    args = parser.parse_args()

    url = (
        args.url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-profile-')) / 'bench.sqlite3'}"
    )
    print(f"machine: {machine()}; database: {url.split(':')[0]}", flush=True)
    data = prepare(url, args.doctors, args.waiting)
    app = build_app(args.app_url or url)
    fork_as_gunicorn()
    chosen = [p for p in pages(app, data, args.far_page) if not args.page or p[0] in args.page]
    from bench.bare import app as bare_app

    home_bytes = (
        len(chosen[0][1].request("GET", "/hubei/me")[0].get_data())
        if chosen[0][0] == "home"
        else 3200
    )
    bare = ("bare", Browser(bare_app), "GET", f"/bare?bytes={home_bytes}", None, {}, 200)
    figures = []
    for name, browser, method, path, form, headers, expect in [bare, *chosen]:
        cpu, wall = run(browser, method, path, form, headers, expect, args.repeat)
        size = len(browser.request(method, path, form, headers)[0].get_data())
        figures.append((name, size, cpu, wall))
    base = figures[0][2]
    print(f"\n{'page':<30}{'bytes':>8}{'CPU ms':>9}{'wall ms':>9}{'vs bare':>9}")
    for name, size, cpu, wall in figures:
        print(f"{LABELS[name]:<30}{size:>8,}{cpu:>9.2f}{wall:>9.2f}{base / cpu:>9.0%}")
    print(
        "(CPU ms: in-process, test client included; vs bare: the bare page's CPU per request over "
        "the page's, the in-process analogue of bench/server.py's throughput ratio)"
    )
    if args.sql:
        for name, browser, method, path, form, headers, _ in chosen:
            print(f"\n==== SQL of one request: {LABELS[name]}")
            sent = statements(
                app, lambda b=browser, m=method, p=path, f=form, h=headers: b.request(m, p, f, h)
            )
            for statement, parameters in sent:
                print("  " + " ".join(statement.split())[:400])
                if args.explain and statement.lstrip().upper().startswith("SELECT"):
                    for line in plan(app, statement, parameters):
                        print("      " + line)
    if args.no_profile:
        return
    for name, browser, method, path, form, headers, _ in chosen:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(max(1, args.repeat // 5)):
            browser.request(method, path, form, headers)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(args.sort).print_stats(args.top)
        print(f"\n==== {LABELS[name]} ({max(1, args.repeat // 5)} requests, by {args.sort})")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


if __name__ == "__main__":
    sys.exit(main())
