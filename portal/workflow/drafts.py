"""An application before it is submitted (D7, D9, D20): the doctor's draft, started blank for
a first registration or as a copy of a registration for a change, a re-registration or a
cancellation, then saved step by step by the wizard. The wizard fills in the fields from its
forms; this module owns the draft's rows and its transactions (the views commit nothing)."""

from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db
from portal.workflow.models import Application, Kind, State

#: the wizard's steps, in order (D9); a doctor who comes back resumes at ``Application.step``
STEPS = ("personal", "qualification", "practice", "history", "photo", "review")

#: what a change or a re-registration carries over from the registration it starts from (D7)
CARRIED = (
    "scopes",
    "gp_transfer_training",
    "gp_certificate_id",
    "contract_start",
    "contract_end",
    "home_address",
    "work_experience",
    "rewards_punishments",
    "photo_id",
)


def new_draft(doctor: User) -> Application:
    """A first registration's draft, from the doctor's qualification record (D9). Written with
    the wizard's first save (``keep``), or not at all when that save is refused."""
    q = doctor.qualification
    app = Application(
        doctor_id=doctor.id,
        level=q.level,
        category=q.category,
        qualification_id=q.id,
        institution_id=doctor.institution_id,
        state=State.DRAFT,
        scopes=[],
    )
    db.session.add(app)
    db.session.flush()
    return app


def start_change(
    doctor: User, registration: Application, kind: Kind, step: str = "practice"
) -> Application:
    """D7: a change of registration starts as a copy of the registration in force, at the
    practice step; a re-registration (R3, L5) as a copy of the one that ended; a cancellation
    carries only what identifies the registration (the caller submits it in the same
    transaction)."""
    app = Application(
        doctor_id=doctor.id,
        kind=kind,
        previous_id=registration.id,
        state=State.DRAFT,
        level=registration.level,
        category=registration.category,
        qualification_id=registration.qualification_id,
        institution_id=registration.institution_id,
        scopes=[],
        step=step,
    )
    if kind in (Kind.CHANGE, Kind.REREGISTER):
        for name in CARRIED:
            setattr(app, name, getattr(registration, name))
    db.session.add(app)
    db.session.flush()
    return app


def begin(doctor: User, registration: Application, kind: Kind, step: str) -> Application:
    """Start a change or a re-registration in the wizard at ``step``, saved."""
    app = start_change(doctor, registration, kind, step)
    db.session.commit()
    return app


def keep(app: Application, reached: str | None = None) -> None:
    """Save the draft as the wizard left it; ``reached``: the step the doctor goes on to,
    remembered when it is further than any step reached before (the doctor resumes there)."""
    if reached is not None:
        current = STEPS.index(app.step if app.step in STEPS else STEPS[0])
        if STEPS.index(reached) > current:
            app.step = reached
    db.session.commit()


def discard() -> None:
    """A refused step changes nothing (SEC6): what the wizard set on the draft is dropped."""
    db.session.rollback()
