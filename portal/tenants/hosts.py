"""T2: a tenant on its own host name. ``TENANT_HOSTS="hubei=hubei.example.gov.cn,…"`` maps
host names to tenant slugs; a request on such a host is served as if its path had the
``/<slug>`` prefix (``hubei.example.gov.cn/`` is Hubei's home, ``/login`` its log-in), and the
links the portal builds there (``url_for``) leave the prefix out. The path prefix keeps working
on every host.

A host not in the list: in production, when TENANT_HOSTS is set, it answers a clear 404 unless
it is PUBLIC_HOST (the portal's own name, with the landing page and the path prefixes); in
development and tests every host keeps working with path prefixes. ``/healthz``, ``/readyz``,
``/metrics`` and ``/static`` answer on any host (a load balancer asks by address).

Checked at start: the format and one tenant per host (``parse`` raises ``HostsError``). The
slugs need the database: ``unknown_slugs`` is asked at start when the database answers (the
app server refuses to start; a ``flask`` command only warns, so that the tenant can still be
created) and by ``/readyz``."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, g, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.htmx import render

#: first path segments that are the portal's own on every host, never a tenant's
GLOBAL_PATHS = frozenset(
    {"static", "healthz", "readyz", "metrics", "lang", "favicon.ico", "robots.txt"}
)
#: answered on any host, even one the portal does not serve (health checks by address)
ANY_HOST_PATHS = frozenset({"static", "healthz", "readyz", "metrics"})

_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")

ENVIRON_KEY = "portal.tenant_host"
UNKNOWN_KEY = "portal.unknown_host"


class HostsError(RuntimeError):
    """TENANT_HOSTS cannot be used; the message says what to fix (in any configuration)."""


def parse(value) -> dict[str, str]:
    """``"hubei=hubei.example.gov.cn,…"`` (or a dict slug → host) as {host: slug}."""
    if isinstance(value, dict):
        pairs = list(value.items())
    else:
        pairs = []
        for item in str(value or "").split(","):
            item = item.strip()
            if not item:
                continue
            slug, sep, host = item.partition("=")
            if not sep:
                raise HostsError(
                    f"TENANT_HOSTS: {item!r} is not slug=host (e.g. hubei=hubei.example.gov.cn)"
                )
            pairs.append((slug.strip(), host.strip()))
    hosts: dict[str, str] = {}
    for slug, host in pairs:
        host = host.lower().rstrip(".")
        if not _SLUG.fullmatch(slug or ""):
            raise HostsError(
                f"TENANT_HOSTS: {slug!r} is not a tenant slug (lower-case letters, digits, '-')"
            )
        if not _HOST.fullmatch(host):
            raise HostsError(f"TENANT_HOSTS: {host!r} is not a host name (no scheme, port or path)")
        if host in hosts and hosts[host] != slug:
            raise HostsError(
                f"TENANT_HOSTS: {host} is given to two tenants, {hosts[host]} and {slug}"
            )
        hosts[host] = slug
    return hosts


def unknown_slugs(hosts: dict[str, str], known: set[str]) -> list[str]:
    return sorted({slug for slug in hosts.values() if slug not in known})


def host_of(tenant_slug: str, app: Flask) -> str | None:
    """The host name the tenant is served on, if any."""
    for host, slug in app.extensions.get("tenant_hosts", {}).items():
        if slug == tenant_slug:
            return host
    return None


def origin_host(app: Flask, slug: str) -> str:
    """The host a page of the tenant is served on, for the origin-bound line of a code's SMS
    (``@host #code``, D3): its own host, else PUBLIC_HOST; never the request's Host header,
    which anyone may set (issue 14)."""
    return host_of(slug, app) or str(app.config["PUBLIC_HOST"]).split(":", 1)[0]


def public_place(app: Flask, slug: str, path: str = "") -> str:
    """Where a person reaches the tenant's ``path`` (``/login``), as written in a text message:
    its own host, else PUBLIC_HOST with the prefix."""
    host = host_of(slug, app)
    return f"{host}{path}" if host else f"{app.config['PUBLIC_HOST']}/{slug}{path}"


class TenantHosts:
    """WSGI middleware: on a tenant's host, the path gets the tenant's prefix before Flask
    routes it. A host the production portal does not serve is marked for a 404."""

    def __init__(self, wsgi_app, hosts: dict[str, str], strict: bool, public_host: str):
        self.wsgi_app = wsgi_app
        self.hosts = hosts
        self.strict = strict
        self.public_host = public_host.lower()

    def __call__(self, environ, start_response):
        host = (environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "").lower()
        host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        path = environ.get("PATH_INFO") or "/"
        first = path.lstrip("/").split("/", 1)[0]
        slug = self.hosts.get(host)
        if slug is not None:
            if first not in GLOBAL_PATHS and first != slug:
                environ["PATH_INFO"] = f"/{slug}{path if path.startswith('/') else '/' + path}"
            environ[ENVIRON_KEY] = slug
        elif self.strict and host != self.public_host and first not in ANY_HOST_PATHS:
            environ[UNKNOWN_KEY] = host
        return self.wsgi_app(environ, start_response)


def _strip_prefix(url: str, slug: str) -> str:
    parts = urlsplit(url)
    prefix = f"/{slug}"
    if parts.path == prefix or parts.path.startswith(prefix + "/"):
        path = parts.path[len(prefix) :] or "/"
        return urlunsplit(parts._replace(path=path))
    return url


def init_app(app: Flask) -> None:
    """Read TENANT_HOSTS (refuse to start on a bad one), wrap the WSGI app, and make
    ``url_for`` leave the tenant's prefix out on its host."""
    hosts = parse(app.config.get("TENANT_HOSTS"))
    app.extensions["tenant_hosts"] = hosts
    strict = app.config.get("CONFIG_NAME") == "production"
    if not hosts and not strict:
        return
    public_host = str(app.config.get("PUBLIC_HOST") or "").split(":", 1)[0]
    app.wsgi_app = TenantHosts(app.wsgi_app, hosts, strict, public_host)
    built = app.url_for

    def url_for(endpoint, **values):
        url = built(endpoint, **values)
        slug = request.environ.get(ENVIRON_KEY) if _in_request() else None
        return _strip_prefix(url, slug) if slug else url

    app.url_for = url_for  # flask.url_for asks the app
    app.jinja_env.globals["url_for"] = url_for

    @app.before_request
    def _unknown_host():
        host = request.environ.get(UNKNOWN_KEY)
        if host is None:
            return None
        g.pop("tenant", None)
        return render(
            "error.html",
            "content",
            status=404,
            message=_("No province's portal is served at %(host)s. Check the address.", host=host),
        )


def _in_request() -> bool:
    return has_request_context()


def check_slugs(app: Flask) -> list[str]:
    """The slugs of TENANT_HOSTS no tenant has, when the database answers and is migrated;
    [] when it cannot tell yet."""
    hosts = app.extensions.get("tenant_hosts") or {}
    if not hosts:
        return []
    try:
        with app.app_context(), db.engine.connect() as conn:
            known = set(conn.execute(text("SELECT slug FROM tenant")).scalars())
    except SQLAlchemyError:
        return []  # not reachable or not migrated yet: /readyz says so
    return unknown_slugs(hosts, known)
