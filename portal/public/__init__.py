"""Public pages: the landing page, each tenant's home, the language switch, /healthz."""

from __future__ import annotations

from flask import Blueprint, g, make_response, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.accounts import HOME_BY_ROLE, remember_language
from portal.extensions import db
from portal.htmx import render, safe_target
from portal.tenants.models import Tenant

bp = Blueprint("public", __name__)


@bp.get("/")
def landing():
    tenants = db.session.execute(db.select(Tenant).order_by(Tenant.id)).scalars().all()
    return render("public/landing.html", tenants=tenants)


@bp.get("/<tenant>/")
def tenant_home():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    return render("public/tenant_home.html", tenant=g.tenant)


@bp.get("/<tenant>/lang/<code>")
def set_tenant_language(code: str):
    """The switch on a tenant's pages: back to a page of the same tenant (its home otherwise),
    and the choice is also kept on the account of the user logged in there (messages to them
    are written in it)."""
    home = url_for("public.tenant_home")
    response = _switched(code, safe_target(request.args.get("next"), home, home))
    if current_user.is_authenticated:
        remember_language(current_user, code)
    return response


@bp.get("/lang/<code>")
def set_language(code: str):
    return _switched(code, safe_target(request.args.get("next"), "/", "/"))


def _switched(code: str, target: str):
    response = make_response(redirect(target, 303))
    if code in ("zh_CN", "en"):
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    response = make_response("ok", 200)
    response.mimetype = "text/plain"
    return response


from portal.public import verify  # noqa: E402,F401  (the verification page, V1)
