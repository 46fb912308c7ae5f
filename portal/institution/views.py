"""Institution staff: activate doctors, confirm or reject applications, in-page."""

from __future__ import annotations

from flask import abort, flash, g, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.codes import CodeError
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.htmx import is_partial_request, redirect_to, render
from portal.institution import bp
from portal.institution.forms import AutoActivationForm, SendActivationForm
from portal.tenants import rules_for
from portal.workflow import activation
from portal.workflow.codes import send_activation_code

PAGE = 50


@bp.get("/")
def home():
    return redirect_to(url_for("institution.approvals"))


def _waiting_doctors():
    return (
        db.session.execute(
            db.select(User)
            .where(
                User.role == Role.DOCTOR,
                User.institution_id == current_user.institution_id,
                User.activated_at.is_(None),
            )
            .order_by(User.institution_named_at.desc(), User.id.desc())
            .limit(PAGE)
        )
        .scalars()
        .all()
    )


@bp.get("/activations")
def activations():
    inst = current_user.institution
    return render(
        "institution/activations.html",
        doctors=_waiting_doctors(),
        institution=inst,
        send_form=SendActivationForm(),
        auto_form=AutoActivationForm(enabled=inst.auto_activation),
        auto_allowed=rules_for(g.tenant)["institutions"]["auto_activation_allowed"],
        sent={},
    )


def _doctor_of_mine(doctor_id: int) -> User:
    doctor = db.session.get(User, doctor_id)
    if (
        doctor is None
        or doctor.role != Role.DOCTOR
        or doctor.institution_id != current_user.institution_id
    ):
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
        return render(
            "institution/activations.html",
            "doctor_row",
            status=status,
            d=doctor,
            send_form=SendActivationForm(),
            sent={doctor.id: message},
        )
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
    activation.set_auto_activation(inst, bool(form.enabled.data), current_user, _waiting_doctors())
    flash(
        _("Automatic activation is on.")
        if inst.auto_activation
        else _("Automatic activation is off.")
    )
    return redirect_to(url_for("institution.activations"))
