from __future__ import annotations

import pytest

from tests.support.sms_server import SmsServer


@pytest.fixture
def sms_server():
    with SmsServer() as server:
        yield server


@pytest.fixture
def http_gateway(app, sms_server, monkeypatch):
    """The session app sends SMS through the HTTP adapter to the loopback server."""
    for key, value in {
        "SMS_GATEWAY": "http",
        "SMS_GATEWAY_URL": sms_server.url,
        "SMS_GATEWAY_USER": "portal",
        "SMS_GATEWAY_PASSWORD": "gateway-secret",
        "SMS_GATEWAY_TEMPLATE": "SMS_0001",
        "SMS_GATEWAY_TIMEOUT": 2.0,
        "SMS_TENANTS": {"hubei": {"templates": {"verification_code": "SMS_0001"}}},
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return sms_server
