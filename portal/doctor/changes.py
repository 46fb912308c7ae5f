"""Applications on a registration in force (D7): a change of registration (practice scopes,
through the wizard) and a cancellation on a ground of L4. One application is open at a time."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from portal.columns import local_today
from portal.doctor import bp, services
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.workflow import applications as transitions
from portal.workflow import drafts
from portal.workflow.cancellations import cancel_ground_label
from portal.workflow.models import CANCEL_GROUNDS, Application, Kind
from portal.workflow.modifications import pending_of

#: L4: the grounds as every end names them (one label map, portal.workflow.cancellations)
ground_label = cancel_ground_label
bp.add_app_template_global(cancel_ground_label, "ground_label")


class CancellationForm(FlaskForm):
    cancel_ground = SelectField(
        _l("Ground for cancellation (Practitioners' Law art. 17)"),
        validators=[DataRequired(_l("Choose the ground.")), AnyOf(CANCEL_GROUNDS)],
    )
    cancel_note = TextAreaField(
        _l("Explanation"),
        validators=[DataRequired(_l("Explain briefly.")), Length(max=1000)],
        render_kw={"maxlength": "1000", "rows": "3"},
    )


def _registration_without_open_application():
    """The registration in force when nothing else is open: no application in progress and no
    modification request waiting (D7: one at a time)."""
    registration = services.current_registration(current_user)
    if (
        registration is None
        or services.open_application(current_user) is not None
        or pending_of(current_user)
    ):
        return None
    return registration


@bp.post("/me/application/new/<kind>")
def start_application(kind: str):
    """D7: a change of registration starts from the registration in force; a re-registration
    (R3, L5) from the registration that lapsed or was cancelled; both in the wizard."""
    if kind not in (Kind.CHANGE.value, Kind.REREGISTER.value):
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if services.open_application(current_user) is not None or pending_of(current_user):
        return redirect_to(url_for("doctor.home"))
    if kind == Kind.REREGISTER.value:
        ended = services.lapsed_or_cancelled(current_user, local_today())
        if ended is None:
            return redirect_to(url_for("doctor.home"))
        drafts.begin(current_user, ended[0], Kind.REREGISTER, step="qualification")
        return redirect_to(url_for("doctor.application_step", step="qualification"))
    registration = _registration_without_open_application()
    if registration is None or registration.id != (registration_in_force(registration) or 0):
        return redirect_to(url_for("doctor.home"))
    drafts.begin(current_user, registration, Kind.CHANGE, step="practice")
    return redirect_to(url_for("doctor.application_step", step="practice"))


def registration_in_force(registration) -> int | None:
    """The id of ``registration`` if it has not lapsed (a lapsed one is re-registered, not changed)."""
    return registration.id if registration.valid_until >= local_today() else None


@bp.route("/me/cancellation", methods=["GET", "POST"])
def cancellation():
    registration = services.current_registration(current_user)
    app = services.open_application(current_user)
    returned = app is not None and app.kind is Kind.CANCEL and app.state in services.EDITABLE
    if registration is None or (app is not None and not returned) or pending_of(current_user):
        return redirect_to(url_for("doctor.home"))
    form = CancellationForm(obj=app if returned else None)
    form.cancel_ground.choices = [("", _("Choose…"))] + [
        (k, ground_label(k)) for k in CANCEL_GROUNDS if k != "death"
    ]
    if form.validate_on_submit():
        if (
            not returned
        ):  # a cancellation returned by the institution is corrected, not started again
            app = drafts.start_change(current_user, registration, Kind.CANCEL)
        app.cancel_ground, app.cancel_note = form.cancel_ground.data, form.cancel_note.data.strip()
        transitions.submit(app, current_user)
        flash(
            _("Your application for cancellation was submitted. Your institution will confirm it.")
        )
        return redirect_to(url_for("doctor.home"))
    if "csrf_token" in form.errors:
        abort(400)
    return render(
        "doctor/cancellation.html",
        "form_block",
        status=422 if form.errors else 200,
        form=form,
        registration=registration,
    )


@bp.get("/me/applications")
def applications():
    """Every application of the doctor with its stage, dates and reasons (status page)."""
    apps = (
        db.session.execute(
            db.select(Application)
            .filter_by(doctor_id=current_user.id)
            .order_by(Application.id.desc())
            .limit(50)
        )
        .scalars()
        .all()
    )
    return render("doctor/applications.html", apps=apps)
