"""Production takes its settings from the environment and refuses to start without a real
SECRET_KEY, with DEBUG on, without the database, Redis and SMS gateway it needs, or without
a key for the TOTP secrets (SEC3), naming each setting to fix. Behind trusted proxies the
client's own address counts (ProxyFix)."""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from config import DEV_ID_ENCRYPTION_KEY, DEV_ID_INDEX_KEY, DEV_TOTP_ENCRYPTION_KEY
from portal import create_app
from portal.extensions import db
from portal.ops.settings import SettingsError
from tests.support.cluster import ROOT, base_env
from tests.support.http import Browser, staff_login

GOOD = {
    "SECRET_KEY": secrets.token_hex(32),
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://portal@db.internal/portal",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "SMS_GATEWAY": "http",
    "SMS_GATEWAY_URL": "https://sms.example.cn/send",
    "TOTP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ID_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ID_INDEX_KEY": secrets.token_hex(32),
    "LOG_JSON": False,  # the test process keeps its own logging
    "PUBLIC_HOST": "portal.example.gov.cn",
    "CERT_SIGNING_KEYS": "/etc/portal/signing-keys",  # V2
}


def test_production_without_settings_refuses_to_start_and_names_them():
    env = base_env(PORTAL_CONFIG="production")
    done = subprocess.run(
        [sys.executable, "-c", "from portal import create_app; create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    for setting in (
        "SECRET_KEY is not set",
        "DATABASE_URL is not set",
        "REDIS_URL is not set",
        "SMS_GATEWAY_URL is not set",
        "TOTP_ENCRYPTION_KEYS is not set",
        "ID_ENCRYPTION_KEYS is not set",  # issue 14: the resident ID numbers at rest
        "ID_INDEX_KEY is not set",
        "PUBLIC_HOST is not set",  # issue 14: production answers only its own host names
        "CERT_SIGNING_KEYS is not set",  # V2: the provinces' e-certificate signing keys
    ):
        assert setting in done.stderr


def test_production_starts_with_every_setting_from_the_environment():
    new_key = Fernet.generate_key().decode()  # in front of the old one, as while rotating it
    env = base_env(
        PORTAL_CONFIG="production",
        SECRET_KEY=GOOD["SECRET_KEY"],
        DATABASE_URL=GOOD["SQLALCHEMY_DATABASE_URI"],
        PUBLIC_HOST=GOOD["PUBLIC_HOST"],
        REDIS_URL="redis://127.0.0.1:6379/0",
        SMS_GATEWAY_URL=GOOD["SMS_GATEWAY_URL"],
        SMS_GATEWAY_USER="portal",
        MAIL_SERVER="smtp.example.cn",
        MAIL_PORT="587",
        MAIL_USE_TLS="1",
        TRUSTED_PROXIES="1",
        LOG_JSON="0",
        TOTP_ENCRYPTION_KEYS=f"{new_key} , {GOOD['TOTP_ENCRYPTION_KEYS']}",
        ID_ENCRYPTION_KEYS=GOOD["ID_ENCRYPTION_KEYS"],
        ID_INDEX_KEY=GOOD["ID_INDEX_KEY"],
        CERT_SIGNING_KEYS=GOOD["CERT_SIGNING_KEYS"],
    )
    code = (
        "from portal import create_app; a = create_app(); c = a.config; "
        "print(c['SQLALCHEMY_DATABASE_URI'], c['RATELIMIT_STORAGE_URI'], c['SMS_GATEWAY'], c['MAIL_SERVER'], "
        "c['MAIL_PORT'], c['MAIL_USE_TLS'], c['TRUSTED_PROXIES'], c['DEBUG'], c['SESSION_COOKIE_SECURE'], "
        "len(c['TOTP_ENCRYPTION_KEYS']), c['TOTP_ENCRYPTION_KEYS'][0] == sys.argv[1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", "import sys; " + code, new_key],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        GOOD["SQLALCHEMY_DATABASE_URI"],
        "redis://127.0.0.1:6379/0",
        "http",
        "smtp.example.cn",
        "587",
        "True",
        "1",
        "False",
        "True",
        "2",
        "True",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": "dev-only-not-secret"}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too short"),
        ({"DEBUG": True}, "DEBUG is on"),
        (
            {"SQLALCHEMY_DATABASE_URI": "sqlite:///portal.sqlite3"},
            "DATABASE_URL is not set or is SQLite",
        ),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "REDIS_URL is not set"),
        ({"SMS_GATEWAY": "dev"}, "SMS_GATEWAY is 'dev'"),
        ({"SMS_GATEWAY_URL": ""}, "SMS_GATEWAY_URL is not set"),
        ({"DEV_OUTBOX": True}, "DEV_OUTBOX is on"),
        ({"CERT_SIGNING_KEYS": ""}, "CERT_SIGNING_KEYS is not set"),  # V2
        ({"TOTP_ENCRYPTION_KEYS": ""}, "TOTP_ENCRYPTION_KEYS is not set"),
        ({"TOTP_ENCRYPTION_KEYS": []}, "TOTP_ENCRYPTION_KEYS is not set"),
        (
            {"TOTP_ENCRYPTION_KEYS": "not-a-key"},
            "TOTP_ENCRYPTION_KEYS: the key is not a Fernet key",
        ),
        (
            {"TOTP_ENCRYPTION_KEYS": f"{GOOD['TOTP_ENCRYPTION_KEYS']},{'A' * 20}"},
            "TOTP_ENCRYPTION_KEYS: key 2 of 2 is not a Fernet key",
        ),
        (
            {"TOTP_ENCRYPTION_KEYS": [DEV_TOTP_ENCRYPTION_KEY]},
            "TOTP_ENCRYPTION_KEYS holds the development key",
        ),
        # issue 14: the keys of the resident ID numbers at rest (portal/pii.py)
        ({"ID_ENCRYPTION_KEYS": ""}, "ID_ENCRYPTION_KEYS is not set"),
        ({"ID_ENCRYPTION_KEYS": "not-a-key"}, "ID_ENCRYPTION_KEYS: the key is not a Fernet key"),
        (
            {"ID_ENCRYPTION_KEYS": [DEV_ID_ENCRYPTION_KEY]},
            "ID_ENCRYPTION_KEYS holds the development key",
        ),
        ({"ID_INDEX_KEY": ""}, "ID_INDEX_KEY is not set"),
        ({"ID_INDEX_KEY": "short"}, "ID_INDEX_KEY is too short"),
        ({"ID_INDEX_KEY": DEV_ID_INDEX_KEY}, "ID_INDEX_KEY is the development key"),
    ],
)
def test_each_unsafe_setting_is_named(change, message):
    with pytest.raises(SettingsError) as refused:
        create_app("production", {**GOOD, **change})
    assert message in str(refused.value)
    assert str(refused.value).count("\n  - ") == 1  # only that one


def test_a_tenant_on_aliyun_without_keys_in_the_environment_refuses_to_start(tmp_path, monkeypatch):
    """Issue 12: a tenant configured for Aliyun or Tencent SMS needs its keys in the
    environment (never in the database or the settings file); without them production refuses
    to start and names the variables. With them (and the signature and template ids) it starts."""
    from portal.notify.sms import TEMPLATES

    for name in (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "HB_TENCENT_ID",
        "HB_TENCENT_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    ids = "\n".join(f'{name} = "SMS_{i}"' for i, name in enumerate(TEMPLATES))
    providers = tmp_path / "sms.toml"
    providers.write_text(
        f'[hubei]\nprovider = "aliyun"\nsignature = "湖北卫健委"\n[hubei.templates]\n{ids}\n'
        f'[guangdong]\nprovider = "tencent"\nsignature = "广东卫健委"\nsdk_app_id = "1400000001"\n'
        f'secret_id_env = "HB_TENCENT_ID"\nsecret_key_env = "HB_TENCENT_KEY"\n'
        f"[guangdong.templates]\n{ids}\n",
        encoding="utf-8",
    )
    settings = {**GOOD, "SMS_PROVIDERS_FILE": str(providers)}
    with pytest.raises(SettingsError) as refused:
        create_app("production", settings)
    for variable in (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "HB_TENCENT_ID",
        "HB_TENCENT_KEY",
    ):
        assert f"{variable} is not set" in str(refused.value)
    assert str(refused.value).count("\n  - ") == 4
    for variable in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "HB_TENCENT_ID"):
        monkeypatch.setenv(variable, "id")
    for variable in ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "HB_TENCENT_KEY"):
        monkeypatch.setenv(variable, "secret")
    assert create_app("production", settings).config["SMS_TENANTS"]["hubei"]["provider"] == "aliyun"


def test_a_bad_totp_key_is_named_but_never_shown():
    """SEC3: the message says which key is wrong by its position; the key itself stays out of
    the message (it ends in logs and deployment tools' output)."""
    bad = "x" * 40
    with pytest.raises(SettingsError) as refused:
        create_app(
            "production", {**GOOD, "TOTP_ENCRYPTION_KEYS": f"{GOOD['TOTP_ENCRYPTION_KEYS']},{bad}"}
        )
    assert "key 2 of 2" in str(refused.value)
    assert bad not in str(refused.value) and GOOD["TOTP_ENCRYPTION_KEYS"] not in str(refused.value)


def test_a_malformed_totp_key_stops_development_too():
    with pytest.raises(RuntimeError, match="TOTP_ENCRYPTION_KEYS: the key is not a Fernet key"):
        create_app(
            "testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "TOTP_ENCRYPTION_KEYS": "short"}
        )


def test_debug_from_the_environment_is_refused_too(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(SettingsError, match="DEBUG is on"):
        create_app("production", GOOD)


@pytest.fixture
def behind_proxy(app):
    """The suite's database, served as by an app behind one trusted proxy."""
    proxied = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TRUSTED_PROXIES": 1,
            "CREDENTIAL_RATE_LIMIT": "2 per minute",
        },
    )
    yield proxied
    with proxied.app_context():
        db.engine.dispose()


def _login_tries(app, forwarded_for: str, n: int) -> list[int]:
    b = Browser(app.test_client())
    b.client.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    b.page("/hubei/login")
    return [
        b.post("/hubei/login", {"username": "hb-officer", "password": f"guess-{i}x"}).status_code
        for i in range(n)
    ]


def test_behind_the_proxy_the_limit_counts_each_real_client(demo, behind_proxy):
    """Every request comes from the proxy (127.0.0.1); the limit keys on X-Forwarded-For."""
    assert _login_tries(behind_proxy, "198.51.100.10", 3) == [422, 422, 429]
    assert _login_tries(behind_proxy, "198.51.100.11", 1) == [422]


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_limit(demo, monkeypatch):
    monkeypatch.setitem(demo.config, "CREDENTIAL_RATE_LIMIT", "2 per minute")
    assert demo.config["TRUSTED_PROXIES"] == 0
    assert _login_tries(demo, "198.51.100.20", 2) == [422, 422]
    assert _login_tries(demo, "198.51.100.21", 1) == [429]


def test_rotating_the_secret_key_keeps_sessions_signed_with_the_old_one(demo):
    """docs/operations.md: the new SECRET_KEY with the old one in SECRET_KEY_FALLBACKS."""

    url = demo.config["SQLALCHEMY_DATABASE_URI"]
    staff = staff_login(demo, "hb-county-staff")
    cookie = staff.client.get_cookie("session")
    assert staff.client.get("/hubei/institution/activations").status_code == 200

    def after_rotation(fallbacks: list[str]) -> int:
        rotated = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": secrets.token_hex(32),
                "SECRET_KEY_FALLBACKS": fallbacks,
            },
        )
        client = rotated.test_client()
        client.set_cookie("session", cookie.value)
        try:
            return client.get("/hubei/institution/activations").status_code
        finally:
            with rotated.app_context():
                db.engine.dispose()

    assert after_rotation([demo.config["SECRET_KEY"]]) == 200
    assert after_rotation([]) == 303  # without the fallback: logged out, sent to log in
