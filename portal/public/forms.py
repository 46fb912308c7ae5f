"""The public verification form (V1). A GET form: the address of an answer can be shared."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

#: longer than any certificate number (the column holds 20); the tenant's format may change (L10)
MAX_DIGITS = 20


def digits_only(value):
    """Full-width digits from a Chinese input method read as ASCII, spaces between groups dropped."""
    if not isinstance(value, str):
        return value
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def certificate_number(form, field):
    value = field.data or ""
    if not (value.isascii() and value.isdigit()):
        raise ValidationError(_l("A certificate number has digits only, e.g. 114205250000001."))
    if len(value) > MAX_DIGITS:
        raise ValidationError(_l("A certificate number has at most %(n)d digits.", n=MAX_DIGITS))


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing a visitor could be tricked into

    no = StringField(
        _l("Certificate number"),
        filters=[digits_only],
        validators=[DataRequired(_l("This field is required.")), certificate_number],
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "off",
            "maxlength": str(MAX_DIGITS + 10),
        },
        description=_l(
            "The number on the practice certificate (执业证书编码), or scan the QR code of the "
            "doctor's electronic certificate."
        ),
    )
