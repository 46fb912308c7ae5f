"""Accounts: log-in (password, then TOTP for staff and officers), log-out, roles."""

from __future__ import annotations

import time
from functools import wraps

from flask import abort, current_app, flash, g, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import api_keys, totp_keys  # noqa: F401  (api_keys: its table, V3)
from portal.accounts.models import Role, User
from portal.accounts.totp_rotation import totp_cli
from portal.extensions import db, limiter, login_manager
from portal.htmx import redirect_to
from portal.i18n import LOCALES
from portal.rules.sessions import ended, seen_again
from portal.tenants import rules_section


def init_app(app) -> None:
    totp_keys.init_app(app)  # TOTP secrets encrypted at rest (SEC3)
    app.cli.add_command(totp_cli)  # `flask totp rotate-key`
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
        if (
            user is None
            or user.tenant_id != tenant_id
            or user.session_version != version
            or user.disabled
        ):
            return None
        return user

    @app.before_request
    def _session_lifetime():
        """Issue 14, SEC1: a log-in ends after the tenant's idle time and lifetime (staff and
        officers sooner than doctors), whatever copy of the cookie asks; the time of the last
        request is written back at most once a minute."""
        if g.get("tenant") is None or not current_user.is_authenticated:
            return None
        now = time.time()
        why = ended(
            current_user.role in SECOND_FACTOR,
            session.get("began"),
            session.get("seen"),
            now,
            rules_section(g.tenant, "sessions"),
        )
        if why is None:
            if seen_again(session["seen"], now):
                session["seen"] = int(now)
            return None
        end_session()
        flash(
            _("You were logged out after a time without activity. Please log in again.")
            if why == "idle"
            else _("Your log-in reached its longest time. Please log in again.")
        )
        return None  # anonymous from here: a page that needs a log-in asks for one

    @app.before_request
    def _finish_first_log_in():
        """I1: an account signed in with a first password reaches nothing but the steps that
        replace it and enrol TOTP (and log-out), whatever page it asks for."""
        if (
            request.endpoint is None
            or request.endpoint in SETUP_OPEN
            or not current_user.is_authenticated
        ):
            return None
        step = setup_step(current_user)
        return redirect_to(url_for(step)) if step else None

    @login_manager.unauthorized_handler
    def unauthorized():
        if g.get("tenant") is None:
            abort(404)
        return redirect_to(
            url_for(
                "accounts.login",
                next=request.full_path.rstrip("?") if request.method == "GET" else None,
            )
        )


def _posted_username() -> str:
    """The user name a post tries or sets a password for, as the account lookup reads it
    (whether or not such an account exists: the throttle must not tell, SEC1): the one typed,
    else the logged-in account's own (a doctor changing their password)."""
    typed = request.form.get("username")
    if typed is None and current_user.is_authenticated:
        typed = current_user.username
    name = (typed or "").strip().lower()[:64]
    return f"{g.tenant.id if g.get('tenant') else '-'}:{name}"


#: Issue 14: one budget per address for every post that tries a credential (log-in, TOTP,
#: password reset and its request, sign-up, the first log-in, a set-up link, the doctor's
#: password and contact changes): the same bucket, not 60 more on each page.
credential_limit = limiter.shared_limit(
    lambda: current_app.config["CREDENTIAL_RATE_LIMIT"], scope="credentials", methods=["POST"]
)

#: Issue 14: failed passwords per user name (known or not), whoever sends them: after the
#: tenth in 15 minutes that name answers 429 until the window moves on. It slows a guesser
#: spread over many addresses; the doctor is kept out for minutes, never locked for long.
failed_password_limit = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_FAILURE_LIMIT"],
    "failed-passwords",
    key_func=_posted_username,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 422,
)

#: Issue 14: a doctor's user name need not be unique, the name and the password open the
#: account (portal/accounts/holders.py). Setting a password on a name (a sign-up, a doctor's
#: new password, a reset) is one more try of that password on the name: it counts in the
#: same budget as a failed log-in, so a guesser who sets their own account's password to each
#: guess (and so logs in to it when the guess is wrong) is no faster than at the log-in page.
password_set_limit = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_FAILURE_LIMIT"],
    "failed-passwords",
    key_func=_posted_username,
    methods=["POST"],
    deduct_when=lambda response: response.status_code < 400,
)


HOME_BY_ROLE = {
    Role.DOCTOR: "doctor.home",
    Role.STAFF: "institution.home",
    Role.OFFICER: "admin.home",
    Role.ADMIN: "admin.home",
}


#: roles that log in with password + TOTP (SEC3)
SECOND_FACTOR = (Role.STAFF, Role.OFFICER, Role.ADMIN)

#: what an account in the middle of its first log-in may still open: the steps themselves,
#: log-out, the language switch, static files and the development SMS gateway (the "phone")
SETUP_OPEN = {
    "accounts.first_password",
    "accounts.enrol_totp",
    "accounts.logout",
    "public.set_language",
    "public.set_tenant_language",
    "static",
    "notify.outbox",
}


def setup_step(user: User) -> str | None:
    """The endpoint of the first-log-in step ``user`` must do next (I1), or None when done:
    replace the first password, then (staff and officers) enrol an authenticator app."""
    if user.must_change_password:
        return "accounts.first_password"
    if user.role in SECOND_FACTOR and not user.totp_enrolled:
        return "accounts.enrol_totp"
    return None


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
    """Log in with a fresh session (SEC1: nothing from before the log-in survives), stamped
    with the time it began (its lifetime and idle time count from there, issue 14)."""
    end_session()
    remember_language(user)
    login_user(user)
    session["began"] = session["seen"] = int(time.time())


def end_session() -> None:
    """Forget the log-in in this browser; the language choice stays. (Every copy of the
    cookie is ended on the server by moving the account's session version on.)"""
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang


def remember_language(user: User, lang: str | None = None) -> None:
    """The language the user chose (``lang``, else the language switch's cookie) is kept on
    the account, at log-in and at each switch: messages to them are written in it, whoever's
    action sends them (``portal.notify.services``). Without a choice the account keeps its own."""
    lang = lang or request.cookies.get("lang")
    if lang in LOCALES and user.locale != lang:
        user.locale = lang
        db.session.commit()
