"""Multi-site practice filing (D19, L6): a registered doctor finds an institution by name and
files it as an additional practice site; that institution confirms it in its queue (I4). The
page lists the filings with their state (and reasons), and lets the doctor withdraw one."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired

from portal.doctor import bp, services
from portal.extensions import db
from portal.htmx import is_partial_request, redirect_to, render
from portal.inputs import posted_row
from portal.registry.institutions import Institution
from portal.workflow import filings
from portal.workflow.conflicts import said
from portal.workflow.locks import WrongState
from portal.workflow.models import SiteFiling

SEARCH_LIMIT = 20


class FileSiteForm(FlaskForm):
    institution_id = HiddenField(validators=[DataRequired()])


def _refusal(key: str) -> str:
    return {
        "main_institution": _(
            "This is your main institution: it cannot be filed as an additional site."
        ),
        "already_filed": _("This institution is already filed as one of your practice sites."),
        "outside_region": _(
            "This institution is outside your place of practice: an assistant physician practises "
            "in the county of the main institution."
        ),
        "not_registered": _("Practice sites can be filed once your registration is approved."),
        "not_active": _("Not changed: this filing is no longer in force."),
    }.get(key, _("Practice sites can be filed once your registration is approved."))


def _search(q: str) -> list[Institution]:
    if not q:
        return []
    return (
        db.session.execute(
            db.select(Institution)
            .where(Institution.name.contains(q, autoescape=True))
            .order_by(Institution.name)
            .limit(SEARCH_LIMIT)
        )
        .scalars()
        .all()
    )


def _page(registration, q: str = "", status: int = 200, notice: str = "", done: str = ""):
    mine = filings.filings_of(current_user)
    active = {f.institution_id for f in mine if f.state in filings.ACTIVE}
    found = [
        (
            inst,
            "main"
            if inst.id == registration.institution_id
            else "filed"
            if inst.id in active
            else ""
            if filings.in_region(registration, inst)
            else "outside",
        )
        for inst in _search(q)
    ]
    return render(
        "doctor/sites.html",
        "sites_block",
        status=status,
        registration=registration,
        filings=mine,
        q=q,
        found=found,
        notice=notice,
        done=done,
    )


def _registration_or_home():
    registration = services.current_registration(current_user)
    if registration is None:
        flash(_refusal("not_registered"))
    return registration


def _done(registration, message: str):
    if is_partial_request():
        return _page(registration, done=message)
    flash(message)
    return redirect_to(url_for("doctor.sites"))


@bp.get("/me/sites")
def sites():
    registration = _registration_or_home()
    if registration is None:
        return redirect_to(url_for("doctor.home"))
    return _page(registration, q=request.args.get("q", "").strip()[:50])


@bp.post("/me/sites")
def file_site():
    registration = _registration_or_home()
    if registration is None:
        return redirect_to(url_for("doctor.home"))
    form = FileSiteForm()
    institution = posted_row(Institution, form.institution_id.data, form.validate_on_submit())
    try:
        filings.file_site(registration, current_user, institution)
    except filings.Refused as err:
        db.session.rollback()
        return _page(registration, status=409, notice=_refusal(err.key))
    except WrongState as err:
        db.session.rollback()
        return _page(registration, status=409, notice=_refusal(str(err)))
    return _done(
        registration, _("%(name)s was asked to confirm your filing.", name=institution.name)
    )


@bp.post("/me/sites/<int:filing_id>/withdraw")
def withdraw_site(filing_id: int):
    filing = db.session.get(SiteFiling, filing_id)
    if filing is None or filing.doctor_id != current_user.id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    registration = _registration_or_home()
    if registration is None:
        return redirect_to(url_for("doctor.home"))
    try:
        filings.withdraw_filing(filing, current_user)
    except WrongState as err:
        db.session.rollback()  # A9: "此多机构备案已于 10:42 由…确认", then what it means here
        return _page(
            registration,
            status=409,
            notice=" ".join(filter(None, (said(err, current_user), _refusal("not_active")))),
        )
    return _done(
        registration, _("The filing of %(name)s was withdrawn.", name=filing.institution.name)
    )
