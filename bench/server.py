"""Throughput and latency of the main pages under gunicorn, as ratios to a bare Flask page
served the same way in the same run (SPEC P6).

    /work/main/.venv/bin/python -m bench.server --doctors 20000                # temporary SQLite file
    /work/main/.venv/bin/python -m bench.server --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Loads the data when the database has none (``flask db upgrade``, ``flask demo load --doctors
N``, then ``--waiting`` items waiting for 远安县人民医院（演示） as ``bench/queue.py`` does, so the
queue has 100 pages), starts two gunicorn servers on free loopback ports with
config/gunicorn.py: the portal (production settings, only the refusal of SQLite and memory
rate limits switched off, see ``bench/wsgi.py``) and ``bench/bare.py``. Logs in through the
real forms (staff and officer with their demo TOTP secret, once each), then runs a load
generator on loopback: ``--concurrency`` processes, each with one connection (kept alive when
the server allows: gunicorn's gthread workers do, issue 16), ``--duration``
seconds per page. Requests arrive as through the reverse proxy (X-Forwarded-For of a random
address, X-Forwarded-Proto https), so the per-address rate limit of the public lookup is not
what is measured. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import html
import http.client
import multiprocessing
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "portal.example.cn"
PASSWORD = "Demo-pass-2026"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
OLDER = re.compile(r'<a href="([^"]+)"[^>]*>(?:Older|更早)</a>')
QUEUE = "/hubei/institution/approvals"


# ---------------------------------------------------------------- data


def flask_cli(url: str, *args: str) -> None:
    env = {**os.environ, "PORTAL_CONFIG": "development", "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    if args[0] == "demo":
        print("  " + "\n  ".join(done.stdout.strip().splitlines()[-2:]), flush=True)


def prepare(url: str, doctors: int, waiting: int) -> dict:
    """Load what is missing; return the accounts and numbers the pages need."""
    from portal import create_app
    from portal.extensions import db

    flask_cli(url, "db", "upgrade")
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from portal.accounts.models import User

        have = db.session.execute(
            db.select(db.func.count())
            .select_from(User)
            .where(User.username.like("syn%"))
            .execution_options(all_tenants=True)
        ).scalar()
    if have < doctors:
        print(f"loading {doctors - have:,} synthetic doctors (have {have:,}) ...", flush=True)
        started = time.perf_counter()
        flask_cli(url, "demo", "load", "--doctors", str(doctors - have))
        print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
    from bench.queue import prepare as prepare_queue

    at_yuanan = prepare_queue(app, waiting)
    with app.app_context():
        from portal.accounts.models import User
        from portal.tenants.models import Tenant
        from portal.tenants.scope import tenant_context
        from portal.workflow.models import Application, Kind, State

        tid = db.session.execute(db.select(Tenant.id).filter_by(slug="hubei")).scalar_one()
        with tenant_context(tid):

            def doctors_with(state: State, limit: int) -> list[str]:
                return list(
                    db.session.execute(
                        db.select(User.username)
                        .join(Application, Application.doctor_id == User.id)
                        .where(
                            Application.state == state,
                            Application.kind == Kind.FIRST,
                            User.username.like("syn%"),
                        )
                        .order_by(Application.id)
                        .limit(limit)
                    ).scalars()
                )

            certificate = db.session.execute(
                db.select(Application.certificate_no)
                .where(Application.state == State.APPROVED, Application.certificate_no.is_not(None))
                .order_by(Application.id.desc())
                .limit(1)
            ).scalar_one()
            return {
                "registered": doctors_with(State.APPROVED, 16),
                "drafting": doctors_with(State.DRAFT, 16),
                "certificate": certificate,
                "waiting": at_yuanan,
                "doctors": db.session.execute(
                    db.select(db.func.count()).select_from(User).where(User.username.like("syn%"))
                ).scalar(),
            }


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(module: str, env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    out = open(log, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", module],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn {module} exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn {module} did not start: see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- a browser behind the proxy


def proxy_headers() -> dict:
    ip = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    return {"Host": HOST, "X-Forwarded-For": ip, "X-Forwarded-Proto": "https"}


class Session:
    """Cookies and the CSRF token of one logged-in browser (setup only, one request at a time)."""

    def __init__(self, port: int):
        self.port, self.cookies, self.token = port, {}, ""

    def cookie_header(self) -> dict:
        return (
            {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            if self.cookies
            else {}
        )

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {
            **proxy_headers(),
            "Referer": f"https://{HOST}{path}",
            **self.cookie_header(),
            **(headers or {}),
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode({"csrf_token": self.token, **form})
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            match = CSRF.search(text)
            if match:
                self.token = match.group(1)
            return response.status, response.headers, text
        finally:
            conn.close()

    def login(self, username: str, totp_secret: str | None = None) -> Session:
        self.request("GET", "/hubei/login")
        status, headers, _ = self.request(
            "POST", "/hubei/login", {"username": username, "password": PASSWORD}
        )
        if status not in (302, 303):
            raise SystemExit(f"log-in of {username} answered {status}")
        if totp_secret:
            import pyotp

            self.request("GET", "/hubei/login/totp")
            for at in (time.time(), time.time() + 30):  # a time step is single-use per user (SEC3)
                status, _, _ = self.request(
                    "POST", "/hubei/login/totp", {"code": pyotp.TOTP(totp_secret).at(at)}
                )
                if status in (302, 303):
                    break
            else:
                raise SystemExit(f"TOTP of {username} refused ({status})")
        return self


# ---------------------------------------------------------------- the load generator


def _hammer(job: tuple) -> tuple[list[float], int, int]:
    """One connection for ``seconds``: latencies (s), responses not as expected, bytes of the last."""
    port, method, path, body, headers, expect, seconds = job
    random.seed()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies, bad, size = [], 0, 0
    deadline = time.perf_counter() + seconds
    while (started := time.perf_counter()) < deadline:
        try:
            conn.request(method, path, body=body, headers={**headers, **proxy_headers()})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            bad += 1
            continue
        latencies.append(time.perf_counter() - started)
        size = len(data)
        if response.status != expect:
            bad += 1
    conn.close()
    return latencies, bad, size


def measure(
    pool,
    port: int,
    concurrency: int,
    seconds: float,
    method: str,
    path: str,
    headers: list[dict],
    body: list[str | None],
    expect: int,
) -> dict:
    jobs = [
        (port, method, path, body[i % len(body)], headers[i % len(headers)], expect, seconds)
        for i in range(concurrency)
    ]
    pool.map(_hammer, [(*job[:-1], min(1.0, seconds)) for job in jobs])  # warm-up
    results = pool.map(_hammer, jobs)
    latencies = sorted(t for lat, _, _ in results for t in lat)
    if not latencies:
        return {
            "rps": 0.0,
            "p50": 0.0,
            "p95": 0.0,
            "bad": sum(b for _, b, _ in results),
            "bytes": 0,
            "n": 0,
        }
    return {
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "bad": sum(b for _, b, _ in results),
        "bytes": results[0][2],
        "n": len(latencies),
    }


# ---------------------------------------------------------------- main


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", help="SQLAlchemy database URL (default: a new temporary SQLite file)"
    )
    parser.add_argument(
        "--doctors",
        type=int,
        help="synthetic doctors (default 300,000 on PostgreSQL, 20,000 on SQLite)",
    )
    parser.add_argument(
        "--waiting",
        type=int,
        default=6000,
        help="items waiting for the institution queue (100 pages need 5,000)",
    )
    parser.add_argument(
        "--app-url",
        help="the application's non-owner role for the servers, so that row-level security is "
        "in the figures (default: --url, which loads the data as the tables' owner)",
    )
    parser.add_argument(
        "--far-page", type=int, default=100, help="the queue page reached by the Older links"
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per page")
    parser.add_argument("--concurrency", type=int, default=8, help="connections at once")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-server-"))
    url = args.url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    dialect = url.split(":")[0].split("+")[0]
    doctors = args.doctors or (300_000 if dialect == "postgresql" else 20_000)
    print(f"machine: {machine()}; database: {dialect}", flush=True)
    data = prepare(url, doctors, args.waiting)
    print(
        f"data: {data['doctors']:,} synthetic doctors in hubei, {data['waiting']:,} items wait for "
        f"远安县人民医院（演示）",
        flush=True,
    )

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "FLASK_", "GUNICORN_", "PROMETHEUS_"))
    }
    from config import DEV_ID_ENCRYPTION_KEY, DEV_ID_INDEX_KEY, DEV_TOTP_ENCRYPTION_KEY

    # the demo accounts' TOTP secrets were encrypted by `flask demo load` in development, with its key
    env.update(
        PORTAL_CONFIG="production",
        DATABASE_URL=args.app_url or url,
        SECRET_KEY=secrets.token_hex(32),
        TRUSTED_PROXIES="1",
        SMS_GATEWAY="dev",
        PUBLIC_HOST=HOST,  # production answers only its own host name (issue 14)
        TOTP_ENCRYPTION_KEYS=DEV_TOTP_ENCRYPTION_KEY,
        # and the ID numbers, encrypted by `flask demo load` with the development keys (issue 14)
        ID_ENCRYPTION_KEYS=DEV_ID_ENCRYPTION_KEY,
        ID_INDEX_KEY=DEV_ID_INDEX_KEY,
    )
    portal, port = gunicorn("bench.wsgi:app", env, workdir / "portal.log")
    bare, bare_port = gunicorn("bench.bare:app", env, workdir / "bare.log")
    try:
        from devdata.demo import demo_totp_secret

        home = [Session(port).login(u) for u in data["registered"][: args.concurrency]]
        drafting = [Session(port).login(u) for u in data["drafting"][: args.concurrency]]
        for s in drafting:
            s.request("GET", "/hubei/me/application/personal")
        staff = Session(port).login("hb-county-staff", demo_totp_secret("hb-county-staff"))
        officer = Session(port).login("hb-officer", demo_totp_secret("hb-officer"))
        far = QUEUE
        for _ in range(args.far_page - 1):
            match = OLDER.search(staff.request("GET", far)[2])
            if not match:
                raise SystemExit(f"the queue has fewer than {args.far_page} pages: raise --waiting")
            far = html.unescape(match.group(1))

        def cookies(sessions):
            return [{"Accept-Language": "zh-CN", **s.cookie_header()} for s in sessions]

        size = len(home[0].request("GET", "/hubei/me")[2].encode())
        pages = [
            ("bare Flask page", bare_port, "GET", f"/bare?bytes={size}", [{}], [None], 200),
            ("doctor home /hubei/me", port, "GET", "/hubei/me", cookies(home), [None], 200),
            (
                "wizard autosave (POST)",
                port,
                "POST",
                "/hubei/me/application/personal",
                [
                    {
                        **h,
                        "Content-Type": "application/x-www-form-urlencoded",
                        "HX-Request": "true",
                        "Referer": f"https://{HOST}/hubei/me/application/personal",
                    }
                    for h in cookies(drafting)
                ],
                [
                    urllib.parse.urlencode(
                        {
                            "csrf_token": s.token,
                            "action": "autosave",
                            "home_address": f"湖北省武汉市江岸区解放大道 {i} 号",
                        }
                    )
                    for i, s in enumerate(drafting)
                ],
                204,
            ),
            ("institution queue, page 1", port, "GET", QUEUE, cookies([staff]), [None], 200),
            (
                f"institution queue, page {args.far_page}",
                port,
                "GET",
                far,
                cookies([staff]),
                [None],
                200,
            ),
            (
                "officer queue /hubei/admin/",
                port,
                "GET",
                "/hubei/admin/",
                cookies([officer]),
                [None],
                200,
            ),
            (
                "public verification",
                port,
                "GET",
                f"/hubei/verify?no={data['certificate']}",
                [{}],
                [None],
                200,
            ),
        ]
        rows = []
        with multiprocessing.get_context("fork").Pool(args.concurrency) as pool:
            for label, p, method, path, headers, body, expect in pages:
                print(f"  {label} ...", flush=True)
                rows.append(
                    (
                        label,
                        measure(
                            pool,
                            p,
                            args.concurrency,
                            args.duration,
                            method,
                            path,
                            headers,
                            body,
                            expect,
                        ),
                    )
                )
    finally:
        stop(portal)
        stop(bare)

    base = rows[0][1]["rps"] or 1
    print(
        f"\n{dialect}, {data['doctors']:,} doctors, {args.concurrency} connections, {args.duration:g} s per page, "
        f"gunicorn {os.environ.get('WEB_CONCURRENCY') or (os.cpu_count() or 1) * 2 + 1} gthread workers"
    )
    print(
        f"{'page':<30}{'bytes':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'vs bare':>9}{'errors':>8}"
    )
    for label, r in rows:
        print(
            f"{label:<30}{r['bytes']:>8,}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
            f"{r['rps'] / base:>8.0%}{r['bad']:>8}"
        )
    print("\ntargets:")
    for label, r in rows[1:]:
        ratio = r["rps"] / base
        print(
            f"  {label}: {ratio:.0%} of the bare page's throughput (target ≥ 50 %) — "
            f"{'reached' if ratio >= 0.5 else 'NOT reached'}"
        )
    first, hundredth = rows[3][1], rows[4][1]
    latency = hundredth["p50"] / first["p50"] if first["p50"] else float("inf")
    print(
        f"  queue page {args.far_page} against page 1 (p50 latency): {latency:.2f}× (target ≤ 1.5×) — "
        f"{'reached' if latency <= 1.5 else 'NOT reached'}"
    )
    print(f"\nserver logs: {workdir}")


if __name__ == "__main__":
    main()
