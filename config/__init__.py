"""Settings classes. `create_app(config_name)` or PORTAL_CONFIG picks one (development by
default, so a newcomer needs no setup; production must say PORTAL_CONFIG=production)."""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
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
    """The override of the holiday library (L1): years of China's public holidays and make-up
    working days, and `provinces.<slug>.<year>` for one province (portal/tenants/holidays.py)."""
    return copy.deepcopy(_holidays_file())


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return value in ("1", "true", "yes", "on") if value else default


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


#: the development key: production refuses to start with it (portal/ops/settings.py)
DEV_SECRET_KEY = "dev-only-not-secret"

#: the development key for TOTP secrets (SEC3): derived from nothing secret, the same on every
#: checkout, so `make run`, the demo accounts and the test suite's subprocesses agree on it;
#: production refuses to start with it (portal/ops/settings.py)
DEV_TOTP_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"dev-only-not-secret:totp").digest()
).decode()

#: the development keys for ID numbers at rest (issue 14, portal/pii.py): public, like the one
#: above; migration 0027 has the same defaults; production refuses to start with them
DEV_ID_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"dev-only-not-secret:id-number").digest()
).decode()
DEV_ID_INDEX_KEY = hashlib.sha256(b"dev-only-not-secret:id-index").hexdigest()


class Default:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    #: while rotating SECRET_KEY: the old key(s), comma-separated; sessions they signed stay
    #: valid (docs/operations.md)
    SECRET_KEY_FALLBACKS = [k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k]
    #: Fernet keys for the TOTP secrets at rest (portal/accounts/totp_keys.py), comma-separated:
    #: the first encrypts, every one decrypts (rotation: docs/operations.md). None in production
    #: unless set: the app refuses to start without one
    TOTP_ENCRYPTION_KEYS = _env_list("TOTP_ENCRYPTION_KEYS")
    #: resident ID numbers at rest (issue 14, portal/pii.py): Fernet keys (the first encrypts,
    #: every one decrypts) and the key of the blind index the lookups use. None in production
    #: unless set: the app refuses to start without them
    ID_ENCRYPTION_KEYS = _env_list("ID_ENCRYPTION_KEYS")
    ID_INDEX_KEY = os.environ.get("ID_INDEX_KEY", "")
    #: the provinces' e-certificate signing keys (V2, portal/workflow/signing_keys.py): a
    #: directory with one folder of Ed25519 PEM files per tenant, outside the database.
    #: Production refuses to start without it; development makes keys in instance/signing-keys
    CERT_SIGNING_KEYS = os.environ.get("CERT_SIGNING_KEYS", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'portal.sqlite3'}"
    )
    #: the tables' owner, for `flask db upgrade` only (migrations/env.py); the app servers and
    #: workers connect as DATABASE_URL, a role that owns nothing and is subject to row-level
    #: security (SEC9, docs/operations.md). Unset: the migrations run as DATABASE_URL.
    MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL", "")
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
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@physician-portal.local")
    # ---- settings a province's IT team gives in the environment (README "Production") ----
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_flag("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    #: "dev": the outbox page and `flask notify outbox` are the gateway; "http": the HTTP
    #: adapter (portal/notify/gateways.py) posts to SMS_GATEWAY_URL
    SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "dev")
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_USER = os.environ.get("SMS_GATEWAY_USER", "")
    SMS_GATEWAY_PASSWORD = os.environ.get("SMS_GATEWAY_PASSWORD", "")
    SMS_GATEWAY_TIMEOUT = _env_float("SMS_GATEWAY_TIMEOUT", 10.0)
    #: per tenant: its SMS provider (dev, http, aliyun, tencent), approved signature and
    #: template ids, a TOML file (docs/operations.md "SMS providers"); the keys stay in the
    #: environment. Tenants without a table use SMS_GATEWAY.
    SMS_PROVIDERS_FILE = os.environ.get("SMS_PROVIDERS_FILE", "")
    SMS_TENANTS: dict = {}
    #: how many reverse proxies in front of the app set X-Forwarded-For/-Proto (ProxyFix):
    #: 0 when the app is reached directly, 1 behind one nginx
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    #: one JSON object per log line (portal/ops/logs.py); on by default in production
    LOG_JSON = _env_flag("LOG_JSON")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    #: /metrics answers a request from these networks (comma-separated) or with
    #: "Authorization: Bearer METRICS_TOKEN"; anyone else gets 404
    METRICS_ALLOW = os.environ.get("METRICS_ALLOW", "127.0.0.1/32,::1/128")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    #: /readyz answers 503 when the oldest undelivered outbox message is older than this
    READY_OUTBOX_MAX_AGE = _env_int("READY_OUTBOX_MAX_AGE", 900)
    #: portal/web.py registers the compression hook itself, so that a form's errors (422) and
    #: other 4xx pages are compressed too (the library compresses only 2xx answers) (P3)
    COMPRESS_REGISTER = False
    COMPRESS_ALGORITHM = ["br", "gzip"]
    #: static files are streamed: brotli when asked, gzip otherwise (the library's default
    #: streams no gzip, leaving a browser without brotli the uncompressed file)
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/plain",
        "application/javascript",
        "text/javascript",
        "application/json",
        #: the roster and report downloads (issue 16): a roster of 1,000 doctors is 110 KB raw,
        #: about 20 KB compressed
        "text/csv",
    ]
    COMPRESS_MIN_SIZE = 256
    #: brotli quality 5 (said here so a library upgrade cannot change it): 0.5 ms for an 80 KB
    #: queue page and 18 % fewer bytes than quality 4 (0.4 ms; issue 16: the full queue's htmx
    #: partial fits its 4,096 bytes only so); quality 11 would take 130 ms for 17 % fewer again
    #: (P6, bench/README.md). gzip at 6 for the browsers without brotli.
    COMPRESS_BR_LEVEL = 5
    COMPRESS_LEVEL = 6
    FORCE_HTTPS = False
    PUBLIC_HOST = os.environ.get("PUBLIC_HOST", "127.0.0.1")  # for the @host #code SMS line
    #: T2: tenants on their own host names, "hubei=hubei.example.gov.cn,sichuan=…"
    #: (portal/tenants/hosts.py); the path prefixes keep working on PUBLIC_HOST
    TENANT_HOSTS = os.environ.get("TENANT_HOSTS", "")
    #: shared store for rate limits (SPEC L8, V1): set REDIS_URL when running several processes,
    #: since the in-memory store counts per process
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    #: several portals sharing one Redis keep their counters apart by this prefix
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    # no X-RateLimit-* headers: they would differ between two otherwise identical answers
    # (D6 must not tell whether an account exists); a 429 carries Retry-After (portal/web.py)
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down: limit per process meanwhile rather than answer 500
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: public certificate lookups per client IP (V1, L8), in Flask-Limiter's notation
    VERIFY_RATE_LIMIT = "30 per 10 minutes"
    #: requests to the FHIR interface per API key (V3): institutions and platforms check many
    #: doctors; anonymous use of the interface keeps VERIFY_RATE_LIMIT per address
    FHIR_KEY_RATE_LIMIT = os.environ.get("FHIR_KEY_RATE_LIMIT", "600 per minute")
    #: log-in, TOTP, sign-up and password-reset posts per client IP (a shared hospital NAT
    #: must still get through, hence generous)
    CREDENTIAL_RATE_LIMIT = os.environ.get("CREDENTIAL_RATE_LIMIT", "60 per 10 minutes")
    #: failed passwords per user name, from any address (issue 14)
    PASSWORD_FAILURE_LIMIT = os.environ.get("PASSWORD_FAILURE_LIMIT", "10 per 15 minutes")
    #: argon2id's costs (SEC1): None keeps argon2-cffi's defaults (RFC 9106's low-memory
    #: profile: 64 MiB, 3 passes), which production must keep
    PASSWORD_HASH_PARAMS: dict | None = None


class Development(Default):
    DEBUG = True
    TOTP_ENCRYPTION_KEYS = _env_list("TOTP_ENCRYPTION_KEYS") or [DEV_TOTP_ENCRYPTION_KEY]
    ID_ENCRYPTION_KEYS = _env_list("ID_ENCRYPTION_KEYS") or [DEV_ID_ENCRYPTION_KEY]
    ID_INDEX_KEY = os.environ.get("ID_INDEX_KEY") or DEV_ID_INDEX_KEY


class Testing(Default):
    TESTING = True
    SECRET_KEY = "testing-secret"
    TOTP_ENCRYPTION_KEYS = [DEV_TOTP_ENCRYPTION_KEY]
    ID_ENCRYPTION_KEYS = [DEV_ID_ENCRYPTION_KEY]
    ID_INDEX_KEY = DEV_ID_INDEX_KEY
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    MAIL_SUPPRESS_SEND = True
    RATELIMIT_STORAGE_URI = "memory://"
    CREDENTIAL_RATE_LIMIT = "100000 per minute"  # the suite logs in often; tests lower it
    PASSWORD_FAILURE_LIMIT = "100000 per minute"
    #: the suite's many sign-ups and log-ins with small argon2id costs (the test configuration
    #: only; the hashes are argon2id all the same and verify the same way)
    PASSWORD_HASH_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


class Production(Default):
    """Everything from the environment; portal/ops/settings.py refuses to start without a
    real SECRET_KEY, TOTP_ENCRYPTION_KEYS, a DATABASE_URL, a REDIS_URL, an SMS gateway, or
    with DEBUG on."""

    DEBUG = False
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    MAIL_SUPPRESS_SEND = False
    FORCE_HTTPS = True
    SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "http")
    LOG_JSON = _env_flag("LOG_JSON", True)
    # behind a proxy on the same host every request would come from loopback: by token only
    METRICS_ALLOW = os.environ.get("METRICS_ALLOW", "")
    # an SQL error in a log line must not carry the ID number it was about (SEC5)
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True, "pool_pre_ping": True}


CONFIGS = {
    "development": Development,
    "testing": Testing,
    "production": Production,
}
