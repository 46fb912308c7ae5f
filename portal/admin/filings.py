"""A5/F12 (R1): several scopes at a county-level institution are approved by the county's
officer and filed with the city: the city's officers see the county approvals of their city's
counties and record each filing. Officers of the county and the province see the same list,
read-only, limited to what their level covers."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload

from portal.admin import bp, coverage
from portal.admin.views import PAGE
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.inputs import db_id
from portal.registry.institutions import Institution
from portal.workflow import commission
from portal.workflow.models import Application

SHOW = ("waiting", "filed")


@bp.get("/filings")
def filings():
    show = request.args.get("show", "waiting")
    show = show if show in SHOW else "waiting"
    before = request.args.get("before", type=db_id)
    stmt = (
        coverage.city_filings(current_user)
        .where(
            Application.city_filed_at.is_(None)
            if show == "waiting"
            else Application.city_filed_at.is_not(None)
        )
        .options(
            joinedload(Application.doctor),
            joinedload(Application.institution).joinedload(Institution.county),
        )
        .order_by(Application.id.desc())
        .limit(PAGE + 1)
    )
    if before:
        stmt = stmt.where(Application.id < before)
    rows = db.session.execute(stmt).scalars().all()
    next_before = rows[PAGE - 1].id if len(rows) > PAGE else None
    return render(
        "admin/filings.html",
        apps=rows[:PAGE],
        show=show,
        next_before=next_before,
        form=FlaskForm(),
        city=coverage.level_of(current_user) == coverage.CITY,
    )


@bp.post("/filings/<int:app_id>/record")
def record_filing(app_id: int):
    app = coverage.application_or_404(current_user, app_id)
    if not coverage.files(current_user, app):
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    commission.file_with_city(app, current_user)
    flash(
        _(
            "The county's approval for %(doctor)s is filed with the city.",
            doctor=app.doctor.real_name,
        )
    )
    return redirect_to(url_for("admin.filings"))
