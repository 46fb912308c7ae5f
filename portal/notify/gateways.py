"""SMS gateways (SPEC "Interfaces"): the development gateway (the outbox page is the phone)
and the HTTP adapter production uses, configured by URL, credentials and template.

A gateway's ``send(recipient, body, key)`` returns when the provider accepted the message
and raises DeliveryError otherwise (the worker retries with backoff, SEC7). ``key`` is the
outbox message's id: sent again after a worker died between the provider's answer and the
commit, it lets the provider drop the duplicate."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

from flask import current_app


class DeliveryError(Exception):
    pass


class DevSmsGateway:
    """Development: the outbox page and `flask notify outbox` are the phone."""

    def send(self, recipient: str, body: str, key: str) -> None:
        return None


class HttpSmsGateway:
    """POSTs one JSON message per SMS to the provider's endpoint:

    ``{"to": "+8613800000000", "template": "SMS_123", "params": {"content": "…"},
    "idempotency_key": "outbox-42"}`` with HTTP basic credentials and an
    ``Idempotency-Key`` header. Any 2xx is accepted; anything else, a timeout or a refused
    connection is a DeliveryError naming only the status (a provider's answer may repeat
    the phone number, which must not reach a log)."""

    def __init__(
        self,
        url: str,
        user: str = "",
        password: str = "",
        template: str = "",
        timeout: float = 10.0,
    ):
        if not url:
            raise DeliveryError("SMS_GATEWAY_URL is not set")
        self.url, self.template, self.timeout = url, template, timeout
        self.auth = (
            "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if user or password
            else ""
        )

    @classmethod
    def from_config(cls, config) -> HttpSmsGateway:
        return cls(
            config.get("SMS_GATEWAY_URL", ""),
            config.get("SMS_GATEWAY_USER", ""),
            config.get("SMS_GATEWAY_PASSWORD", ""),
            config.get("SMS_GATEWAY_TEMPLATE", ""),
            float(config.get("SMS_GATEWAY_TIMEOUT", 10.0)),
        )

    def send(self, recipient: str, body: str, key: str) -> None:
        payload = json.dumps(
            {
                "to": recipient,
                "template": self.template,
                "params": {"content": body},
                "idempotency_key": key,
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key}
        if self.auth:
            headers["Authorization"] = self.auth
        req = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            raise DeliveryError(f"gateway answered HTTP {exc.code}") from None
        except TimeoutError:
            raise DeliveryError(f"gateway did not answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"gateway unreachable: {type(reason).__name__}") from None


def sms_gateway():
    name = current_app.config.get("SMS_GATEWAY", "dev")
    if name == "dev":
        return DevSmsGateway()
    if name == "http":
        return HttpSmsGateway.from_config(current_app.config)
    raise DeliveryError(f"unknown SMS gateway {name!r}")
