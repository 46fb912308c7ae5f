"""Log-in and log-out views."""

from __future__ import annotations

from flask import Blueprint, g, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.accounts import HOME_BY_ROLE, start_session
from portal.accounts.forms import LoginForm, TotpForm
from portal.accounts.models import Role, User
from portal.accounts.passwords import check_password
from portal.accounts.totp import verify_totp
from portal.extensions import db
from portal.htmx import redirect_to, render

bp = Blueprint("accounts", __name__, url_prefix="/<tenant>")

SECOND_FACTOR = (Role.STAFF, Role.OFFICER, Role.ADMIN)


def _safe_next(default: str) -> str:
    from flask import request

    target = request.args.get("next", "")
    prefix = f"/{g.tenant.slug}/"
    if target.startswith(prefix) and not target.startswith("//") and "\\" not in target:
        return target
    return default


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect_to(url_for(HOME_BY_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.execute(
            db.select(User).filter_by(username=form.username.data.strip())
        ).scalar_one_or_none()
        # the hash is always checked, so an unknown user name answers in the same time
        if check_password(user.password_hash if user else None, form.password.data) and user and not user.disabled:
            if user.role in SECOND_FACTOR:
                session["pending_2fa"] = f"{g.tenant.id}:{user.id}:{user.session_version}"
                return redirect_to(url_for("accounts.totp", next=_safe_next("") or None))
            start_session(user)
            return redirect_to(_safe_next(url_for(HOME_BY_ROLE[user.role])))
        form.password.errors.append(_("The user name or password is wrong."))
        return render("accounts/login.html", "form_block", status=422, form=form)
    status = 422 if form.errors else 200
    return render("accounts/login.html", "form_block", status=status, form=form)


@bp.route("/login/totp", methods=["GET", "POST"])
def totp():
    pending = session.get("pending_2fa", "")
    try:
        tenant_id, user_id, version = (int(x) for x in pending.split(":"))
    except ValueError:
        return redirect_to(url_for("accounts.login"))
    user = db.session.get(User, user_id) if tenant_id == g.tenant.id else None
    if user is None or user.session_version != version or user.disabled:
        session.pop("pending_2fa", None)
        return redirect_to(url_for("accounts.login"))
    form = TotpForm()
    if form.validate_on_submit():
        if verify_totp(user, form.code.data):
            start_session(user)
            return redirect_to(_safe_next(url_for(HOME_BY_ROLE[user.role])))
        form.code.errors.append(_("The code is wrong or was already used. Wait for the next code and try again."))
    status = 422 if form.errors else 200
    return render("accounts/totp.html", "form_block", status=status, form=form)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect_to(url_for("public.tenant_home"))
