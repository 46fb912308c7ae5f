"""Log-in and password-reset forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from portal.forms import new_password_fields, nfkc

#: how a password-reset code may travel (D6)
RESET_CHANNELS = ("sms", "email")


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[DataRequired(_l("Enter your user name.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class TotpForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"},
    )


def _username_field():
    return StringField(
        _l("User name"),
        filters=[nfkc],
        validators=[DataRequired(_l("Enter your user name.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "maxlength": "40"},
    )


class ForgotPasswordForm(FlaskForm):
    """D6, step 1: the user name, and where the code should go (the button pressed)."""

    username = _username_field()
    #: the value of the submit button pressed: "sms" or "email"
    channel = StringField(validators=[DataRequired(), AnyOf(RESET_CHANNELS)])


class ResetPasswordForm(FlaskForm):
    """D6, step 2: the code, and the new password twice (the same rules as at sign-up)."""

    username = _username_field()
    code = StringField(
        _l("Code from the text message or email"),
        filters=[nfkc],
        validators=[DataRequired(_l("Enter the code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"},
    )
    password, password_again = new_password_fields(_l("New password"), _l("New password again"))

    def explain_lock(self, rules: dict) -> None:
        """The same hint for everyone (a lock is never announced: it would tell that the account exists)."""
        self.code.description = _l(
            "After %(n)s wrong codes in a row, code entry is locked for %(m)s minutes.",
            n=rules["otp_lock_after_failures"],
            m=rules["otp_lock_minutes"],
        )
