"""The application wizard (D9–D15): personal details, qualification, practice, history,
photo, review. Every step saves the draft on the server; a doctor who comes back resumes at
the step they were on. With JS on, typing is also saved as it happens (autosave)."""

from __future__ import annotations

import hashlib

from flask import abort, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.doctor import bp, services
from portal.doctor.wizard_forms import (
    HistoryForm,
    PersonalForm,
    PhotoForm,
    PracticeForm,
    QualificationForm,
    SubmitForm,
)
from portal.doctor.wizard_saves import SAVE, institutions_matching, pending_photo
from portal.doctor.wizard_steps import Context, may_apply, missing
from portal.htmx import is_partial_request, private_file, redirect_to, render
from portal.rules.catalogue import scopes_for
from portal.rules.registration import contract_period
from portal.workflow import applications, drafts
from portal.workflow.drafts import STEPS
from portal.workflow.models import Kind

FORMS = {
    "personal": PersonalForm,
    "qualification": QualificationForm,
    "practice": PracticeForm,
    "history": HistoryForm,
    "photo": PhotoForm,
    "review": SubmitForm,
}


def _form(step: str, ctx: Context, formdata=None):
    app = ctx.app
    form = FORMS[step](formdata=formdata)
    if step == "qualification":
        form.qualification_id.choices = [(str(q.id), q.certificate_no) for q in ctx.qualifications]
    if step == "practice":
        form.scopes.choices = scopes_for(ctx.qualification.category.value)
    if formdata is None and app is not None:  # show what the draft holds
        if step == "personal":
            form.home_address.data = app.home_address
        elif step == "qualification":
            form.qualification_id.data = str(ctx.qualification.id)
            form.confirm_cancel.data = app.cancels_qualification_id is not None
            form.training_months.data = app.training_months
            form.training_passed.data = app.training_passed
        elif step == "practice":
            form.scopes.data = list(app.scopes or [])
            form.gp_transfer_training.data = app.gp_transfer_training
            form.contract_start.data, form.contract_end.data = app.contract_start, app.contract_end
        elif step == "history":
            form.work_experience.data = app.work_experience
            form.rewards_punishments.data = app.rewards_punishments
        elif step == "photo":  # a preview not yet used survives a reload (issue 14)
            form.pending_id.data = pending_photo(app)
    return form


def _page(step: str, ctx: Context, form, status: int = 200, **extra):
    done = STEPS.index(ctx.app.step) if ctx.app is not None and ctx.app.step in STEPS else 0
    return render(
        "doctor/wizard.html",
        "step_block",
        status=status,
        step=step,
        steps=STEPS,
        done=done,
        form=form,
        app=ctx.app,
        ctx=ctx,
        missing=extra.pop("missing", {}),
        **extra,
    )


def _editable_application():
    app = services.open_application(current_user)
    if (
        app is not None
        and app.state not in services.EDITABLE
        or app is not None
        and app.kind is Kind.CANCEL
    ):
        return None, redirect_to(url_for("doctor.home"))
    if app is None and services.current_registration(current_user) is not None:
        return None, redirect_to(
            url_for("doctor.home")
        )  # registered: a change starts from the home page
    return app, None


@bp.get("/me/application")
def application():
    if not may_apply():
        return redirect_to(url_for("doctor.home"))
    app, leave = _editable_application()
    if leave:
        return leave
    step = app.step if app is not None and app.step in STEPS else STEPS[0]
    return redirect_to(url_for("doctor.application_step", step=step))


@bp.route("/me/application/<step>", methods=["GET", "POST"])
def application_step(step: str):
    if step not in STEPS:
        abort(404)
    if not may_apply():
        return redirect_to(url_for("doctor.home"))
    app, leave = _editable_application()
    if leave:
        return leave
    ctx = Context(app)
    if request.method == "GET":
        found = (
            institutions_matching(request.args.get("q", "").strip()[:50])
            if step == "practice"
            else []
        )
        return _page(
            step,
            ctx,
            _form(step, ctx),
            missing=missing(ctx) if step == "review" else {},
            found=found,
            q_text=request.args.get("q", "")[:50],
        )
    form = _form(step, ctx, request.form if not request.files else request.form | request.files)
    form.validate()
    if "csrf_token" in form.errors:
        abort(400)
    if step == "review":
        return _submit(ctx, form)
    if ctx.app is None:
        ctx.app = app = drafts.new_draft(current_user)
    action = request.form.get("action", "next")
    errors = SAVE[step](ctx, form)
    if action == "autosave":  # htmx, while typing: keep what is valid, say nothing
        drafts.keep(app)
        return make_response("", 204)
    if (
        action == "search" and step == "practice"
    ):  # L2: institutions to move to; what is valid is kept
        drafts.keep(app)
        q = request.form.get("q", "").strip()[:50]
        if is_partial_request():
            return _page(step, ctx, _form(step, ctx), found=institutions_matching(q), q_text=q)
        return redirect_to(url_for("doctor.application_step", step=step, q=q or None))
    if step == "photo" and action == "upload" and not errors:
        drafts.keep(app)
        return _page(step, ctx, form)
    if errors:  # a refused post changes nothing (SEC6); the page shows everything typed
        drafts.discard()
        return _page(step, ctx, form, status=422, **_move_offered(ctx))
    following = STEPS[STEPS.index(step) + 1]
    drafts.keep(app, reached=following)
    target = url_for("doctor.application_step", step=following)
    if is_partial_request():  # htmx: the next step comes in this same round trip (P4)
        response = _page(
            following,
            ctx,
            _form(following, ctx),
            missing=missing(ctx) if following == "review" else {},
        )
        response.headers["HX-Push-Url"] = target
        return response
    return redirect_to(target)


@bp.get("/me/application/practice/scopes")
def scopes_check():
    """The practice step's scope count, answered as the doctor ticks (htmx, issue 14): the
    count against the limit of rules R1/R2 for this doctor, or what is wrong with the choice.
    A partial only; with JS off the step's own post says the same, at the top of the list."""
    if not may_apply():
        abort(404)
    app, leave = _editable_application()
    if leave:
        return leave
    ctx = Context(app)
    status = ctx.scope_status(
        request.args.getlist("scopes"), bool(request.args.get("gp_transfer_training"))
    )
    response = render("doctor/_scopes_check.html", sc=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _move_offered(ctx: Context) -> dict:
    """L2: a refused practice step of a change still offers, chosen, the institution the doctor
    picked to move to; otherwise correcting the scopes would post without it and the move would
    be dropped while the page named the new institution (plain forms keep no state, P1)."""
    app, chosen = ctx.app, ctx.institution
    if (
        app is None
        or app.kind is not Kind.CHANGE
        or chosen is None
        or chosen.id == app.institution_id
    ):
        return {}
    return {"found": [chosen], "moving_to": chosen.id}


def _submit(ctx: Context, form):
    app = ctx.app
    lacking = missing(ctx)
    if lacking:
        return _page("review", ctx, form, status=422, missing=lacking)
    if app.contract_start is None or app.contract_end is None:  # D14: no contract → one year
        app.contract_start, app.contract_end = contract_period(
            None, None, ctx.today, ctx.rules["registration"]["contract_default_years"]
        )
    applications.submit(app, current_user)
    flash(_("Your application was submitted. Your institution will confirm it."))
    return redirect_to(url_for("doctor.home"))


YEAR = 365 * 24 * 3600


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@bp.app_template_global()
def document_url(doc_id: int) -> str:
    """The address of the doctor's own document named by its content (``v=``), so that the
    browser keeps it (issue 16): the photo previewed at upload is not fetched again on the
    review step nor on any later visit."""
    doc = services.own_document(current_user, doc_id)
    version = _version(doc.data) if doc is not None else None
    return url_for("doctor.document", doc_id=doc_id, v=version)


@bp.get("/me/documents/<int:doc_id>")
def document(doc_id: int):
    doc = services.own_document(current_user, doc_id)
    if doc is None:
        abort(404)
    response = private_file(doc.data, doc.content_type)
    if request.args.get("v") == _version(doc.data):  # this content for ever: this user's only
        response.headers["Cache-Control"] = f"private, max-age={YEAR}, immutable"
    return response
