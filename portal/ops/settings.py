"""Production refuses to start on settings that would make it unsafe or silently broken, and
says which environment variable to set (README "Production")."""

from __future__ import annotations

from flask import Flask
from flask.helpers import get_debug_flag

from config import DEV_ID_ENCRYPTION_KEY, DEV_ID_INDEX_KEY, DEV_SECRET_KEY, DEV_TOTP_ENCRYPTION_KEY
from portal import pii
from portal.accounts.totp_keys import GENERATE, key_problems, parse_keys
from portal.notify.gateways import provider_problems, sms_settings

#: shorter than this, a SECRET_KEY is not a real one (it signs sessions and keys the code hashes)
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """The app cannot start in production; the message lists every setting to fix."""


def production_problems(config: dict) -> list[str]:
    """What is wrong with ``config`` for production, one line per setting (empty when fine)."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if not secret or secret == DEV_SECRET_KEY:
        problems.append(
            "SECRET_KEY is not set: generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    elif len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is too short: at least {MIN_SECRET_LENGTH} random characters")
    problems += _totp_key_problems(config)
    problems += _id_key_problems(config)
    if config.get("DEBUG") or get_debug_flag():
        problems.append("DEBUG is on (FLASK_DEBUG): unset it; the debugger runs code for anyone")
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append(
            "DATABASE_URL is not set or is SQLite: production runs on PostgreSQL "
            "(e.g. postgresql+psycopg://portal@db.internal/portal)"
        )
    if config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory"):
        problems.append(
            "REDIS_URL is not set: rate limits must be shared by every process "
            "(e.g. redis://127.0.0.1:6379/0)"
        )
    host = str(config.get("PUBLIC_HOST") or "").split(":", 1)[0].lower()
    if host in ("", "127.0.0.1", "localhost"):
        problems.append(
            "PUBLIC_HOST is not set: the host name the portal is served on (e.g. "
            "portal.example.gov.cn); production answers no other host but TENANT_HOSTS'"
        )
    problems += _sms_problems(config)
    if not str(config.get("CERT_SIGNING_KEYS") or "").strip():
        problems.append(
            "CERT_SIGNING_KEYS is not set: the directory of the provinces' e-certificate "
            "signing keys (V2); make each tenant's with `flask certificates rotate-key --tenant X`"
        )
    if config.get("DEV_OUTBOX"):
        problems.append("DEV_OUTBOX is on: the development outbox page would show every code")
    return problems


def _sms_problems(config: dict) -> list[str]:
    """Every tenant's SMS provider (issue 12): the HTTP gateway needs its URL; Aliyun and
    Tencent their keys in the environment, a signature and every template's id."""
    problems = []
    gateway = config.get("SMS_GATEWAY")
    if gateway == "http":
        if not config.get("SMS_GATEWAY_URL"):
            problems.append("SMS_GATEWAY_URL is not set (the SMS provider's HTTP endpoint)")
    elif gateway not in ("aliyun", "tencent"):
        problems.append(
            f"SMS_GATEWAY is {gateway!r}: production sends SMS through a provider "
            "(SMS_GATEWAY=http and SMS_GATEWAY_URL, or aliyun / tencent per tenant in "
            "SMS_PROVIDERS_FILE)"
        )
    if gateway in ("aliyun", "tencent"):  # the tenants without a table of their own
        problems += provider_problems("default", sms_settings("default", config))
    for slug in sorted(set(config.get("SMS_TENANTS") or {}) - {"default"}):
        settings = sms_settings(slug, config)
        if settings.get("provider") == "dev":
            problems.append(f"SMS provider of tenant {slug!r} is 'dev': no SMS would go out")
        elif settings.get("provider") == "http" and not (
            settings.get("url") or config.get("SMS_GATEWAY_URL")
        ):
            problems.append(f"SMS_GATEWAY_URL is not set for tenant {slug!r} (provider http)")
        else:
            problems += provider_problems(slug, settings)
    return problems


def _totp_key_problems(config: dict) -> list[str]:
    """TOTP_ENCRYPTION_KEYS (SEC3): at least one key, each a Fernet key, none the public
    development key."""
    keys = parse_keys(config.get("TOTP_ENCRYPTION_KEYS"))
    if not keys:
        return [
            f"TOTP_ENCRYPTION_KEYS is not set: the staff's TOTP secrets are encrypted with it; generate a key "
            f"with `{GENERATE}`"
        ]
    if DEV_TOTP_ENCRYPTION_KEY in keys:
        return [
            "TOTP_ENCRYPTION_KEYS holds the development key, which is public: generate a key of your own "
            "(docs/operations.md, rotating secrets)"
        ]
    return key_problems(keys)


def _id_key_problems(config: dict) -> list[str]:
    """ID_ENCRYPTION_KEYS and ID_INDEX_KEY (issue 14, portal/pii.py): both set, well formed,
    neither the public development key. The keys are never shown."""
    problems = []
    keys = pii.parse_keys(config.get(pii.KEYS))
    if not keys:
        problems.append(
            f"{pii.KEYS} is not set: the resident ID numbers are encrypted with it; generate a "
            f"key with `{pii.GENERATE_FERNET}`"
        )
    elif DEV_ID_ENCRYPTION_KEY in keys:
        problems.append(
            f"{pii.KEYS} holds the development key, which is public: generate a key of your own"
        )
    index_key = str(config.get(pii.INDEX_KEY) or "")
    if not index_key:
        problems.append(
            f"{pii.INDEX_KEY} is not set: the ID numbers are looked up by an index keyed with it; "
            f"generate one with `{pii.GENERATE_INDEX}`"
        )
    elif index_key == DEV_ID_INDEX_KEY:
        problems.append(
            f"{pii.INDEX_KEY} is the development key, which is public: generate a key of your own"
        )
    return problems + pii.key_problems(config)


def check(app: Flask) -> None:
    """Raise SettingsError when the production app is misconfigured. Only a test, passing
    ``REFUSE_UNSAFE_SETTINGS=False`` to create_app, builds a production app on other settings
    (to compare headers or bytes); the environment cannot switch the check off."""
    if (
        app.config.get("CONFIG_NAME") != "production"
        or app.config.get("REFUSE_UNSAFE_SETTINGS") is False
    ):
        return
    problems = production_problems(app.config)
    if problems:
        raise SettingsError("refusing to start in production:\n  - " + "\n  - ".join(problems))
