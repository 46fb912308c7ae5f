"""A9/L4 (Practitioners' Law art. 17): the commission cancels a registration on its own motion
on a legal ground it learnt of itself (e.g. a death registered by the civil affairs office),
with the ground, the day and its reference, from the registration's page. An officer cancels
only what their region covers (portal.admin.coverage); the doctor and the institution are told
(``portal.workflow.cancellations``)."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.admin import bp, coverage
from portal.admin.decisions import DismissForm, _decidable
from portal.admin.decisions import _page as application_page
from portal.columns import local_today
from portal.extensions import db
from portal.forms import CancellationGroundForm
from portal.htmx import redirect_to, render
from portal.workflow import cancellations
from portal.workflow.cancellations import CancellationWaiting
from portal.workflow.conflicts import said
from portal.workflow.models import Application, Kind, State


class OwnMotionForm(CancellationGroundForm):
    reference = StringField(
        _l("Reference"),
        validators=[
            DataRequired(_l("Enter the reference of the document the ground rests on.")),
            Length(max=100),
        ],
        description=_l("E.g. the number of the death record or of the judgment."),
        render_kw={"maxlength": "100"},
    )
    note = TextAreaField(
        _l("Note"), validators=[Length(max=1000)], render_kw={"maxlength": "1000", "rows": "3"}
    )


def _registration(app_id: int) -> Application:
    """A registration the officer decides on (404 outside their region, 403 for one they only
    see, A5); 404 for what is no registration in force (a cancellation, one not approved)."""
    app = coverage.application_or_404(current_user, app_id)
    if not coverage.decides(current_user, app):
        abort(403)
    if app.kind is Kind.CANCEL or app.registered_on is None:
        abort(404)
    return app


def _page(reg: Application, form: OwnMotionForm, status: int = 200, conflict: str = ""):
    return render(
        "admin/cancellation.html",
        "form_block",
        status=status,
        reg=reg,
        form=form,
        waiting=(
            cancellations.waiting_cancellation(reg, (State.CONFIRMED,))
            if reg.state is State.APPROVED
            else None
        ),
        conflict=conflict,
    )


@bp.route("/applications/<int:app_id>/cancel", methods=["GET", "POST"])
def cancel_registration(app_id: int):
    reg = _registration(app_id)
    form = OwnMotionForm(registered_on=reg.registered_on)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(reg, form, 422 if form.errors else 200)
    try:
        cancellations.cancel_on_own_motion(
            reg,
            current_user,
            form.ground.data,
            form.ground_on.data,
            form.reference.data,
            form.note.data or "",
            local_today(),
        )
    except CancellationWaiting as exc:  # the institution or the doctor asked first
        db.session.rollback()
        return _page(reg, form, 409, conflict=said(exc, current_user))
    if form.ground.data == "death":  # nothing goes to a dead doctor (D20)
        flash(
            _("Registration %(no)s is cancelled. The institution was told.", no=reg.certificate_no)
        )
    else:
        flash(
            _(
                "Registration %(no)s is cancelled. The doctor and the institution were told.",
                no=reg.certificate_no,
            )
        )
    return redirect_to(url_for("admin.application", app_id=reg.id))


@bp.post("/applications/<int:app_id>/dismiss")
def dismiss_report(app_id: int):
    """I6/A4: the institution's report shows no ground: the registration stays in force."""
    app = _decidable(app_id)
    if app.kind is not Kind.CANCEL or app.cancel_origin != "institution":
        abort(404)
    form = DismissForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return application_page(app, 422, dismiss_form=form)
    cancellations.dismiss(app, current_user, form.reason.data)
    flash(_("Not cancelled: the registration stays in force. The institution was told why."))
    return redirect_to(url_for("admin.application", app_id=app.id))
