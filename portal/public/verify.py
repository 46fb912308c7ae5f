"""Public verification of a registration (V1, L8): anyone, without logging in, looks up a
certificate number of this tenant and sees what a public register shows, never the ID number
or contact details. Lookups are counted per tenant and day, and rate-limited per client IP."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded

from portal.columns import local_today
from portal.extensions import limiter
from portal.htmx import is_partial_request, render
from portal.public import bp, signed
from portal.public.forms import VerifyForm
from portal.public.models import count_lookup
from portal.web import retry_after
from portal.workflow.register import PublicEntry, find_registration, public_entry


def _page(
    form: VerifyForm,
    status: int = 200,
    *,
    entry: PublicEntry | None = None,
    asked: bool = False,
    message: str = "",
):
    response = render(
        "public/verify.html",
        "verify_block",
        status=status,
        form=form,
        entry=entry,
        asked=asked,
        message=message,
    )
    # each check is counted and a registration's status can change: caches ask again
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


def _rate_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _no_lookup() -> bool:
    """The bare form (no number, certificate or code asked) is neither limited nor counted."""
    return not any(k in request.args for k in ("no", "t", "p"))


@bp.errorhandler(RateLimitExceeded)
def _too_many(exc: RateLimitExceeded):
    """Over the limit (L8): the same page, with the form and a message instead of an answer
    (also as the htmx partial), with Retry-After."""
    if request.endpoint != "public.verify":
        return render(
            "error.html",
            status=429,
            message=_("Too many requests. Please wait a moment and try again."),
        )
    response = _page(
        VerifyForm(formdata=None),
        429,
        message=_(
            "You have checked many certificates in a short time. Please wait a few minutes and try again."
        ),
    )
    response.headers["Retry-After"] = str(retry_after(exc))
    return response


@bp.get("/<tenant>/verify")
@limiter.limit(_rate_limit, exempt_when=_no_lookup)
def verify():
    if _no_lookup():
        return _page(VerifyForm(formdata=None))
    if "t" in request.args or "p" in request.args:  # a scanned QR code (V2)
        response = signed.check(request.args.get("t"), request.args.get("p"))
        response.headers.setdefault("Cache-Control", "no-cache")
        count_lookup(local_today())
        return response
    form = VerifyForm(formdata=request.args)
    if not form.validate():
        form.no.data = (form.no.data or "")[:40]  # echo no more than fits the field
        return _page(form, 422, asked=True)
    app = find_registration(form.no.data)
    if app is None:
        # 404 for the page, so no cache keeps a miss as an answer; 200 for the htmx partial,
        # which htmx swaps in only on success (base.html's responseHandling)
        response = _page(form, 200 if is_partial_request() else 404, asked=True)
    else:
        response = _page(form, entry=public_entry(app, local_today()), asked=True)
    # counted (and committed) once the page is made: a commit before would expire the tenant
    # the page shows, read again with one more query (P6)
    count_lookup(local_today())
    return response
