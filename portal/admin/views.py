"""Officers: the queue of confirmed applications, the paper-materials checklist, approval."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal import workflow
from portal.accounts import require_role
from portal.accounts.models import Role
from portal.admin.models import CaseStatus, IdentityCase, Qualification
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.inputs import db_id
from portal.rules.catalogue import scope_name
from portal.tenants import rules_for
from portal.tenants.models import local_today
from portal.workflow import identity as identity_workflow
from portal.workflow.models import Application, Kind, State

bp = Blueprint("admin", __name__, url_prefix="/<tenant>/admin")
bp.before_request(require_role(Role.OFFICER, Role.ADMIN))

PAGE = 50


@bp.get("/")
def home():
    before = request.args.get("before", type=db_id)
    stmt = (
        db.select(Application).where(Application.state == State.CONFIRMED)
        .order_by(Application.id.desc()).limit(PAGE + 1)
    )
    if before:
        stmt = stmt.where(Application.id < before)
    rows = db.session.execute(stmt).scalars().all()
    next_before = rows[PAGE - 1].id if len(rows) > PAGE else None
    open_cases = db.session.execute(
        db.select(db.func.count(IdentityCase.id)).where(IdentityCase.status == CaseStatus.OPEN)
    ).scalar()
    return render("admin/queue.html", apps=rows[:PAGE], next_before=next_before, scope_name=scope_name,
                  open_cases=open_cases)


def _application(app_id: int) -> Application:
    app = db.session.get(Application, app_id)
    if app is None or app.state == State.DRAFT:
        abort(404)
    return app


@bp.get("/applications/<int:app_id>")
def application(app_id: int):
    app = _application(app_id)
    rules = rules_for(g.tenant)
    return render("admin/application.html", app=app, materials=workflow.required_materials(app, rules),
                  material_labels=rules["materials"]["labels"], checked=set(app.materials_received or []),
                  form=FlaskForm(), scope_name=scope_name, error=None)


@bp.post("/applications/<int:app_id>/approve")
def approve(app_id: int):
    app = _application(app_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    rules = rules_for(g.tenant)
    materials = workflow.required_materials(app, rules)
    received = set(request.form.getlist("materials"))
    ticked = [m for m in materials if m in received]  # each once, in the list's order
    if len(ticked) < len(materials):
        return render("admin/application.html", "decision_block", status=422, app=app, materials=materials,
                      material_labels=rules["materials"]["labels"], checked=set(ticked), form=form,
                      scope_name=scope_name,
                      error=_("Tick every paper material you received before approving."))
    try:
        workflow.approve(app, current_user, ticked, g.tenant, local_today())
    except workflow.WrongState:
        abort(409)
    if app.kind is Kind.FIRST:
        flash(_("Approved. Certificate number %(no)s was issued.", no=app.certificate_no))
    elif app.kind is Kind.CHANGE:
        flash(_("Approved. Registration %(no)s is changed.", no=app.certificate_no))
    else:
        flash(_("Approved. Registration %(no)s is cancelled.", no=app.certificate_no))
    return redirect_to(url_for("admin.application", app_id=app.id))


@bp.get("/identity-cases")
def identity_cases():
    cases = db.session.execute(
        db.select(IdentityCase).where(IdentityCase.status == CaseStatus.OPEN).order_by(IdentityCase.id.desc()).limit(PAGE)
    ).scalars().all()
    return render("admin/identity_cases.html", cases=cases)


# ---- A3: identity cases --------------------------------------------------------------------

class LinkForm(FlaskForm):
    certificate_no = StringField(_l("Certificate or notice number of the matching record"),
                                 validators=[DataRequired(_l("Enter the certificate number.")), Length(max=40)])


class CloseForm(FlaskForm):
    reason = StringField(_l("Reason for closing"),
                         validators=[DataRequired(_l("Give the reason: the doctor will see it.")), Length(max=500)])


def _open_case(case_id: int) -> IdentityCase:
    case = db.session.get(IdentityCase, case_id)
    if case is None:
        abort(404)
    return case


def _case_page(case: IdentityCase, status: int = 200, link_form=None, close_form=None):
    # records with the same ID number or the same name: what the officer compares with the documents
    candidates = db.session.execute(
        db.select(Qualification).where(db.or_(Qualification.id_number == case.user.id_number,
                                              Qualification.name == case.user.real_name),
                                       Qualification.cancelled_on.is_(None))
        .order_by(Qualification.id).limit(20)
    ).scalars().all()
    return render("admin/identity_case.html", "decision_block", status=status, case=case, candidates=candidates,
                  link_form=link_form or LinkForm(formdata=None), close_form=close_form or CloseForm(formdata=None))


@bp.get("/identity-cases/<int:case_id>")
def identity_case(case_id: int):
    return _case_page(_open_case(case_id))


@bp.post("/identity-cases/<int:case_id>/link")
def link_identity_case(case_id: int):
    case = _open_case(case_id)
    form = LinkForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _case_page(case, 422, link_form=form)
    record = db.session.execute(
        db.select(Qualification).filter_by(certificate_no=form.certificate_no.data.strip(), cancelled_on=None)
    ).scalar_one_or_none()
    if record is None:
        form.certificate_no.errors.append(_("No qualification record of this province has this number."))
        return _case_page(case, 422, link_form=form)
    try:
        identity_workflow.link_record(case, current_user, record)
    except workflow.WrongState:
        abort(409)
    flash(_("The account is linked to %(no)s and the doctor was notified.", no=record.certificate_no))
    return redirect_to(url_for("admin.identity_cases"))


@bp.post("/identity-cases/<int:case_id>/close")
def close_identity_case(case_id: int):
    case = _open_case(case_id)
    form = CloseForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _case_page(case, 422, close_form=form)
    try:
        identity_workflow.close_case(case, current_user, form.reason.data)
    except workflow.WrongState:
        abort(409)
    flash(_("The case is closed and the doctor was told the reason."))
    return redirect_to(url_for("admin.identity_cases"))


# the locked-accounts page lives beside this file
from portal.admin import accounts  # noqa: E402,F401
