"""The first log-in with a one-time password (I1, I2): the account chooses its own password,
then enrols an authenticator app (QR code and the secret as text), and only then gets in.
``portal.accounts.init_app`` sends every other page here until both are done."""

from __future__ import annotations

import pyotp
import segno
from flask import flash, g, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.accounts import HOME_BY_ROLE, setup_step, start_session
from portal.accounts.passwords import check_password
from portal.accounts.totp import grouped, new_secret
from portal.extensions import login_manager
from portal.forms import new_password_fields, nfkc
from portal.htmx import redirect_to, render
from portal.signin import bp, credential_limit
from portal.workflow import provisioning


class FirstPasswordForm(FlaskForm):
    password, password_again = new_password_fields(_l("New password"), _l("New password again"))


class EnrolTotpForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        filters=[nfkc],
        validators=[DataRequired(_l("Enter the code.")), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"},
    )


def _not_here(step: str):
    """Anonymous: the log-in. Past this step: the next one, or home."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if setup_step(current_user) != step:
        return redirect_to(url_for(setup_step(current_user) or HOME_BY_ROLE[current_user.role]))
    return None


@bp.route("/first-login/password", methods=["GET", "POST"])
@credential_limit
def first_password():
    elsewhere = _not_here("accounts.first_password")
    if elsewhere is not None:
        return elsewhere
    user = current_user._get_current_object()
    form = FirstPasswordForm()
    if form.validate_on_submit():
        if check_password(user.password_hash, form.password.data):
            form.password.errors.append(
                _("Choose a password of your own, not the first password you were sent.")
            )
        else:
            provisioning.choose_password(user, form.password.data)
            start_session(user)  # a new session; every other one ended with the old password
            flash(_("Your password is set."))
            return redirect_to(url_for(setup_step(user) or HOME_BY_ROLE[user.role]))
    status = 422 if form.errors or any(f.errors for f in form) else 200
    return render("accounts/first_password.html", "form_block", status=status, form=form)


def _pending_secret(user) -> str:
    """The secret offered to this user, kept in the session until a code confirms it (only
    then is it saved on the account), so reloading the page keeps the same QR code."""
    user_id, _sep, secret = session.get("totp_enrol", "").partition(":")
    if user_id != str(user.id) or len(secret) != 32:
        secret = new_secret()
        session["totp_enrol"] = f"{user.id}:{secret}"
    return secret


def _qr_svg(uri: str) -> Markup:
    svg = segno.make(uri, error="m").svg_inline(
        scale=4,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
        title=_("QR code: scan it with your authenticator app"),
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


@bp.route("/first-login/authenticator", methods=["GET", "POST"])
@credential_limit
def enrol_totp():
    elsewhere = _not_here("accounts.enrol_totp")
    if elsewhere is not None:
        return elsewhere
    user = current_user._get_current_object()
    secret = _pending_secret(user)
    form = EnrolTotpForm()
    if form.validate_on_submit():
        if provisioning.enrol_totp(user, secret, form.code.data):
            session.pop("totp_enrol", None)
            flash(
                _(
                    "Your authenticator app is set up. From now on, log in with your password and a code from it."
                )
            )
            return redirect_to(url_for(HOME_BY_ROLE[user.role]))
        form.code.errors.append(
            _(
                "This code does not match. Check that the app shows this account, then enter the "
                "code it shows now."
            )
        )
    status = 422 if form.errors or any(f.errors for f in form) else 200
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=user.username, issuer_name=f"{g.tenant.name} 医师电子化注册"
    )
    response = render(
        "accounts/enrol_totp.html",
        "form_block",
        status=status,
        form=form,
        qr=_qr_svg(uri),
        secret_text=grouped(secret),
    )
    response.headers["Cache-Control"] = "no-store"  # the secret is on the page
    return response
