"""One render() for pages and their htmx partials (DESIGN: partials are blocks of the page)."""

from __future__ import annotations

import io
import logging
from urllib.parse import unquote, urlsplit

from flask import (
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from flask.ctx import RequestContext
from jinja2_fragments.flask import render_block

log = logging.getLogger(__name__)

#: the longest return address taken from a request (a longer one is not a page of ours)
TARGET_MAX = 512


def is_partial_request() -> bool:
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The whole page, or only ``block`` of it when htmx asks for a partial."""
    if block and is_partial_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def safe_target(raw: str | None, within: str, default: str) -> str:
    """A return address from the request (``next=``) when it is a path of this site under
    ``within`` (e.g. ``/hubei/``), else ``default`` (issue 14: no open redirect). Judged as a
    browser would read it: browsers drop tabs and newlines, read a backslash as a slash, and a
    leading ``//`` names another host; so any control character, space or backslash, an
    encoded one among them, an empty or ``..`` path segment, a scheme or a host refuses it. Nothing of
    the request reaches a header unless it passed this."""
    target = raw or ""
    decoded = unquote(target)
    if (
        not target
        or len(target) > TARGET_MAX
        or any(ch == "\\" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in decoded)
        or not target.startswith(within)
        or not target.startswith("/")
        or "//" in decoded.split("?")[0]
        or "/../" in decoded.split("?")[0] + "/"
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


#: redirects followed inside one htmx answer before giving up (the browser then follows them)
HOPS = 3
#: request headers that describe the htmx request, not the page asked: dropped for the next page
_HTMX_ENVIRON = ("HTTP_HX_", "CONTENT_", "HTTP_ACCEPT_ENCODING")
#: what describes the post itself (its raw address, the parsed request cached by werkzeug)
_DROPPED = {"REQUEST_URI", "RAW_URI", "werkzeug.request"}


def redirect_to(url: str):
    """Where a successful post (or a page that moved) sends the user, in ONE round trip (P4).

    A plain request (JS off) gets a 303 and the browser loads ``url``: the post and the page.
    An htmx request gets the page at ``url`` itself, rendered in this same answer as if the
    browser had asked for it (with the session as this request leaves it), swapped in for the
    whole body, and ``HX-Push-Url`` so that the address bar follows the page (issue 16). If
    that page cannot be rendered here (an error, too many redirects), the old way: 204 and
    ``HX-Redirect``, and the browser loads it."""
    if not is_partial_request():
        return redirect(url, 303)
    try:
        page, where = _next_page(url)
    except Exception:  # the post itself succeeded: never turn it into an error page
        log.exception("next page not rendered in the htmx answer: %s", urlsplit(url).path)
        page, where = None, url
    if page is None:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = where
        return response
    response = make_response(page.get_data(), 200)
    for name, value in page.headers.items():
        if name.lower() not in ("content-length", "set-cookie", "x-request-id", "link"):
            response.headers[name] = value
    response.headers["HX-Push-Url"] = where
    response.headers["HX-Retarget"] = "body"
    response.headers["HX-Reswap"] = "innerHTML show:window:top"
    return response


def _next_page(url: str):
    """The page at ``url`` as a GET of the same browser would get it after this request: the
    same headers (cookies, language, host) but no htmx ones, this request's session (already
    changed by the post, e.g. logged in), its own fresh app context (``g``, the database
    session, the tenant) so nothing of the post leaks into it. Redirects are followed (at most
    ``HOPS``); (None, url) when the page is not a 200."""
    app = current_app._get_current_object()
    state = session._get_current_object()
    root = request.environ.get("SCRIPT_NAME", "")
    for _hop in range(HOPS):
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != request.host or not parts.path.startswith(root):
            return None, url
        url = parts._replace(scheme="", netloc="").geturl()
        environ = {
            k: v
            for k, v in request.environ.items()
            if not k.startswith(_HTMX_ENVIRON) and k not in _DROPPED
        }
        environ.update(
            {
                "REQUEST_METHOD": "GET",
                # WSGI: the path decoded, as bytes read as latin-1 (PEP 3333)
                "PATH_INFO": unquote(parts.path[len(root) :]).encode().decode("latin-1"),
                "QUERY_STRING": parts.query,
                "wsgi.input": io.BytesIO(b""),
            }
        )
        with app.app_context():
            # the session as this request leaves it, not as its cookie came in
            with RequestContext(app, environ, session=state):
                page = app.full_dispatch_request()
        if page.status_code in (301, 302, 303, 307, 308) and page.location:
            url = page.location
            continue
        return (page, url) if page.status_code == 200 else (None, url)
    return None, url


def private_file(data: bytes, content_type: str):
    """An uploaded scan as its own response: private, never cached (it is personal data)."""
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "private, no-store"
    return response
