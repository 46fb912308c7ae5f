"""The doctor's Account page (SEC1): change the password, the mobile number or the email
address, each after typing the current password again. A new number or address is sent a
code and replaces the old one only once the code is entered (D3); until then the old one
stays in force. The changes themselves are workflow functions (portal/workflow/account_changes)."""

from __future__ import annotations

from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import credential_limit, password_set_limit, start_session
from portal.accounts.codes import CodeError
from portal.accounts.passwords import check_password
from portal.doctor import bp
from portal.doctor.forms import ChangeEmailForm, ChangePasswordForm, ChangePhoneForm, CodeForm
from portal.htmx import redirect_to, render
from portal.workflow import account_changes

TEMPLATE = "doctor/account.html"


def _page(status: int = 200, block: str | None = None, **forms):
    context = {
        "password_form": ChangePasswordForm(formdata=None),
        "phone_form": ChangePhoneForm(formdata=None),
        "email_form": ChangeEmailForm(formdata=None),
        "code_form": None,
        "pending": None,
        "wait": None,
    }
    context.update(forms)
    return render(TEMPLATE, block, status=status, **context)


def _password_ok(form) -> bool:
    """The current password, typed again: a wrong one is a form error (422), nothing changes."""
    if check_password(current_user.password_hash, form.current_password.data or ""):
        return True
    form.current_password.errors = [_("This is not your current password.")]
    return False


def _channel() -> str:
    channel = request.form.get("channel")
    if channel not in account_changes.CONTACTS:
        abort(400)
    return channel


@bp.get("/me/account")
def account():
    return _page()


@bp.post("/me/account/password")
@credential_limit
@password_set_limit
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit() and _password_ok(form):
        user = current_user._get_current_object()
        left = account_changes.change_password(user, form.password.data, g.tenant)
        start_session(
            user
        )  # this device stays logged in with the new session version; the others are out
        flash(_("Your password was changed. You were logged out on your other devices."))
        if left:  # issue 14: that password opens another account of the name (workflow.usernames)
            flash(
                _(
                    "Another account with the user name %(left)s has this password, so your user name "
                    "is now %(name)s. Log in with it from now on.",
                    left=left,
                    name=user.username,
                )
            )
        return redirect_to(url_for("doctor.account"))
    return _page(422, "password_block", password_form=form)


@bp.post("/me/account/contact")
@credential_limit
def request_contact_change():
    channel = _channel()
    form = ChangePhoneForm() if channel == "sms" else ChangeEmailForm()
    forms = {"phone_form" if channel == "sms" else "email_form": form}
    block = "phone_block" if channel == "sms" else "email_block"
    if not (form.validate_on_submit() and _password_ok(form)):
        return _page(422, block, **forms)
    new_value = form.phone.data if channel == "sms" else form.email.data.lower()
    current = current_user.phone if channel == "sms" else current_user.email
    if new_value == current:
        field = form.phone if channel == "sms" else form.email
        field.errors = [
            _("This is already your mobile number.")
            if channel == "sms"
            else _("This is already your email address.")
        ]
        return _page(422, block, **forms)
    try:
        wait = account_changes.request_contact_change(current_user, channel, new_value, g.tenant)
    except CodeError as err:
        (form.phone if channel == "sms" else form.email).errors = [err.message()]
        return _page(429, block, **forms)
    return _page(200, block, code_form=CodeForm(formdata=None), pending=channel, wait=wait)


@bp.post("/me/account/contact/confirm")
def confirm_contact_change():
    channel = _channel()
    block = "phone_block" if channel == "sms" else "email_block"
    form = CodeForm()
    if form.validate_on_submit():
        try:
            account_changes.confirm_contact_change(current_user, channel, form.code.data, g.tenant)
        except CodeError as err:
            form.code.errors.append(err.message())
        else:
            flash(
                _("Your mobile number was changed.")
                if channel == "sms"
                else _("Your email address was changed.")
            )
            return redirect_to(url_for("doctor.account"))
    return _page(422, block, code_form=form, pending=channel)
