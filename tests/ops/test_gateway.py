"""The production SMS gateway (SEC7): an HTTP adapter configured by URL, credentials and
template, tried against a provider on loopback: real requests, real 5xx and real timeouts.
The worker retries with backoff, and every try of one message carries the same idempotency
key (the outbox message's id)."""

from __future__ import annotations

import time
from datetime import timedelta

from portal.columns import utcnow
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.notify.services import deliver_pending, queue
from portal.notify.sms import sms
from tests.support.db import in_tenant
from tests.support.http import Browser
from tests.support.journey import doctor_form, resident_id, sign_up

FORM = doctor_form("测试医生", resident_id("42052519900101123"), "13912345678", "gatewaydoc")


def _deliver(app) -> int:
    with app.app_context():
        return deliver_pending()


def _message(app, recipient: str) -> OutboxMessage:
    with in_tenant(app, "hubei"):
        msg = db.session.execute(
            db.select(OutboxMessage).filter_by(recipient=recipient)
        ).scalar_one()
        db.session.expunge(msg)
        return msg


def _queue(app, recipient: str, text=None) -> int:
    with in_tenant(app, "hubei"):
        msg = queue("sms", recipient, text or sms("codes_unlocked"))
        db.session.commit()
        return msg.id


def _make_due(app, msg_id: int) -> None:
    """As if the backoff had passed."""
    with in_tenant(app, "hubei"):
        db.session.get(OutboxMessage, msg_id).next_try_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def test_a_verification_code_goes_to_the_provider(demo, http_gateway):
    b: Browser = sign_up(demo, "hubei", FORM)
    b.page("/hubei/me/verify")
    assert b.post("/hubei/me/verify/send", {"channel": "sms"}).status_code == 200
    assert http_gateway.received == []  # queued, not sent from the request (SEC7)
    assert _deliver(demo) == 1
    [got] = http_gateway.received
    msg = _message(demo, FORM["phone"])
    assert (got.to, got.template, got.user, got.password) == (
        FORM["phone"],
        "SMS_0001",
        "portal",
        "gateway-secret",
    )
    # the template's variables, not the text: the provider holds the approved text (issue 12)
    assert got.params == msg.params and set(got.params) == {"code", "minutes"}
    assert msg.template == "verification_code" and f"#{got.params['code']}" in msg.body
    assert msg.provider == "http" and msg.delivery_status == "sent"
    assert got.key == got.header_key == f"outbox-{msg.id}"
    assert msg.sent_at is not None and msg.attempts == 1
    assert _deliver(demo) == 0 and len(http_gateway.requests) == 1  # sent once


def test_a_5xx_is_tried_again_later_with_the_same_key(demo, http_gateway):
    msg_id = _queue(demo, "13900000001")
    http_gateway.fail(503)
    assert _deliver(demo) == 0
    msg = _message(demo, "13900000001")
    assert msg.sent_at is None and msg.attempts == 1 and msg.last_error.endswith("HTTP 503")
    assert msg.next_try_at > utcnow()  # backoff
    assert _deliver(demo) == 0 and len(http_gateway.requests) == 1  # not due yet: not tried
    _make_due(demo, msg_id)
    http_gateway.fail(500)
    assert _deliver(demo) == 0
    second = _message(demo, "13900000001")
    # the backoff doubles: 2 s after the first failure, 4 s after the second
    assert second.attempts == 2 and second.next_try_at - utcnow() > timedelta(seconds=3)
    _make_due(demo, msg_id)
    assert _deliver(demo) == 1
    assert [r.key for r in http_gateway.requests] == [f"outbox-{msg_id}"] * 3
    assert len(http_gateway.received) == 1 and _message(demo, "13900000001").sent_at is not None


def test_a_provider_that_does_not_answer_in_time_is_tried_again(demo, http_gateway, monkeypatch):
    monkeypatch.setitem(demo.config, "SMS_GATEWAY_TIMEOUT", 0.3)
    http_gateway.delay = 1.5
    _queue(demo, "13900000002")
    started = time.monotonic()
    assert _deliver(demo) == 0
    assert time.monotonic() - started < 1.2  # the worker did not wait for the provider
    msg = _message(demo, "13900000002")
    assert msg.sent_at is None and "did not answer within 0.3 s" in msg.last_error


def test_wrong_credentials_or_no_provider_keep_the_message(demo, http_gateway, monkeypatch):
    monkeypatch.setitem(demo.config, "SMS_GATEWAY_PASSWORD", "wrong")
    msg_id = _queue(demo, "13900000003")
    assert _deliver(demo) == 0
    assert _message(demo, "13900000003").last_error.endswith("HTTP 401")
    monkeypatch.setitem(demo.config, "SMS_GATEWAY_URL", "http://127.0.0.1:9/nothing-listens-here")
    _make_due(demo, msg_id)
    assert _deliver(demo) == 0
    msg = _message(demo, "13900000003")
    assert msg.attempts == 2 and "unreachable" in msg.last_error and msg.sent_at is None


def test_the_error_kept_and_logged_never_holds_the_phone_number(demo, http_gateway, caplog):
    _queue(demo, "13900000004", sms("verification_code", host="h.cn", code="123456", minutes=5))
    http_gateway.fail(503)
    with caplog.at_level("WARNING", logger="portal.notify.services"):
        _deliver(demo)
    assert caplog.records and all(
        "13900000004" not in r.getMessage() and "123456" not in r.getMessage()
        for r in caplog.records
    )
    assert "13900000004" not in _message(demo, "13900000004").last_error
