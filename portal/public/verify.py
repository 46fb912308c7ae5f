"""Public verification of a registration (V1, L8): anyone, without logging in, looks up a
certificate number of this tenant and sees what a public register shows, never the ID number
or contact details. Lookups are counted per tenant and day, and rate-limited per client IP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from sqlalchemy.orm import joinedload

from portal.admin.models import Category, Level
from portal.extensions import db, limiter
from portal.htmx import is_partial_request, render
from portal.public import bp
from portal.public.forms import VerifyForm
from portal.public.models import count_lookup
from portal.rules.catalogue import scope_name
from portal.tenants.models import local_today
from portal.web import retry_after
from portal.workflow.models import Application, State

#: states whose registrations the public register lists (L8: approved and cancelled ones)
PUBLIC_STATES = tuple(s for s in State if s.value in ("approved", "cancelled"))


@dataclass(frozen=True)
class PublicEntry:
    """What the public register shows of a registration: nothing more (SEC5)."""

    certificate_no: str
    real_name: str
    level: Level
    category: Category
    scopes: list[str]
    institution: str
    #: "registered", "lapsed" or "cancelled"
    status: str
    valid_until: date


def public_entry(app: Application, today: date) -> PublicEntry:
    until = app.valid_until  # R3, A6: fixed at approval by the rules it was submitted under
    if app.state.value == "cancelled":
        status = "cancelled"
    else:
        status = "registered" if today <= until else "lapsed"
    return PublicEntry(
        certificate_no=app.certificate_no, real_name=app.doctor.real_name, level=app.level,
        category=app.category, scopes=[scope_name(k) for k in app.scopes or []],
        institution=app.institution.name if app.institution else "", status=status, valid_until=until,
    )


def find_registration(certificate_no: str) -> Application | None:
    """The tenant's latest public registration with this number. An ordinary ORM query: the
    tenant filter (portal.tenants.scope) limits it to the tenant of the URL (T3)."""
    return db.session.execute(
        db.select(Application)
        .where(Application.certificate_no == certificate_no, Application.state.in_(PUBLIC_STATES),
               Application.registered_on.is_not(None))
        .options(joinedload(Application.doctor), joinedload(Application.institution))
        .order_by(Application.registered_on.desc(), Application.id.desc())
        .limit(1)
    ).scalars().first()


def _page(form: VerifyForm, status: int = 200, *, entry: PublicEntry | None = None, asked: bool = False,
          message: str = ""):
    response = render("public/verify.html", "verify_block", status=status, form=form, entry=entry, asked=asked,
                      message=message)
    # each check is counted and a registration's status can change: caches ask again
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


def _rate_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _no_lookup() -> bool:
    """The bare form (no number asked) is neither limited nor counted."""
    return "no" not in request.args


@bp.errorhandler(RateLimitExceeded)
def _too_many(exc: RateLimitExceeded):
    """Over the limit (L8): the same page, with the form and a message instead of an answer
    (also as the htmx partial), with Retry-After."""
    if request.endpoint != "public.verify":
        return render("error.html", status=429, message=_("Too many requests. Please wait a moment and try again."))
    response = _page(VerifyForm(formdata=None), 429, message=_(
        "You have checked many certificates in a short time. Please wait a few minutes and try again."))
    response.headers["Retry-After"] = str(retry_after(exc))
    return response


@bp.get("/<tenant>/verify")
@limiter.limit(_rate_limit, exempt_when=_no_lookup)
def verify():
    if _no_lookup():
        return _page(VerifyForm(formdata=None))
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
