"""The wizard's steps (D9): what each step needs to know (``Context``), how each saves what
is valid, and what still keeps a draft from being submitted. The views are in wizard.py."""

from __future__ import annotations

import functools

from flask import g, request, session
from flask_babel import gettext as _
from flask_login import current_user

from portal.columns import local_today
from portal.doctor import services
from portal.doctor.photos import PhotoError, process_photo, process_scan
from portal.extensions import db
from portal.inputs import db_id
from portal.registry.institutions import Institution
from portal.rules.certificates import Held, conflicting_certificate
from portal.rules.lapse import training_certificate_error, training_required
from portal.rules.registration import practice_time
from portal.rules.scopes import assistant_scope_locked, check_scopes, gp_on_top_offered
from portal.tenants import rules_for
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


SCOPE_MESSAGES = {
    "scope_required": lambda limit: _("Choose your practice scope."),
    "scope_duplicate": lambda limit: _("Choose each scope once."),
    "scope_category": lambda limit: _("Choose scopes of your qualification's category only."),
    "scope_too_many": lambda limit: _("You may register at most %(n)s scope(s) here.", n=limit),
}

TRAINING_MESSAGES = {
    "training_missing": lambda n: _("Give the length of your training."),
    "training_too_short": lambda n: _("The training must have lasted at least %(n)s months.", n=n),
    "training_not_passed": lambda n: _("The training counts only with the assessment passed."),
}


def may_apply() -> bool:
    u = current_user
    return (
        u.identity_verified
        # F17: a registration taken over from a practice record, with no qualification record
        and (u.qualification is not None or services.current_registration(u) is not None)
        and u.contact_verified
        and u.activated_at is not None
    )


class Context:
    """What every step needs to know about this doctor and their draft."""

    def __init__(self, app):
        self.app = app
        self.doctor = current_user
        self.rules = rules_for(g.tenant)
        self.today = local_today()
        self._given = app  # the draft as the request found it (None: none yet)

    # read when first needed (an autosave of the address needs none of them, P6), from the
    # draft as the request found it; a step may set them (the certificate chosen, the
    # institution moved to)

    @functools.cached_property
    def qualifications(self) -> list:
        return services.qualifications_of(self.doctor)

    @functools.cached_property
    def qualification(self):
        return services.registered_qualification(self._given, self.doctor)

    @functools.cached_property
    def institution(self) -> Institution:
        # a change of registration may move to another institution (L2); otherwise the main one
        app = self._given
        return (
            app.institution
            if app is not None and app.institution is not None
            else self.doctor.institution
        )

    def held(self) -> list[Held]:
        return [Held(str(q.id), q.level.value, q.rural_general) for q in self.qualifications]

    def conflict_for(self, qualification):
        """R4: the certificate that registering ``qualification`` would cancel, or None."""
        other = conflicting_certificate(self.held(), str(qualification.id))
        return next((q for q in self.qualifications if other and str(q.id) == other.key), None)

    def conflict(self):
        return self.conflict_for(self.qualification)

    def holds_pair(self) -> bool:
        """R4: an assistant and a rural general assistant qualification: one cancels the other."""
        return any(self.conflict_for(q) for q in self.qualifications)

    def needs_training(self) -> bool:
        reg = self.rules["registration"]
        stopped = None
        if (
            self.app is not None and self.app.kind is Kind.REREGISTER
        ):  # L5: practice stopped when it ended
            ended = services.lapsed_or_cancelled(self.doctor, self.today)
            stopped = ended[1] if ended else None
        return training_required(
            qualified_on=self.qualification.obtained_on,
            applying_on=self.today,
            ever_registered=services.ever_registered(self.doctor),
            suspended_since=stopped,
            lapse_years=reg["lapse_years"],
        )

    def needs_assessment(self) -> bool:
        """L5 (art. 19): after a refusal, the certificate of a passed assessment is asked."""
        return services.assessment_needed(self.doctor, self.app)

    def practice_time(self):
        """D14: the time at this institution as the draft stands; F14 for an assistant (or a
        former assistant): counted from the assistant registration (rules.registration)."""
        app = self.app
        return practice_time(
            level=self.qualification.level.value,
            contract_start=app.contract_start if app is not None else None,
            contract_end=app.contract_end if app is not None else None,
            today=self.today,
            default_years=self.rules["registration"]["contract_default_years"],
            assistant_registered_on=services.assistant_registered_on(self.doctor),
        )

    def scope_lock(self) -> bool:
        app = self.app
        # R2: after submission only a change of registration may change an assistant's scope
        return (
            app is not None
            and app.kind is Kind.FIRST
            and assistant_scope_locked(self.qualification.level.value, app.submitted_at is not None)
        )

    def gp_on_top_offered(self) -> bool:
        """R1/F12: general practice on top after transfer training, where the tenant offers it."""
        q = self.qualification
        return gp_on_top_offered(
            q.level.value,
            q.category.value,
            self.institution.level.value,
            self.rules,
            self.institution.county.level,
        )

    def check_scopes(self, chosen: list[str], gp: bool):
        return check_scopes(
            level=self.qualification.level.value,
            category=self.qualification.category.value,
            institution_level=self.institution.level.value,
            chosen=chosen,
            rules=self.rules,
            gp_transfer_training=gp,
            region_level=self.institution.county.level,
        )

    def scope_status(self, chosen: list[str], gp: bool) -> dict:
        """R1/R2 as the doctor ticks (issue 14): how many scopes count against this doctor's
        limit, and what is wrong with the choice (nothing chosen yet is not an error here)."""
        chosen = [s for s in chosen if isinstance(s, str)][:50]
        check = self.check_scopes(chosen, bool(gp))
        errors = [k for k in check.errors if k != "scope_required"]
        counted = len(dict.fromkeys(chosen)) - (1 if check.general_practice_on_top else 0)
        return {
            "count": counted,
            "limit": check.limit,
            "errors": [SCOPE_MESSAGES[k](check.limit) for k in errors],
        }


# ---- saving each step: write what is valid, return whether anything was wrong --------------


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


# ---- review and submit -------------------------------------------------------------------------


def missing(ctx: Context) -> dict[str, list[str]]:
    """What still keeps the draft from being submitted, by step."""
    app = ctx.app
    out: dict[str, list[str]] = {}
    if app is None:
        return {"personal": [_("Nothing is filled in yet.")]}
    if not app.home_address:
        out.setdefault("personal", []).append(_("Home address as on your ID card"))
    other = ctx.conflict()
    if other is not None and app.cancels_qualification_id != other.id:
        out.setdefault("qualification", []).append(_("Confirm which certificate is cancelled"))
    if ctx.needs_training():
        min_months = ctx.rules["registration"]["training_months"]
        if (
            training_certificate_error(app.training_months, app.training_passed, min_months)
            or not app.training_certificate_id
        ):
            out.setdefault("qualification", []).append(_("Training certificate"))
    if ctx.needs_assessment() and not app.assessment_certificate_id:  # L5
        out.setdefault("qualification", []).append(_("Assessment certificate"))
    check = ctx.check_scopes(list(app.scopes or []), app.gp_transfer_training)
    if check.errors:
        out.setdefault("practice", []).append(_("Practice scopes"))
    elif check.general_practice_on_top and not app.gp_certificate_id:
        out.setdefault("practice", []).append(_("Transfer-training certificate"))
    if not app.work_experience or not app.rewards_punishments:
        out.setdefault("history", []).append(_("Work experience and rewards and punishments"))
    if not app.photo_id:
        out.setdefault("photo", []).append(_("Photo"))
    return out
