"""Officer accounts in-page (A1, I1, A8; issue 12): list the officers one manages, create one
for the province, a city or a county (user name and first password by SMS and e-mail, then
the first log-in of I1), disable or re-enable one, reset their credentials after checking
their ID card in person, send the set-up message again.

Who manages whom (``portal.rules.offices.manageable_levels``): the province's administrator
every officer; a province officer the officers of the cities and counties; a city officer those
of its own counties; a county officer nobody (the page says so, 403). Nobody creates or manages
an account at or above their own level: a forged form post asking for one is answered 403 with
the reason. An officer one does not manage (another city's, another tenant's) answers 404,
like a missing one."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.accounts.models import Role, User, mask_email
from portal.admin import bp, coverage
from portal.admin.institution_forms import CheckForm, filing_regions
from portal.admin.views import PAGE
from portal.extensions import db
from portal.forms import MESSAGES, mobile_field, nfkc, person_name_field, rule
from portal.htmx import redirect_to, render
from portal.inputs import db_id
from portal.rules import identity
from portal.rules.offices import CITY, COUNTY, PROVINCE, manageable_levels
from portal.tenants.models import Region
from portal.workflow import officers, provisioning
from portal.workflow.conflicts import said
from portal.workflow.locks import WrongState

LEVEL_LABELS = {PROVINCE: _l("Province"), CITY: _l("City"), COUNTY: _l("County")}
#: the form's value for the province (the others are region ids)
THE_PROVINCE = "province"


def levels_of(user: User) -> tuple[str, ...]:
    return manageable_levels(
        administrator=user.role is Role.ADMIN, own_level=coverage.level_of(user)
    )


@bp.context_processor
def _officer_levels():
    """``manages_officers()`` in the admin templates: the nav offers Officers only to them."""
    return {"manages_officers": lambda: bool(levels_of(current_user))}


def _refused(message: str):
    return render("error.html", "content", status=403, tenant=g.tenant, message=message)


def _not_yours():
    return _refused(
        _(
            "You cannot create or manage officer accounts at or above your own level. The province's "
            "administrator manages every officer; a province officer those of the cities and counties; "
            "a city officer those of its counties."
        )
    )


def manages_officers(view):
    """Only a user who manages some level of officers opens these pages: a county officer is
    told why not (403)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not levels_of(current_user):
            return _not_yours()
        return view(*args, **kwargs)

    return wrapped


def managed(user: User) -> ColumnElement[bool]:
    """The SQL criterion on ``User``: the officers this user manages."""
    levels = levels_of(user)
    if PROVINCE in levels:
        return true()
    if CITY in levels:
        return User.region_id.is_not(None)
    return User.region_id.in_(select(Region.id).where(Region.parent_id == user.region_id))


def manages(user: User, officer: User) -> bool:
    """The same rule as ``managed()``, for one officer already loaded."""
    return coverage.level_of(officer) in levels_of(user) and coverage.covers_region(
        user, officer.region
    )


def officer_or_404(user: User, officer_id: int) -> User:
    officer = db.session.get(User, officer_id)  # another tenant's id finds nothing (T3)
    if officer is None or officer.role is not Role.OFFICER or not manages(user, officer):
        abort(404)
    return officer


def place_choices(user: User) -> list[tuple[str, str]]:
    """Where the user may create an officer: the province, then cities and counties in code
    order (a city before its counties), each only at a level they manage and in their region."""
    levels = levels_of(user)
    out = (
        [(THE_PROVINCE, _("%(name)s (the province)", name=g.tenant.name))]
        if PROVINCE in levels
        else []
    )
    for r in filing_regions(user):
        if r.level not in levels:
            continue
        label = (
            _("%(city)s (city)", city=r.name)
            if r.level == CITY
            else _(
                "%(city)s %(county)s (county)",
                city=r.parent.name if r.parent else "",
                county=r.name,
            )
        )
        out.append((str(r.id), label))
    return out


class OfficerForm(FlaskForm):
    real_name = person_name_field(_l("Name"))
    mobile = mobile_field(_l("Mobile number"))
    email = StringField(
        _l("Email (optional)"),
        filters=[nfkc],
        validators=[
            Optional(),
            Length(max=254, message=MESSAGES["email"]),
            rule(identity.email_error),
        ],
        render_kw={"autocomplete": "off", "inputmode": "email", "maxlength": "254"},
        description=_l("The set-up message is also sent here."),
    )
    place = SelectField(
        _l("Works for"),
        validate_choice=False,
        validators=[DataRequired(MESSAGES["required"])],
        description=_l("The officer sees and decides only what this region covers."),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.place.choices = place_choices(user)

    def validate_place(self, field):
        if field.data not in {value for value, _label in self.place.choices}:
            raise ValidationError(_l("Choose one of the places listed: you manage only these."))


def _asked_level(value: str | None) -> tuple[str | None, Region | None]:
    """The level and region a posted place names (None, None: nothing this tenant has)."""
    if value == THE_PROVINCE:
        return PROVINCE, None
    region_id = db_id(value) if value else None
    region = db.session.get(Region, region_id) if region_id else None
    if region is None:
        return None, None
    return (CITY if region.level == CITY else COUNTY), region


def _officer_rows(before: int | None):
    stmt = (
        db.select(User)
        .options(joinedload(User.region).joinedload(Region.parent))
        .where(User.role == Role.OFFICER, managed(current_user))
        .order_by(User.id.desc())
        .limit(PAGE + 1)
    )
    if before:
        stmt = stmt.where(User.id < before)
    rows = db.session.execute(stmt).scalars().all()
    return rows[:PAGE], (rows[PAGE - 1].id if len(rows) > PAGE else None)


@bp.get("/officers")
@manages_officers
def officer_list():
    rows, next_before = _officer_rows(request.args.get("before", type=db_id))
    return render(
        "admin/officers.html",
        "results",
        officers=rows,
        next_before=next_before,
        levels=LEVEL_LABELS,
    )


@bp.route("/officers/new", methods=["GET", "POST"])
@manages_officers
def new_officer():
    form = OfficerForm(user=current_user)
    if request.method == "POST":
        level, region = _asked_level(request.form.get("place"))
        if level is not None and level not in levels_of(current_user):
            return _not_yours()  # e.g. a county or city officer asking for a province officer
        if form.validate_on_submit():
            for _attempt in range(3):
                try:
                    user = officers.create_officer(
                        current_user,
                        g.tenant,
                        form.real_name.data,
                        form.mobile.data,
                        form.email.data or "",
                        region,
                    )
                    break
                except IntegrityError:  # another officer took the same user name meanwhile
                    db.session.rollback()
            else:
                form.real_name.errors.append(
                    _("Another account was being created at the same moment. Please try again.")
                )
                return render("admin/officer_new.html", "form_block", status=409, form=form)
            flash(
                _(
                    "Officer account %(user)s was created for %(name)s. The user name and a first password were "
                    "sent by text message to %(phone)s.",
                    user=user.username,
                    name=user.real_name,
                    phone=user.masked_phone,
                )
            )
            return redirect_to(url_for("admin.officer", officer_id=user.id))
        if "csrf_token" in form.errors:
            abort(400)
    status = 422 if form.errors or any(f.errors for f in form) else 200
    return render("admin/officer_new.html", "form_block", status=status, form=form)


class ResetForm(CheckForm):
    id_card_seen = BooleanField(
        _l("ID card seen in person"),
        validators=[
            DataRequired(
                _l(
                    "Tick this only once you have seen the officer's ID card: new credentials are sent only then."
                )
            )
        ],
    )


def _detail(officer: User, status: int = 200, error: str = "", reset_form: ResetForm | None = None):
    return render(
        "admin/officer.html",
        status=status,
        officer=officer,
        levels=LEVEL_LABELS,
        level=coverage.level_of(officer),
        email=mask_email(officer.email) if officer.email else "",
        form=FlaskForm(),
        reset_form=reset_form or ResetForm(formdata=None),
        error=error,
    )


@bp.get("/officers/<int:officer_id>")
@manages_officers
def officer(officer_id: int):
    return _detail(officer_or_404(current_user, officer_id))


def _set_disabled(officer_id: int, disabled: bool):
    user = officer_or_404(current_user, officer_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        provisioning.set_disabled(user, current_user, disabled)
    except WrongState as err:
        db.session.rollback()
        message = (
            _("This account is already disabled.")
            if disabled
            else _("This account is already enabled.")
        )
        return _detail(user, 409, " ".join(filter(None, (message, said(err, current_user)))))
    flash(
        _(
            "%(user)s is disabled: the account cannot log in and its open sessions have ended.",
            user=user.username,
        )
        if disabled
        else _("%(user)s can log in again.", user=user.username)
    )
    return redirect_to(url_for("admin.officer", officer_id=user.id))


@bp.post("/officers/<int:officer_id>/disable")
@manages_officers
def disable_officer(officer_id: int):
    return _set_disabled(officer_id, True)


@bp.post("/officers/<int:officer_id>/enable")
@manages_officers
def enable_officer(officer_id: int):
    return _set_disabled(officer_id, False)


@bp.post("/officers/<int:officer_id>/reset")
@manages_officers
def reset_officer(officer_id: int):
    user = officer_or_404(current_user, officer_id)
    form = ResetForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _detail(user, 422, reset_form=form)
    officers.reset_officer(
        user,
        current_user,
        g.tenant,
        officers.IdentityCheck(form.checked_by.data, form.checked_on.data),
    )
    flash(
        _(
            "A new first password was sent by text message to %(phone)s. %(user)s must choose a password and set "
            "up the authenticator app again; their open sessions have ended.",
            phone=user.masked_phone,
            user=user.username,
        )
    )
    return redirect_to(url_for("admin.officer", officer_id=user.id))


@bp.post("/officers/<int:officer_id>/resend")
@manages_officers
def resend_officer(officer_id: int):
    user = officer_or_404(current_user, officer_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        officers.resend_setup(user, current_user, g.tenant)
    except WrongState:
        db.session.rollback()
        return _detail(
            user,
            409,
            _(
                "%(user)s has already chosen a password: there is nothing to send again. If they lost their "
                "phone or password, reset their credentials after checking their ID card.",
                user=user.username,
            ),
        )
    flash(
        _(
            "The set-up message was sent again to %(phone)s, with a new first password; the previous one no "
            "longer works.",
            phone=user.masked_phone,
        )
    )
    return redirect_to(url_for("admin.officer", officer_id=user.id))
