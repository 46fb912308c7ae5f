"""The wizard's steps (D9): what each step needs to know (``Context``) and what still keeps a
draft from being submitted. How each step saves is wizard_saves.py; the views are in wizard.py."""

from __future__ import annotations

import functools

from flask import g
from flask_babel import gettext as _
from flask_login import current_user

from portal.columns import local_today
from portal.doctor import services
from portal.registry.institutions import Institution
from portal.rules.certificates import Held, conflicting_certificate
from portal.rules.lapse import training_certificate_error, training_required
from portal.rules.registration import practice_time
from portal.rules.scopes import assistant_scope_locked, check_scopes, gp_on_top_offered
from portal.tenants import rules_for
from portal.workflow.models import Kind

SCOPE_MESSAGES = {
    "scope_required": lambda limit: _("Choose your practice scope."),
    "scope_duplicate": lambda limit: _("Choose each scope once."),
    "scope_category": lambda limit: _("Choose scopes of your qualification's category only."),
    "scope_too_many": lambda limit: _("You may register at most %(n)s scope(s) here.", n=limit),
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
