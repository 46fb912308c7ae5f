"""The health-commission end's blueprint, and identity cases (A3). The queue and the decisions
(A4) are in decisions.py, the city filings (A5) in filings.py."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.admin import bp, coverage
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.notify.services import sms_sent_to
from portal.registry.records import CaseStatus, IdentityCase, Qualification
from portal.workflow import identity as identity_workflow


@bp.context_processor
def _levels():
    """``province_level()`` in the admin templates: whether the user works for the province
    (A1), so the nav offers the province's pages (audit log, locked code entry) only to them."""
    return {"province_level": lambda: coverage.is_province(current_user)}


PAGE = 50


@bp.get("/identity-cases")
def identity_cases():
    cases = (
        db.session.execute(
            db.select(IdentityCase)
            .where(IdentityCase.status == CaseStatus.OPEN, coverage.case_covered(current_user))
            .options(joinedload(IdentityCase.user), joinedload(IdentityCase.region))
            .order_by(IdentityCase.id.desc())
            .limit(PAGE)
        )
        .scalars()
        .all()
    )
    return render("admin/identity_cases.html", cases=cases)


# ---- A3: identity cases --------------------------------------------------------------------


class LinkForm(FlaskForm):
    certificate_no = StringField(
        _l("Certificate or notice number of the matching record"),
        validators=[DataRequired(_l("Enter the certificate number.")), Length(max=40)],
    )


class CloseForm(FlaskForm):
    reason = StringField(
        _l("Reason for closing"),
        validators=[DataRequired(_l("Give the reason: the doctor will see it.")), Length(max=500)],
    )


def _open_case(case_id: int) -> IdentityCase:
    """A case the officer's region covers (A1, A3); 404 otherwise, like a missing one."""
    return coverage.case_or_404(current_user, case_id)


def _case_page(case: IdentityCase, status: int = 200, link_form=None, close_form=None):
    # records with the same ID number or the same name: what the officer compares with the documents
    candidates = (
        db.session.execute(
            db.select(Qualification)
            .where(
                db.or_(
                    Qualification.id_number == case.user.id_number,
                    Qualification.name == case.user.real_name,
                ),
                Qualification.cancelled_on.is_(None),
            )
            .order_by(Qualification.id)
            .limit(20)
        )
        .scalars()
        .all()
    )
    return render(
        "admin/identity_case.html",
        "decision_block",
        status=status,
        case=case,
        candidates=candidates,
        sent=sms_sent_to(case.user_id),
        link_form=link_form or LinkForm(formdata=None),
        close_form=close_form or CloseForm(formdata=None),
    )


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
        db.select(Qualification).filter_by(
            certificate_no=form.certificate_no.data.strip(), cancelled_on=None
        )
    ).scalar_one_or_none()
    if record is None:
        form.certificate_no.errors.append(
            _("No qualification record of this province has this number.")
        )
        return _case_page(case, 422, link_form=form)
    identity_workflow.link_record(case, current_user, record)
    flash(
        _("The account is linked to %(no)s and the doctor was notified.", no=record.certificate_no)
    )
    return redirect_to(url_for("admin.identity_cases"))


@bp.post("/identity-cases/<int:case_id>/close")
def close_identity_case(case_id: int):
    case = _open_case(case_id)
    form = CloseForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _case_page(case, 422, close_form=form)
    identity_workflow.close_case(case, current_user, form.reason.data)
    flash(_("The case is closed and the doctor was told the reason."))
    return redirect_to(url_for("admin.identity_cases"))
