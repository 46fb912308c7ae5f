"""Issue 7, "done when": two gunicorn app servers on loopback share one PostgreSQL database
and one Redis, two notification workers share the outbox; a burst of sign-ups spread over
both servers gets every SMS exactly once (the loopback SMS provider counts them), and the
SEC2 send limits and the per-address credential limit hold across the servers.

Needs PostgreSQL (TEST_DATABASE_URL; it makes a database of its own next to it), Redis on
127.0.0.1:6379 (its own key prefix) and gunicorn; it skips, saying which is missing,
otherwise (SQLite has no row locks for several workers)."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.cluster import (
    HOST,
    ROOT,
    Client,
    base_env,
    free_port,
    gunicorn,
    run_flask,
    wait_until,
    worker,
)
from tests.support.db import prepare_app_role
from tests.support.journey import doctor_form, resident_id
from tests.support.sms_server import SmsServer

REDIS = "redis://127.0.0.1:6379/14"


def _requirements() -> str | None:
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return "needs PostgreSQL (TEST_DATABASE_URL): several workers rely on SKIP LOCKED row locks"
    if shutil.which("gunicorn") is None and not _importable("gunicorn"):
        return "gunicorn is not installed"
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_timeout=1).ping()
    except Exception:
        return f"no Redis at {REDIS}"
    return None


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


@pytest.fixture
def own_database():
    """A database of its own on the server of TEST_DATABASE_URL, dropped afterwards."""
    reason = _requirements()
    if reason:
        pytest.skip(reason)
    import psycopg

    url = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{url.database}_scale_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sign_up_and_ask(client: Client, ports: tuple[int, int], tenant: str, form: dict) -> None:
    """Sign up on one server, ask for the phone code on the other."""
    client.get(ports[0], f"/{tenant}/signup")
    status, headers, _ = client.post(ports[0], f"/{tenant}/signup", form)
    assert status == 303 and headers["Location"].endswith(f"/{tenant}/me"), status
    status, _, _ = client.get(ports[1], f"/{tenant}/me/verify")
    assert status == 200, status


def _ask(client: Client, port: int, tenant: str) -> int:
    return client.post(port, f"/{tenant}/me/verify/send", {"channel": "sms"})[0]


def test_two_app_servers_two_workers_every_sms_exactly_once(own_database, tmp_path):
    metrics_token = secrets.token_hex(16)
    # as docs/operations.md: the owner runs the migrations, servers and workers connect as a role
    # that owns nothing and is subject to row-level security (SEC9); `demo load` runs as it too
    app_database = prepare_app_role(own_database)
    with SmsServer() as sms:
        env = base_env(
            PORTAL_CONFIG="production",
            SECRET_KEY=secrets.token_hex(32),
            DATABASE_URL=app_database,
            MIGRATION_DATABASE_URL=own_database,
            TOTP_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            ID_ENCRYPTION_KEYS=Fernet.generate_key().decode(),  # issue 14
            ID_INDEX_KEY=secrets.token_hex(32),
            CERT_SIGNING_KEYS=str(tmp_path / "signing-keys"),  # V2: made below, per tenant
            REDIS_URL=REDIS,
            PUBLIC_HOST=HOST,  # production serves only its own host name (issue 14)
            RATELIMIT_KEY_PREFIX=f"ops-test-{uuid.uuid4().hex[:8]}",
            SMS_GATEWAY="http",
            SMS_GATEWAY_URL=sms.url,
            SMS_GATEWAY_USER=sms.user,
            SMS_GATEWAY_PASSWORD=sms.password,
            SMS_GATEWAY_TEMPLATE="SMS_0001",
            SMS_GATEWAY_TIMEOUT="5",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(free_port()),
            TRUSTED_PROXIES="1",
            WEB_CONCURRENCY="2",
            CREDENTIAL_RATE_LIMIT="5 per minute",
            METRICS_TOKEN=metrics_token,
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        )
        (tmp_path / "metrics").mkdir()
        # the demo data is development data (devdata/): production does not offer `flask demo`, so
        # it is loaded under the development settings, into the same database with the same keys
        for command, config in (
            (("db", "upgrade"), "production"),
            (("demo", "load"), "development"),
        ):
            done = run_flask({**env, "PORTAL_CONFIG": config}, *command)
            assert done.returncode == 0, done.stderr[-2000:]
        # V2: no app server starts without a signing key for every tenant; the operator makes them
        refused = subprocess.run(
            [sys.executable, "-c", "from portal import create_app; create_app()"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode != 0
        assert "no e-certificate signing key for tenant(s) guangdong, hubei" in refused.stderr
        for tenant in ("hubei", "guangdong"):
            done = run_flask(env, "certificates", "rotate-key", "--tenant", tenant)
            assert done.returncode == 0, done.stderr[-2000:]
        engine = create_engine(own_database.replace("postgresql://", "postgresql+psycopg://", 1))
        with (
            engine.begin() as conn
        ):  # Guangdong: no resend cool-down, so the hourly cap is what stops
            conn.execute(
                text("UPDATE tenant SET rules = :r WHERE slug = 'guangdong'"),
                {"r": json.dumps({"codes": {"otp_resend_seconds": 0}})},
            )

        ports = (free_port(), free_port())
        servers = [
            gunicorn(env, port, tmp_path / f"gunicorn-{i}.log") for i, port in enumerate(ports)
        ]
        workers = [worker(env, tmp_path / f"worker-{i}.log") for i in range(2)]
        try:
            probe = Client("192.0.2.1")
            for port, server in zip(ports, servers, strict=True):
                wait_until(
                    lambda port=port, server=server: (
                        server.alive() and _status(probe, port, "/healthz") == 200
                    ),
                    60,
                    f"gunicorn on {port}",
                )
                status, _, body = probe.get(port, "/readyz")
                assert status == 200, body
                assert json.loads(body)["checks"]["row_security"] == {"ok": True, "enforced": True}

            # ---- the burst: 16 doctors, sign-up on one server, the code asked on the other
            doctors = []
            for i in range(16):
                username = f"burst{i:02d}"
                form = doctor_form(
                    "测试医生", resident_id(f"42052519900101{i:03d}"), f"139{i:08d}", username
                )
                doctors.append((Client(f"198.51.100.{i + 1}"), form))
            # three of them press "send" six times at once, three times on each server
            hammered = doctors[:3]
            # one Guangdong doctor (no cool-down there) presses it ten times at once
            gd = (
                Client("198.51.100.200"),
                doctor_form("测试医生", resident_id("44010419900101999"), "13700000000", "gdburst"),
            )

            def first_ask(i_doctor):
                i, (client, form) = i_doctor
                order = ports if i % 2 == 0 else ports[::-1]
                _sign_up_and_ask(client, order, "hubei", form)
                if (client, form) in hammered:
                    return None
                return _ask(client, order[1], "hubei")

            with ThreadPoolExecutor(16) as pool:
                answers = list(pool.map(first_ask, enumerate(doctors)))
            assert answers[3:] == [200] * 13

            _sign_up_and_ask(gd[0], ports, "guangdong", gd[1])
            presses = [(client, ports[k % 2], "hubei") for client, _ in hammered for k in range(6)]
            presses += [(gd[0], ports[k % 2], "guangdong") for k in range(10)]
            with ThreadPoolExecutor(len(presses)) as pool:
                statuses = list(pool.map(lambda p: _ask(*p), presses))
            hubei_statuses, gd_statuses = statuses[:18], statuses[18:]
            for d in range(3):  # SEC2: one code, the others refused by the 60 s cool-down
                assert sorted(hubei_statuses[d * 6 : (d + 1) * 6]) == [200] + [429] * 5
            assert sorted(gd_statuses) == [200] * 5 + [429] * 5  # SEC2: five per hour

            # ---- the credential limit (Redis, per real client address) holds across servers
            thief = Client("203.0.113.66")
            thief.get(ports[0], "/hubei/login")
            tries = [
                thief.post(
                    ports[k % 2],
                    "/hubei/login",
                    {"username": "hb-officer", "password": f"guess-{k}x"},
                )[0]
                for k in range(7)
            ]
            assert tries[:5] == [422] * 5 and tries[5:] == [429, 429]
            other = Client("203.0.113.67")  # another address behind the same proxy is not affected
            other.get(ports[1], "/hubei/login")
            assert (
                other.post(ports[1], "/hubei/login", {"username": "hb-officer", "password": "x"})[0]
                == 422
            )

            # ---- every SMS exactly once
            expected = {form["phone"]: 1 for _, form in doctors} | {gd[1]["phone"]: 5}
            wait_until(
                lambda: (
                    sum(sms.per_recipient().values()) >= sum(expected.values())
                    and _pending(engine) == 0
                ),
                60,
                "the workers to deliver every message",
            )
            assert dict(sms.per_recipient()) == expected
            keys = [r.key for r in sms.received]
            assert len(set(keys)) == len(keys) and all(r.header_key == r.key for r in sms.received)
            assert len(sms.requests) == len(sms.received)  # no request was sent twice either

            # ---- metrics: the workers' counters reach the app servers' endpoint (one host)
            status, _, body = probe.get(
                ports[1], "/metrics", headers={"Authorization": f"Bearer {metrics_token}"}
            )
            assert status == 200
            sent = re.search(r'^portal_messages_sent_total\{channel="sms"\} ([0-9.]+)$', body, re.M)
            assert sent and float(sent.group(1)) == sum(expected.values())
            assert probe.get(ports[1], "/metrics")[0] == 404  # the client is not on loopback
        finally:
            exits = [w.stop() for w in workers] + [s.stop() for s in servers]
            engine.dispose()
        assert exits == [0, 0, 0, 0], [p.output()[-3000:] for p in workers + servers]

        # the logs: JSON lines only, and no phone, ID number or code in them
        codes = {r.params["code"] for r in sms.received if "code" in r.params}
        for process in workers + servers:
            for line in process.output().splitlines():
                if not line.strip():
                    continue
                json.loads(line)
                for _, form in doctors:
                    assert form["phone"] not in line and form["id_number"] not in line
                assert not any(code in line for code in codes), line


def _status(client: Client, port: int, path: str) -> int:
    try:
        return client.get(port, path)[0]
    except OSError:
        return 0


def _pending(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM outbox_message WHERE sent_at IS NULL")
        ).scalar()
