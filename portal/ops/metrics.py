"""Prometheus metrics: request latency per endpoint, messages (codes among them) sent and
failed per channel, the outbox backlog and the age of its oldest message.

Several processes (gunicorn workers, notification workers) on one host share their counters
through PROMETHEUS_MULTIPROC_DIR (``make serve`` sets it); the outbox figures are read from
the database when scraped, so every app server reports the same backlog. ``/metrics``
answers only the networks in METRICS_ALLOW or a request with the bearer METRICS_TOKEN;
anyone else gets the same 404 as for a page that does not exist."""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from portal.notify.figures import outbox_figures

REQUEST_SECONDS = Histogram(
    "portal_request_duration_seconds",
    "Time to answer a request, per endpoint",
    ["endpoint", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class OutboxCollector:
    """The backlog gauges, read from the database at scrape time (inside the request)."""

    def collect(self):
        count, age = outbox_figures()
        backlog = GaugeMetricFamily("portal_outbox_backlog", "Messages waiting in the outbox")
        backlog.add_metric([], count)
        oldest = GaugeMetricFamily(
            "portal_outbox_oldest_seconds", "Age of the oldest undelivered message"
        )
        oldest.add_metric([], age)
        return [backlog, oldest]


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    networks = [
        n.strip() for n in current_app.config.get("METRICS_ALLOW", "").split(",") if n.strip()
    ]
    return any(client in ipaddress.ip_network(n, strict=False) for n in networks)


def metrics():
    if not _allowed():
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    output = generate_latest(registry) + generate_latest(_outbox_registry())
    response = Response(output, mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def _outbox_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OutboxCollector())
    return registry


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _method() -> str:
    return request.method if request.method in _METHODS else "other"


def init_app(app: Flask) -> None:
    @app.before_request
    def _started():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.get("metrics_started")
        if started is not None:
            # the endpoint's name, never the path: a bounded set of labels, no ids in them
            REQUEST_SECONDS.labels(request.endpoint or "none", _method()).observe(
                time.perf_counter() - started
            )
        return response
