"""gunicorn settings for `make serve` (README "Production"): `gunicorn -c config/gunicorn.py app:app`.

Every value can be changed from the environment without editing this file."""

import gc
import multiprocessing
import os

#: behind the province's reverse proxy on the same host; set GUNICORN_BIND=0.0.0.0:8000 when
#: the proxy is elsewhere (and TRUSTED_PROXIES to the number of proxies in front)
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")

#: the usual 2 × cores + 1 processes: a request waits mostly on PostgreSQL
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
#: threaded workers (issue 16): unlike sync workers, which answer `Connection: close` to every
#: request, they keep a client's connection open between requests (an idle one waits in the
#: worker's poller, holding no thread), so a doctor on a slow link pays one TCP (and TLS)
#: handshake per visit, not one per request
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

#: a request running longer than this is killed and logged (uploads are at most 6 MB)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
#: on SIGTERM (a deploy), requests in hand get this long to finish
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
#: seconds an idle connection stays open (keep-alive), with the proxy or a browser: longer
#: than a person takes to fill a step of a form on a phone, so the next post finds it open
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
#: a worker is replaced after this many requests (with jitter), so no leak grows for ever
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
#: request line and headers bounded (a forged giant header is refused before Flask)
limit_request_line = 8190
limit_request_fields = 100

#: the access log is the app's own "request" line (portal/ops/logs.py): JSON with the request
#: id, tenant and user id, and the path WITHOUT the query string. gunicorn's own access log
#: (whose usual format carries the query string and the referrer) stays off.
accesslog = None
#: gunicorn's own messages (start, worker timeouts) as JSON lines on stderr too
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "portal.ops.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": loglevel.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}

#: the app is imported once in the master and forked: the workers share its code pages, and a
#: bad setting stops the master at once with the message saying which (portal/ops/settings.py)
preload_app = True
#: gunicorn 24+ opens a control socket in $HOME; two app servers on one host would share it
control_socket_disable = True


def pre_fork(server, worker):
    """The preloaded app's objects (about 160,000: modules, models, the routing map) move to
    the collector's permanent generation before each fork (SPEC P6): a worker's collections
    then scan only what it made itself, not the whole app again and again (the approval queue
    spent about a third of its CPU in the collector without this), and the pages of memory the
    workers share with the master stay shared."""
    gc.freeze()


def child_exit(server, worker):
    """Prometheus multiprocess mode: a dead worker's live gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
