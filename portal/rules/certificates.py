"""One certificate (R4, F16) and the assistant's exam year (R5, F7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Held:
    """A qualification as the rule sees it."""

    key: str  # e.g. the certificate number
    level: str  # "practitioner" or "assistant"
    rural_general: bool  # 乡村全科执业助理医师


def conflicting_certificate(held: list[Held], chosen_key: str) -> Held | None:
    """R4: holding both an assistant and a rural general assistant qualification, only one may
    be registered. Returns the one that registering ``chosen_key`` would cancel, or None."""
    chosen = next((h for h in held if h.key == chosen_key), None)
    if chosen is None or chosen.level != "assistant":
        return None
    for other in held:
        if (
            other.key != chosen.key
            and other.level == "assistant"
            and other.rural_general != chosen.rural_general
        ):
            return other
    return None


def exam_years_counted(registered_on: date, exam_year: int) -> int:
    """R5 / F7: an assistant's years of practice toward the practitioner exam count whole
    calendar years from the year of registration: registered on or before 31 December, that
    year counts; on 1 January, it does not."""
    return max(0, exam_year - registered_on.year)


def exam_years_in_force(
    level: str, registered_on: date | None, valid_until: date | None, today: date
) -> tuple[int, int] | None:
    """R5: what an assistant physician's registration in force counts toward the practitioner
    exam of this (Beijing) year ``today``: ``(year, years counted)``. None for a practitioner, a
    registration not yet approved, or one past its valid-until day (R3)."""
    if level != "assistant" or registered_on is None or valid_until is None or valid_until < today:
        return None
    return today.year, exam_years_counted(registered_on, today.year)
