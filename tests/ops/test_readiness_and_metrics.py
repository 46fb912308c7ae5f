"""``/readyz`` (database reachable, schema at the migrations' head, outbox keeping up) and
``/metrics`` (Prometheus; not public): what a monitoring system and a load balancer ask."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from portal import create_app
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.notify.services import deliver_pending, queue
from portal.notify.sms import sms
from portal.ops.health import migration_heads
from tests.support.db import in_tenant, owner_connection
from tests.support.journey import doctor_form, resident_id, sign_up


@pytest.fixture
def at_head(app):
    """The suite's tables are made by create_all: record them as migrated to head (as the
    tables' owner, who runs the migrations)."""
    with owner_connection(app) as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        for head in migration_heads():
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    yield
    with owner_connection(app) as conn:
        conn.execute(text("DROP TABLE alembic_version"))


def _ready(app):
    r = app.test_client().get("/readyz")
    assert r.mimetype == "application/json" and r.headers["Cache-Control"] == "no-store"
    return r.status_code, r.get_json()


def test_not_ready_until_the_migrations_ran(demo):
    status, body = _ready(demo)
    assert status == 503 and body["status"] == "not ready"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"] == {
        "ok": False,
        "current": [],
        "head": list(migration_heads()),
    }


def test_ready_at_head_and_not_ready_when_the_outbox_is_stuck(demo, at_head):
    assert migration_heads()  # the shipped migrations have a head
    status, body = _ready(demo)
    assert status == 200 and body["status"] == "ready"
    assert body["checks"]["outbox"] == {
        "ok": True,
        "backlog": 0,
        "oldest_seconds": 0,
        "max_seconds": 900,
    }
    with in_tenant(demo, "hubei"):
        msg = queue(
            "sms", "13900000042", sms("verification_code", host="h.cn", code="654321", minutes=5)
        )
        db.session.flush()
        msg.created_at = utcnow() - timedelta(minutes=20)  # the workers are down since
        db.session.commit()
    status, body = _ready(demo)
    assert status == 503
    assert body["checks"]["outbox"]["ok"] is False and body["checks"]["outbox"]["backlog"] == 1
    assert 1195 <= body["checks"]["outbox"]["oldest_seconds"] <= 1260
    raw = json.dumps(body)
    assert "13900000042" not in raw and "654321" not in raw  # nothing personal in the answer
    with demo.app_context():
        deliver_pending()  # the development gateway takes it
    assert _ready(demo)[0] == 200


def test_not_ready_without_the_database(tmp_path):
    cut_off = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3"}
    )
    status, body = _ready(cut_off)
    with cut_off.app_context():
        db.engine.dispose()
    assert status == 503 and body["checks"] == {
        "database": {"ok": False, "error": "OperationalError"}
    }


def _metrics(app, **kw):
    return app.test_client().get("/metrics", **kw)


def test_metrics_answer_loopback_only_by_default(demo):
    sign_up(
        demo,
        "hubei",
        doctor_form("测试医生", resident_id("42052519900101555"), "13900000055", "metricsdoc"),
    )
    r = _metrics(demo)
    assert r.status_code == 200 and r.mimetype == "text/plain"
    page = r.get_data(as_text=True)
    assert re.search(
        r'^portal_request_duration_seconds_count\{endpoint="doctor.signup",method="POST"\} [1-9]',
        page,
        re.M,
    )
    assert "portal_outbox_backlog 0.0" in page and "portal_outbox_oldest_seconds" in page
    assert "13900000055" not in page and "/hubei/" not in page  # endpoint names, never paths
    r = _metrics(demo, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert r.status_code == 404 and "portal_" not in r.get_data(as_text=True)


def test_metrics_by_bearer_token(demo, monkeypatch):
    monkeypatch.setitem(demo.config, "METRICS_ALLOW", "")
    monkeypatch.setitem(demo.config, "METRICS_TOKEN", "scrape-token-123")
    assert _metrics(demo).status_code == 404  # loopback alone no longer enough
    assert _metrics(demo, headers={"Authorization": "Bearer wrong"}).status_code == 404
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert (
        _metrics(
            demo, environ_base=outside, headers={"Authorization": "Bearer scrape-token-123"}
        ).status_code
        == 200
    )


def _counter(page: str, name: str, channel: str) -> float:
    match = re.search(rf'^{name}_total\{{channel="{channel}"\}} ([0-9.]+)$', page, re.M)
    return float(match.group(1)) if match else 0.0


def test_messages_sent_and_failed_are_counted_per_channel(demo, http_gateway):
    before = _metrics(demo).get_data(as_text=True)
    with in_tenant(demo, "hubei"):
        queue("sms", "13900000077", sms("codes_unlocked"))
        queue("sms", "13900000078", sms("codes_unlocked"))
        db.session.commit()
    http_gateway.fail(503)
    with demo.app_context():
        assert deliver_pending() == 1
    after = _metrics(demo).get_data(as_text=True)
    assert (
        _counter(after, "portal_messages_sent", "sms")
        == _counter(before, "portal_messages_sent", "sms") + 1
    )
    assert (
        _counter(after, "portal_messages_failed", "sms")
        == _counter(before, "portal_messages_failed", "sms") + 1
    )
    assert "portal_outbox_backlog 1.0" in after
    with in_tenant(demo, "hubei"):
        assert (
            db.session.execute(
                db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))
            ).scalar()
            == 1
        )
