"""Locked code log-in (SEC2): 10 wrong codes in a row lock it for an hour; an officer sees
the accounts locked now and unlocks one (after checking, e.g. by phone, that the doctor asks).
A doctor's account belongs to no region (A1), so this is the province's: its officers and
administrator; an officer of a city or a county is answered 403 and not offered the link."""

from __future__ import annotations

from flask import abort, flash, g, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.accounts.models import Role, User
from portal.admin import bp
from portal.admin.coverage import province_only
from portal.admin.views import PAGE
from portal.columns import utcnow
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.workflow.accounts import unlock_codes


@bp.get("/accounts/locked")
@province_only
def locked_accounts():
    doctors = (
        db.session.execute(
            db.select(User)
            .where(User.role == Role.DOCTOR, User.code_locked_until > utcnow())
            .order_by(User.code_locked_until.desc())
            .limit(PAGE)
        )
        .scalars()
        .all()
    )
    return render("admin/locked_accounts.html", doctors=doctors, form=FlaskForm())


@bp.post("/accounts/<int:doctor_id>/unlock")
@province_only
def unlock_account(doctor_id: int):
    doctor = db.session.get(User, doctor_id)
    if doctor is None or doctor.role is not Role.DOCTOR:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    unlock_codes(doctor, current_user, g.tenant)
    flash(
        _(
            "Code entry is unlocked for %(name)s, who was told by text message.",
            name=doctor.real_name,
        )
    )
    return redirect_to(url_for("admin.locked_accounts"))
