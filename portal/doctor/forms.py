"""The doctor's forms. Field rules come from ``portal.rules``; messages are translated here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from portal.forms import (
    MESSAGES,
    id_number_rule,
    mobile_field,
    new_password_fields,
    nfkc,
    person_name_field,
    rule,
)
from portal.rules import identity


class SignupForm(FlaskForm):
    # one message per refusal, saying what is wrong (issue 14): the rules check the length too
    real_name = person_name_field(
        _l("Real name (as on your ID card)"),
        description=_l("Chinese characters only. This is not your user name."),
        autocomplete="name",
    )
    id_number = StringField(
        _l("Resident ID number"),
        filters=[nfkc],
        validators=[DataRequired(MESSAGES["required"]), id_number_rule],
        render_kw={"autocomplete": "off", "maxlength": "18", "autocapitalize": "characters"},
    )
    phone = mobile_field(
        _l("Mobile number"),
        description=_l("Codes and notices are sent to this number by text message."),
        autocomplete="tel-national",
    )
    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(MESSAGES["required"]),
            rule(identity.email_error),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email", "maxlength": "254"},
    )
    username = StringField(
        _l("User name (for logging in)"),
        validators=[
            DataRequired(MESSAGES["required"]),
            rule(identity.username_error),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "maxlength": "32"},
    )
    password, password_again = new_password_fields(_l("Password"), _l("Password again"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Verification code"),
        filters=[nfkc],
        validators=[DataRequired(_l("Enter the code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"},
    )


class SendCodeForm(FlaskForm):
    channel = HiddenField(validators=[DataRequired(), AnyOf(("sms", "email"))])


class ActivationCodeForm(FlaskForm):
    code = StringField(
        _l("Activation code"),
        filters=[nfkc],
        validators=[DataRequired(_l("Enter the activation code.")), Length(max=20)],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "characters",
            "maxlength": "20",
        },
    )


class ChooseInstitutionForm(FlaskForm):
    institution_id = HiddenField(validators=[DataRequired()])


NONE_HINT = _l("Required. Write 无 (none) if there is nothing to declare.")


# ---- SEC1: the Account page ------------------------------------------------------------------


def _current_password(field_id: str = "current_password"):
    """The current password, typed again. The Account page holds three such forms: each field has
    its own id, so every label and error message names its own field (P7)."""
    return PasswordField(
        _l("Current password"),
        validators=[DataRequired(MESSAGES["required"]), Length(max=128)],
        id=field_id,
        render_kw={"autocomplete": "current-password", "maxlength": "128"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = _current_password()
    password, password_again = new_password_fields(_l("New password"), _l("New password again"))


class ChangePhoneForm(FlaskForm):
    current_password = _current_password("phone_current_password")
    phone = mobile_field(
        _l("New mobile number"),
        description=_l("Codes and notices are sent to this number by text message."),
        autocomplete="tel-national",
    )


class ChangeEmailForm(FlaskForm):
    current_password = _current_password("email_current_password")
    email = StringField(
        _l("New email address"),
        filters=[nfkc],
        validators=[
            DataRequired(MESSAGES["required"]),
            rule(identity.email_error),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email", "maxlength": "254"},
    )
