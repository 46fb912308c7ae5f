"""T1, T5: the province administrator edits the commission's contact details (person or
office, phone, address, office hours), shown on the province's home page and to doctors
whose identity is not verified (D2). Audited through ``portal.workflow.province``."""

from __future__ import annotations

from flask import flash, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from portal.accounts import role_required
from portal.accounts.models import Role
from portal.admin import bp
from portal.forms import nfkc
from portal.htmx import redirect_to, render
from portal.workflow.province import CONTACT_FIELDS, update_contact


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ProvinceContactForm(FlaskForm):
    contact_name = StringField(
        _l("Contact person or office"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter a contact person or office.")), Length(max=100)],
    )
    contact_phone = StringField(
        _l("Contact phone"),
        filters=[nfkc, _strip],
        validators=[
            DataRequired(_l("Enter a phone number.")),
            Length(max=40),
            Regexp(
                r"^[0-9+()\- ]+$",
                message=_l("A phone number has only digits, spaces, '-', '+' and brackets."),
            ),
        ],
    )
    contact_address = StringField(
        _l("Address"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter the address.")), Length(max=200)],
    )
    office_hours = StringField(
        _l("Office hours"),
        description=_l(
            "When the office answers the phone and takes paper materials, e.g. Mon–Fri 8:30–12:00, 14:30–17:30."
        ),
        filters=[_strip],
        validators=[DataRequired(_l("Enter the office hours.")), Length(max=200)],
    )


@bp.route("/province", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def province_contact():
    tenant = g.tenant
    form = ProvinceContactForm(obj=tenant)
    if form.validate_on_submit():
        changed = update_contact(
            tenant, current_user, **{name: getattr(form, name).data for name in CONTACT_FIELDS}
        )
        flash(_("The contact details are saved.") if changed else _("Nothing was changed."))
        return redirect_to(url_for("admin.province_contact"))
    status = 422 if form.errors else 200
    return render("admin/province.html", "form_block", status=status, form=form)
