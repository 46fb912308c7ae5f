"""Running in production: settings checked at start, the client address behind trusted
proxies, structured logs, Prometheus metrics and the readiness check (issue 7).

``create_app`` calls ``init_app`` once; the rest of the portal knows nothing of this."""

from __future__ import annotations

from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.ops import health, logs, metrics, settings

bp = Blueprint("ops", __name__)
bp.add_url_rule("/readyz", "readyz", health.readyz, methods=["GET"])
bp.add_url_rule("/metrics", "metrics", metrics.metrics, methods=["GET"])


def init_app(app: Flask) -> None:
    settings.check(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # the address and scheme the proxy saw: rate limits (keyed on remote_addr), the log
        # and /metrics's network check see the real client, and Talisman sees https
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    logs.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(bp)
