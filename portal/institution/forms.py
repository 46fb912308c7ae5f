from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length


class SendActivationForm(FlaskForm):
    channel = HiddenField(default="sms", validators=[AnyOf(("sms", "email"))])


class AutoActivationForm(FlaskForm):
    enabled = BooleanField(_l("Activate doctors who name this institution automatically"))


class RejectForm(FlaskForm):
    reason = StringField(
        _l("Reason for rejecting"),
        validators=[DataRequired(_l("Give the reason: the doctor will see it.")), Length(max=500)],
        render_kw={"maxlength": "500"},
    )


class BatchForm(FlaskForm):
    """I4: one decision for every selected item (the items are the page's checkboxes)."""

    action = HiddenField(validators=[AnyOf(("approve", "reject"))])
    reason = StringField(
        _l("Reason, when you reject the selected items"),
        validators=[Length(max=500)],
        render_kw={"maxlength": "500"},
    )
