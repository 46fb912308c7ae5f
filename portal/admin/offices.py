"""Where doctors bring their paper materials (D16, S4, A5, A8; issue 12): the province's
administrator edits, for each city and county, its health commission's office (name, address,
phone, hours). A region left empty sends its doctors one level up, and at the top to the
province's contact details (``portal.rules.offices``). Every change is audited."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import StringField
from wtforms.validators import Length, ValidationError

from portal.accounts import role_required
from portal.accounts.models import Role
from portal.admin import bp
from portal.extensions import db
from portal.forms import nfkc
from portal.htmx import redirect_to, render
from portal.tenants.models import Region
from portal.workflow import offices

admin_only = role_required(Role.ADMIN)


def _text(label, length: int, description=None):
    return StringField(
        label,
        filters=[nfkc],
        validators=[Length(max=length, message=_l("At most %(max)d characters."))],
        render_kw={"maxlength": str(length)},
        description=description,
    )


class OfficeForm(FlaskForm):
    name = _text(_l("Office name"), 100, _l("e.g. 远安县卫生健康局 政务服务窗口"))
    address = _text(_l("Address"), 200)
    phone = _text(_l("Phone"), 40)
    hours = _text(_l("Opening hours"), 100, _l("e.g. 周一至周五 8:30–12:00, 14:30–17:30"))

    def validate_name(self, field):
        # an office is its name and address together; all empty clears it (the level above serves)
        if (field.data or "") == "" and any((self.address.data, self.phone.data, self.hours.data)):
            raise ValidationError(_l("Give the office's name, or empty every field to clear it."))

    def validate_address(self, field):
        if (field.data or "") == "" and self.name.data:
            raise ValidationError(_l("Give the office's address: doctors need to find it."))

    def validate_phone(self, field):
        if field.data and not all(c.isdigit() or c in "-+ ()转" for c in field.data):
            raise ValidationError(
                _l("Enter a phone number: digits, spaces and - only, e.g. 0717-1234567.")
            )


def _regions():
    return list(
        db.session.execute(
            db.select(Region).options(joinedload(Region.parent)).order_by(Region.code)
        ).scalars()
    )


@bp.get("/offices")
@admin_only
def office_list():
    return render("admin/offices.html", regions=_regions())


def _region_or_404(region_id: int) -> Region:
    region = db.session.get(Region, region_id)  # another tenant's id finds nothing (T3)
    if region is None:
        abort(404)
    return region


@bp.route("/offices/<int:region_id>", methods=["GET", "POST"])
@admin_only
def edit_office(region_id: int):
    region = _region_or_404(region_id)
    if_none = {
        "name": region.office_name,
        "address": region.office_address,
        "phone": region.office_phone,
        "hours": region.office_hours,
    }
    form = OfficeForm() if request.method == "POST" else OfficeForm(data=if_none)
    if form.validate_on_submit():
        changed = offices.set_office(
            region,
            current_user,
            offices.OfficeDetails(
                form.name.data or "",
                form.address.data or "",
                form.phone.data or "",
                form.hours.data or "",
            ),
        )
        flash(
            _("The office of %(region)s is saved.", region=region.name)
            if changed
            else _("Nothing changed.")
        )
        return redirect_to(url_for("admin.office_list"))
    if "csrf_token" in form.errors:
        abort(400)
    status = 422 if form.errors else 200
    return render("admin/office.html", "form_block", status=status, form=form, region=region)
