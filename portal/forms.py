"""The pieces of forms every end shares: the messages of the field rules (``portal.rules``),
the input filters, the new-password pair, person and mobile fields, and the staff form both
the commission (the person in charge, I1) and the institution (its staff, I2) fill in."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.rules import identity

MESSAGES = {
    "required": _l("This field is required."),
    "name_length": _l("Enter your full legal name (2 to 30 characters)."),
    "name_chars": _l(
        "Enter your legal name in Chinese characters, as on your ID card (a middle dot · is allowed). "
        "This is not your user name: no letters or digits."
    ),
    "id_length": _l("A resident ID number has 18 characters."),
    "id_checksum": _l("This ID number is not valid: check every digit (the last one may be X)."),
    "id_birth_date": _l("The birth date in this ID number is not a real date."),
    "id_format": _l("This ID number is not valid: 17 digits followed by a digit or X."),
    "mobile": _l("Enter a mainland China mobile number of 11 digits, e.g. 13800138000."),
    "email": _l("Enter a valid email address, e.g. name@example.com."),
    "username": _l("4 to 32 characters: letters, digits, '_', '.' or '-', starting with a letter."),
    "password_length": _l("Use 8 to 128 characters."),
    "password_mix": _l("Use both letters and digits or symbols."),
}


def nfkc(value):
    """Full-width digits and letters (４２０…, Ｘ) from a Chinese input method, read as ASCII."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def rule(check):
    def validator(form, field):
        key = check(field.data or "")
        if key:
            raise ValidationError(MESSAGES[key])

    return validator


def new_password_fields(label, again_label) -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition, with the password rules (D1, D6)."""
    return (
        PasswordField(
            label,
            validators=[
                DataRequired(MESSAGES["required"]),
                Length(max=128, message=MESSAGES["password_length"]),
                rule(identity.password_error),
            ],
            render_kw={"autocomplete": "new-password", "maxlength": "128"},
            description=_l("At least 8 characters, with letters and digits or symbols."),
        ),
        PasswordField(
            again_label,
            validators=[
                DataRequired(MESSAGES["required"]),
                EqualTo("password", _l("The two passwords differ.")),
            ],
            render_kw={"autocomplete": "new-password", "maxlength": "128"},
        ),
    )


def person_name_field(label):
    return StringField(
        label,
        validators=[
            DataRequired(MESSAGES["required"]),
            Length(max=30),
            rule(identity.real_name_error),
        ],
        render_kw={"autocomplete": "off", "maxlength": "30"},
        description=_l("The legal name, in Chinese characters."),
    )


def mobile_field(label):
    return StringField(
        label,
        filters=[nfkc],
        validators=[
            DataRequired(MESSAGES["required"]),
            Length(max=11, message=MESSAGES["mobile"]),
            rule(identity.mobile_error),
        ],
        render_kw={"autocomplete": "off", "inputmode": "tel", "maxlength": "11"},
        description=_l("The user name and first password are sent to this number by text message."),
    )


class StaffForm(FlaskForm):
    real_name = person_name_field(_l("Name"))
    mobile = mobile_field(_l("Mobile number"))
