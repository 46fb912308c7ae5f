"""One label per value of each enum the pages show, in Python with its translation, used by
every template (``level_label``, ``state_label``, ``kind_label``, ``category_label`` are
template globals, portal.web). A value no map knows is shown as it is."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.registry.institutions import InstitutionLevel
from portal.registry.records import CaseStatus, Category, Level
from portal.workflow.models import FilingState, Kind, ModificationState, State

#: D12, F3: the qualification level as the register names it
LEVEL_LABELS = {
    Level.PRACTITIONER: _l("Practising physician (执业医师)"),
    Level.ASSISTANT: _l("Practising assistant physician (执业助理医师)"),
}


#: D12: the qualification's category
CATEGORY_LABELS = {
    Category.CLINICAL: _l("Clinical (临床)"),
    Category.TCM: _l("Traditional Chinese medicine (中医)"),
    Category.DENTAL: _l("Dental (口腔)"),
    Category.PUBLIC_HEALTH: _l("Public health (公共卫生)"),
}

#: D7: what an application asks for
KIND_LABELS = {
    Kind.FIRST: _l("First registration"),
    Kind.CHANGE: _l("Change of registration"),
    Kind.CANCEL: _l("Cancellation"),
    Kind.REREGISTER: _l("Re-registration"),
}

#: an institution's level (I2, the A5 scope of a county's decisions)
INSTITUTION_LEVEL_LABELS = {
    InstitutionLevel.COUNTY: _l("At or below county level"),
    InstitutionLevel.SECONDARY: _l("Secondary"),
    InstitutionLevel.TERTIARY: _l("Tertiary"),
}


def _label(labels: dict, enum, value) -> str:
    """The label of ``value`` (the enum or its value) in ``labels``; else the value itself."""
    try:
        return str(labels[enum(getattr(value, "value", value))])
    except (ValueError, KeyError):
        return str(value)


def level_label(level) -> str:
    return _label(LEVEL_LABELS, Level, level)


def category_label(category) -> str:
    return _label(CATEGORY_LABELS, Category, category)


def kind_label(kind) -> str:
    return _label(KIND_LABELS, Kind, kind)


def institution_level_label(level) -> str:
    return _label(INSTITUTION_LEVEL_LABELS, InstitutionLevel, level)


#: every state an item can be in, as the pages name it (one map per enum)
STATE_LABELS = {
    State.DRAFT: _l("Draft"),
    State.SUBMITTED: _l("Waiting for the institution"),
    State.REJECTED: _l("Returned by the institution"),
    State.CONFIRMED: _l("Waiting for the health commission"),
    State.APPROVED: _l("Approved"),
    State.SUPERSEDED: _l("Replaced by a later change"),
    State.CANCELLED: _l("Cancelled"),
    State.EXPIRED: _l("Expired: the draft was not submitted in time"),
    State.RETURNED: _l("Returned by the health commission for correction"),
    State.REFUSED: _l("Refused by the health commission"),
}
REQUEST_LABELS = {
    ModificationState.PENDING: _l("Waiting for the institution"),
    ModificationState.APPROVED: _l("Approved"),
    ModificationState.REJECTED: _l("Rejected by the institution"),
    FilingState.CONFIRMED: _l("Confirmed by the institution"),
    FilingState.WITHDRAWN: _l("Withdrawn by the doctor"),
}
CASE_LABELS = {CaseStatus.OPEN: _l("Case open"), CaseStatus.CLOSED: _l("Case closed")}


#: the label of every other item's state by its value (requests on a registration, cases)
_OTHER_STATES = {
    getattr(key, "value", key): label for key, label in {**REQUEST_LABELS, **CASE_LABELS}.items()
}


def state_label(state) -> str:
    """The label of any item's state (an application's, a request's, a case's)."""
    if isinstance(state, State):
        return str(STATE_LABELS[state])
    value = getattr(state, "value", state)
    return str(_OTHER_STATES.get(value, value))
