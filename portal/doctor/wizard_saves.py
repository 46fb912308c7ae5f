"""Saving each step of the wizard (D9): write what is valid, keep the rest for the page, and
say whether anything was wrong (``SAVE``, one function per step). What a step needs to know is
``wizard_steps.Context``; the views are in wizard.py."""

from flask import request, session
from flask_babel import gettext as _

from portal.doctor import services
from portal.doctor.photos import PhotoError, process_photo, process_scan
from portal.doctor.wizard_steps import SCOPE_MESSAGES, Context
from portal.extensions import db
from portal.inputs import db_id
from portal.registry.institutions import Institution
from portal.rules.lapse import training_certificate_error
from portal.workflow.models import Kind


def photo_message(key: str) -> str:
    return {
        "empty": _("Choose a file first."),
        "too_big": _("The file is larger than 5 MB."),
        "type": _("Only JPEG and PNG images are accepted."),
        "too_many_pixels": _("The image has too many pixels."),
        "broken": _("This file is not a readable JPEG or PNG image."),
        "too_small": _("The photo is too small: at least 150 × 200 pixels."),
        "polyglot": _(
            "This file holds something besides the image. Save the image again as a plain JPEG or PNG "
            "(e.g. take a screenshot of it) and upload that."
        ),
    }[key]


TRAINING_MESSAGES = {
    "training_missing": lambda n: _("Give the length of your training."),
    "training_too_short": lambda n: _("The training must have lasted at least %(n)s months.", n=n),
    "training_not_passed": lambda n: _("The training counts only with the assessment passed."),
}


def _save_personal(ctx: Context, form) -> bool:
    if not form.home_address.errors:
        ctx.app.home_address = form.home_address.data.strip()
    return bool(form.home_address.errors)


def _save_qualification(ctx: Context, form) -> bool:
    app = ctx.app
    chosen = next((q for q in ctx.qualifications if str(q.id) == form.qualification_id.data), None)
    if len(ctx.qualifications) > 1:
        if chosen is None:
            form.qualification_id.errors = [_("Choose the certificate to register.")]
        else:
            app.qualification_id, app.level, app.category = chosen.id, chosen.level, chosen.category
            ctx.qualification = chosen
    other = ctx.conflict()
    if other is not None:  # R4: only one of the two may be registered, confirmed explicitly
        if form.confirm_cancel.data:
            app.cancels_qualification_id = other.id
        else:
            app.cancels_qualification_id = None
            form.confirm_cancel.errors = [
                _("Confirm that certificate %(no)s will be cancelled.", no=other.certificate_no)
            ]
    else:
        app.cancels_qualification_id = None
    if ctx.needs_training():  # R3
        if not form.training_months.errors:
            app.training_months = form.training_months.data
        app.training_passed = bool(form.training_passed.data)
        min_months = ctx.rules["registration"]["training_months"]
        key = training_certificate_error(app.training_months, app.training_passed, min_months)
        if key and not form.training_months.errors:
            form.training_months.errors = [TRAINING_MESSAGES[key](min_months)]
        _store_scan(
            ctx, form.training_certificate, "training_certificate_id", "training_certificate"
        )
    if ctx.needs_assessment():  # L5: after a refusal, as the R3 certificate is asked
        _store_scan(
            ctx, form.assessment_certificate, "assessment_certificate_id", "assessment_certificate"
        )
    return any(f.errors for f in form)


def _store_scan(ctx: Context, field, attr: str, kind: str) -> None:
    upload = field.data
    if upload and getattr(upload, "filename", ""):
        try:
            doc = services.store_document(ctx.doctor, kind, process_scan(upload.read()))
        except PhotoError as err:
            field.errors = [photo_message(err.key)]
        else:
            setattr(ctx.app, attr, doc.id)
    elif getattr(ctx.app, attr) is None:
        field.errors = [_("Upload the certificate.")]


def _moving_to(ctx: Context, form) -> bool:
    """L2/L6: a change of registration may name another institution of the province; an
    assistant's place of practice is the county, so only institutions of that county."""
    raw = request.form.get("institution_id", "")
    if ctx.app.kind is not Kind.CHANGE or not raw:
        return False
    try:
        chosen = db.session.get(
            Institution, db_id(raw)
        )  # the tenant filter: another province's is None
    except ValueError:
        chosen = None
    if chosen is None:
        form.scopes.errors = [_("Choose an institution from the search results.")]
        return True
    home_county = (
        ctx.app.previous.institution.county_id if ctx.app.previous else ctx.institution.county_id
    )
    if ctx.app.level.value == "assistant" and chosen.county_id != home_county:
        form.scopes.errors = [
            _(
                "An assistant physician practises within one county: choose an institution of "
                "the county of your registration."
            )
        ]
        return True
    ctx.app.institution_id, ctx.institution = chosen.id, chosen
    return False


def institutions_matching(q: str) -> list[Institution]:
    if not q:
        return []
    return (
        db.session.execute(
            db.select(Institution)
            .where(Institution.name.contains(q, autoescape=True))
            .order_by(Institution.name)
            .limit(20)
        )
        .scalars()
        .all()
    )


def _save_practice(ctx: Context, form) -> bool:
    app = ctx.app
    if _moving_to(ctx, form):
        return True
    app.institution_id = ctx.institution.id  # D4/D15: the main institution, or the one moved to
    if ctx.scope_lock():  # R2: an assistant's scope cannot be changed after submission
        form.scopes.errors = []
    else:
        chosen = [s for s in form.scopes.data or [] if isinstance(s, str)]
        gp = bool(form.gp_transfer_training.data)
        check = ctx.check_scopes(chosen, gp)
        app.gp_transfer_training = gp
        if check.errors:
            form.scopes.errors = [SCOPE_MESSAGES[k](check.limit) for k in check.errors]
            if "scope_category" not in check.errors and "scope_duplicate" not in check.errors:
                app.scopes = chosen
        else:
            app.scopes = chosen
            app.needs_county_approval = check.needs_county_approval
            if check.general_practice_on_top:
                _store_scan(ctx, form.gp_certificate, "gp_certificate_id", "gp_certificate")
    if not form.contract_start.errors and not form.contract_end.errors:
        app.contract_start, app.contract_end = form.contract_start.data, form.contract_end.data
    return any(f.errors for f in form)


def _save_history(ctx: Context, form) -> bool:
    for name in ("work_experience", "rewards_punishments"):
        field = getattr(form, name)
        if not field.errors:
            setattr(ctx.app, name, field.data.strip())
    return bool(form.work_experience.errors or form.rewards_punishments.errors)


#: the photo uploaded and shown as a preview, not yet used: ``"<application id>:<document id>"``
#: in the session, so that a reload still shows it (issue 14)
PENDING_PHOTO = "pending_photo"


def pending_photo(app) -> str:
    """The preview waiting on this draft, kept across a reload (issue 14)."""
    kept = session.get(PENDING_PHOTO, "")
    prefix = f"{app.id}:" if app is not None else None
    return kept[len(prefix) :] if prefix and kept.startswith(prefix) else ""


def _use_photo(ctx: Context, doc) -> None:
    ctx.app.photo_id = doc.id
    session.pop(PENDING_PHOTO, None)


def _save_photo(ctx: Context, form) -> bool:
    """One path (issue 14): choose a file → its preview (kept across a reload) → "Save and
    continue" uses it. A file chosen and posted straight with "Save and continue" is checked and
    used; "use" (the preview's own button before) still takes the preview."""
    action = request.form.get("action", "next")
    upload = form.photo.data
    chosen = bool(upload is not None and getattr(upload, "filename", ""))
    raw = upload.read() if chosen else b""
    pending = form.pending_id.data or pending_photo(ctx.app)
    if action == "upload" and not raw and pending:
        # the preview, shown again: a browser reloading the preview page posts the form again,
        # with the file's name but not its content
        form.pending_id.data = pending
        return False
    if action == "upload" or (action == "next" and raw):
        if not chosen:
            form.photo.errors = [photo_message("empty")]
            return True
        try:
            doc = services.store_document(ctx.doctor, "photo", process_photo(raw))
        except PhotoError as err:
            form.photo.errors = [photo_message(err.key)]
            return True
        if action == "upload":
            form.pending_id.data = str(doc.id)
            session[PENDING_PHOTO] = f"{ctx.app.id}:{doc.id}"
            return False
        _use_photo(ctx, doc)
        return False
    if action == "use" or pending:
        try:
            doc = services.own_document(ctx.doctor, db_id(pending), "photo")
        except ValueError:
            doc = None
        if doc is None:
            form.pending_id.data = ""
            form.photo.errors = [photo_message("empty")]
            return True
        _use_photo(ctx, doc)
        return False
    if ctx.app.photo_id is None:
        form.photo.errors = [_("Upload a photo.")]
        return True
    return False


SAVE = {
    "personal": _save_personal,
    "qualification": _save_qualification,
    "practice": _save_practice,
    "history": _save_history,
    "photo": _save_photo,
}
