"""A2: the province administrator imports qualification records (Q1) and practice records made
before the portal (Q2) from CSV files: upload, a preview with a line-by-line error report,
then one confirmation that writes the whole file in one transaction, or nothing.

Only the province administrator (Role.ADMIN) imports, as SPEC's table of roles says: these
records decide who is verified at sign-up (D2), and officers decide identity cases (A3)
against them; they do not write them. An officer is answered 404, like any other role.

A valid file is kept as a pending ``ImportBatch`` (tenant-scoped, so another tenant's batch id
answers 404); the confirmation names the batch and checks the whole file again against the
records as they are then. A file with an error, or with nothing new, is not kept at all. A
pending batch expires after 24 hours (``workflow.imports.PENDING_LIFETIME``) and is then deleted:
its page and its confirmation answer 410 and ask for the file again; nothing is written."""

from __future__ import annotations

import click
from flask import abort, current_app, flash, make_response, request, url_for
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from portal import workflow
from portal.accounts import role_required
from portal.accounts.models import Role
from portal.admin import bp
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.registry.records import (
    ImportBatch,
    ImportKind,
    ImportStatus,
)
from portal.rules import import_format
from portal.rules import import_reading as reading
from portal.rules import imports as rules
from portal.workflow import imports as import_workflow
from portal.workflow.import_check import REPORT_LIMIT, SAMPLE, checker, preview_of

IMPORT_ROLES = (Role.ADMIN,)

FILE_MESSAGES = {
    "empty": _l("The file is empty."),
    "too_big": _l(
        "The file is larger than %(mb)d MB. Split it into smaller files and import them one by one."
    ),
    "utf16": _l(
        "The file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8” and upload it again."
    ),
    "encoding": _l(
        "The file is neither UTF-8 nor GBK text. Save it as CSV (UTF-8) and upload it again."
    ),
    "not_text": _l(
        "This is not a CSV text file: it contains binary data. In the spreadsheet, choose “Save as” "
        "and the CSV format."
    ),
    "duplicate_column": _l("The column “%(column)s” appears twice in the first line."),
    "missing_columns": _l(
        "The first line must name the columns, as in the template. Missing: %(columns)s."
    ),
    "no_rows": _l("The file names the columns but has no records."),
    "csv": _l("The file cannot be read as CSV near line %(line)d (check the quotation marks)."),
}

LINE_MESSAGES = {
    "required": _l("This value is missing."),
    "line_width": _l("The line has %(found)d values, the first line names %(expected)d columns."),
    "name_length": _l("A legal name has 2 to 30 characters."),
    "name_chars": _l(
        "A legal name is written in Chinese characters (a middle dot · is allowed), no letters or "
        "digits."
    ),
    "id_length": _l("A resident ID number has 18 characters."),
    "id_format": _l("A resident ID number is 17 digits followed by a digit or X."),
    "id_checksum": _l("This ID number is not valid: its check digit does not match."),
    "id_birth_date": _l("The birth date in this ID number is not a real date."),
    "certificate": _l("Letters, digits and hyphens only, at most %(max)d characters."),
    "level": _l("Write 执业医师 or 执业助理医师 (practitioner or assistant)."),
    "category": _l("Write 临床, 中医, 口腔 or 公共卫生 (clinical, tcm, dental or public_health)."),
    "flag": _l("Write 是 or 否 (yes or no), or leave it empty for 否."),
    "rural_practitioner": _l(
        "Only an assistant qualification can be a rural general one (乡村全科)."
    ),
    "date": _l("Write the date as 2024-09-01."),
    "date_future": _l("This date is in the future."),
    "date_before_birth": _l("This date is before the birth date in the ID number."),
    "too_long": _l("At most %(max)d characters."),
    "scope_unknown": _l(
        "Not in the practice-scope catalogue: %(names)s. Separate scopes with 、 or ;."
    ),
    "scope_mixed": _l(
        "These scopes belong to different categories; one registration has one category."
    ),
    "scope_category": _l(
        "Not a scope of the category of this doctor's qualification records: %(names)s."
    ),
    "duplicate": _l("This certificate number is already on line %(line)d."),
    "id_other_name_in_file": _l("This ID number is on line %(line)d with another name."),
    "id_other_name_in_records": _l(
        "The records of this province have this ID number with another name."
    ),
    "conflict": _l(
        "This certificate number is already recorded with other values (%(fields)s). The import "
        "does not overwrite records: correct the line, or remove it."
    ),
    "portal_number": _l("This number belongs to a registration issued on the portal."),
    "institution_unknown": _l(
        "No institution on the portal has the name “%(value)s”: this line is not imported. "
        "Check the name, or add the institution code column."
    ),
    "institution_ambiguous": _l(
        "Several institutions on the portal have the name “%(value)s”: this line is not "
        "imported. Give the institution code."
    ),
    "institution_code_unknown": _l(
        "No institution on the portal has the code “%(value)s”: this line is not imported."
    ),
}

TITLES = {
    ImportKind.QUALIFICATIONS: _l("Qualification records"),
    ImportKind.PRACTICE_RECORDS: _l("Practice records made before the portal"),
}


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file (UTF-8 or GBK)"), render_kw={"accept": ".csv,text/csv"})


def max_bytes() -> int:
    """The largest file an import takes (A2): IMPORT_MAX_BYTES, else ``import_format.MAX_BYTES``."""
    return current_app.config.get("IMPORT_MAX_BYTES", import_format.MAX_BYTES)


def _upload_limit() -> None:
    """The upload of an import may be larger than the app's MAX_CONTENT_LENGTH (a photo's
    limit): the import's own limit, and a megabyte for the form around the file. Run before
    anything reads the form (the CSRF check reads it), hence first of the app's hooks."""
    if request.endpoint == "admin.upload_import":
        request.max_content_length = max_bytes() + 1024 * 1024


@bp.record_once
def _first_of_the_hooks(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


def _kind(dataset: str) -> ImportKind:
    try:
        return ImportKind(dataset)
    except ValueError:
        abort(404)


def _pending_hours() -> int:
    return int(import_workflow.PENDING_LIFETIME.total_seconds() // 3600)


def _expired_message() -> str:
    hours = _pending_hours()
    return _(
        "This preview has expired: a checked file waits %(hours)d hours for its confirmation, then it is "
        "deleted. Upload the file again. Nothing was written.",
        hours=hours,
    )


class _Purged(Exception):
    """The batch expired and was deleted: the page asks for the file again (410)."""


def _batch(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)  # another tenant's finds nothing (T3)
    if batch is None:
        if import_workflow.was_purged(
            batch_id
        ):  # this tenant's audit log: another tenant's is 404 too
            raise _Purged
        abort(404)
    return batch


@bp.errorhandler(_Purged)
def _purged(_exc):
    return _index(410, note=_expired_message())


# ---- wording --------------------------------------------------------------------------------


def _column_label(preview: rules.Preview, key: str | None) -> str:
    if key is None:
        return ""
    if key in preview.headers:
        return preview.headers[key]
    return next(c.header for c in import_format.COLUMNS[preview.kind] if c.key == key)


def report(preview: rules.Preview, problems=None) -> list[tuple[int, str, str]]:
    """(line, column as headed in the file, message in the user's language), in line order."""
    out = []
    for p in (preview.problems if problems is None else problems)[:REPORT_LIMIT]:
        params = dict(p.params)
        if "fields" in params:
            params["fields"] = "、".join(_column_label(preview, f) for f in params["fields"])
        out.append((p.line, _column_label(preview, p.column), str(LINE_MESSAGES[p.key]) % params))
    return out


def file_message(exc: reading.ImportFileError) -> str:
    return str(FILE_MESSAGES[exc.key]) % exc.params


# ---- pages ----------------------------------------------------------------------------------


def _index(status: int = 200, errors: dict | None = None, note: str | None = None):
    batches = (
        db.session.execute(db.select(ImportBatch).order_by(ImportBatch.id.desc()).limit(10))
        .scalars()
        .all()
    )
    return render(
        "admin/imports.html",
        status=status,
        kinds=list(ImportKind),
        titles=TITLES,
        columns=import_format.COLUMNS,
        form=UploadForm(formdata=None),
        errors=errors or {},
        batches=batches,
        note=note,
        expired=import_workflow.expired,
        pending_hours=_pending_hours(),
        max_mb=max_bytes() // (1024 * 1024),
    )


def _preview_page(
    kind: ImportKind,
    preview: rules.Preview | None,
    batch: ImportBatch | None = None,
    status: int = 200,
    file_name: str = "",
    note: str | None = None,
):
    return render(
        "admin/import_preview.html",
        status=status,
        kind=kind,
        title=TITLES[kind],
        preview=preview,
        batch=batch,
        report=report(preview) if preview else [],
        skipped=report(preview, preview.skipped) if preview else [],
        sample=preview.new[:SAMPLE] if preview else [],
        fields=rules.FIELDS[kind.value],
        label=lambda key: _column_label(preview, key),
        file_name=batch.file_name if batch else file_name,
        note=note,
        form=FlaskForm(),
    )


@bp.get("/imports")
@role_required(*IMPORT_ROLES)
def imports():
    return _index()


@bp.get("/imports/<dataset>/template.csv")
@role_required(*IMPORT_ROLES)
def import_template(dataset: str):
    kind = _kind(dataset)
    response = make_response(import_format.template(kind.value))
    response.mimetype = "text/csv"
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename={kind.value}-template.csv"
    return response


@bp.post("/imports/<dataset>")
@role_required(*IMPORT_ROLES)
def upload_import(dataset: str):
    kind = _kind(dataset)
    form = UploadForm()
    if not form.validate_on_submit():
        abort(400)
    import_workflow.purge_expired()  # every upload first deletes the tenant's expired previews
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        return _index(422, {kind: _("Choose the CSV file to import.")})
    limit = max_bytes()
    raw = upload.stream.read(limit + 1)  # werkzeug spooled the upload to a temporary file
    try:
        text = reading.decode(raw, limit)
        del raw
        preview = preview_of(kind, text)
    except reading.ImportFileError as exc:
        return _index(413 if exc.key == "too_big" else 422, {kind: file_message(exc)})
    if (
        not preview.valid
    ):  # nothing is kept: the administrator corrects the file and uploads it again
        return _preview_page(kind, preview, status=422, file_name=upload.filename)
    if not preview.new_count:  # the same file again: nothing to write, and nothing is written
        return _preview_page(kind, preview, file_name=upload.filename)
    batch = import_workflow.stage(kind, text, upload.filename, preview.total, current_user)
    return redirect_to(url_for("admin.import_batch", batch_id=batch.id))


def _checked_again(batch: ImportBatch) -> tuple[rules.Preview | None, str | None]:
    try:
        return preview_of(batch.kind, batch.content), None
    except reading.ImportFileError as exc:
        return None, file_message(exc)


@bp.get("/imports/batches/<int:batch_id>")
@role_required(*IMPORT_ROLES)
def import_batch(batch_id: int):
    batch = _batch(batch_id)
    if batch.status is not ImportStatus.PENDING:
        return _preview_page(batch.kind, None, batch)
    if import_workflow.expired(batch):  # not yet purged
        return _preview_page(batch.kind, None, batch, status=410, note=_expired_message())
    preview, error = _checked_again(batch)  # the records may have changed since the upload
    return _preview_page(batch.kind, preview, batch, note=error)


@bp.post("/imports/batches/<int:batch_id>/confirm")
@role_required(*IMPORT_ROLES)
def confirm_import(batch_id: int):
    batch = _batch(batch_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    if batch.status is not ImportStatus.PENDING:
        return _preview_page(
            batch.kind,
            None,
            batch,
            status=409,
            note=_("This file was already imported: nothing was written again."),
        )
    if import_workflow.expired(batch):
        return _preview_page(batch.kind, None, batch, status=410, note=_expired_message())
    if request.form.get("sha256") != batch.sha256:  # the page confirmed was not this file's preview
        return _preview_page(
            batch.kind,
            None,
            batch,
            status=409,
            note=_("This is not the file you previewed. Reload the page. Nothing was written."),
        )
    try:  # checked again and written in the same pass, a part at a time, in one transaction
        import_workflow.import_batch(batch, current_user, checker(batch.kind, batch.content))
    except reading.ImportFileError as exc:
        db.session.rollback()
        return _preview_page(batch.kind, None, _batch(batch_id), 409, note=file_message(exc))
    except import_workflow.Changed as exc:
        db.session.rollback()
        return _preview_page(
            batch.kind,
            exc.preview,
            _batch(batch_id),
            status=409,
            note=_("The records changed since the preview. Nothing was written."),
        )
    except import_workflow.Expired:  # purged by another request meanwhile
        db.session.rollback()
        return _index(410, note=_expired_message())
    except workflow.WrongState:
        db.session.rollback()
        return _preview_page(
            batch.kind,
            None,
            _batch(batch_id),
            status=409,
            note=_("The records changed meanwhile. Nothing was written."),
        )
    flash(
        _(
            "Imported: %(new)d new records; %(unchanged)d were already recorded.",
            new=batch.new_count,
            unchanged=batch.unchanged_count,
        )
    )
    if batch.skipped_count:
        flash(
            _(
                "%(n)d lines were not imported: their institution is not on the portal. "
                "Correct them and import them again.",
                n=batch.skipped_count,
            )
        )
    return redirect_to(url_for("admin.import_batch", batch_id=batch.id))


# ---- the operator's command: flask imports purge ------------------------------------------

imports_cli = AppGroup("imports", help="Imports of reference data (A2).")


@imports_cli.command("purge")
def purge_command() -> None:
    """Delete the import previews (pending batches) that waited more than 24 hours for their
    confirmation, in every tenant, each with an audit row. Run it from cron (hourly, say); a
    second run deletes nothing more. A new preview in a tenant does the same for that tenant."""
    total = import_workflow.purge_all(echo=click.echo)
    click.echo(f"{total} deleted in all")
