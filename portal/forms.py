"""The pieces of forms every end shares: the messages of the field rules (``portal.rules``),
the input filters, the new-password pair, person and mobile fields, and the staff form both
the commission (the person in charge, I1) and the institution (its staff, I2) fill in."""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, ValidationError

from portal.columns import local_today
from portal.rules import identity
from portal.rules.cancellation import ground_date_problem
from portal.workflow.cancellations import cancel_ground_label
from portal.workflow.models import CANCEL_GROUNDS

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
    # issue 14: each refusal says what is wrong with that input
    "name_space": _l(
        "Write your name without spaces, as on your ID card (a middle dot · joins the parts of a "
        "minority or foreign name)."
    ),
    "name_letters": _l(
        "Write your name in Chinese characters, as on your ID card: no Latin letters. This is not "
        "your user name."
    ),
    "name_digits": _l("A name has no digits: write it in Chinese characters, as on your ID card."),
    "name_dot": _l("A middle dot · goes only between two parts of a name, once."),
    "name_marks": _l(
        "Use only Chinese characters (and a middle dot · in a minority or foreign name): remove "
        "the other marks."
    ),
    "id_birth_future": _l(
        "The birth date in this ID number (digits 7 to 14) is after today: check those digits."
    ),
    "id_too_young": _l(
        "The birth date in this ID number (digits 7 to 14) makes you younger than %(n)d: check "
        "those digits."
    ),
    "id_too_old": _l(
        "The birth date in this ID number (digits 7 to 14) is more than %(n)d years ago: check "
        "those digits."
    ),
    "mobile_chars": _l(
        "A mobile number has only digits (spaces, hyphens and +86 are fine), e.g. 138 0013 8000."
    ),
    "mobile_length": _l(
        "A mainland China mobile number has 11 digits (without +86), e.g. 138 0013 8000."
    ),
}

#: the numbers some messages carry (``%(n)d``)
PARAMS = {"id_too_young": {"n": identity.MIN_AGE}, "id_too_old": {"n": identity.MAX_AGE}}
#: the fields that ask a person's own name show "name_marks" for what the coarse check calls
#: "name_chars" (which speaks of letters and digits)
_FIELD_KEYS = {"name_chars": "name_marks"}


def nfkc(value):
    """Full-width digits and letters (４２０…, Ｘ) from a Chinese input method, read as ASCII."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def message(key: str) -> str:
    text = MESSAGES[_FIELD_KEYS.get(key, key)]
    return text % PARAMS[key] if key in PARAMS else text


def rule(check):
    def validator(form, field):
        key = check(field.data or "")
        if key:
            raise ValidationError(message(key))

    return validator


def id_number_rule(form, field):
    """D1, issue 14: a real ID number whose birth date is plausible for a doctor today (Beijing)."""
    key = identity.id_number_error(field.data or "", today=local_today())
    if key:
        raise ValidationError(message(key))


def mobile_filter(value):
    """Full-width digits read as ASCII, then any common way of writing a mainland mobile
    (``+86 138 0013 8000``…) stored as its 11 digits (issue 14). What is not a mobile number is
    left as typed, for the validator to explain and the form to show back."""
    value = nfkc(value)
    if isinstance(value, str):
        return identity.normalise_mobile(value) or value
    return value


def new_password_fields(label, again_label) -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition, with the password rules (D1, D6)."""
    return (
        PasswordField(
            label,
            validators=[
                DataRequired(MESSAGES["required"]),
                rule(identity.password_error),  # also the length: one message, not two
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


def person_name_field(label, *, description=None, autocomplete="off"):
    """A person's legal name: one message saying what is wrong (issue 14), never two."""
    return StringField(
        label,
        validators=[DataRequired(MESSAGES["required"]), rule(identity.real_name_problem)],
        render_kw={"autocomplete": autocomplete, "maxlength": "30"},
        description=description or _l("The legal name, in Chinese characters."),
    )


#: room for "+86 (138) 0013-8000" and the like: the number is normalised after the paste
MOBILE_MAXLENGTH = "24"


def mobile_field(label, *, description=None, autocomplete="off"):
    """The ONE mobile-number field of every form (issue 14): takes what people paste, stores the
    11 digits, and shows one message when it is not a mainland mobile number."""
    return StringField(
        label,
        filters=[mobile_filter],
        validators=[DataRequired(MESSAGES["required"]), rule(identity.mobile_error)],
        render_kw={
            "autocomplete": autocomplete,
            "inputmode": "tel",
            "maxlength": MOBILE_MAXLENGTH,
        },
        description=description
        or _l("The user name and first password are sent to this number by text message."),
    )


class StaffForm(FlaskForm):
    real_name = person_name_field(_l("Name"))
    mobile = mobile_field(_l("Mobile number"))


#: what the day of a cancellation ground may not be (L4), as the forms say it
GROUND_DATE_PROBLEMS = {
    "future": _l("This date is in the future."),
    "before_registration": _l("This date is before the registration began."),
}


class CancellationGroundForm(FlaskForm):
    """A ground of L4 (Practitioners' Law art. 17) and its day, as the institution reports it and
    as the commission cancels on its own motion: the day neither in the future nor before the
    registration began (``registered_on``)."""

    ground = SelectField(
        _l("Ground for cancellation (Practitioners' Law art. 17)"),
        validators=[
            DataRequired(_l("Choose the ground.")),
            AnyOf(CANCEL_GROUNDS, message=_l("Choose the ground.")),
        ],
    )
    ground_on = DateField(
        _l("Date of the ground"),
        validators=[DataRequired(_l("Enter the date of the ground."))],
        description=_l("E.g. the date of death, of the judgment or of the revocation."),
    )

    def __init__(self, *args, registered_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.registered_on = registered_on
        self.ground.choices = [("", _("Choose…"))] + [
            (k, cancel_ground_label(k)) for k in CANCEL_GROUNDS
        ]

    def validate_ground_on(self, field) -> None:
        if field.data is not None:
            problem = ground_date_problem(field.data, local_today(), self.registered_on)
            if problem is not None:
                field.errors.append(GROUND_DATE_PROBLEMS[problem])
