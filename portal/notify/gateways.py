"""SMS gateways (SPEC "Interfaces", issue 12 "Real SMS"): the development gateway (the
outbox page is the phone), the generic HTTP adapter, and Alibaba Cloud SMS and Tencent Cloud
SMS through their SDKs, chosen and configured per tenant (``SMS_PROVIDERS_FILE``, docs/
operations.md "SMS providers"); the providers' keys come from the environment only.

A gateway's ``send(msg, key)`` sends the outbox message's template (``msg.template``) with its
variables (``msg.params``) and returns the provider's message id when the provider accepted it;
it raises DeliveryError otherwise (the worker retries with backoff, SEC7). ``key`` is the
outbox message's id: sent again after a worker died between the provider's answer and the
commit, it lets the provider drop the duplicate. ``receipts(messages)`` asks the provider
what became of messages it accepted: ``(message, status, code, when)`` for each it knows,
status "delivered" or "failed" (``flask notify receipts``)."""

from __future__ import annotations

import base64
import json
import os
import tomllib
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from alibabacloud_dysmsapi20170525 import models as aliyun
from alibabacloud_dysmsapi20170525.client import Client as AliyunClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util.models import RuntimeOptions
from flask import current_app
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as tencent
from tencentcloud.sms.v20210111 import sms_client

from portal.notify.sms_templates import TEMPLATES

#: the providers a tenant may use (``provider`` in its settings)
PROVIDERS = ("dev", "http", "aliyun", "tencent")
#: the environment variables holding each provider's keys, unless the tenant's settings name others
KEY_VARIABLES = {
    "aliyun": {
        "access_key_id_env": "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "access_key_secret_env": "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    },
    "tencent": {
        "secret_id_env": "TENCENTCLOUD_SECRET_ID",
        "secret_key_env": "TENCENTCLOUD_SECRET_KEY",
    },
}
BEIJING = timedelta(hours=8)


class DeliveryError(Exception):
    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


def load_providers(path: str) -> dict:
    """The per-tenant SMS settings (a TOML file: one table per tenant slug, and ``default``)."""
    if not path:
        return {}
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def sms_settings(slug: str, config=None) -> dict:
    """A tenant's SMS settings: its table over ``default`` over the global SMS_GATEWAY."""
    config = current_app.config if config is None else config
    tenants = config.get("SMS_TENANTS") or {}
    merged = {"provider": config.get("SMS_GATEWAY", "dev")}
    for part in (tenants.get("default") or {}, tenants.get(slug) or {}):
        templates = {**merged.get("templates", {}), **part.get("templates", {})}
        merged.update(part)
        merged["templates"] = templates
    merged.setdefault("templates", {})
    return merged


def provider_problems(slug: str, settings: dict, environ=None) -> list[str]:
    """What keeps ``settings`` from sending (production settings, portal/ops/settings.py)."""
    environ = os.environ if environ is None else environ
    provider = settings.get("provider")
    if provider not in PROVIDERS:
        return [f"SMS provider of tenant {slug!r} is {provider!r}: one of {', '.join(PROVIDERS)}"]
    problems = []
    for setting, default in KEY_VARIABLES.get(provider, {}).items():
        variable = settings.get(setting) or default
        if not environ.get(variable):
            problems.append(
                f"{variable} is not set: tenant {slug!r} sends SMS through {provider}, whose keys "
                "come from the environment (docs/operations.md, SMS providers)"
            )
    if provider in ("aliyun", "tencent"):
        if not settings.get("signature"):
            problems.append(f"SMS signature of tenant {slug!r} is not set (its approved 短信签名)")
        missing = sorted(set(TEMPLATES) - set(settings.get("templates", {})))
        if missing:
            problems.append(
                f"SMS template ids of tenant {slug!r} are missing for: {', '.join(missing)}"
            )
        if provider == "tencent" and not settings.get("sdk_app_id"):
            problems.append(f"sdk_app_id of tenant {slug!r} is not set (Tencent SMS application)")
    return problems


def _template_id(settings: dict, name: str, locale: str = "") -> str:
    """The provider's id of template ``name``: its English one (``templates_en``) for an SMS
    written in English, when the tenant registered one."""
    english = settings.get("templates_en") or {}
    if locale and not locale.startswith("zh") and english.get(name):
        return english[name]
    template_id = settings.get("templates", {}).get(name)
    if not template_id:
        raise DeliveryError(f"no provider template id for SMS {name!r}", "NoTemplate")
    return template_id


class DevSmsGateway:
    """Development: the outbox page and `flask notify outbox` are the phone."""

    name = "dev"

    def send(self, msg, key: str) -> str:
        return ""

    def receipts(self, messages) -> list:
        return []


class HttpSmsGateway:
    """POSTs one JSON message per SMS to the provider's endpoint:

    ``{"to": "+8613800000000", "template": "SMS_123", "params": {"code": "864208", "minutes":
    "5"}, "idempotency_key": "outbox-42"}`` (the template id the tenant configured for the
    template's name, else the name) with HTTP basic credentials and an
    ``Idempotency-Key`` header. Any 2xx is accepted; anything else, a timeout or a refused
    connection is a DeliveryError naming only the status (a provider's answer may repeat
    the phone number, which must not reach a log)."""

    def __init__(
        self,
        url: str,
        user: str = "",
        password: str = "",
        timeout: float = 10.0,
        templates: dict | None = None,
    ):
        if not url:
            raise DeliveryError("SMS_GATEWAY_URL is not set")
        self.url, self.timeout = url, timeout
        self.templates = templates or {}
        self.auth = (
            "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if user or password
            else ""
        )

    name = "http"

    @classmethod
    def from_config(cls, config, settings: dict | None = None) -> HttpSmsGateway:
        settings = settings or {}
        return cls(
            settings.get("url") or config.get("SMS_GATEWAY_URL", ""),
            config.get("SMS_GATEWAY_USER", ""),
            config.get("SMS_GATEWAY_PASSWORD", ""),
            float(config.get("SMS_GATEWAY_TIMEOUT", 10.0)),
            settings.get("templates"),
        )

    def receipts(self, messages) -> list:
        return []

    def send(self, msg, key: str) -> str:
        payload = json.dumps(
            {
                "to": msg.recipient,
                "template": self.templates.get(msg.template) or msg.template,
                "params": msg.params or {},
                "locale": msg.locale or "",
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
                answer = response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            raise DeliveryError(f"gateway answered HTTP {exc.code}") from None
        except TimeoutError:
            raise DeliveryError(f"gateway did not answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"gateway unreachable: {type(reason).__name__}") from None
        try:
            return str(json.loads(answer or b"{}").get("id", ""))[:80]
        except (ValueError, AttributeError):
            return ""


def sms_gateway(slug: str = ""):
    """The gateway of tenant ``slug`` (its settings, else SMS_GATEWAY)."""
    settings = sms_settings(slug)
    name = settings.get("provider", "dev")
    if name == "dev":
        return DevSmsGateway()
    if name == "http":
        return HttpSmsGateway.from_config(current_app.config, settings)
    if name == "aliyun":
        return AliyunSmsGateway(settings)
    if name == "tencent":
        return TencentSmsGateway(settings)
    raise DeliveryError(f"unknown SMS gateway {name!r}")


def _keys(settings: dict, provider: str) -> list[str]:
    values = []
    for setting, default in KEY_VARIABLES[provider].items():
        value = os.environ.get(settings.get(setting) or default, "")
        if not value:
            raise DeliveryError(f"{provider} SMS keys are not in the environment", "NoKeys")
        values.append(value)
    return values


def _endpoint(settings: dict, default: str) -> tuple[str, str]:
    """(host[:port], "https" or "http") from ``endpoint``, e.g. ``http://127.0.0.1:8000``."""
    endpoint = settings.get("endpoint") or default
    scheme, _, host = endpoint.rpartition("://")
    return host, (scheme or "https")


def _beijing(moment: datetime | None) -> datetime:
    return (moment or datetime.utcnow()) + BEIJING  # noqa: DTZ003 (naive UTC, as stored)


class AliyunSmsGateway:
    """Alibaba Cloud SMS (dysmsapi 2017-05-25) through its SDK: SendSms with the tenant's
    signature and template code, the variables as TemplateParam (JSON), the outbox key as OutId;
    QuerySendDetails for the receipt. The SDK signs each request (ACS3-HMAC-SHA256)."""

    name = "aliyun"

    def __init__(self, settings: dict):

        key_id, secret = _keys(settings, "aliyun")
        host, protocol = _endpoint(settings, "dysmsapi.aliyuncs.com")
        timeout_ms = int(float(current_app.config.get("SMS_GATEWAY_TIMEOUT", 10.0)) * 1000)
        self.settings = settings
        self.client = AliyunClient(
            open_api_models.Config(
                access_key_id=key_id,
                access_key_secret=secret,
                endpoint=host,
                protocol=protocol,
                read_timeout=timeout_ms,
                connect_timeout=timeout_ms,
            )
        )

    def _call(self, method, request):
        try:
            return method(request, RuntimeOptions(autoretry=False, max_attempts=0)).body
        except Exception as exc:  # the SDK's errors may repeat the phone number: name only
            code = str(getattr(exc, "code", "") or type(exc).__name__)[:80]
            raise DeliveryError(f"aliyun: {code}", code) from None

    def send(self, msg, key: str) -> str:

        body = self._call(
            self.client.send_sms_with_options,
            aliyun.SendSmsRequest(
                phone_numbers=msg.recipient,
                sign_name=self.settings["signature"],
                template_code=_template_id(self.settings, msg.template, msg.locale),
                template_param=json.dumps(msg.params or {}, ensure_ascii=False),
                out_id=key,
            ),
        )
        if body.code != "OK":
            raise DeliveryError(f"aliyun refused: {body.code}", str(body.code)[:80])
        return body.biz_id or ""

    def receipts(self, messages) -> list:

        found = []
        for msg in messages:
            body = self._call(
                self.client.query_send_details_with_options,
                aliyun.QuerySendDetailsRequest(
                    phone_number=msg.recipient,
                    biz_id=msg.provider_message_id,
                    send_date=_beijing(msg.delivery_at or msg.created_at).strftime("%Y%m%d"),
                    page_size=10,
                    current_page=1,
                ),
            )
            details = body.sms_send_detail_dtos
            for d in (details.sms_send_detail_dto if details else None) or []:
                # SendStatus: 1 waiting for the receipt, 2 failed, 3 delivered
                if d.send_status in (2, 3):
                    status = "delivered" if d.send_status == 3 else "failed"
                    found.append((msg, status, d.err_code or "", d.receive_date or ""))
                    break
        return found


class TencentSmsGateway:
    """Tencent Cloud SMS (sms 2021-01-11) through its SDK: SendSms with the tenant's SDK app id,
    signature and template id, the variables in the template's order (``{1}``, ``{2}`` …), the
    outbox key as SessionContext; PullSmsSendStatus for the receipts. The SDK signs each request
    (TC3-HMAC-SHA256)."""

    name = "tencent"

    def __init__(self, settings: dict):

        secret_id, secret_key = _keys(settings, "tencent")
        host, protocol = _endpoint(settings, "sms.tencentcloudapi.com")
        http = HttpProfile(
            protocol=protocol,
            endpoint=host,
            reqTimeout=int(float(current_app.config.get("SMS_GATEWAY_TIMEOUT", 10.0))),
        )
        profile = ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http)
        self.settings = settings
        self.client = sms_client.SmsClient(
            credential.Credential(secret_id, secret_key),
            settings.get("region", "ap-guangzhou"),
            profile,
        )

    def _call(self, method, request):
        try:
            return method(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "error")[:80]
            raise DeliveryError(f"tencent: {code}", code) from None
        except Exception as exc:
            raise DeliveryError(f"tencent: {type(exc).__name__}", type(exc).__name__) from None

    def send(self, msg, key: str) -> str:

        order = list(TEMPLATES[msg.template].params) if msg.template in TEMPLATES else []
        params = msg.params or {}
        request = tencent.SendSmsRequest()
        request.PhoneNumberSet = [
            msg.recipient if msg.recipient.startswith("+") else "+86" + msg.recipient
        ]
        request.SmsSdkAppId = str(self.settings.get("sdk_app_id", ""))
        request.SignName = self.settings["signature"]
        request.TemplateId = str(_template_id(self.settings, msg.template, msg.locale))
        request.TemplateParamSet = [str(params[k]) for k in order]
        request.SessionContext = key
        answer = self._call(self.client.SendSms, request)
        status = (answer.SendStatusSet or [None])[0]
        if status is None or status.Code != "Ok":
            code = str(status.Code if status else "NoStatus")[:80]
            raise DeliveryError(f"tencent refused: {code}", code)
        return status.SerialNo or ""

    def receipts(self, messages) -> list:

        by_serial = {m.provider_message_id: m for m in messages if m.provider_message_id}
        request = tencent.PullSmsSendStatusRequest()
        request.Limit = 100
        request.SmsSdkAppId = str(self.settings.get("sdk_app_id", ""))
        answer = self._call(self.client.PullSmsSendStatus, request)
        found = []
        for item in answer.PullSmsSendStatusSet or []:
            msg = by_serial.get(item.SerialNo)
            if msg is not None:
                status = "delivered" if item.ReportStatus == "SUCCESS" else "failed"
                found.append((msg, status, item.Description or "", item.UserReceiveTime or ""))
        return found
