"""Officers: institutions (I1, A1). Create one after the on-site check (the person in charge
gets a user name and first password by SMS), list and search them, see one, and reset its
person in charge's credentials. Each officer works within their level (``coverage``): the
list shows, and the form offers, only the institutions and counties their region covers;
another region's institution answers 404."""

from __future__ import annotations

from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload

from portal.accounts.models import Role, User
from portal.admin import bp, coverage
from portal.admin.institution_forms import ProvisionForm
from portal.admin.views import PAGE
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.inputs import db_id
from portal.registry.institutions import Institution, InstitutionCheck, InstitutionLevel
from portal.workflow import provisioning
from portal.workflow.locks import WrongState


@bp.get("/institutions")
def institutions():
    q = request.args.get("q", "").strip()[:100]
    before = request.args.get("before", type=db_id)
    stmt = (
        db.select(Institution)
        .options(joinedload(Institution.county))
        .where(coverage.institution_covered(current_user))
        .order_by(Institution.id.desc())
    )
    if q:
        stmt = stmt.where(Institution.name.contains(q, autoescape=True))
    if before:
        stmt = stmt.where(Institution.id < before)
    rows = db.session.execute(stmt.limit(PAGE + 1)).scalars().all()
    next_before = rows[PAGE - 1].id if len(rows) > PAGE else None
    return render(
        "admin/institutions.html",
        "results",
        institutions=rows[:PAGE],
        q=q,
        next_before=next_before,
    )


@bp.route("/institutions/new", methods=["GET", "POST"])
def new_institution():
    form = ProvisionForm(officer=current_user)
    if form.validate_on_submit():
        data = provisioning.NewInstitution(
            name=form.name.data,
            licence_no=form.licence_no.data,
            credit_code=form.credit_code.data or None,
            level=InstitutionLevel(form.level.data),
            county_id=form.county_id.data,
            address=form.address.data,
            person_in_charge=form.person_in_charge.data,
            mobile=form.mobile.data,
            licence_seen=form.licence_seen.data,
            power_of_attorney_seen=form.power_of_attorney_seen.data,
            agent_id_card_seen=form.agent_id_card_seen.data,
            checked_by=form.checked_by.data,
            checked_on=form.checked_on.data,
        )
        try:
            user = provisioning.provision_institution(data, current_user, g.tenant)
        except provisioning.DuplicateLicence as dup:
            form.licence_no.errors.append(
                _(
                    "This licence number is already registered, for %(name)s. Check the "
                    "number on the licence.",
                    name=dup.existing.name,
                )
            )
        else:
            flash(
                _(
                    "The institution was created. User name %(user)s and a first password were sent by text message "
                    "to %(phone)s.",
                    user=user.username,
                    phone=user.masked_phone,
                )
            )
            return redirect_to(url_for("admin.institution", institution_id=user.institution_id))
    elif "csrf_token" in form.errors:
        abort(400)
    status = 422 if form.errors or any(f.errors for f in form) else 200
    return render("admin/institution_new.html", "form_block", status=status, form=form)


def _detail(inst: Institution, status: int = 200, error: str = ""):
    checks = (
        db.session.execute(
            db.select(InstitutionCheck)
            .filter_by(institution_id=inst.id)
            .order_by(InstitutionCheck.id.desc())
        )
        .scalars()
        .all()
    )
    staff = (
        db.session.execute(
            db.select(User)
            .where(User.institution_id == inst.id, User.role == Role.STAFF)
            .order_by(User.is_person_in_charge.desc(), User.id)
        )
        .scalars()
        .all()
    )
    return render(
        "admin/institution.html",
        inst=inst,
        checks=checks,
        staff=staff,
        person_in_charge=next((u for u in staff if u.is_person_in_charge), None),
        form=FlaskForm(),
        error=error,
        status=status,
    )


@bp.get("/institutions/<int:institution_id>")
def institution(institution_id: int):
    return _detail(coverage.institution_or_404(current_user, institution_id))


@bp.post("/institutions/<int:institution_id>/reset")
def reset_credentials(institution_id: int):
    inst = coverage.institution_or_404(current_user, institution_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        user = provisioning.reset_credentials(inst, current_user, g.tenant)
    except WrongState:
        return _detail(inst, 409, _("This institution has no person in charge account to reset."))
    flash(
        _(
            "A new first password was sent by text message to %(phone)s. %(user)s must choose a password and set "
            "up the authenticator app again; their open sessions have ended.",
            phone=user.masked_phone,
            user=user.username,
        )
    )
    return redirect_to(url_for("admin.institution", institution_id=inst.id))
