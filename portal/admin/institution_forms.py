"""Forms of institution provisioning (I1, A1) and of the person in charge's staff page (I2)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from portal.admin import coverage
from portal.doctor.forms import MESSAGES, nfkc, rule
from portal.extensions import db
from portal.institution.models import InstitutionLevel
from portal.rules import identity
from portal.tenants.models import Region, local_today

LEVEL_LABELS = {
    InstitutionLevel.COUNTY: _l("At or below county level"),
    InstitutionLevel.SECONDARY: _l("Secondary"),
    InstitutionLevel.TERTIARY: _l("Tertiary"),
}

#: the three documents an officer must see on site before creating the account (I1)
CHECKS = ("licence_seen", "power_of_attorney_seen", "agent_id_card_seen")


def county_choices(officer) -> list[SelectChoice]:
    """The tenant's counties that the officer covers (A1), as "city county", in code order."""
    regions = coverage.covered_regions(officer)
    stmt = db.select(Region).where(Region.level == "county").options(joinedload(Region.parent)).order_by(Region.code)
    if regions is not None:
        stmt = stmt.where(Region.id.in_(regions))
    counties = db.session.execute(stmt).scalars().all()
    return [SelectChoice(str(c.id), f"{c.parent.name} {c.name}" if c.parent else c.name) for c in counties]


def _person_name(label):
    return StringField(label, validators=[DataRequired(MESSAGES["required"]), Length(max=30),
                                               rule(identity.real_name_error)],
                       render_kw={"autocomplete": "off", "maxlength": "30"},
                       description=_l("The legal name, in Chinese characters."))


def _mobile(label):
    return StringField(label, filters=[nfkc],
                       validators=[DataRequired(MESSAGES["required"]), Length(max=11, message=MESSAGES["mobile"]),
                                   rule(identity.mobile_error)],
                       render_kw={"autocomplete": "off", "inputmode": "tel", "maxlength": "11"},
                       description=_l("The user name and first password are sent to this number by text message."))


def _seen(label):
    return BooleanField(label, validators=[DataRequired(_l("Tick this only once you have seen the document: the "
                                                           "account cannot be created without it."))])


class ProvisionForm(FlaskForm):
    name = StringField(_l("Institution name"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(MESSAGES["required"]), Length(max=100)],
                       render_kw={"maxlength": "100"})
    licence_no = StringField(_l("Practice licence registration number"), filters=[nfkc],
                             validators=[DataRequired(MESSAGES["required"]), Length(max=40)],
                             render_kw={"maxlength": "40", "autocapitalize": "characters"},
                             description=_l("As on the practice licence (医疗机构执业许可证登记号)."))
    level = SelectField(_l("Level"), choices=[SelectChoice(k.value, v) for k, v in LEVEL_LABELS.items()],
                        validators=[DataRequired(MESSAGES["required"])])
    county_id = SelectField(_l("County"), coerce=int, validate_choice=False,
                            validators=[DataRequired(MESSAGES["required"])])
    address = StringField(_l("Address"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                          validators=[DataRequired(MESSAGES["required"]), Length(max=200)],
                          render_kw={"maxlength": "200"})
    person_in_charge = _person_name(_l("Person in charge's name"))
    mobile = _mobile(_l("Person in charge's mobile number"))
    licence_seen = _seen(_l("Practice licence seen, original and copy"))
    power_of_attorney_seen = _seen(_l("Power of attorney seen"))
    agent_id_card_seen = _seen(_l("Agent's ID card seen"))
    checked_by = StringField(_l("Checked on site by (officer's name)"),
                             filters=[lambda v: v.strip() if isinstance(v, str) else v],
                             validators=[DataRequired(MESSAGES["required"]), Length(max=40)],
                             render_kw={"maxlength": "40"})
    checked_on = DateField(_l("Date of the check"), validators=[DataRequired(MESSAGES["required"])])

    def __init__(self, *args, officer, **kwargs):
        super().__init__(*args, **kwargs)
        self.county_id.choices = county_choices(officer)

    def validate_checked_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("The check cannot be dated in the future."))

    def validate_county_id(self, field):
        if field.data not in {int(c.value) for c in self.county_id.choices}:
            raise ValidationError(_l("Choose one of the counties listed: your region covers only these."))


class StaffForm(FlaskForm):
    real_name = _person_name(_l("Name"))
    mobile = _mobile(_l("Mobile number"))
