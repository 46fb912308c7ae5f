"""One render() for pages and their htmx partials (DESIGN: partials are blocks of the page)."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block


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
