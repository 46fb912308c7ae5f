"""ID numbers, phone numbers and codes never reach a log (SEC5), whatever level a logger is
set to: SQLAlchemy logs statements without their parameters (which hold them, e.g. the body
of an outbox message with a code) and never logs the rows a query returns."""

from __future__ import annotations

import logging

from flask import Flask


class _NoRows(logging.Filter):
    """Drops SQLAlchemy's DEBUG record of each row fetched (``echo="debug"``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno <= logging.DEBUG and str(record.msg).startswith("Row "))


def init_app(app: Flask) -> None:
    """Before the database extension reads its engine options."""
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        "hide_parameters": True,
    }
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoRows) for f in engine_log.filters):
        engine_log.addFilter(_NoRows())
