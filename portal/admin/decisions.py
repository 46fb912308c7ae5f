"""Final approval (A4): the officer's queue with due dates (L1), the application page, and the
three decisions: approve (paper materials ticked), return for correction, refuse on a ground
of L3. Every query is limited to what the officer's level covers (A1, portal.admin.coverage)."""

from __future__ import annotations

from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import tuple_
from sqlalchemy.orm import joinedload
from wtforms import SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from portal.admin import bp, coverage
from portal.admin.due import SHOW, due_of, show_criterion, unpublished_years
from portal.admin.views import PAGE
from portal.columns import local_today
from portal.extensions import db
from portal.htmx import private_file, redirect_to, render
from portal.inputs import db_id
from portal.notify.services import sms_sent_to
from portal.registry.records import CaseStatus, IdentityCase
from portal.rules.catalogue import scope_name
from portal.tenants import rules_for, rules_for_application
from portal.workflow import applications, commission, history
from portal.workflow.commission import refusal_ground_label
from portal.workflow.models import REFUSAL_GROUNDS, Application, Kind, State

bp.add_app_template_global(refusal_ground_label, "refusal_ground_label")


def _listing(criterion, show: str, today, after: int | None):
    """One page of the confirmed applications that ``criterion`` picks, the most urgent first:
    by the due date each application got at acceptance (L1, A6); and the id to page on after."""
    stmt = (
        db.select(Application)
        .where(Application.state == State.CONFIRMED, criterion, show_criterion(show, today))
        .options(joinedload(Application.doctor), joinedload(Application.institution))
        .order_by(Application.decision_due, Application.confirmed_at, Application.id)
        .limit(PAGE + 1)
    )
    if after:
        cursor = db.session.execute(
            db.select(Application.decision_due, Application.confirmed_at).where(
                Application.id == after
            )
        ).first()
        if cursor is not None and None not in cursor:
            stmt = stmt.where(
                tuple_(Application.decision_due, Application.confirmed_at, Application.id)
                > tuple_(*cursor, after)
            )
    rows = db.session.execute(stmt).scalars().all()
    return rows[:PAGE], (rows[PAGE - 1].id if len(rows) > PAGE else None)


@bp.get("/")
def home():
    today = local_today()
    show = request.args.get("show", "all")
    show = show if show in SHOW else "all"
    # A4, A5: what the officer decides, and apart what they only see (a multi-scope approval at
    # a county-level institution is that county's to decide)
    apps, next_after = _listing(
        coverage.decided_by(current_user), show, today, request.args.get("after", type=db_id)
    )
    seen, next_seen_after = _listing(
        coverage.seen_only(current_user), show, today, request.args.get("seen_after", type=db_id)
    )
    open_cases = db.session.execute(
        db.select(db.func.count(IdentityCase.id)).where(
            IdentityCase.status == CaseStatus.OPEN, coverage.case_covered(current_user)
        )
    ).scalar()
    filings_waiting = None
    if coverage.level_of(current_user) == coverage.CITY:
        filings_waiting = db.session.execute(
            db.select(db.func.count()).select_from(
                coverage.city_filings(current_user)
                .where(Application.city_filed_at.is_(None))
                .subquery()
            )
        ).scalar()
    dues = {a.id: due_of(a, today) for a in (*apps, *seen)}
    # L1: years without a published holiday schedule that due dates reach (from today, and
    # those of the items shown), said once above the list
    days = rules_for(g.tenant)["registration"]["decision_working_days"]
    unpublished = sorted(
        set(unpublished_years(today, days, None)).union(
            *(d.provisional for d in dues.values() if d is not None)
        )
    )
    return render(
        "admin/queue.html",
        apps=apps,
        dues=dues,
        unpublished=unpublished,
        next_after=next_after,
        seen=seen,
        next_seen_after=next_seen_after,
        show=show,
        scope_name=scope_name,
        open_cases=open_cases,
        filings_waiting=filings_waiting,
        level=coverage.level_of(current_user),
    )


# ---- one application ---------------------------------------------------------------------------


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        _l("What the doctor must correct"),
        validators=[
            DataRequired(_l("Say what must be corrected: the doctor will see it.")),
            Length(max=1000),
        ],
        render_kw={"maxlength": "1000", "rows": "3"},
    )


class DismissForm(FlaskForm):
    """I6: the commission finds no ground in an institution's cancellation report."""

    reason = TextAreaField(
        _l("Why the registration is not cancelled"),
        validators=[
            DataRequired(_l("Give the reason: the institution will see it.")),
            Length(max=1000),
        ],
        render_kw={"maxlength": "1000", "rows": "3"},
    )


class RefuseForm(FlaskForm):
    ground = SelectField(
        _l("Ground for refusal (Practitioners' Law art. 16)"),
        validators=[
            DataRequired(_l("Choose the ground.")),
            AnyOf(REFUSAL_GROUNDS, message=_l("Choose the ground.")),
        ],
    )
    explanation = TextAreaField(
        _l("Reasons given in the written notice"),
        validators=[Length(max=1000)],
        render_kw={"maxlength": "1000", "rows": "3"},
        description=_l("Required for other legal grounds: name the law and the facts."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ground.choices = [("", _("Choose…"))] + [
            (k, refusal_ground_label(k)) for k in REFUSAL_GROUNDS
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.ground.data == "other" and not (self.explanation.data or "").strip():
            self.explanation.errors.append(_("Explain the legal ground."))
            ok = False
        return ok


def _page(
    app: Application,
    status: int = 200,
    *,
    checked=None,
    error=None,
    return_form=None,
    refuse_form=None,
    dismiss_form=None,
):
    rules = rules_for_application(app)  # A6: the version it was submitted under
    return render(
        "admin/application.html",
        "decision_block",
        status=status,
        app=app,
        materials=applications.required_materials(app, rules),
        material_labels=rules["materials"]["labels"],
        checked=set(app.materials_received or []) if checked is None else checked,
        form=FlaskForm(),
        scope_name=scope_name,
        error=error,
        due=due_of(app, local_today()),
        # D14, F14: an assistant's time at the institution counts from the assistant registration
        practice_time=history.practice_time_of(app, local_today(), rules),
        docs=history.documents_of(app),  # issue 14: the photo and scans, as thumbnails
        decides=coverage.decides(current_user, app),
        files=coverage.files(current_user, app),
        return_form=return_form or ReturnForm(formdata=None),
        refuse_form=refuse_form or RefuseForm(formdata=None),
        sent=sms_sent_to(app.doctor_id),
        dismiss_form=dismiss_form or DismissForm(formdata=None),
    )


def _decidable(app_id: int) -> Application:
    """The application, when this officer takes the decision: 404 outside their region, 403 for
    one they only see (A5: several scopes at county level are the county's to decide)."""
    app = coverage.application_or_404(current_user, app_id)
    if not coverage.decides(current_user, app):
        abort(403)
    return app


@bp.get("/applications/<int:app_id>")
def application(app_id: int):
    return _page(coverage.application_or_404(current_user, app_id))


@bp.get("/applications/<int:app_id>/documents/<which>")
def application_document(app_id: int, which: str):
    """The photo (D11) or a certificate scan (R1, R3, L5) of an application the officer sees;
    404 otherwise (another region's, T3)."""
    doc = history.document_of(coverage.application_or_404(current_user, app_id), which)
    if doc is None:
        abort(404)
    return private_file(doc.data, doc.content_type)


@bp.post("/applications/<int:app_id>/approve")
def approve(app_id: int):
    app = _decidable(app_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    materials = applications.required_materials(app, rules_for_application(app))
    received = set(request.form.getlist("materials"))
    ticked = [m for m in materials if m in received]  # each once, in the list's order
    if app.state is State.CONFIRMED and len(ticked) < len(materials):
        return _page(
            app,
            422,
            checked=set(ticked),
            error=_("Tick every paper material you received before approving."),
        )
    commission.approve(app, current_user, ticked, g.tenant, local_today())
    if app.kind is Kind.FIRST:
        flash(_("Approved. Certificate number %(no)s was issued.", no=app.certificate_no))
    elif app.kind is Kind.CHANGE:
        flash(_("Approved. Registration %(no)s is changed.", no=app.certificate_no))
    else:
        flash(_("Approved. Registration %(no)s is cancelled.", no=app.certificate_no))
    return redirect_to(url_for("admin.application", app_id=app.id))


@bp.post("/applications/<int:app_id>/return")
def return_application(app_id: int):
    app = _decidable(app_id)
    if (
        app.cancel_origin == "institution"
    ):  # I6: the institution's report is not the doctor's to correct
        abort(400)
    form = ReturnForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(app, 422, return_form=form)
    commission.return_for_correction(app, current_user, form.reason.data)
    flash(_("Returned to the doctor for correction; the doctor was told the reason."))
    return redirect_to(url_for("admin.application", app_id=app.id))


@bp.post("/applications/<int:app_id>/refuse")
def refuse(app_id: int):
    app = _decidable(app_id)
    if app.cancel_origin == "institution":  # I6: a report is dismissed, not refused (L3)
        abort(400)
    form = RefuseForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(app, 422, refuse_form=form)
    commission.refuse(app, current_user, form.ground.data, form.explanation.data or "")
    flash(_("Refused. The written notice went to the doctor and the institution."))
    return redirect_to(url_for("admin.application", app_id=app.id))
