"""A6 / R6: the province administrator edits the tenant's rules in-page, within the bounds of
``portal.rules.settings``; every save is a version with who, when and what changed, and
applies to applications submitted after it (``portal.tenants.rules_for_application``)."""

from __future__ import annotations

from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from config import national_rules
from portal import workflow
from portal.accounts import role_required
from portal.accounts.models import Role
from portal.admin import bp
from portal.admin.due import unpublished_years
from portal.columns import local_today
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.inputs import db_id
from portal.rules import settings
from portal.tenants import current_version, rules_for, rules_with
from portal.tenants.models import Region, RuleVersion
from portal.workflow.models import Application, State
from portal.workflow.rules import save_rules, version_in_force

admin_only = role_required(Role.ADMIN)

HISTORY_PAGE = 20

#: what each setting is called on the page (and in the list of changes)
LABELS = {
    "scopes.default_max": _l("Scopes a doctor may register"),
    "scopes.county_level_max": _l(
        "Scopes of a clinician at an institution at or below county level"
    ),
    "scopes.assistant_max": _l("Scopes an assistant physician may register"),
    "scopes.gp_on_top_secondary_and_above": _l(
        "General practice on top of a specialty after transfer training, "
        "at secondary and higher institutions"
    ),
    "scopes.gp_on_top_county_level": _l(
        "General practice on top of up to three scopes after transfer training, "
        "at institutions at or below county level"
    ),
    "registration.valid_years": _l("Years a registration is valid"),
    "registration.training_months": _l("Months of training required after a lapse"),
    "registration.contract_default_years": _l("Years at the institution when there is no contract"),
    "registration.decision_working_days": _l("Working days for the commission's decision"),
    "registration.certificate_serial_digits": _l("Serial digits of a certificate number"),
    "codes.otp_minutes": _l("Minutes an SMS or email code is valid"),
    "codes.otp_max_attempts": _l("Wrong tries allowed per code"),
    "codes.otp_sends_per_hour": _l("Codes sent to one phone or address per hour"),
    "codes.otp_resend_seconds": _l("Seconds before another code may be sent"),
    "codes.otp_lock_after_failures": _l("Wrong codes in a row that lock code entry"),
    "codes.otp_lock_minutes": _l("Minutes code entry stays locked"),
    "codes.activation_length": _l("Characters of an activation code"),
    "codes.activation_hours": _l("Hours an activation code is valid"),
    "reminders.draft_expires_days": _l("Days a draft application is kept"),
    "reminders.registration_days": _l("Reminders before a registration lapses (days before)"),
    "reminders.draft_days": _l("Reminders before a draft expires (days before)"),
    "reminders.activation_hours": _l("Reminders before an activation code expires (hours before)"),
    "sessions.doctor_idle_minutes": _l("Minutes without activity that end a doctor's log-in"),
    "sessions.doctor_hours": _l("Hours after which a doctor's log-in ends"),
    "sessions.staff_idle_minutes": _l(
        "Minutes without activity that end the log-in of staff, officers and administrators"
    ),
    "sessions.staff_hours": _l(
        "Hours after which the log-in of staff, officers and administrators ends"
    ),
    "retention.unverified_account_days": _l(
        "Days an account whose mobile number or email was never confirmed is kept"
    ),
    "retention.expired_draft_days": _l("Days an expired draft application is kept"),
    "institutions.auto_activation_allowed": _l("Institutions may activate doctors automatically"),
    "materials.default": _l("Paper materials every applicant brings"),
    "materials.own": _l("The province's own paper materials"),
    "materials.overrides": _l("Changes by city or county"),
}

SECTIONS = (
    ("scopes", _l("Practice scopes")),
    ("registration", _l("Registration")),
    ("codes", _l("One-time codes")),
    ("reminders", _l("Reminders")),
    ("sessions", _l("Log-in sessions")),
    ("retention", _l("Keeping personal information")),
)


def problem_message(problem: settings.Problem) -> str:
    p = problem.params
    return {
        "number": lambda: _(
            "Enter a whole number from %(low)s to %(high)s.", low=p["low"], high=p["high"]
        ),
        "schedule": lambda: _(
            "Enter up to %(n)s different whole numbers from %(low)s to %(high)s, separated by "
            "commas, or leave it empty for no reminders.",
            n=p["n"],
            low=p["low"],
            high=p["high"],
        ),
        "before_code": lambda: _(
            "Each reminder must come before the activation code expires (%(n)s hours).", n=p["n"]
        ),
        "serial_digits": lambda: _(
            "Certificates up to serial %(issued)s are already issued: the serial needs "
            "at least %(n)s digits.",
            issued=p["issued"],
            n=p["n"],
        ),
        "before_draft": lambda: _(
            "Each reminder must come before the draft expires (%(n)s days).", n=p["n"]
        ),
        "own_too_many": lambda: _("At most %(n)s items of the province's own.", n=p["n"]),
        "own_format": lambda: _(
            "Line %(line)s: write key | 中文名称 | English name.", line=p["line"]
        ),
        "own_key": lambda: _(
            "Line %(line)s: the key takes 2 to 40 lower-case letters, digits or _, starting "
            "with a letter.",
            line=p["line"],
        ),
        "own_national": lambda: _(
            "Line %(line)s: %(key)s is a national item already.", line=p["line"], key=p["key"]
        ),
        "own_twice": lambda: _(
            "Line %(line)s: %(key)s is listed twice.", line=p["line"], key=p["key"]
        ),
        "own_label": lambda: _(
            "Line %(line)s: a name takes at most %(n)s characters.", line=p["line"], n=p["n"]
        ),
        "unknown_item": lambda: _("%(key)s is not a known paper material.", key=p["key"]),
        "no_items": lambda: _("Keep at least one paper material in the list."),
        "override_too_many": lambda: _("At most %(n)s lines.", n=p["n"]),
        "override_format": lambda: _(
            "Line %(line)s: write a six-digit region code, a colon, then +key to add "
            "an item or -key to remove one.",
            line=p["line"],
        ),
        "override_region": lambda: _(
            "Line %(line)s: %(code)s is not a city or county of this province.",
            line=p["line"],
            code=p["code"],
        ),
        "override_item": lambda: _(
            "Line %(line)s: %(key)s is not a known paper material.", line=p["line"], key=p["key"]
        ),
        "override_twice": lambda: _(
            "Line %(line)s: %(code)s is listed twice.", line=p["line"], code=p["code"]
        ),
    }[problem.key]()


class RulesForm(FlaskForm):
    """CSRF and the version the editor was opened on; the settings themselves are read by
    ``portal.rules.settings.read_settings`` (their fields follow the bounds table)."""

    based_on = HiddenField()


def _regions() -> list[Region]:
    return db.session.execute(db.select(Region).order_by(Region.code)).scalars().all()


def _unpublished() -> list[int]:
    """L1: the years without a published holiday schedule that the due dates reach: of an
    application accepted today, and of the latest one waiting for the commission."""
    latest = db.session.execute(
        db.select(db.func.max(Application.decision_due)).where(Application.state == State.CONFIRMED)
    ).scalar()
    days = rules_for(g.tenant)["registration"]["decision_working_days"]
    return list(unpublished_years(local_today(), days, latest))


def _page(values: dict, errors: dict, version: RuleVersion, status: int = 200, form=None):
    national = national_rules()
    current = rules_for(g.tenant)["materials"]
    own = [k for k in current["labels"] if k not in national["materials"]["default"]]
    return render(
        "admin/rules.html",
        "form_block",
        status=status,
        values=values,
        errors=errors,
        version=version,
        form=form or RulesForm(formdata=None, based_on=version.number),
        numbers=settings.NUMBERS,
        schedules=settings.SCHEDULES,
        sections=SECTIONS,
        labels=LABELS,
        national=national,
        national_items=national["materials"]["default"],
        own_items=own,
        material_labels=current["labels"],
        regions=_regions(),
        unpublished=_unpublished(),
    )


@bp.get("/rules")
@admin_only
def rules():
    version = version_in_force(g.tenant)
    return _page(settings.form_values(rules_for(g.tenant)), {}, version)


@bp.post("/rules")
@admin_only
def rules_save():
    form = RulesForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        based_on = db_id(form.based_on.data)
    except ValueError:
        abort(400)
    national = national_rules()
    regions = {r.code: r.level for r in _regions()}
    posted = request.form.to_dict(flat=False)
    new, problems = settings.read_settings(
        posted,
        national,
        regions,
        previous_labels=rules_for(g.tenant)["materials"]["labels"],
        serial_issued=g.tenant.certificate_serial or 0,
    )
    version = current_version(g.tenant)
    if problems:  # 422, nothing saved; the page keeps everything typed
        values = {
            name: (
                posted.get(name, [])
                if name == settings.MATERIALS_DEFAULT
                else (posted.get(name) or [""])[0]
            )
            for name in settings.form_values(rules_for(g.tenant))
        }
        for section, key in settings.SWITCHES:
            values[f"{section}.{key}"] = bool(posted.get(f"{section}.{key}"))
        errors = {name: problem_message(p) for name, p in problems.items()}
        return _page(values, errors, version, status=422, form=form)
    overrides = settings.overrides_from(new, national, g.tenant.rules or {})
    changes = settings.diff(rules_for(g.tenant), rules_with(overrides))
    if not changes:
        flash(_("Nothing was changed."))
        return redirect_to(url_for("admin.rules"))
    try:
        saved = save_rules(g.tenant, current_user, overrides, changes, based_on)
    except workflow.WrongState:
        version = current_version(g.tenant)
        errors = {
            "based_on": _(
                "Someone else saved the rules meanwhile (now version %(n)s). Open the editor "
                "again to see their change, then make yours.",
                n=version.number,
            )
        }
        return _page(settings.form_values(rules_for(g.tenant)), errors, version, status=409)
    flash(
        _(
            "The rules are saved as version %(n)s. They apply to applications submitted from now on.",
            n=saved.number,
        )
    )
    return redirect_to(url_for("admin.rules"))


@bp.get("/rules/history")
@admin_only
def rules_history():
    before = request.args.get("before", type=db_id)
    stmt = db.select(RuleVersion).order_by(RuleVersion.number.desc()).limit(HISTORY_PAGE + 1)
    if before:
        stmt = stmt.where(RuleVersion.number < before)
    rows = db.session.execute(stmt.options(db.joinedload(RuleVersion.created_by))).scalars().all()
    next_before = rows[HISTORY_PAGE - 1].number if len(rows) > HISTORY_PAGE else None
    return render(
        "admin/rules_history.html",
        versions=rows[:HISTORY_PAGE],
        next_before=next_before,
        labels=LABELS,
    )
