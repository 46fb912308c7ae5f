"""Accounts: log-in (password, then TOTP for staff and officers), log-out, roles."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request, session, url_for
from flask_login import current_user

from portal.accounts.models import Role, User
from portal.extensions import db, login_manager
from portal.htmx import redirect_to


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_key: str):
        # "tenant:id:session_version"; a user of another tenant is anonymous here (T3)
        tenant = g.get("tenant")
        try:
            tenant_id, user_id, version = (int(x) for x in user_key.split(":"))
        except ValueError:
            return None
        if tenant is None or tenant.id != tenant_id:
            return None
        user = db.session.get(User, user_id)
        if user is None or user.tenant_id != tenant_id or user.session_version != version or user.disabled:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if g.get("tenant") is None:
            abort(404)
        return redirect_to(url_for("accounts.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))


HOME_BY_ROLE = {
    Role.DOCTOR: "doctor.home",
    Role.STAFF: "institution.home",
    Role.OFFICER: "admin.home",
    Role.ADMIN: "admin.home",
}


def require_role(*roles: Role):
    """Guard for a whole blueprint (``bp.before_request``): log-in first, then the role."""

    def guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(404)
        return None

    return guard


def role_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            response = require_role(*roles)()
            return response if response is not None else view(*args, **kwargs)

        return wrapped

    return decorator


def start_session(user: User) -> None:
    """Log in with a fresh session (SEC1: nothing from before the log-in survives)."""
    from flask_login import login_user

    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)

