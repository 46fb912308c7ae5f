"""Structured logs: one JSON object per line with the request id, tenant and user id; a whole
journey (sign-up, phone code, activation, application, confirmation, a wrong password, a
public lookup) leaves no ID number, phone, email, code or password in them (SEC5)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from devdata.demo import DEMO_PASSWORD
from portal.notify.services import deliver_pending, queue
from portal.notify.sms import sms
from portal.ops.logs import json_handler, redact
from tests.support.db import in_tenant
from tests.support.http import Browser, staff_login
from tests.support.journey import doctor_form, messages_to, walk_doctor

FORM = doctor_form(
    "李明华", "420525198803121236", "13912340777", "logdoctor", "log.doctor@example.com"
)


class Raw(logging.Handler):
    """Every record as the code wrote it, before any formatting or masking."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []

    def emit(self, record):
        self.texts.append(f"{record.getMessage()} {record.__dict__!r}")


@pytest.fixture
def captured():
    root = logging.getLogger()
    stream, raw = io.StringIO(), Raw()
    handler = json_handler(stream)
    old_level = root.level
    root.addHandler(handler)
    root.addHandler(raw)
    root.setLevel(logging.INFO)
    try:
        yield stream, raw
    finally:
        root.removeHandler(handler)
        root.removeHandler(raw)
        root.setLevel(old_level)


def test_a_journey_logs_json_lines_without_personal_data(demo, captured, http_gateway):
    stream, raw = captured
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", FORM, until="confirmed", staff=staff, institution="远安")
    b = Browser(demo.test_client())
    b.page("/hubei/login")
    b.post("/hubei/login", {"username": FORM["username"], "password": "Wrong-pass-1"})
    demo.test_client().get(f"/hubei/verify?no=11420525{FORM['id_number'][:8]}")
    demo.test_client().get(f"/hubei/nothing-here?phone={FORM['phone']}")
    with in_tenant(demo, "hubei"):  # a delivery that fails is logged (a warning) too
        queue("sms", FORM["phone"], sms("verification_code", host="h.cn", code="135790", minutes=5))
        from portal.extensions import db

        db.session.commit()
    http_gateway.fail(503)
    with demo.app_context():
        deliver_pending()

    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    requests = [e for e in entries if e["logger"] == "portal_access"]
    assert len(requests) > 30
    assert all(re.fullmatch(r"[0-9a-f]{32}", e["request_id"]) for e in requests)
    assert len({e["request_id"] for e in requests}) == len(requests)
    doctor_lines = [e for e in requests if e["user_id"] == walked.doctor_id]
    assert doctor_lines and all(e["tenant"] == "hubei" for e in doctor_lines)
    assert any(e["path"] == "/hubei/verify" and e["endpoint"] == "public.verify" for e in requests)
    assert any(e["level"] == "WARNING" and e.get("outbox_id") for e in entries)

    secrets = {
        FORM["id_number"],
        FORM["phone"],
        FORM["email"],
        FORM["password"],
        DEMO_PASSWORD,
        "Wrong-pass-1",
        "135790",
    }
    for body in messages_to(demo, FORM["phone"]) + messages_to(
        demo, FORM["email"]
    ):  # every code sent
        secrets.update(re.findall(r"(?<![0-9A-Z])([0-9]{6}|[A-Z2-9]{8,})(?![0-9A-Z])", body))
    for text in lines + raw.texts:
        for secret in secrets:
            assert secret not in text, (secret, text[:300])


def test_a_response_carries_its_request_id_and_keeps_a_sane_one_from_the_proxy(app):
    client = app.test_client()
    own = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", own)
    assert (
        client.get("/healthz", headers={"X-Request-ID": "proxy-req-12345678"}).headers[
            "X-Request-ID"
        ]
        == "proxy-req-12345678"
    )
    forged = client.get("/healthz", headers={"X-Request-ID": 'x"} {"level":"FAKE"'}).headers[
        "X-Request-ID"
    ]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def test_what_slips_through_is_masked_as_a_last_defence():
    line = redact(
        "user 420525198803121236 phone 13812345678 or +86 13812345678, mail li.ming@example.cn"
    )
    assert line == "user [id-number] phone [phone] or [phone], mail [email]"


def test_a_request_stopped_before_the_hooks_still_has_a_request_id(demo, captured):
    """An unknown tenant's 404 comes from the URL preprocessor, before any before_request hook:
    its answer and its access line carry a request id all the same (one was None)."""
    stream, _raw = captured
    response = demo.test_client().get("/no-such-province/login")
    assert response.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    entries = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    lines = [e for e in entries if e["logger"] == "portal_access"]
    assert [e["request_id"] for e in lines] == [response.headers["X-Request-ID"]]
