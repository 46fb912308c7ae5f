"""Cross-cutting web concerns: language, security headers, static assets, error pages."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal import i18n
from portal.extensions import babel, compress, db
from portal.htmx import is_partial_request, render
from portal.i18n import LOCALES
from portal.labels import (
    category_label,
    institution_level_label,
    kind_label,
    level_label,
    state_label,
)
from portal.workflow.conflicts import describe
from portal.workflow.locks import Decided, WrongState

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}

#: browser features no page of the portal uses, switched off for every page (SEC8)
PERMISSIONS_POLICY = {
    feature: "()"
    for feature in (
        "browsing-topics",
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "interest-cohort",
    )
}


def _error_answer(app: Flask):
    """The error answer of an interface for machines under ``/<tenant>/<name>/`` (also for a URL
    there that matched no route or method), as the app factory registered it in
    ``app.extensions["error_answers"]`` (the FHIR interface, V3); None for pages."""
    segment = request.path.split("/")[2:3]
    return app.extensions.get("error_answers", {}).get(segment[0]) if segment else None


def retry_after(exc) -> int:
    """Seconds until a rate limit lets the client in again (for the Retry-After header)."""
    try:
        return max(1, int(exc.limit.limit.get_expiry()))
    except AttributeError:
        return 60


def select_locale() -> str:
    lang = request.cookies.get("lang")
    return lang if lang in ("zh_CN", "en") else "zh_CN"


def _babel_locale():
    """Flask-Babel's locale selector: the language parsed once per process (portal/i18n.py)."""
    return LOCALES[select_locale()]


def _asset_versions(static: Path) -> dict[str, str]:
    versions = {}
    for path in static.rglob("*"):
        if path.is_file():
            rel = path.relative_to(static).as_posix()
            versions[rel] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return versions


#: ``portal.3f2a1b9c0d.css``: a static file's name with the first 10 hex digits of its SHA-256
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")
YEAR = 31536000


def hashed_name(filename: str, digest: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot else f"{filename}.{digest}"


def _htmx_file(static: Path) -> str | None:
    found = (
        sorted((static / "vendor").glob("htmx-*.min.js")) if (static / "vendor").is_dir() else []
    )
    return found[-1].relative_to(static).as_posix() if found else None


class _StaticBlindSessions(SecureCookieSessionInterface):
    """A static file is the same for everyone: no session cookie and no ``Vary: Cookie``
    (added because Flask-Login looks at the session after every request), which would make
    a browser fetch the year-long cached stylesheet and script again after every log-in."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)


def _compress(response):
    """Flask-Compress's hook, also for a 4xx page: a form re-rendered with its errors (422)
    is as large as the form and goes over the same slow link (P3)."""
    status = response.status_code
    if 400 <= status < 500 and not response.is_streamed:
        response.status_code = 200
        try:
            return compress.after_request(response)
        finally:
            response.status_code = status
    return compress.after_request(response)


def init_app(app: Flask) -> None:
    app.after_request(_compress)  # first registered, so it runs after every other hook
    babel.init_app(
        app, locale_selector=_babel_locale, default_translation_directories="translations"
    )
    i18n.init_app(app)
    # one Talisman per app: its options live on the object, so a shared one would take the
    # last app's (a production app built in the same process forcing https on all of them)
    Talisman(
        app,
        content_security_policy=CSP,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
    )
    static = Path(app.static_folder)
    versions = _asset_versions(static)
    app.config["HTMX_JS"] = _htmx_file(static)
    plain_static = app.view_functions["static"]

    def static_file(filename: str):
        """A static file by its content-hashed name (``asset()`` writes them): kept for a year,
        never revalidated (P2, P3). The plain name, or a hash of an older version, still
        answers with today's file, but it must be revalidated (ETag) before each use."""
        match = HASHED_NAME.match(filename)
        plain = match.group("stem") + match.group("ext") if match else filename
        if match and plain not in versions:
            plain = filename  # a file whose own name looks hashed
        current = versions.get(plain) == (match.group("hash") if match else None)
        response = plain_static(filename=plain)
        if current and response.status_code in (200, 304):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response

    app.view_functions["static"] = static_file
    app.session_interface = _StaticBlindSessions()

    @app.template_global()
    def asset(filename: str) -> str:
        """The URL of a static file under its content-hashed name (cached for a year)."""
        from flask import url_for

        digest = versions.get(filename)
        return url_for("static", filename=hashed_name(filename, digest) if digest else filename)

    @app.context_processor
    def _tenant():
        return {"tenant": g.get("tenant")}

    app.add_template_global(state_label)  # one label per value, in Python (portal/labels.py)
    app.add_template_global(level_label)
    app.add_template_global(kind_label)
    app.add_template_global(category_label)
    app.add_template_global(institution_level_label)

    @app.template_global()
    def current_locale() -> str:
        return select_locale()

    @app.after_request
    def _private_pages(response):
        # pages of a logged-in user, and answers to a form post (which may echo an ID
        # number typed in), are never kept in a cache or the browser history (SEC5)
        # (the method first: after a post's commit, asking the user would load it again)
        if response.mimetype == "text/html" and (
            request.method == "POST" or current_user.is_authenticated
        ):
            response.headers["Cache-Control"] = "no-store"
        if response.mimetype == "text/html":  # a page and its htmx partial share a URL (P1)
            response.vary.add("HX-Request")
        return response

    @app.after_request
    def _preload(response):
        """Issue 16: a page names its stylesheet and htmx in its headers, so a first visit
        starts them (on connections of their own) before the HTML is parsed; measured on the
        2G link about 0.5 s less for the first page (bench/README.md). Cached: no request."""
        if (
            response.mimetype == "text/html"
            and response.status_code == 200
            and not request.headers.get("HX-Request")
        ):
            links = [f"<{asset('portal.css')}>; rel=preload; as=style"]
            if app.config["HTMX_JS"]:
                links.append(f"<{asset(app.config['HTMX_JS'])}>; rel=preload; as=script")
            response.headers["Link"] = ", ".join(links)
        return response

    @app.after_request  # runs before Flask-Compress's own hook, which was registered earlier
    def _close_streamed_body(response):
        # Flask-Compress swaps a streamed body (a static file) for a compressing generator and
        # drops the file without closing it: close it with the response, or file handles leak
        if response.is_streamed and hasattr(response.response, "close"):
            response.call_on_close(response.response.close)
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return _error_page(
            400,
            _(
                "The form has expired or was not sent from this site. Please reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        machine = _error_answer(app)
        if machine is not None:  # V3: a machine's client reads an OperationOutcome, not a page
            return machine(exc.code or 400, exc.description or "")
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have access to this page."),
            404: _("Page not found."),
            405: _("This action is not allowed here."),
            409: _("This item has changed meanwhile. Please reload the page."),
            413: _("The upload is too large."),
            429: _("Too many requests. Please wait a moment and try again."),
        }
        response = _error_page(exc.code or 500, messages.get(exc.code, exc.description or ""))
        if exc.code == 429:
            response.headers["Retry-After"] = str(retry_after(exc))
        return response

    @app.errorhandler(WrongState)
    def _conflict(exc: WrongState):
        """A9: the item changed meanwhile. The loser of a race is told what happened, by which
        office and when, and the state it is in now; nothing of its own request was written."""
        db.session.rollback()
        message, state = "", ""
        if isinstance(exc, Decided):
            conflict = describe(exc, current_user if current_user.is_authenticated else None)
            message, state = conflict.message, conflict.state
        return _error_page(
            409,
            message or _("This item has changed meanwhile. Please reload the page."),
            detail=_("Current status: %(state)s", state=state) if state else "",
        )

    def _error_page(status: int, message: str, detail: str = ""):
        response = render(
            "error.html",
            "content",
            status=status,
            message=message,
            detail=detail,
            tenant=g.get("tenant"),
        )
        if (
            is_partial_request()
        ):  # htmx: the message takes the page's main area, not the form's place
            response.headers["HX-Retarget"] = "#main"
            response.headers["HX-Reswap"] = "innerHTML"
        return response
