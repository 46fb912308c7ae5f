"""One label per value of each enum the pages show, in Python with its translation, used by
every template (``level_label``, ``state_label`` are template globals, portal.web)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.registry.records import Level
from portal.workflow.conflicts import state_label

#: D12, F3: the qualification level as the register names it
LEVEL_LABELS = {
    Level.PRACTITIONER: _l("Practising physician (执业医师)"),
    Level.ASSISTANT: _l("Practising assistant physician (执业助理医师)"),
}


def level_label(level) -> str:
    """The label of a level (the enum or its value); an unknown value is shown as it is."""
    try:
        return str(LEVEL_LABELS[Level(getattr(level, "value", level))])
    except ValueError:
        return str(level)


__all__ = ["LEVEL_LABELS", "level_label", "state_label"]
