"""The bulk check (V4): staff upload a CSV of certificate numbers (UTF-8 or GBK) for a
credentialing audit and get back each one's state in the public register (in force, lapsed,
cancelled with the day, unknown), in the page or as a CSV file. The file is read whole (at
most ``portal.rules.bulk_check.MAX_BYTES``), the numbers looked up in batches
(``portal.workflow.bulk_check``), the CSV answer streamed; nothing of the file is kept, and
the check is audited with its count (A8)."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, request, stream_with_context
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from portal.columns import local_today
from portal.htmx import is_partial_request, render
from portal.institution import bp
from portal.rules import bulk_check as file_rules
from portal.rules.import_reading import ImportFileError
from portal.workflow import bulk_check

MESSAGES = {
    "missing": _l("Choose a CSV file of certificate numbers."),
    "empty": _l("The file is empty."),
    "too_big": _l(
        "The file is larger than %(mb)d MB. Split it into smaller files and check them one by one."
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
    "too_many": _l(
        "The file has more than %(n)d certificate numbers. Split it into smaller files and check them one by one."
    ),
    "no_numbers": _l(
        "The file holds no certificate number: put one number per line, in the first column "
        "or under a header “证书编码”."
    ),
}

STATE_LABELS = {
    bulk_check.REGISTERED: _l("In force"),
    bulk_check.LAPSED: _l("Lapsed"),
    bulk_check.CANCELLED: _l("Cancelled"),
    bulk_check.UNKNOWN: _l("Not in this province's register"),
    bulk_check.INVALID: _l("Not a certificate number"),
}
PROBLEMS = {
    "not_a_number": _l("A certificate number has digits only."),
    "scientific": _l("The spreadsheet turned this number into 1.2E+14: format the column as text."),
}


class BulkCheckForm(FlaskForm):
    file = FileField(
        _l("CSV file of certificate numbers (UTF-8 or GBK)"), render_kw={"accept": ".csv,text/csv"}
    )


def _page(form: BulkCheckForm, status: int = 200, *, results=None, counts=None, message=""):
    return render(
        "institution/bulk_check.html",
        "result_block",
        status=status,
        form=form,
        results=results,
        counts=counts,
        message=message,
        labels=STATE_LABELS,
        problems=PROBLEMS,
        max_rows=file_rules.MAX_ROWS,
    )


def _message(exc: ImportFileError) -> str:
    text = str(MESSAGES[exc.key])
    return text % exc.params if exc.params else text


def _detail(item: bulk_check.Checked) -> str:
    if item.state == bulk_check.INVALID:
        return str(PROBLEMS.get(item.problem, ""))
    if item.on is None:
        return ""
    day = format_date(item.on, "long")
    if item.state == bulk_check.CANCELLED:
        return _("Cancelled on %(d)s", d=day)
    return _("Valid until %(d)s", d=day)


def _csv(results: list[bulk_check.Checked]) -> Response:
    def rows():
        yield "\ufeff"  # UTF-8 with BOM: Excel opens the Chinese correctly
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("Line"), _("Certificate number"), _("State"), _("Date"), _("Note")])
        for start in range(0, len(results), 1000):
            for item in results[start : start + 1000]:
                day = item.on.isoformat() if item.on else ""
                note = _detail(item) if item.state == bulk_check.INVALID else ""
                # a certificate number is digits; anything else the file held is quoted as text
                number = item.number if item.problem is None else "'" + item.number
                writer.writerow([item.line, number, str(STATE_LABELS[item.state]), day, note])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    name = f"bulk-check-{local_today():%Y%m%d}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/bulk-check", methods=["GET", "POST"])
def bulk_check_page():
    if request.method == "GET":
        return _page(BulkCheckForm(formdata=None))
    form = BulkCheckForm()
    if not form.validate_on_submit():
        abort(400)  # only the CSRF token can fail here
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        return _page(form, 422, message=str(MESSAGES["missing"]))
    raw = upload.stream.read(file_rules.MAX_BYTES + 1)
    try:
        lines = file_rules.read_numbers(raw)
    except ImportFileError as exc:
        # 413 for the page; htmx swaps in a 422, not a 413 (base.html's responseHandling)
        status = 413 if exc.key == "too_big" and not is_partial_request() else 422
        return _page(
            form,
            status,
            message=str(MESSAGES[exc.key]) % exc.params if exc.params else str(MESSAGES[exc.key]),
        )
    results = bulk_check.check(lines, local_today(), current_user)
    if request.form.get("answer") == "csv":
        return _csv(results)
    counts = {state: 0 for state in bulk_check.STATES}
    for item in results:
        counts[item.state] += 1
    return _page(form, results=[(item, _detail(item)) for item in results], counts=counts)
