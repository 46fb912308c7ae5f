"""Settings classes. `create_app(config_name)` or PORTAL_CONFIG picks one (development by
default, so a newcomer needs no setup; production must say PORTAL_CONFIG=production)."""

from __future__ import annotations

import copy
import functools
import os
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
INSTANCE = HERE.parent / "instance"


@functools.cache
def _rules_file() -> dict:
    with open(HERE / "rules.toml", "rb") as fh:
        return tomllib.load(fh)


def national_rules() -> dict:
    """The national default rules (SPEC R-rules), as plain data: read once per process (every
    request asks for them), a fresh copy each time so no caller can change them for others."""
    return copy.deepcopy(_rules_file())


@functools.cache
def _holidays_file() -> dict:
    with open(HERE / "holidays.toml", "rb") as fh:
        return tomllib.load(fh)


def holiday_schedules() -> dict:
    """China's public holidays and make-up working days by year (L1), as plain data."""
    return copy.deepcopy(_holidays_file())


class Default:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'portal.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    WTF_CSRF_TIME_LIMIT = None  # a doctor on a slow link may keep a form open for hours
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    MAIL_SUPPRESS_SEND = True
    MAIL_DEFAULT_SENDER = "noreply@physician-portal.local"
    SMS_GATEWAY = "dev"  # dev: the outbox page and `flask notify outbox` are the gateway
    #: portal/web.py registers the compression hook itself, so that a form's errors (422) and
    #: other 4xx pages are compressed too (the library compresses only 2xx answers) (P3)
    COMPRESS_REGISTER = False
    COMPRESS_ALGORITHM = ["br", "gzip"]
    #: static files are streamed: brotli when asked, gzip otherwise (the library's default
    #: streams no gzip, leaving a browser without brotli the uncompressed file)
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_MIMETYPES = [
        "text/html", "text/css", "text/plain", "application/javascript",
        "text/javascript", "application/json",
    ]
    COMPRESS_MIN_SIZE = 256
    FORCE_HTTPS = False
    PUBLIC_HOST = os.environ.get("PUBLIC_HOST", "127.0.0.1")  # for the @host #code SMS line
    #: shared store for rate limits (SPEC L8, V1): set REDIS_URL when running several processes,
    #: since the in-memory store counts per process
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # no X-RateLimit-* headers: they would differ between two otherwise identical answers
    # (D6 must not tell whether an account exists); a 429 carries Retry-After (portal/web.py)
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down: limit per process meanwhile rather than answer 500
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: public certificate lookups per client IP (V1, L8), in Flask-Limiter's notation
    VERIFY_RATE_LIMIT = "30 per 10 minutes"
    #: log-in, TOTP, sign-up and password-reset posts per client IP (a shared hospital NAT
    #: must still get through, hence generous)
    CREDENTIAL_RATE_LIMIT = "60 per 10 minutes"


class Development(Default):
    DEBUG = True


class Testing(Default):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    MAIL_SUPPRESS_SEND = True
    RATELIMIT_STORAGE_URI = "memory://"
    CREDENTIAL_RATE_LIMIT = "100000 per minute"  # the suite logs in often; tests lower it


class Production(Default):
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    MAIL_SUPPRESS_SEND = False
    FORCE_HTTPS = True


CONFIGS = {
    "development": Development,
    "testing": Testing,
    "production": Production,
}
