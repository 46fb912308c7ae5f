"""The activation codes this institution sent (I3): to which doctor, where (masked), when,
until when, and whether each is waiting, used or expired; "send again" for a doctor still
waiting, within the sending limits of SEC2 (a refusal is a 429 with the reason)."""

from __future__ import annotations

from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import aliased, joinedload

from portal.accounts.codes import CodeError
from portal.accounts.models import CodePurpose, OneTimeCode, User
from portal.columns import utcnow
from portal.extensions import db
from portal.htmx import is_partial_request, redirect_to, render
from portal.inputs import db_id
from portal.institution import bp
from portal.institution.forms import SendActivationForm
from portal.institution.views import PAGE, _doctor_of_mine
from portal.rules.activation import code_status, mask_destination
from portal.workflow.codes import send_activation_code


def _codes(before: int | None):
    """The codes staff of this institution sent, newest first, a page at a time (keyset)."""
    issuer = aliased(User)
    stmt = (
        db.select(OneTimeCode)
        .join(issuer, OneTimeCode.issued_by_id == issuer.id)
        .where(
            OneTimeCode.purpose == CodePurpose.ACTIVATION,
            issuer.institution_id == current_user.institution_id,
        )
        .options(joinedload(OneTimeCode.user))
        .order_by(OneTimeCode.id.desc())
        .limit(PAGE + 1)
    )
    if before:
        stmt = stmt.where(OneTimeCode.id < before)
    rows = db.session.execute(stmt).scalars().all()
    return rows[:PAGE], (rows[PAGE - 1].id if len(rows) > PAGE else None)


def _view(c: OneTimeCode, now, latest: bool) -> dict:
    doctor = c.user
    return {
        "id": c.id,
        "doctor": doctor,
        "to": mask_destination(c.destination),
        "channel": c.channel,
        "sent_at": c.created_at,
        "expires_at": c.expires_at,
        "status": code_status(c.used_at, c.expires_at, now),
        # "send again" on the newest code of a doctor who is still waiting for this institution
        "resend": latest
        and doctor.activated_at is None
        and doctor.institution_id == current_user.institution_id,
    }


def _page(status: int = 200, message: str = ""):
    rows, next_before = _codes(request.args.get("before", type=db_id))
    now, seen, views = utcnow(), set(), []
    for c in rows:
        views.append(_view(c, now, c.user_id not in seen))
        seen.add(c.user_id)
    return render(
        "institution/activation_codes.html",
        status=status,
        codes=views,
        next_before=next_before,
        message=message,
    )


@bp.get("/activations/codes")
def activation_codes():
    return _page()


@bp.post("/activations/codes/<int:doctor_id>/resend")
def resend_activation_code(doctor_id: int):
    doctor = _doctor_of_mine(doctor_id)
    form = SendActivationForm()
    if not form.validate_on_submit():
        abort(400)
    status = 200
    if doctor.activated_at:
        message, status = _("This doctor is already activated."), 409
    else:
        try:
            to = send_activation_code(doctor, current_user, form.channel.data, g.tenant)
        except CodeError as err:
            db.session.rollback()
            message, status = err.message(), 429
        else:
            message = _(
                "A new activation code was sent to %(to)s. The earlier one no longer works.", to=to
            )
    if is_partial_request():
        return render(
            "institution/activation_codes.html",
            "resend_result",
            status=status,
            message=message,
            doctor=doctor,
            failed=status != 200,
        )
    if status != 200:
        return _page(status, message)
    flash(message)
    return redirect_to(url_for("institution.activation_codes"))
