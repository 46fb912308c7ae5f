"""I6/L4 (Practitioners' Law art. 17): the institution reports a cancellation ground for one of
its registered doctors, from the roster, within the 30 days the law gives (a later report is
accepted and flagged, portal/rules/cancellation.py); and the written decisions not to register
(L3, A9) of its doctors' applications, to print."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.columns import local_today
from portal.extensions import db
from portal.forms import CancellationGroundForm
from portal.htmx import redirect_to, render
from portal.institution import bp
from portal.rules.cancellation import REPORT_DAYS, report_deadline
from portal.workflow import cancellations
from portal.workflow.cancellations import CancellationWaiting, cancel_ground_label
from portal.workflow.conflicts import said
from portal.workflow.models import Application, Kind, State
from portal.workflow.notices import refusal_notice as refusal_notice_of

bp.add_app_template_global(cancel_ground_label, "cancel_ground_label")


class ReportForm(CancellationGroundForm):
    note = TextAreaField(
        _l("Note for the health commission"),
        validators=[DataRequired(_l("Explain briefly.")), Length(max=1000)],
        render_kw={"maxlength": "1000", "rows": "3"},
    )


def _registration_of_mine(reg_id: int) -> Application:
    """A registration in force (approved) at this institution; 404 for anything else, another
    institution's or another tenant's (T3)."""
    reg = db.session.get(Application, reg_id)
    if (
        reg is None
        or reg.institution_id != current_user.institution_id
        or reg.kind is Kind.CANCEL
        or reg.state is not State.APPROVED
    ):
        abort(404)
    return reg


def _page(reg: Application, form: ReportForm, status: int = 200, conflict: str = ""):
    return render(
        "institution/cancellation.html",
        "form_block",
        status=status,
        reg=reg,
        form=form,
        days=REPORT_DAYS,
        waiting=cancellations.waiting_cancellation(reg),
        conflict=conflict,
    )


@bp.route("/roster/<int:app_id>/cancellation", methods=["GET", "POST"])
def report_cancellation(app_id: int):
    reg = _registration_of_mine(app_id)
    form = ReportForm(registered_on=reg.registered_on)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(reg, form, 422 if form.errors else 200)
    today = local_today()
    try:
        app = cancellations.report(
            reg, current_user, form.ground.data, form.ground_on.data, form.note.data, today
        )
    except CancellationWaiting as exc:  # reported meanwhile (A9): say by whom and when
        db.session.rollback()
        # the doctor's own request waiting here is confirmed in the queue (the page says so)
        conflict = "" if exc.waiting.state is State.SUBMITTED else said(exc, current_user)
        return _page(reg, form, 409, conflict=conflict)
    if app.cancel_reported_late:
        flash(
            _(
                "Reported. The report comes after the %(days)d days the law gives (the ground "
                "arose on %(day)s, the last day was %(last)s): the health commission sees it "
                "flagged as late.",
                days=REPORT_DAYS,
                day=format_date(form.ground_on.data, "long"),
                last=format_date(report_deadline(form.ground_on.data), "long"),
            )
        )
    else:
        flash(_("Reported. The health commission will decide on the cancellation."))
    return redirect_to(url_for("institution.roster"))


# ---- L3/A9: the written decisions not to register --------------------------------------------


@bp.get("/refusals")
def refusals():
    """The refused applications of this institution's doctors, newest first, each with its
    written notice."""
    apps = (
        db.session.execute(
            db.select(Application)
            .where(
                Application.institution_id == current_user.institution_id,
                Application.state == State.REFUSED,
            )
            .order_by(Application.decided_at.desc(), Application.id.desc())
            .limit(100)
        )
        .scalars()
        .all()
    )
    return render("institution/refusals.html", apps=apps)


@bp.get("/applications/<int:app_id>/refusal-notice")
def refusal_notice(app_id: int):
    """The institution's copy of the written notice (L3); 404 for another institution's
    application or one not refused. The ID number masked (SEC5)."""
    app = db.session.get(Application, app_id)
    notice = (
        refusal_notice_of(app)
        if app is not None and app.institution_id == current_user.institution_id
        else None
    )
    if notice is None:
        abort(404)
    response = make_response(
        render_template(
            "refusal_notice.html",
            notice=notice,
            id_number=app.doctor.masked_id_number,
            back_url=url_for("institution.refusals"),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
