"""Real SMS (issue 12, D3, SEC7): every SMS is a provider template; the Aliyun and Tencent
gateways send it through their SDKs to loopback stand-ins that check the request's signature
as the providers do; the delivery report is pulled and recorded; an officer sees it."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal.extensions import db
from portal.notify.gateways import provider_problems, sms_settings
from portal.notify.models import OutboxMessage
from portal.notify.services import deliver_pending, pull_receipts, queue
from portal.notify.sms import TEMPLATES, fit, sms
from tests.support.db import in_tenant
from tests.support.sms_providers import AliyunSms, TencentSms

PHONE = "13912340000"
TEMPLATE_IDS = {name: f"SMS_{i:04d}" for i, name in enumerate(TEMPLATES, 1)}


@pytest.fixture
def aliyun(demo, monkeypatch):
    with AliyunSms() as stand_in:
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", stand_in.key_id)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", stand_in.secret)
        settings = {
            "provider": "aliyun",
            "signature": "湖北卫健委",
            "endpoint": stand_in.endpoint,
            "templates": TEMPLATE_IDS,
        }
        monkeypatch.setitem(demo.config, "SMS_TENANTS", {"hubei": settings})
        yield stand_in


@pytest.fixture
def tencent(demo, monkeypatch):
    with TencentSms() as stand_in:
        monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", stand_in.secret_id)
        monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", stand_in.secret_key)
        settings = {
            "provider": "tencent",
            "signature": "湖北卫健委",
            "endpoint": stand_in.endpoint,
            "sdk_app_id": "1400000001",
            "templates": {name: str(100000 + i) for i, name in enumerate(TEMPLATES)},
        }
        monkeypatch.setitem(demo.config, "SMS_TENANTS", {"hubei": settings})
        yield stand_in


def _queue(app, text, recipient=PHONE, locale="zh_CN") -> int:
    with in_tenant(app, "hubei"):
        msg = queue("sms", recipient, text, locale=locale)
        db.session.commit()
        return msg.id


def _message(app, msg_id) -> OutboxMessage:
    with in_tenant(app, "hubei"):
        msg = db.session.get(OutboxMessage, msg_id)
        db.session.expunge(msg)
        return msg


def _deliver(app) -> int:
    with app.app_context():
        return deliver_pending()


def _code(code="864208"):
    return sms("verification_code", host="portal.example.cn", code=code, minutes=5)


def test_the_outbox_shows_exactly_what_the_phone_shows(demo, aliyun):
    msg = _message(demo, _queue(demo, _code()))
    assert (
        msg.body
        == "【湖北卫健委】您的验证码为864208，5分钟内有效，请勿泄露给他人。\n\n@portal.example.cn #864208"
    )
    assert (msg.template, msg.params) == ("verification_code", {"code": "864208", "minutes": "5"})
    # Aliyun holds only the Chinese text of this template: an English reader's phone shows it
    english = _message(demo, _queue(demo, _code(), locale="en"))
    assert english.body.startswith("【湖北卫健委】您的验证码为864208")


def test_an_english_template_when_the_tenant_registered_one(demo, aliyun, monkeypatch):
    settings = demo.config["SMS_TENANTS"]["hubei"]
    monkeypatch.setitem(settings, "templates_en", {"verification_code": "SMS_EN_1"})
    msg_id = _queue(demo, _code(), locale="en")
    msg = _message(demo, msg_id)
    assert msg.body.startswith("【湖北卫健委】Your verification code is 864208, valid for 5")
    assert _deliver(demo) == 1
    assert aliyun.sent[0]["template"] == "SMS_EN_1"
    chinese = _queue(demo, _code("246810"), locale="zh_CN")
    assert _deliver(demo) == 1
    assert aliyun.sent[1]["template"] == TEMPLATE_IDS["verification_code"]
    assert "您的验证码为246810" in _message(demo, chinese).body


def test_variables_keep_to_the_providers_rules():
    assert fit("text", "x" * 50) == "x" * 34 + "…" and len(fit("text", "x" * 50)) == 35
    assert "http" not in fit("text", "see http://evil.example.com/a now")
    assert "www." not in fit("text", "go to www.example.cn")
    for bad in ("12", "1234567", "12 34", "12/34"):
        with pytest.raises(ValueError):
            fit("code", bad)
    with pytest.raises(ValueError):
        sms("verification_code", host="h", code="864208")  # a variable missing
    with pytest.raises(ValueError):
        sms("codes_unlocked", extra="x")  # a variable the template has not


def test_every_template_has_its_variables_in_its_text_in_both_languages(app):
    with app.test_request_context():
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                for tpl in TEMPLATES.values():
                    marks = {k: f"<{k}>" for k in tpl.params}
                    text = str(tpl.text) % marks
                    assert all(f"<{k}>" in text for k in tpl.params), tpl.name
                    if locale == "zh_CN":
                        assert str(tpl.text) != tpl.text._args[0], f"{tpl.name} untranslated"


def test_aliyun_sends_the_template_signed_and_records_the_receipt(demo, aliyun):
    msg_id = _queue(demo, _code())
    assert _deliver(demo) == 1
    assert aliyun.refused == []
    [got] = aliyun.sent
    assert got == {
        "to": PHONE,
        "sign": "湖北卫健委",
        "template": TEMPLATE_IDS["verification_code"],
        "params": {"code": "864208", "minutes": "5"},
        "out_id": f"outbox-{msg_id}",
        "biz_id": got["biz_id"],
    }
    msg = _message(demo, msg_id)
    assert (msg.provider, msg.provider_message_id, msg.delivery_status) == (
        "aliyun",
        got["biz_id"],
        "sent",
    )
    with demo.app_context():
        assert pull_receipts() == 0  # no report yet: still "sent"
    aliyun.reports[got["biz_id"]] = ("failed", "MOBILE_NOT_ON_SERVICE")
    with demo.app_context():
        assert pull_receipts() == 1
    msg = _message(demo, msg_id)
    assert (msg.delivery_status, msg.delivery_code) == ("failed", "MOBILE_NOT_ON_SERVICE")


def test_aliyun_refuses_a_wrong_secret_and_the_message_waits(demo, aliyun, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
    msg_id = _queue(demo, _code())
    assert _deliver(demo) == 0
    assert aliyun.sent == [] and aliyun.refused == ["SignatureDoesNotMatch"]
    msg = _message(demo, msg_id)
    assert msg.sent_at is None and msg.delivery_status == "queued"
    assert msg.delivery_code == "SignatureDoesNotMatch"  # the provider's code, for the officer
    assert PHONE not in msg.last_error


def test_tencent_sends_the_variables_in_order_signed_and_records_the_receipt(demo, tencent):
    msg_id = _queue(demo, sms("application_returned", inst="武汉协和医院", reason="照片不清晰"))
    assert _deliver(demo) == 1
    assert tencent.refused == []
    [got] = tencent.sent
    assert (got["to"], got["sign"], got["app"], got["context"]) == (
        "+86" + PHONE,
        "湖北卫健委",
        "1400000001",
        f"outbox-{msg_id}",
    )
    assert got["params"] == ["武汉协和医院", "照片不清晰"]  # {1}, {2}: the template's order
    tencent.reports[got["serial"]] = ("delivered", "DELIVRD")
    with demo.app_context():
        assert pull_receipts() == 1
    msg = _message(demo, msg_id)
    assert (msg.provider, msg.delivery_status, msg.delivery_code) == (
        "tencent",
        "delivered",
        "DELIVRD",
    )


def test_tencent_refuses_a_wrong_secret(demo, tencent, monkeypatch):
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "not-the-secret")
    _queue(demo, _code())
    assert _deliver(demo) == 0
    assert tencent.sent == [] and tencent.refused == ["AuthFailure.SignatureFailure"]


def test_a_tenant_on_a_provider_without_keys_is_a_production_problem(app, monkeypatch):
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", raising=False)
    config = {"SMS_GATEWAY": "http", "SMS_TENANTS": {"hubei": {"provider": "aliyun"}}}
    problems = provider_problems("hubei", sms_settings("hubei", config))
    assert any("ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set" in p for p in problems)
    assert any("signature" in p for p in problems) and any("template ids" in p for p in problems)


def test_the_dev_outbox_page_is_the_phone(demo, monkeypatch):
    monkeypatch.setitem(demo.config, "DEV_OUTBOX", True)
    _queue(demo, _code("135790"))
    page = demo.test_client().get("/hubei/dev/outbox").get_data(as_text=True)
    assert "【湖北省卫健委】您的验证码为135790，5分钟内有效，请勿泄露给他人。" in page
    assert "verification_code" in page


def test_flask_notify_receipts_pulls_the_reports(demo, tencent):
    msg_id = _queue(demo, sms("account_activated"))
    assert _deliver(demo) == 1
    tencent.reports[tencent.sent[0]["serial"]] = ("failed", "MOBILE_NOT_ON_SERVICE")
    result = demo.test_cli_runner().invoke(args=["notify", "receipts"])
    assert result.exit_code == 0 and "1 SMS got a delivery status" in result.output
    assert _message(demo, msg_id).delivery_status == "failed"
