"""The person in charge's Staff page (I2): the institution's staff accounts; add one (user
name and first password by SMS, then the first log-in of I1), disable or re-enable one. A
disabled account cannot log in, and its open sessions end at once."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.forms import StaffForm
from portal.htmx import is_partial_request, redirect_to, render
from portal.inputs import db_id
from portal.institution import bp
from portal.institution.views import PAGE
from portal.workflow import provisioning
from portal.workflow.locks import WrongState


def person_in_charge_only(view):
    """Only the institution's person in charge manages its staff: anyone else is told so (403)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_person_in_charge:
            return render(
                "error.html",
                "content",
                status=403,
                tenant=g.tenant,
                message=_(
                    "Only the person in charge of the institution manages its staff accounts."
                ),
            )
        return view(*args, **kwargs)

    return wrapped


def _staff_rows(before: int | None):
    stmt = (
        db.select(User)
        .where(User.institution_id == current_user.institution_id, User.role == Role.STAFF)
        .order_by(User.id)
        .limit(PAGE + 1)
    )
    if before:
        stmt = stmt.where(User.id > before)
    rows = db.session.execute(stmt).scalars().all()
    return rows[:PAGE], (rows[PAGE - 1].id if len(rows) > PAGE else None)


def _page(form: StaffForm, status: int = 200):
    rows, next_after = _staff_rows(request.args.get("after", type=db_id))
    return render(
        "institution/staff.html",
        "add_block",
        status=status,
        staff=rows,
        next_after=next_after,
        form=form,
        done={},
    )


@bp.get("/staff")
@person_in_charge_only
def staff():
    return _page(StaffForm(formdata=None))


@bp.post("/staff")
@person_in_charge_only
def add_staff():
    form = StaffForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(form, 422)
    for _attempt in range(3):
        try:
            user = provisioning.add_staff(
                current_user.institution,
                current_user,
                form.real_name.data,
                form.mobile.data,
                g.tenant,
            )
            break
        except IntegrityError:  # a colleague's new account took the same user name meanwhile
            db.session.rollback()
    else:
        form.real_name.errors.append(
            _("Another staff account was being created at the same moment. Please try again.")
        )
        return _page(form, 409)
    flash(
        _(
            "Staff account %(user)s was created for %(name)s. The user name and a first password were sent by text "
            "message to %(phone)s.",
            user=user.username,
            name=user.real_name,
            phone=user.masked_phone,
        )
    )
    return redirect_to(url_for("institution.staff"))


def _staff_of_mine(staff_id: int) -> User:
    user = db.session.get(User, staff_id)  # another tenant's id finds nothing (T3)
    if (
        user is None
        or user.role != Role.STAFF
        or user.institution_id != current_user.institution_id
    ):
        abort(404)
    return user


def _set_disabled(staff_id: int, disabled: bool):
    user = _staff_of_mine(staff_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    status = 200
    try:
        provisioning.set_disabled(user, current_user, disabled)
    except provisioning.SelfDisable:
        message, status = _("You cannot disable your own account."), 422
    except WrongState:
        db.session.rollback()
        message, status = (
            (
                _("This account is already disabled.")
                if disabled
                else _("This account is already enabled.")
            ),
            409,
        )
    else:
        message = (
            _(
                "%(user)s is disabled: the account cannot log in and its open sessions have ended.",
                user=user.username,
            )
            if disabled
            else _("%(user)s can log in again.", user=user.username)
        )
    if is_partial_request():
        return render(
            "institution/staff.html", "staff_row", status=status, u=user, done={user.id: message}
        )
    flash(message)
    if status != 200:
        return _page(StaffForm(formdata=None), status)
    return redirect_to(url_for("institution.staff"))


@bp.post("/staff/<int:staff_id>/disable")
@person_in_charge_only
def disable_staff(staff_id: int):
    return _set_disabled(staff_id, True)


@bp.post("/staff/<int:staff_id>/enable")
@person_in_charge_only
def enable_staff(staff_id: int):
    return _set_disabled(staff_id, False)
