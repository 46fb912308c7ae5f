"""D16 / F9: the printable Approval Form for Medical Practice Registration
(《医师执业注册申请审核表》), two copies on A4, filled from the application so that nothing is
left to be written in by hand. Only its doctor sees it, once the institution has confirmed."""

from __future__ import annotations

from flask import abort, g, make_response, render_template, url_for
from flask_login import current_user

from portal.columns import local_today
from portal.doctor import bp, services
from portal.extensions import db
from portal.rules.catalogue import scope_name
from portal.rules.idcard import birth_date, sex
from portal.tenants import rules_for_application
from portal.workflow.models import Application, State
from portal.workflow.notices import refusal_notice as refusal_notice_of
from portal.workflow.offices import materials_office

#: the form is printed after the institution's confirmation (D16), and stays printable after
PRINTABLE = (State.CONFIRMED, State.APPROVED)

COPIES = 2  # "in duplicate" (FAQ step 4 (1))


def _printable(app_id: int) -> Application:
    """The current doctor's own application in a printable state; 404 for anything else, so an
    id names nothing to someone else (T3)."""
    app = db.session.get(Application, app_id)
    if app is None or app.doctor_id != current_user.id or app.state not in PRINTABLE:
        abort(404)
    return app


def _scope_keys(app: Application) -> list[str]:
    keys = getattr(app, "scopes", None)  # several scopes (R1); one ``scope`` before the wizard
    if keys is None:
        keys = [app.scope] if getattr(app, "scope", "") else []
    return [k for k in keys if k]


def _born_and_sex(id_number: str | None):
    try:
        return birth_date(id_number), sex(id_number)
    except (TypeError, ValueError):  # never for a signed-up doctor (D1 checks the number)
        return None, None


def form_facts(app: Application) -> dict:
    """Everything the form shows, read from the application, its doctor and institution."""
    doctor = app.doctor
    born, who = _born_and_sex(doctor.id_number)
    institution = app.institution
    county = institution.county if institution is not None else None
    city = county.parent if county is not None else None
    return {
        "doctor": doctor,
        "born": born,
        "sex": who,
        # the qualification this application registers (R4), else the doctor's own
        "qualification": getattr(app, "qualification", None) or doctor.qualification,
        "institution": institution,
        "region": "".join(r.name for r in (city, county) if r is not None),
        "scopes": [scope_name(k) for k in _scope_keys(app)],
        "applied_at": app.submitted_at or app.created_at,
        # D14, F14: an assistant's time here counts from the assistant registration
        "practice_time": services.practice_time_of(app, local_today(), rules_for_application(app)),
        # D16/A5: the office that decides the application and receives the paper (issue 12)
        "office": materials_office(app, g.tenant),
    }


@bp.get("/me/applications/<int:app_id>/print")
def print_form(app_id: int):
    app = _printable(app_id)
    html = render_template(
        "doctor/print.html", app=app, copies=range(1, COPIES + 1), total=COPIES, **form_facts(app)
    )
    response = make_response(html)
    # the doctor's own printout shows the ID number in full: never kept in any cache (SEC5)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/me/applications/<int:app_id>/refusal-notice")
def refusal_notice(app_id: int):
    """L3/A9: the written decision not to register, the doctor's own copy; 404 for anyone else's
    application or one not refused."""
    app = db.session.get(Application, app_id)
    notice = (
        refusal_notice_of(app) if app is not None and app.doctor_id == current_user.id else None
    )
    if notice is None:
        abort(404)
    response = make_response(
        render_template(
            "refusal_notice.html",
            notice=notice,
            id_number=current_user.id_number,
            back_url=url_for("doctor.applications"),
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the ID number in full (SEC5)
    return response
