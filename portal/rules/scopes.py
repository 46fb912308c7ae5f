"""How many practice scopes a doctor may register (R1, R2, D13, F4, F11, F12, F15, L9)."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.rules.catalogue import GENERAL_PRACTICE, scope_allowed


@dataclass(frozen=True)
class ScopeCheck:
    #: error keys, empty when the choice may be submitted
    errors: tuple[str, ...] = ()
    #: R1/A5: more than one scope at county level → county approval and a city filing
    needs_county_approval: bool = False
    #: R1: general practice added on top after transfer training (certificate to upload)
    general_practice_on_top: bool = False
    #: the most scopes this doctor may choose here (general practice on top not counted)
    limit: int = 1
    notes: tuple[str, ...] = field(default=())


def county_level(institution_level: str, region_level: str = "county") -> bool:
    """R1/F12: an institution at or below county level, filed under a county. One filed under a
    city itself (a 市人民医院) is above county level whatever level it was given: no county
    health commission approves its doctors' extra scopes, and no city files them."""
    return institution_level == "county" and region_level == "county"


def gp_on_top_offered(
    level: str, category: str, institution_level: str, rules: dict, region_level: str = "county"
) -> bool:
    """R1 / F12: may general practice (全科医学专业) be added on top of this doctor's scopes,
    not counted toward the limit, once they passed general-practice transfer training?

    FAQ item 12 says two things. (1) The 2018 notice on optimising access: a clinician at an
    institution at or below county level may, with the county's approval and a filing with
    the city, register up to three scopes of one category. (2) "Related specialties of
    secondary and above hospitals participate in the general practitioner transfer training.
    For those who have passed the training, the scope of general practice will be increased
    on the basis of the original registered scope of practice", so that they may provide
    general medical services in training bases and primary institutions. Its closing line
    ("at most three scopes of practice, such as specialist and general practice") can be read
    either way for a county doctor who already holds three.

    What is implemented: the transfer training is for practitioners (an assistant registers
    general practice as an ordinary scope instead, F15) of the clinical category (general
    practice is a clinical scope, L9); where it is offered is a tenant setting, since the FAQ
    leaves the county case open and provinces apply the notice differently (R6):

    - ``scopes.gp_on_top_secondary_and_above`` (default on): at a secondary-or-above
      institution, the FAQ's own case: one specialty + general practice;
    - ``scopes.gp_on_top_county_level`` (default on): at an institution at or below county
      level, on top of its up to three scopes (the national default keeps the behaviour the
      portal had: the transfer training adds a scope; a province that reads "at most three"
      as including general practice switches it off, and general practice then counts as one
      of the three).

    Where it is not offered, general practice may still be chosen, as an ordinary scope that
    counts. An institution filed under a city itself is above county level (:func:`county_level`).
    """
    if level != "practitioner" or category != "clinical":
        return False
    scopes = rules["scopes"]
    if county_level(institution_level, region_level):
        return bool(scopes.get("gp_on_top_county_level", True))
    return bool(scopes.get("gp_on_top_secondary_and_above", True))


def scope_limit(
    level: str, category: str, institution_level: str, rules: dict, region_level: str = "county"
) -> int:
    """R2: an assistant's count is the tenant setting (default 1). R1: a clinician at an
    institution at or below county level may hold up to three scopes; everyone else one."""
    scopes = rules["scopes"]
    if level == "assistant":
        return scopes["assistant_max"]
    if category == "clinical" and county_level(institution_level, region_level):
        return scopes["county_level_max"]
    return scopes["default_max"]


def check_scopes(
    *,
    level: str,
    category: str,
    institution_level: str,
    chosen: list[str],
    rules: dict,
    gp_transfer_training: bool = False,
    region_level: str = "county",
) -> ScopeCheck:
    """Check the scopes a doctor picked.

    - every scope must be in the catalogue of the qualification's category (L9);
    - the count is limited by :func:`scope_limit` (``region_level``: whether the institution
      is filed under a county or under a city itself, :func:`county_level`);
    - general practice (全科医学专业) comes on top of a practitioner's specialty when they
      passed general-practice transfer training, where the tenant offers it
      (:func:`gp_on_top_offered`, R1, F12); a clinical assistant may pick general practice
      as their scope (F15), where it counts like any other.
    """
    limit = scope_limit(level, category, institution_level, rules, region_level)
    errors: list[str] = []
    if not chosen:
        return ScopeCheck(errors=("scope_required",), limit=limit)
    if len(set(chosen)) != len(chosen):
        errors.append("scope_duplicate")
    if any(not scope_allowed(category, s) for s in chosen):
        errors.append("scope_category")
    counted = list(dict.fromkeys(chosen))
    on_top = False
    if (
        gp_transfer_training
        and gp_on_top_offered(level, category, institution_level, rules, region_level)
        and GENERAL_PRACTICE in counted
        and len(counted) > 1
    ):
        counted.remove(GENERAL_PRACTICE)
        on_top = True
    if len(counted) > limit:
        errors.append("scope_too_many")
    county_approval = (
        level == "practitioner"
        and county_level(institution_level, region_level)
        and len(counted) > 1
    )
    return ScopeCheck(
        errors=tuple(errors),
        needs_county_approval=county_approval and not errors,
        general_practice_on_top=on_top,
        limit=limit,
    )


def assistant_scope_locked(level: str, scope_submitted: bool) -> bool:
    """R2 / F11: once an assistant's scope was submitted the doctor cannot change it
    (only a change of registration can)."""
    return level == "assistant" and scope_submitted
