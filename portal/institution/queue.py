"""The approval queue (I4): everything waiting for this institution on one page, newest first,
filtered by kind and searched by the doctor's name, keyset paged (P5). Each item is decided
in-page (approve, or reject with a reason), one at a time or as a selected batch; every item
is decided in its own transaction through ``portal.workflow``, so one that changed meanwhile
is reported and does not undo the others."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from portal import workflow
from portal.columns import local_today
from portal.extensions import db
from portal.htmx import is_partial_request, private_file, redirect_to, render
from portal.institution import bp
from portal.institution.forms import BatchForm, RejectForm
from portal.institution.waiting import (
    KINDS,
    MAX_BATCH,
    Item,
    find,
    name_prefix,
    parse_cursor,
    parse_token,
    queue_page,
)
from portal.tenants import rules_for_application
from portal.workflow import applications, filings, history, modifications
from portal.workflow.conflicts import said
from portal.workflow.models import Application, FilingState, ModificationState, State

TEMPLATE = "institution/queue.html"


@dataclass
class Outcome:
    """What became of one item of a batch."""

    token: str
    item: Item | None
    ok: bool
    message: str


def _filters(values) -> dict:
    kind = values.get("kind", "")
    return {"kind": kind if kind in KINDS else "", "q": name_prefix(values.get("q"))}


def _page(
    status: int = 200,
    block: str | None = "queue",
    outcomes=None,
    batch_form=None,
    refused: Item | None = None,
    form=None,
    **filters,
):
    filters = filters or _filters(request.args)
    cursor = parse_cursor(request.args.get("before")) if request.method == "GET" else None
    items, next_cursor = queue_page(
        current_user.institution_id, filters["kind"] or None, filters["q"], cursor
    )
    if refused is not None and refused.token not in {it.token for it in items}:
        items = [
            refused,
            *items,
        ]  # the item whose rejection was refused stays in view, with its error
    return render(
        TEMPLATE,
        block,
        status=status,
        items=items,
        next_cursor=next_cursor,
        paged=cursor is not None,
        kinds=KINDS,
        filters=filters,
        results={},
        form=form or RejectForm(formdata=None),
        batch_form=batch_form or BatchForm(formdata=None),
        outcomes=outcomes,
        labels=modifications.LABELS,
        refused=refused.token if refused is not None else "",
    )


@bp.get("/approvals")
def approvals():
    response = _page()
    response.headers["Cache-Control"] = "no-store"  # names and (masked) ID numbers (SEC5)
    return response


# ---- deciding one item -------------------------------------------------------------------------


def _refused(item: Item, action: str) -> str:
    """Why the workflow refused: the item changed meanwhile (its state read again)."""
    state = item.row.state
    if item.source == "a":
        return _("Not changed: this application is no longer waiting for you.")
    if item.source == "m":
        if (
            state is ModificationState.PENDING and action == "approve"
        ):  # the registration changed meanwhile (D7)
            return _(
                "Not changed: the registration was changed meanwhile. Reject this request; the doctor can "
                "ask again."
            )
        return _("Not changed: this request is no longer waiting for your approval.")
    if state is FilingState.WITHDRAWN:
        return _("Not changed: the doctor withdrew this filing meanwhile.")
    if (
        state is FilingState.PENDING and action == "approve"
    ):  # the registration was cancelled meanwhile
        return _(
            "Not changed: the doctor's registration is no longer in force. Reject this filing."
        )
    return _("Not changed: this filing is no longer waiting for you.")


def decide(item: Item, action: str, reason: str = "") -> tuple[bool, str]:
    """Approve or reject ``item`` in its own transaction (the workflow commits it)."""
    staff, row = current_user, item.row
    approve = action == "approve"
    try:
        if item.source == "a":
            applications.confirm(row, staff) if approve else applications.reject(row, staff, reason)
        elif item.source == "m":
            (
                modifications.approve_modification(row, staff)
                if approve
                else modifications.reject_modification(row, staff, reason)
            )
        else:
            filings.confirm_filing(row, staff) if approve else filings.reject_filing(
                row, staff, reason
            )
    except workflow.WrongState as err:
        db.session.rollback()  # A9: said by whom and when, then what it means here
        return False, " ".join(filter(None, (said(err, staff), _refused(item, action))))
    if not approve:
        return True, _("Rejected. The doctor was notified with your reason.")
    if item.source == "m":
        return True, _("Approved. The new details are in force and the doctor was notified.")
    return True, _("Confirmed. The doctor was notified.")


def _item_of_mine(source: str, row_id: int) -> Item:
    item = find(source, row_id, current_user.institution_id)
    if item is None:
        abort(404)
    return item


def _row(item: Item, message: str, status: int = 200, form=None):
    if is_partial_request():
        return render(
            TEMPLATE,
            "item",
            status=status,
            it=item,
            form=form or RejectForm(formdata=None),
            results={item.token: message},
            labels=modifications.LABELS,
            kinds=KINDS,
            refused="",
        )
    flash(message)
    if status != 200:  # a race lost (A9): the queue as it is now, with the 409
        return _page(status)
    return redirect_to(url_for("institution.approvals"))


def _reason_refused(item: Item, form):
    """A rejection without a fit reason (4xx, nothing changed): the message next to the item's
    reason field, the text typed kept, in the item (htmx) or on the whole queue page (plain form)."""
    if is_partial_request():
        return render(
            TEMPLATE,
            "item",
            status=422,
            it=item,
            form=form,
            results={},
            labels=modifications.LABELS,
            kinds=KINDS,
            refused=item.token,
        )
    return _page(422, None, refused=item, form=form)


def _approve(source: str, row_id: int):
    item = _item_of_mine(source, row_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    ok, message = decide(item, "approve")
    return _row(item, message, 200 if ok else 409)


def _reject(source: str, row_id: int):
    item = _item_of_mine(source, row_id)
    form = RejectForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _reason_refused(item, form)
    ok, message = decide(item, "reject", form.reason.data)
    return _row(item, message, 200 if ok else 409)


def _application_of_mine(app_id: int) -> Application:
    """An application submitted to this institution; 404 for another institution's, a draft,
    or another tenant's (T3), exactly like a missing one."""
    app = db.session.get(Application, app_id)
    if app is None or app.institution_id != current_user.institution_id or app.state is State.DRAFT:
        abort(404)
    return app


@bp.get("/approvals/<int:app_id>/details")
def application_details(app_id: int):
    """I4 (issue 14): what the staff vouch for before confirming: the address, contract, work
    history, qualification, photo and certificate scans. htmx loads the details into the queue
    card; without JS it is a page of its own with the decision under it."""
    app = _application_of_mine(app_id)
    response = render(
        "institution/details.html",
        "details",
        app=app,
        it=Item("a", app),
        docs=history.documents_of(app),
        # D14, F14: the time at the institution the registration will give
        practice_time=history.practice_time_of(app, local_today(), rules_for_application(app)),
        form=RejectForm(formdata=None),
    )
    response.headers["Cache-Control"] = "no-store"  # personal data (SEC5)
    return response


@bp.get("/approvals/<int:app_id>/documents/<which>")
def application_document(app_id: int, which: str):
    """I6: the photo (D11) or a certificate scan (R1, R3, L5) of an application submitted to
    this institution; 404 for another institution's, a draft, or another tenant's (T3)."""
    doc = history.document_of(_application_of_mine(app_id), which)
    if doc is None:
        abort(404)
    return private_file(doc.data, doc.content_type)


@bp.post("/approvals/<int:app_id>/confirm")
def confirm(app_id: int):
    return _approve("a", app_id)


@bp.post("/approvals/<int:app_id>/reject")
def reject(app_id: int):
    return _reject("a", app_id)


@bp.post("/modifications/<int:req_id>/approve")
def approve_modification(req_id: int):
    return _approve("m", req_id)


@bp.post("/modifications/<int:req_id>/reject")
def reject_modification(req_id: int):
    return _reject("m", req_id)


@bp.post("/filings/<int:filing_id>/confirm")
def confirm_filing(filing_id: int):
    return _approve("f", filing_id)


@bp.post("/filings/<int:filing_id>/reject")
def reject_filing(filing_id: int):
    return _reject("f", filing_id)


# ---- deciding a selected batch -----------------------------------------------------------------


def _batch_error(form: BatchForm, message: str | None = None):
    if message:
        form.form_errors.append(message)
    if is_partial_request():
        return render(
            TEMPLATE,
            "batch_answer",
            status=422,
            batch_form=form,
            outcomes=None,
            results={},
            form=RejectForm(formdata=None),
            labels=modifications.LABELS,
            decided=[],
            kinds=KINDS,
        )
    return _page(422, None, batch_form=form, **_filters(request.form))


@bp.post("/approvals/batch")
def batch():
    """Approve, or reject with one reason, every selected item; the answer says per item what
    was done and what was not, and why."""
    form = BatchForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _batch_error(form)
    tokens = list(dict.fromkeys(request.form.getlist("item")))
    picked = [parse_token(t) for t in tokens]
    if any(p is None for p in picked):
        abort(400)  # not something the page offers
    if not picked:
        return _batch_error(form, _("Select at least one item first."))
    if len(picked) > MAX_BATCH:
        return _batch_error(form, _("Select at most %(n)d items at a time.", n=MAX_BATCH))
    if form.action.data == "reject" and not (form.reason.data or "").strip():
        form.reason.errors = [_("Give the reason: the doctor will see it.")]
        return _batch_error(form)
    outcomes = []
    for token, (source, row_id) in zip(tokens, picked, strict=True):
        item = find(source, row_id, current_user.institution_id)
        if item is None:
            outcomes.append(Outcome(token, None, False, _("Not found in your queue.")))
            continue
        ok, message = decide(item, form.action.data, form.reason.data or "")
        outcomes.append(Outcome(token, item, ok, message))
    if is_partial_request():
        decided = [o.item for o in outcomes if o.item is not None]
        return render(
            TEMPLATE,
            "batch_answer",
            batch_form=BatchForm(formdata=None),
            outcomes=outcomes,
            decided=decided,
            results={o.token: o.message for o in outcomes},
            kinds=KINDS,
            form=RejectForm(formdata=None),
            labels=modifications.LABELS,
        )
    return _page(200, None, outcomes=outcomes, **_filters(request.form))
