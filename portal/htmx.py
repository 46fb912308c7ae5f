"""One render() for pages and their htmx partials (DESIGN: partials are blocks of the page)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block

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


def redirect_to(url: str):
    """A redirect that works for htmx (HX-Redirect) and for a plain form post (303)."""
    if is_partial_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def private_file(data: bytes, content_type: str):
    """An uploaded scan as its own response: private, never cached (it is personal data)."""
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "private, no-store"
    return response
