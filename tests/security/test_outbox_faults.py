"""SEC7 under faults: with the SMS gateway failing (raising, timing out) the worker retries
with a growing delay and delivers once it recovers; a worker that dies after the gateway took
a message and before marking it sent does not make the phone receive it twice (the message's
idempotency key is the same at every try)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from portal.columns import utcnow
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.notify.services import deliver_pending
from tests.support import figures
from tests.support.db import in_tenant
from tests.support.journey import doctor_form, walk_doctor

DOCTOR = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


class FakeGateway:
    """An SMS provider honouring idempotency keys, which fails ``failures`` times first."""

    def __init__(self, failures: list[Exception] | None = None):
        self.failures = list(failures or [])
        self.calls: list[str] = []
        self.delivered: dict[str, tuple[str, str]] = {}  # key -> (recipient, body): what phones got

    name = "fake"

    def send(self, msg, key: str = "") -> str:
        self.calls.append(key)
        if self.failures:
            figures.add("gateway faults injected")
            raise self.failures.pop(0)
        self.delivered.setdefault(key or f"no-key-{len(self.calls)}", (msg.recipient, msg.body))
        return ""


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeGateway()
    monkeypatch.setattr("portal.notify.services.sms_gateway", lambda *_: fake)
    return fake


def _messages(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(
            db.session.execute(
                db.select(OutboxMessage)
                .where(OutboxMessage.channel == "sms")
                .execution_options(all_tenants=True)
                .order_by(OutboxMessage.id)
            ).scalars()
        )


def _time_passes(app) -> None:
    """The backoff delay is over."""
    with app.app_context():
        db.session.execute(
            update(OutboxMessage)
            .values(next_try_at=utcnow() - timedelta(seconds=1))
            .execution_options(all_tenants=True)
        )
        db.session.commit()


def test_gateway_outage_delays_but_never_loses(demo, gateway):
    walk_doctor(demo, "hubei", DOCTOR, until="verified")  # the verification code is in the outbox
    gateway.failures = [
        TimeoutError("gateway timed out"),
        ConnectionError("refused"),
        RuntimeError("HTTP 503"),
    ]
    waits = []
    with demo.app_context():
        for _ in range(3):
            before = utcnow()
            assert deliver_pending() == 0
            msg = _messages(demo)[0]
            waits.append((msg.next_try_at - before).total_seconds())
            assert msg.sent_at is None and msg.last_error
            assert deliver_pending() == 0  # not due again at once
            _time_passes(demo)
        assert deliver_pending() == 1
    assert waits == sorted(waits) and waits[0] >= 1 and waits[-1] > waits[0]  # backoff grows
    msg = _messages(demo)[0]
    assert msg.sent_at is not None and msg.attempts == 4
    assert list(gateway.delivered.values()) == [(DOCTOR["phone"], msg.body)]
    figures.add("messages lost", 0 if msg.sent_at else 1)


class WorkerDied(BaseException):
    """The process is killed: nothing after this point runs (not an ``Exception``)."""


def test_a_worker_dying_after_sending_does_not_send_twice(demo, gateway, monkeypatch):
    walk_doctor(demo, "hubei", DOCTOR, until="verified")
    real_send = gateway.send

    def send_then_die(msg, key=""):
        real_send(msg, key)
        raise WorkerDied

    monkeypatch.setattr(gateway, "send", send_then_die)
    with demo.app_context(), pytest.raises(WorkerDied):
        deliver_pending()
    with demo.app_context():
        db.session.rollback()  # what the dead worker's open transaction becomes
    assert _messages(demo)[0].sent_at is None  # never marked
    monkeypatch.setattr(gateway, "send", real_send)
    with demo.app_context():
        assert deliver_pending() == 1  # the next worker sends it again, with the same key
    keys = gateway.calls
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    assert len(gateway.delivered) == 1  # the phone got it once
    figures.add("duplicate deliveries after a worker died", len(gateway.delivered) - 1)
    with in_tenant(demo, "hubei"):
        assert db.session.get(OutboxMessage, _messages(demo)[0].id).sent_at is not None
