"""Log-in, log-out and password-reset views."""

from __future__ import annotations

from flask import current_app, flash, g, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import (
    HOME_BY_ROLE,
    SECOND_FACTOR,
    end_session,
    failed_password_limit,
    holders,
    password_set_limit,
    setup_step,
    start_session,
)
from portal.accounts.models import Role, User
from portal.accounts.totp import verify_totp
from portal.accounts.totp_keys import KeysMissing, SecretUnreadable
from portal.extensions import db
from portal.htmx import is_partial_request, redirect_to, render, safe_target
from portal.signin import bp, credential_limit
from portal.signin.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, TotpForm
from portal.tenants import rules_for
from portal.workflow import account_changes
from portal.workflow import codes as services


def _safe_next(default: str) -> str:
    """The page the log-in was asked from (``next=``), when it is one of this tenant's."""
    return safe_target(request.args.get("next"), f"/{g.tenant.slug}/", default)


@bp.route("/login", methods=["GET", "POST"])
@credential_limit
@failed_password_limit
def login():
    if current_user.is_authenticated:
        return redirect_to(url_for(HOME_BY_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        # issue 14: a doctor's user name need not be unique; the name and the password together
        # open an account. Every log-in verifies the password PASSWORD_CHECKS times (padded
        # with the dummy hash), so neither the answer nor its time tells how many accounts hold
        # the name. A doctor's account whose phone or email was never confirmed cannot log in by
        # password; given its right password, its owner is told how to finish: sign up again
        # with the same details. The first confirmed account whose password matches logs in.
        tried = holders.log_in_candidates(form.username.data.strip())
        matched = holders.matching(tried, form.password.data, holders.PASSWORD_CHECKS)
        user = next((u for u in matched if not _unfinished(u)), None)
        if user is None and matched:
            return _unfinished_answer(form)
        if user is not None:
            if user.role in SECOND_FACTOR and user.totp_enrolled:
                session["pending_2fa"] = f"{g.tenant.id}:{user.id}:{user.session_version}"
                return redirect_to(url_for("accounts.totp", next=_safe_next("") or None))
            start_session(user)
            # I1: a first password (no TOTP yet) leads only to the first-log-in steps
            step = setup_step(user)
            return redirect_to(
                url_for(step) if step else _safe_next(url_for(HOME_BY_ROLE[user.role]))
            )
        form.password.errors.append(_("The user name or password is wrong."))
        return render("accounts/login.html", "form_block", status=422, form=form)
    status = 422 if form.errors else 200
    return render("accounts/login.html", "form_block", status=status, form=form)


def _unfinished(user: User) -> bool:
    """A doctor's sign-up whose phone or email code was never entered (workflow.signup)."""
    return user.role is Role.DOCTOR and not user.contact_verified


def _unfinished_answer(form: LoginForm):
    """Only after the right password (no enumeration): how to finish signing up (D3)."""
    return render(
        "accounts/login.html", "form_block", status=422, form=form, unfinished_signup=True
    )


@bp.route("/login/totp", methods=["GET", "POST"])
@credential_limit
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
        try:
            accepted = verify_totp(user, form.code.data)
        except (SecretUnreadable, KeysMissing):
            return _secret_unreadable(user, form)
        if accepted:
            start_session(user)
            return redirect_to(_safe_next(url_for(HOME_BY_ROLE[user.role])))
        form.code.errors.append(
            _("The code is wrong or was already used. Wait for the next code and try again.")
        )
    status = 422 if form.errors else 200
    return render("accounts/totp.html", "form_block", status=status, form=form)


def _secret_unreadable(user: User, form: TotpForm):
    """The server's keys do not open this account's secret (a key dropped too early, or the
    wrong TOTP_ENCRYPTION_KEYS): no log-in, a 503 that says so in the user's language, and a
    log line that tells the operator which setting to check (neither secret nor key in it)."""
    current_app.logger.error(
        "TOTP secret of user %s cannot be decrypted: check TOTP_ENCRYPTION_KEYS "
        "(docs/operations.md)",
        user.id,
    )
    message = _(
        "Your code cannot be checked at the moment because of a problem on the portal's side. Please try "
        "again later or contact the health commission."
    )
    if is_partial_request():  # htmx swaps no 5xx answer: the page is loaded again, with the message
        flash(message)
        response = render("accounts/totp.html", "form_block", status=503, form=form)
        response.headers["HX-Redirect"] = url_for("accounts.totp", next=_safe_next("") or None)
        return response
    form.code.errors.append(message)
    return render("accounts/totp.html", "form_block", status=503, form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        account_changes.log_out(current_user._get_current_object())
    end_session()
    return redirect_to(url_for("public.tenant_home"))


# ---- D6: password reset --------------------------------------------------------------------
# Every answer is the same whether or not the user name exists (see accounts.services).


@bp.route("/password/forgot", methods=["GET", "POST"])
@credential_limit
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.username.data, form.channel.data, g.tenant)
        session["reset_username"] = form.username.data  # what was typed: the same for any name
        flash(
            _(
                "If an account with this user name has a verified mobile number, a code was sent to it by text "
                "message."
            )
            if form.channel.data == "sms"
            else _(
                "If an account with this user name has a verified email address, a code was sent to it."
            )
        )
        return redirect_to(url_for("accounts.reset_password"))
    status = 422 if form.errors else 200
    return render("accounts/forgot.html", "form_block", status=status, form=form)


@bp.route("/password/reset", methods=["GET", "POST"])
@credential_limit
@password_set_limit
def reset_password():
    form = ResetPasswordForm(username=session.get("reset_username", ""))
    form.explain_lock(rules_for(g.tenant)["codes"])
    if form.validate_on_submit():
        try:
            renamed = services.reset_password(
                form.username.data, form.code.data, form.password.data, g.tenant
            )
        except services.ResetRefused:
            form.code.errors.append(_("The code is wrong or has expired."))
        else:
            session.pop("reset_username", None)
            if renamed:  # issue 14: that password opens another account of the name
                flash(
                    _(
                        "Another account with the user name %(left)s has this password, so your user name "
                        "is now %(name)s. Log in with it from now on.",
                        left=renamed[0],
                        name=renamed[1],
                    )
                )
            flash(
                _(
                    "Your password was changed and every session of your account has ended. Log in with your new "
                    "password."
                )
            )
            return redirect_to(url_for("accounts.login"))
    status = 422 if form.errors or any(f.errors for f in form) else 200
    return render("accounts/reset.html", "form_block", status=status, form=form)
