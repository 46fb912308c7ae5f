"""Practice records made before the portal (Q2, D5): an officer finds a doctor's record and
corrects the institution where the doctor is registered (audited, A8), so that the doctor
activates there (F17).

Region-scoped (A1): an officer sees and corrects the records of the institutions their region
covers, and names an institution their region covers; a record linked to no institution yet is
the province's to set. Another region's record answers 404, like a missing one."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal import workflow
from portal.admin import bp, coverage
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.registry.institutions import Institution
from portal.registry.records import PracticeRecord
from portal.workflow import records as records_workflow

LIMIT = 20


class InstitutionForm(FlaskForm):
    institution = StringField(
        _l("Licence registration number or exact name of the institution"),
        validators=[DataRequired(_l("Name the institution.")), Length(max=100)],
    )
    reason = StringField(
        _l("Reason for the correction"),
        validators=[
            DataRequired(_l("Give the reason: it is kept in the audit log.")),
            Length(max=500),
        ],
    )


def _covered(officer):
    """The SQL criterion on ``PracticeRecord``: the records this officer may correct."""
    institutions = coverage.covered_institutions(officer)
    if institutions is None:
        return db.true()
    return PracticeRecord.institution_id.in_(institutions)


def _record_or_404(record_id: int) -> PracticeRecord:
    # no joined institution: the correction takes the row FOR UPDATE (A9), which PostgreSQL
    # refuses on the nullable side of an outer join
    record = db.session.execute(
        db.select(PracticeRecord).where(PracticeRecord.id == record_id, _covered(current_user))
    ).scalar_one_or_none()
    if record is None:
        abort(404)
    return record


def _institution(text: str) -> Institution | None:
    """By licence number, else by exact name when one institution the officer covers has it."""
    text = text.strip()
    found = (
        db.session.execute(
            db.select(Institution)
            .where(
                db.or_(Institution.licence_no == text.upper(), Institution.name == text),
                coverage.institution_covered(current_user),
            )
            .limit(2)
        )
        .scalars()
        .all()
    )
    return found[0] if len(found) == 1 else None


@bp.get("/practice-records")
def practice_records():
    q = request.args.get("q", "").strip()[:40]
    found = []
    if q:
        found = (
            db.session.execute(
                db.select(PracticeRecord)
                .where(
                    db.or_(
                        PracticeRecord.certificate_no == q.upper(),
                        PracticeRecord.id_number == q.upper(),
                        PracticeRecord.name == q,
                    ),
                    _covered(current_user),
                )
                .options(joinedload(PracticeRecord.institution))
                .order_by(PracticeRecord.id)
                .limit(LIMIT)
            )
            .scalars()
            .all()
        )
    return render("admin/practice_records.html", q=q, found=found, record=None)


def _page(record: PracticeRecord, form=None, status: int = 200, note: str | None = None):
    return render(
        "admin/practice_records.html",
        status=status,
        q="",
        found=[],
        record=record,
        form=form or InstitutionForm(formdata=None),
        taken_over=records_workflow.taken_over(record),
        note=note,
    )


@bp.get("/practice-records/<int:record_id>")
def practice_record(record_id: int):
    return _page(_record_or_404(record_id))


@bp.post("/practice-records/<int:record_id>/institution")
def correct_practice_record(record_id: int):
    record = _record_or_404(record_id)
    form = InstitutionForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(record, form, 422)
    institution = _institution(form.institution.data)
    if institution is None:
        form.institution.errors.append(
            _("No institution of your region has this licence number or exact name.")
        )
        return _page(record, form, 422)
    try:
        records_workflow.set_institution(record, institution, current_user, form.reason.data)
    except workflow.WrongState:
        db.session.rollback()
        return _page(
            _record_or_404(record_id),
            form,
            409,
            _(
                "This record is already the doctor's registration on the portal: a move to "
                "another institution is a change of registration, applied for by the doctor."
            ),
        )
    flash(_("The record now names %(name)s.", name=institution.name))
    return redirect_to(url_for("admin.practice_record", record_id=record.id))
