"""Lapse and re-registration (R3, F7, L5, L10)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from portal.rules.registration import add_years


def training_required(
    *,
    qualified_on: date,
    applying_on: date,
    ever_registered: bool,
    suspended_since: date | None,
    lapse_years: int,
) -> bool:
    """R3: a doctor who did not register within two years of qualifying, or whose practice
    was suspended for more than two years, must show a training certificate."""
    if not ever_registered and applying_on > add_years(qualified_on, lapse_years):
        return True
    if suspended_since is not None and applying_on > add_years(suspended_since, lapse_years):
        return True
    return False


def training_certificate_error(
    months: int | None, assessment_passed: bool, min_months: int
) -> str | None:
    """R3 / L10: at least ``min_months`` (six by default) of training, with the assessment passed."""
    if months is None:
        return "training_missing"
    if months < min_months:
        return "training_too_short"
    if not assessment_passed:
        return "training_not_passed"
    return None


def assessment_required(outcomes: Iterable[str]) -> bool:
    """L5 (Practitioners' Law art. 19): registering again once a ground of refusal (L3, art. 16)
    has ended needs a passed assessment. ``outcomes``: the doctor's decided applications for a
    registration, oldest first, each "approved" or "refused": the assessment is asked while the
    latest is a refusal (a registration approved since then needed it, or needed none)."""
    last = None
    for outcome in outcomes:
        if outcome in ("approved", "refused"):
            last = outcome
    return last == "refused"
