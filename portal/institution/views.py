"""Institution staff: activate doctors, confirm or reject applications, in-page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload

from portal import workflow
from portal.accounts import require_role
from portal.accounts.codes import CodeError
from portal.accounts.models import Role, User
from portal.accounts.services import send_activation_code
from portal.extensions import db
from portal.htmx import is_partial_request, redirect_to, render
from portal.inputs import db_id
from portal.institution.forms import AutoActivationForm, RejectForm, SendActivationForm
from portal.tenants import rules_for
from portal.workflow import filings, modifications
from portal.workflow.models import (
    Application,
    FilingState,
    ModificationRequest,
    ModificationState,
    SiteFiling,
    State,
)

bp = Blueprint("institution", __name__, url_prefix="/<tenant>/institution")
bp.before_request(require_role(Role.STAFF))

PAGE = 50


@bp.get("/")
def home():
    return redirect_to(url_for("institution.approvals"))


def _waiting_doctors():
    return db.session.execute(
        db.select(User)
        .where(User.role == Role.DOCTOR, User.institution_id == current_user.institution_id,
               User.activated_at.is_(None))
        .order_by(User.institution_named_at.desc(), User.id.desc())
        .limit(PAGE)
    ).scalars().all()


@bp.get("/activations")
def activations():
    inst = current_user.institution
    return render("institution/activations.html", doctors=_waiting_doctors(), institution=inst,
                  send_form=SendActivationForm(), auto_form=AutoActivationForm(enabled=inst.auto_activation),
                  auto_allowed=rules_for(g.tenant)["institutions"]["auto_activation_allowed"], sent={})


def _doctor_of_mine(doctor_id: int) -> User:
    doctor = db.session.get(User, doctor_id)
    if doctor is None or doctor.role != Role.DOCTOR or doctor.institution_id != current_user.institution_id:
        abort(404)
    return doctor


@bp.post("/activations/<int:doctor_id>/send")
def send_activation(doctor_id: int):
    doctor = _doctor_of_mine(doctor_id)
    form = SendActivationForm()
    if not form.validate_on_submit():
        abort(400)
    message, status = None, 200
    if doctor.activated_at:
        message = _("This doctor is already activated.")
    else:
        channel = "email" if form.channel.data == "email" else "sms"
        try:
            to = send_activation_code(doctor, current_user, channel, g.tenant)
        except CodeError as err:
            message, status = err.message(), 429
        else:
            message = _("Activation code sent to %(to)s.", to=to)
    if is_partial_request():
        return render("institution/activations.html", "doctor_row", status=status, d=doctor,
                      send_form=SendActivationForm(), sent={doctor.id: message})
    flash(message)
    return redirect_to(url_for("institution.activations"))


@bp.post("/activations/auto")
def auto_activation():
    form = AutoActivationForm()
    if not form.validate_on_submit():
        abort(400)
    if not rules_for(g.tenant)["institutions"]["auto_activation_allowed"]:
        abort(403)
    inst = current_user.institution
    workflow.set_auto_activation(inst, bool(form.enabled.data), current_user, _waiting_doctors())
    flash(_("Automatic activation is on.") if inst.auto_activation else _("Automatic activation is off."))
    return redirect_to(url_for("institution.activations"))


# ---- I4: approval queue --------------------------------------------------------------------

def _queue(before_id: int | None):
    stmt = (
        db.select(Application)
        .where(Application.institution_id == current_user.institution_id, Application.state == State.SUBMITTED)
        .order_by(Application.id.desc())
        .limit(PAGE + 1)
    )
    if before_id:
        stmt = stmt.where(Application.id < before_id)
    rows = db.session.execute(stmt).scalars().all()
    return rows[:PAGE], (rows[PAGE - 1].id if len(rows) > PAGE else None)


@bp.get("/approvals")
def approvals():
    before = request.args.get("before", type=db_id)
    rows, next_before = _queue(before)
    return render("institution/approvals.html", apps=rows, next_before=next_before, form=RejectForm(formdata=None),
                  results={}, **_modification_queue(request.args.get("mods_before", type=db_id)),
                  **_filing_queue(request.args.get("filings_before", type=db_id)))


def _application_of_mine(app_id: int) -> Application:
    app = db.session.get(Application, app_id)
    if app is None or app.institution_id != current_user.institution_id or app.state == State.DRAFT:
        abort(404)
    return app


def _row_response(app: Application, message: str, status: int = 200, form=None):
    if is_partial_request():
        return render("institution/approvals.html", "app_row", status=status, a=app,
                      form=form or RejectForm(formdata=None), results={app.id: message})
    flash(message)
    return redirect_to(url_for("institution.approvals"))


@bp.post("/approvals/<int:app_id>/confirm")
def confirm(app_id: int):
    app = _application_of_mine(app_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        workflow.confirm(app, current_user)
    except workflow.WrongState:
        return _row_response(app, _("Not changed: this application is no longer waiting for you."), 409)
    return _row_response(app, _("Confirmed. The doctor was notified."))


@bp.post("/approvals/<int:app_id>/reject")
def reject(app_id: int):
    app = _application_of_mine(app_id)
    form = RejectForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _row_response(app, form.reason.errors[0], 422, form)
    try:
        workflow.reject(app, current_user, form.reason.data)
    except workflow.WrongState:
        return _row_response(app, _("Not changed: this application is no longer waiting for you."), 409)
    return _row_response(app, _("Rejected. The doctor was notified with your reason."))


# ---- I4, D17: modifications of registered information ----------------------------------------

def _modification_queue(before_id: int | None) -> dict:
    """The pending modification requests of this institution, newest first, a page at a time."""
    stmt = (
        db.select(ModificationRequest)
        .where(ModificationRequest.institution_id == current_user.institution_id,
               ModificationRequest.state == ModificationState.PENDING)
        .options(joinedload(ModificationRequest.doctor), joinedload(ModificationRequest.application))
        .order_by(ModificationRequest.id.desc())
        .limit(PAGE + 1)
    )
    if before_id:
        stmt = stmt.where(ModificationRequest.id < before_id)
    rows = db.session.execute(stmt).scalars().all()
    return {"mods": rows[:PAGE], "next_mods_before": rows[PAGE - 1].id if len(rows) > PAGE else None,
            "mod_form": RejectForm(formdata=None), "mod_results": {}, "labels": modifications.LABELS}


def _modification_of_mine(req_id: int) -> ModificationRequest:
    req = db.session.get(ModificationRequest, req_id)
    if req is None or req.institution_id != current_user.institution_id:
        abort(404)
    return req


def _modification_response(req: ModificationRequest, message: str, status: int = 200, form=None):
    if is_partial_request():
        return render("institution/approvals.html", "mod_row", status=status, m=req,
                      mod_form=form or RejectForm(formdata=None), mod_results={req.id: message},
                      labels=modifications.LABELS)
    flash(message)
    return redirect_to(url_for("institution.approvals"))


@bp.post("/modifications/<int:req_id>/approve")
def approve_modification(req_id: int):
    req = _modification_of_mine(req_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        modifications.approve_modification(req, current_user)
    except workflow.WrongState:
        db.session.rollback()
        if req.state is ModificationState.PENDING:  # the registration was changed or cancelled meanwhile (D7)
            return _modification_response(req, _("Not changed: the registration was changed meanwhile. Reject this "
                                                 "request; the doctor can ask again."), 409)
        return _modification_response(req, _("Not changed: this request is no longer waiting for your approval."),
                                      409)
    return _modification_response(req, _("Approved. The new details are in force and the doctor was notified."))


@bp.post("/modifications/<int:req_id>/reject")
def reject_modification(req_id: int):
    req = _modification_of_mine(req_id)
    form = RejectForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _modification_response(req, form.reason.errors[0], 422, form)
    try:
        modifications.reject_modification(req, current_user, form.reason.data)
    except workflow.WrongState:
        db.session.rollback()
        return _modification_response(req, _("Not changed: this request is no longer waiting for your approval."),
                                      409)
    return _modification_response(req, _("Rejected. The doctor was notified with your reason."))


# ---- I4, D19: multi-site practice filings ----------------------------------------------------

def _filing_queue(before_id: int | None) -> dict:
    """The filings naming this institution as an extra site, waiting for it, newest first, a
    page at a time; doctor, registration and main institution come with the same query (P5)."""
    stmt = (
        db.select(SiteFiling)
        .where(SiteFiling.institution_id == current_user.institution_id, SiteFiling.state == FilingState.PENDING)
        .options(joinedload(SiteFiling.doctor),
                 joinedload(SiteFiling.application).joinedload(Application.institution))
        .order_by(SiteFiling.id.desc())
        .limit(PAGE + 1)
    )
    if before_id:
        stmt = stmt.where(SiteFiling.id < before_id)
    rows = db.session.execute(stmt).scalars().all()
    return {"site_filings": rows[:PAGE], "next_filings_before": rows[PAGE - 1].id if len(rows) > PAGE else None,
            "filing_form": RejectForm(formdata=None), "filing_results": {}}


def _filing_of_mine(filing_id: int) -> SiteFiling:
    filing = db.session.get(SiteFiling, filing_id)  # another tenant's id finds nothing (T3)
    if filing is None or filing.institution_id != current_user.institution_id:
        abort(404)
    return filing


def _filing_response(filing: SiteFiling, message: str, status: int = 200, form=None):
    if is_partial_request():
        return render("institution/approvals.html", "filing_row", status=status, f=filing,
                      filing_form=form or RejectForm(formdata=None), filing_results={filing.id: message})
    flash(message)
    return redirect_to(url_for("institution.approvals"))


@bp.post("/filings/<int:filing_id>/confirm")
def confirm_filing(filing_id: int):
    filing = _filing_of_mine(filing_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        filings.confirm_filing(filing, current_user)
    except workflow.WrongState:
        db.session.rollback()
        if filing.state is FilingState.PENDING:  # the registration was cancelled meanwhile
            return _filing_response(filing, _("Not changed: the doctor's registration is no longer in force. "
                                              "Reject this filing."), 409)
        return _filing_response(filing, _("Not changed: this filing is no longer waiting for you."), 409)
    return _filing_response(filing, _("Confirmed. The doctor was notified."))


@bp.post("/filings/<int:filing_id>/reject")
def reject_filing(filing_id: int):
    filing = _filing_of_mine(filing_id)
    form = RejectForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _filing_response(filing, form.reason.errors[0], 422, form)
    try:
        filings.reject_filing(filing, current_user, form.reason.data)
    except workflow.WrongState:
        db.session.rollback()
        return _filing_response(filing, _("Not changed: this filing is no longer waiting for you."), 409)
    return _filing_response(filing, _("Rejected. The doctor was notified with your reason."))


# the staff page (I2) and the activation codes sent (I3) live beside this file
from portal.institution import activation_codes, staff  # noqa: E402,F401
