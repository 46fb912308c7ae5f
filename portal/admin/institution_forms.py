"""Forms of institution provisioning (I1, A1) and of the person in charge's staff page (I2)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.admin import coverage
from portal.columns import local_today
from portal.extensions import db
from portal.forms import MESSAGES, mobile_field, nfkc, person_name_field
from portal.labels import INSTITUTION_LEVEL_LABELS
from portal.registry.institutions import InstitutionLevel
from portal.rules.credit_code import credit_code_problem
from portal.tenants.models import Region

CREDIT_CODE_PROBLEMS = {
    "length": _l("A unified social credit code has 18 characters."),
    "characters": _l(
        "A unified social credit code has digits and capital letters only, without I, O, Z, S or V."
    ),
    "check": _l("This code's last character does not match: check it against the licence."),
}

#: the three documents an officer must see on site before creating the account (I1)
CHECKS = ("licence_seen", "power_of_attorney_seen", "agent_id_card_seen")


def filing_regions(officer) -> list[Region]:
    """Where the officer may file an institution (A1), in code order (a city before its
    counties): the counties they cover, and the cities they cover themselves, for an institution
    of the city under no county (a 市人民医院). A county officer gets their county; a city
    officer the city and its counties; the province every one."""
    regions = coverage.covered_regions(officer)
    stmt = db.select(Region).options(joinedload(Region.parent)).order_by(Region.code)
    if regions is not None:
        stmt = stmt.where(Region.id.in_(regions))
    return list(db.session.execute(stmt).scalars())


def region_label(region: Region) -> str:
    """A county as "city county"; a city as itself, said to be the city under no county."""
    if region.level == "city":
        return _("%(city)s: the city itself (under no county)", city=region.name)
    return f"{region.parent.name} {region.name}" if region.parent else region.name


def _seen(label):
    return BooleanField(
        label,
        validators=[
            DataRequired(
                _l(
                    "Tick this only once you have seen the document: the "
                    "account cannot be created without it."
                )
            )
        ],
    )


class CheckForm(FlaskForm):
    """Who made the check in person (I1; an officer's ID card before a reset) and on what day."""

    checked_by = StringField(
        _l("Checked on site by (officer's name)"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired(MESSAGES["required"]), Length(max=40)],
        render_kw={"maxlength": "40"},
    )
    checked_on = DateField(_l("Date of the check"), validators=[DataRequired(MESSAGES["required"])])

    def validate_checked_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("The check cannot be dated in the future."))


class ProvisionForm(CheckForm):
    name = StringField(
        _l("Institution name"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired(MESSAGES["required"]), Length(max=100)],
        render_kw={"maxlength": "100"},
    )
    licence_no = StringField(
        _l("Practice licence registration number"),
        filters=[nfkc],
        validators=[DataRequired(MESSAGES["required"]), Length(max=40)],
        render_kw={"maxlength": "40", "autocapitalize": "characters"},
        description=_l("As on the practice licence (医疗机构执业许可证登记号)."),
    )
    credit_code = StringField(
        _l("Unified social credit code"),
        filters=[nfkc, lambda v: v.strip().upper() if isinstance(v, str) else v],
        validators=[Optional(), Length(max=18)],
        render_kw={"maxlength": "18", "autocapitalize": "characters"},
        description=_l(
            "18 characters, as on the practice licence (统一社会信用代码); the record import "
            "finds the institution by it."
        ),
    )
    level = SelectField(
        _l("Level"),
        choices=[SelectChoice(k.value, v) for k, v in INSTITUTION_LEVEL_LABELS.items()],
        validators=[DataRequired(MESSAGES["required"])],
    )
    county_id = SelectField(
        _l("County, or the city itself"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(MESSAGES["required"])],
        description=_l(
            "An institution of the city under no county (a city hospital) is filed "
            "under the city itself; it is above county level."
        ),
    )
    address = StringField(
        _l("Address"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired(MESSAGES["required"]), Length(max=200)],
        render_kw={"maxlength": "200"},
    )
    person_in_charge = person_name_field(_l("Person in charge's name"))
    mobile = mobile_field(_l("Person in charge's mobile number"))
    licence_seen = _seen(_l("Practice licence seen, original and copy"))
    power_of_attorney_seen = _seen(_l("Power of attorney seen"))
    agent_id_card_seen = _seen(_l("Agent's ID card seen"))

    def __init__(self, *args, officer, **kwargs):
        super().__init__(*args, **kwargs)
        regions = filing_regions(officer)
        self.county_id.choices = [SelectChoice(str(r.id), region_label(r)) for r in regions]
        self.cities = {r.id for r in regions if r.level == "city"}

    def validate_credit_code(self, field):
        problem = credit_code_problem(field.data) if field.data else None
        if problem is not None:
            raise ValidationError(CREDIT_CODE_PROBLEMS[problem])

    def validate_county_id(self, field):
        if field.data not in {int(c.value) for c in self.county_id.choices}:
            raise ValidationError(
                _l("Choose one of the places listed: your region covers only these.")
            )
        if field.data in self.cities and self.level.data == InstitutionLevel.COUNTY.value:
            # R1/F12: "at or below county level" means under a county, whose commission approves extra scopes
            raise ValidationError(
                _l(
                    "An institution filed under the city itself is above county level: choose its "
                    "level (secondary or tertiary), or the county it belongs to."
                )
            )
