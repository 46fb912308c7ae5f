"""The addresses of an approval-queue item (I4) without a ``url_for`` per item (issue 16, P6).

A queue page of 50 items built about 116 URLs with ``url_for`` (routing, the tenant's
prefix, quoting: the largest cost of the page after the template itself). Each kind of
address is now built once per request with a placeholder id and the item's id put in its
place: the same text as ``url_for`` gives (the test of the queue follows these links)."""

from __future__ import annotations

from flask import g, url_for
from markupsafe import Markup, escape

from portal.institution import bp

#: an id no row has, replaced by the item's (a path segment of its own)
PLACEHOLDER = "987654321987"

#: source -> (approve endpoint, reject endpoint, the id's argument)
DECISIONS = {
    "a": ("institution.confirm", "institution.reject", "app_id"),
    "m": ("institution.approve_modification", "institution.reject_modification", "req_id"),
    "f": ("institution.confirm_filing", "institution.reject_filing", "filing_id"),
}


def _template(endpoint: str, argument: str) -> str:
    built = g.setdefault("item_url_templates", {})
    if endpoint not in built:
        built[endpoint] = url_for(endpoint, **{argument: PLACEHOLDER})
    return built[endpoint]


def _url(endpoint: str, argument: str, row_id: int) -> str:
    return _template(endpoint, argument).replace(f"/{PLACEHOLDER}", f"/{int(row_id)}", 1)


@bp.app_template_global()
def item_urls(it) -> tuple[str, str, str | None]:
    """(approve, reject, details) of queue item ``it``; details only for an application."""
    approve, reject, argument = DECISIONS[it.source]
    row_id = it.row.id
    details = (
        _url("institution.application_details", "app_id", row_id) if it.source == "a" else None
    )
    return _url(approve, argument, row_id), _url(reject, argument, row_id), details


@bp.app_template_global()
def csrf_input() -> Markup:
    """The hidden CSRF field, made once per request (one token serves every form of the page)."""
    if "csrf_input" not in g:
        from flask_wtf.csrf import generate_csrf

        g.csrf_input = Markup(
            f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
        )
    return g.csrf_input
