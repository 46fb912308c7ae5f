"""Structured logs: one JSON object per line, each carrying the request id, the tenant and the
user id of the request it was written in, and one "request" line per request as the access
log (the path without its query string: a certificate number or a search term stays out).

No log line may hold an ID number, a phone number or an email address (SEC5): nothing here
logs them, SQL errors hide their parameters in production (config), and the formatter masks
anything that still looks like one, as a last line of defence."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import NoInspectionAvailable

access_log = logging.getLogger("portal_access")

#: an incoming X-Request-ID (set by the proxy) is kept when it looks like one
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

#: what must never reach a log: resident ID numbers, mainland mobiles, email addresses
_REDACT = [
    (re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{9}[0-9Xx](?![0-9])"), "[id-number]"),
    (re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])"), "[phone]"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
]

#: the attributes of every LogRecord: anything else was passed in ``extra=`` and is kept
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    for pattern, replacement in _REDACT:
        text = pattern.sub(replacement, text)
    return text


def _loaded(obj, name: str):
    """``obj.name`` when already in memory, else None (never a lazy load); the primary key
    comes from the identity, which outlives a commit."""
    if obj is None:
        return None
    try:
        state = sa_inspect(obj)
        if name == "id" and state.identity:
            return state.identity[0]
        return state.dict.get(name)
    except NoInspectionAvailable:
        return getattr(obj, name, None)


class ContextFilter(logging.Filter):
    """Adds request_id, tenant and user_id (None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            # loaded values only: reading an expired attribute would query the database from
            # inside a log call (SQLAlchemy's own DEBUG lines come through here mid-query)
            record.tenant = _loaded(g.get("tenant"), "slug") or (request.view_args or {}).get(
                "tenant"
            )
            # Flask-Login's, only when the request loaded it; not ``is_authenticated``, which reads
            # ``disabled`` (a lazy load once a commit expired the user); an anonymous user has no id
            user = g.get("_login_user")
            record.user_id = _loaded(user, "id")
        else:
            for name in ("request_id", "tenant", "user_id"):
                if not hasattr(record, name):
                    setattr(record, name, None)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's context, the
    extra fields, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


def json_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    return handler


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr for the whole process (the app and the libraries it uses)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old.formatter, JsonFormatter):
            root.removeHandler(old)
    root.addHandler(json_handler())
    root.setLevel(level)


def _give_request_id() -> None:
    """The request's id: the proxy's X-Request-ID when it is well-formed, else a new one."""
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def init_app(app: Flask) -> None:
    if app.config.get("LOG_JSON"):
        configure(app.config.get("LOG_LEVEL", "INFO"))
        app.logger.handlers.clear()  # Flask's default handler would write the lines a second time
    context = ContextFilter()
    app.logger.addFilter(context)
    access_log.addFilter(context)

    @app.before_request
    def _request_id():
        _give_request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def _access_line(response):
        # a request answered before the hooks ran (an unknown tenant's 404 comes from the URL
        # preprocessor, a malformed one from portal.inputs) gets its id here: every line has one
        if g.get("request_id") is None:
            _give_request_id()
        response.headers["X-Request-ID"] = g.request_id
        started = g.get("request_started")
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,  # never the query string
                "endpoint": request.endpoint,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                if started
                else None,
                "remote_addr": request.remote_addr,
            },
        )
        return response
