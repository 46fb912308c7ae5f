"""The forms of the application wizard's steps (D9). Choices that depend on the doctor
(qualifications, scopes) are set by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.doctor.forms import MESSAGES, NONE_HINT


class PersonalForm(FlaskForm):
    home_address = StringField(
        _l("Home address as on your ID card"),
        validators=[DataRequired(MESSAGES["required"]), Length(max=200)],
        description=_l("The address printed on your ID card, not where you live now."),
        render_kw={"maxlength": "200", "autocomplete": "street-address"},
    )


class QualificationForm(FlaskForm):
    qualification_id = RadioField(
        _l("Certificate to register"), coerce=str, validators=[Optional()]
    )
    confirm_cancel = BooleanField(_l("I understand that the other certificate will be cancelled"))
    training_months = IntegerField(
        _l("Length of the training (months)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=120, message=_l("Between 1 and 120 months.")),
        ],
        render_kw={"inputmode": "numeric", "min": "1", "max": "120"},
    )
    training_passed = BooleanField(_l("I passed the assessment at the end of the training"))
    training_certificate = FileField(
        _l("Scan or photo of the training certificate (JPEG or PNG)"),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    assessment_certificate = FileField(
        _l("Scan or photo of the assessment certificate (JPEG or PNG)"),
        render_kw={"accept": "image/jpeg,image/png"},
    )


class PracticeForm(FlaskForm):
    scopes = SelectMultipleField(_l("Practice scopes"), coerce=str, validators=[Optional()])
    gp_transfer_training = BooleanField(
        _l("I passed general-practice transfer training (全科医生转岗培训)")
    )
    gp_certificate = FileField(
        _l("Scan or photo of the transfer-training certificate (JPEG or PNG)"),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    contract_start = DateField(
        _l("Contract start date"),
        validators=[Optional()],
        description=_l(
            "Leave both dates empty if you have no contract: one year from today is used."
        ),
    )
    contract_end = DateField(_l("Contract end date"), validators=[Optional()])

    def validate_contract_end(self, field):
        start, end = self.contract_start.data, field.data
        if start and end and end <= start:
            raise ValidationError(_l("The contract must end after it starts."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # Optional() stops an empty date's validators: one date without the other would pass
        # and silently become the one-year default (D14), so refuse it here
        start, end = self.contract_start, self.contract_end
        if bool(start.data) != bool(end.data) and not start.errors and not end.errors:
            (end if start.data else start).errors.append(
                _l("Give both contract dates, or leave both empty.")
            )
            return False
        return ok


class HistoryForm(FlaskForm):
    work_experience = TextAreaField(
        _l("Work experience"),
        validators=[DataRequired(NONE_HINT), Length(max=2000)],
        description=NONE_HINT,
        render_kw={"maxlength": "2000", "rows": "5"},
    )
    rewards_punishments = TextAreaField(
        _l("Rewards and punishments"),
        validators=[DataRequired(NONE_HINT), Length(max=1000)],
        description=NONE_HINT,
        render_kw={"maxlength": "1000", "rows": "3"},
    )


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("Photo (JPEG or PNG)"),
        render_kw={"accept": "image/jpeg,image/png"},
        description=_l(
            "A recent bare-headed frontal photo on a plain background; it is cropped to the "
            "2-inch format. Your exam photo may be replaced by a recent one."
        ),
    )
    pending_id = HiddenField()


class SubmitForm(FlaskForm):
    pass
