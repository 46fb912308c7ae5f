"""Information maintenance (D17, F5, F6): a registered doctor edits registered details; the
edit becomes a request that the institution approves (I4). The page shows the registered
values in a form, or the request waiting with old and new values, and the last outcome."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField
from wtforms.validators import DataRequired, ValidationError

from portal.doctor import bp, services
from portal.doctor.forms import MESSAGES
from portal.doctor.wizard_forms import HistoryForm, PersonalForm
from portal.htmx import is_partial_request, redirect_to, render
from portal.workflow import modifications as mods
from portal.workflow.locks import WrongState


class MaintenanceForm(PersonalForm, HistoryForm):
    """The modifiable details, each validated as in the wizard (D9, D10, D14)."""

    contract_end = DateField(
        _l("Contract end date"), validators=[DataRequired(MESSAGES["required"])]
    )

    def __init__(self, *args, contract_start=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract_start = contract_start

    def validate_contract_end(self, field):
        if self.contract_start and field.data and field.data <= self.contract_start:
            raise ValidationError(_l("The contract must end after it starts."))


def _refusal(key: str) -> str:
    return {
        "pending": _("A modification request is already waiting for your institution."),
        "open_application": _(
            "You have an application in progress: information can be modified once it is decided."
        ),
        "not_registered": _(
            "Information maintenance is available once your registration is approved."
        ),
    }.get(key, _("Information maintenance is available once your registration is approved."))


def _page(registration, form, status: int = 200, notice: str = "", sent: str = ""):
    return render(
        "doctor/maintenance.html",
        "maintenance_block",
        status=status,
        registration=registration,
        pending=mods.pending_of(current_user),
        last=mods.last_decided_of(current_user),
        form=form,
        labels=mods.LABELS,
        notice=notice,
        sent=sent,
    )


@bp.route("/me/maintenance", methods=["GET", "POST"])
def maintenance():
    registration = services.current_registration(current_user)
    if registration is None:
        flash(_refusal("not_registered"))
        return redirect_to(url_for("doctor.home"))
    if request.method == "GET":
        form = None
        if mods.pending_of(current_user) is None:  # not offered again until the institution decides
            form = MaintenanceForm(
                formdata=None,
                contract_start=registration.contract_start,
                data={name: getattr(registration, name) for name in mods.EDITABLE},
            )
        return _page(registration, form)

    form = MaintenanceForm(contract_start=registration.contract_start)
    form.validate()
    if "csrf_token" in form.errors:
        abort(400)
    if form.errors:  # a refused post changes nothing (SEC6); the form shows everything typed
        return _page(registration, form, status=422)
    changes = {name: getattr(form, name).data for name in mods.EDITABLE}
    try:
        mods.request_modification(registration, current_user, changes)
    except mods.NothingChanged:
        return _page(
            registration, form, status=422, notice=_("Nothing was changed: edit a detail first.")
        )
    except WrongState as err:
        return _page(registration, None, status=409, notice=_refusal(str(err)))
    sent = _("Your request was sent to %(name)s for approval.", name=registration.institution.name)
    if is_partial_request():
        return _page(registration, None, sent=sent)
    flash(sent)
    return redirect_to(url_for("doctor.maintenance"))
