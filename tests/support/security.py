"""One Hubei world for the security sweeps: doctors at every stage, staff and an officer,
with a hostile payload typed into every free-text field a user can fill (XSS, SEC8), and the
routes of the app's URL map filled with the world's own ids, so a route another engineer adds
is swept without touching these tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal import create_app
from portal.extensions import db
from tests.support.db import empty_tables, in_tenant
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import (
    ALL_MATERIALS,
    Walked,
    doctor_form,
    fill_wizard,
    institution_id,
    resident_id,
    walk_doctor,
)


def payload(where: str) -> str:
    """A hostile value for one field, telling which field it came from."""
    return f'<script>alert("{where}")</script>"\'><img src=x onerror=alert(1)>'


#: every free-text field a user can type, with the payload stored in it
PAYLOADS = {
    name: payload(name)
    for name in (
        "home_address",
        "work_experience",
        "rewards_punishments",
        "maintenance_address",
        "maintenance_history",
        "reject_reason",
        "case_close_reason",
        "cancel_note",
    )
}

REGISTERED = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
REJECTED = doctor_form("阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli")
WAITING = doctor_form("王芳", "420106199205142348", "13800138003", "wangfang")
UNMATCHED = doctor_form("赵无名", resident_id("42011119850707123"), "13800138004", "zhaowuming")
CANCELLING = doctor_form("刘建国", "420525198005063211", "13800138005", "liujianguo")
DOCTORS = {
    "doctor-registered": REGISTERED,
    "doctor-rejected": REJECTED,
    "doctor-waiting": WAITING,
    "doctor-unmatched": UNMATCHED,
    "doctor-cancelling": CANCELLING,
}
ROLES = ["anonymous", *DOCTORS, "staff", "officer"]

ANY_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class World:
    ids: dict[str, int]
    #: role -> (session cookie, CSRF token)
    sessions: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    walked: dict[str, Walked] = field(default_factory=dict)

    def client(self, app, role: str):
        client = app.test_client()
        cookie, _token = self.sessions[role]
        if cookie:
            client.set_cookie("session", cookie)
        return client

    def token(self, role: str) -> str:
        return self.sessions[role][1]


def empty_all(app):
    empty_tables(app)


def _session_of(b: Browser, page: str) -> tuple[str | None, str]:
    token = ANY_CSRF.search(b.client.get(page).get_data(as_text=True)).group(1)
    cookie = b.client.get_cookie("session")
    return (cookie.value if cookie else None), token


def _first(app, model, **where) -> int:
    with in_tenant(app, "hubei"):
        return (
            db.session.execute(db.select(model.id).filter_by(**where).order_by(model.id))
            .scalars()
            .first()
        )


def build_world(app) -> World:
    from devdata.demo import load_demo
    from portal.registry.records import IdentityCase
    from portal.workflow.models import Application, Kind, ModificationRequest, SiteFiling

    empty_all(app)
    with app.app_context():
        load_demo()
    staff = staff_login(app, "hb-county-staff")
    officer = staff_login(app, "hb-officer")
    registered = walk_doctor(
        app,
        "hubei",
        REGISTERED,
        until="confirmed",
        staff=staff,
        institution="远安",
        address=PAYLOADS["home_address"],
    )
    # the history step again, with the payloads (walk_doctor typed plain values)
    officer.page(f"/hubei/admin/applications/{registered.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{registered.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    b = registered.browser
    b.page("/hubei/me/maintenance")
    redirected_to(
        b.post(
            "/hubei/me/maintenance",
            {
                "home_address": PAYLOADS["maintenance_address"],
                "work_experience": PAYLOADS["maintenance_history"],
                "rewards_punishments": PAYLOADS["rewards_punishments"],
                "contract_end": "2040-12-31",
            },
        )
    )
    b.page("/hubei/me/sites")
    redirected_to(
        b.post(
            "/hubei/me/sites",
            {"institution_id": str(institution_id(app, "hubei", "湖北省演示第一医院"))},
        )
    )

    rejected = walk_doctor(
        app, "hubei", REJECTED, until="activated", staff=staff, institution="远安"
    )
    fill_wizard(
        rejected.browser,
        "hubei",
        scopes=("tcm",),
        address=PAYLOADS["home_address"],
        history=(PAYLOADS["work_experience"], PAYLOADS["rewards_punishments"]),
    )
    rejected.browser.page("/hubei/me/application/review")
    redirected_to(rejected.browser.post("/hubei/me/application/review", {}))
    rejected.app_id = _first(app, Application, doctor_id=rejected.doctor_id)
    staff.page("/hubei/institution/approvals")
    r = staff.post(
        f"/hubei/institution/approvals/{rejected.app_id}/reject",
        {"reason": PAYLOADS["reject_reason"]},
    )
    assert r.status_code in (200, 303), r.status_code

    waiting = walk_doctor(app, "hubei", WAITING, until="named", institution="远安")
    unmatched = walk_doctor(app, "hubei", UNMATCHED, until="verified")
    case_id = _first(app, IdentityCase, user_id=unmatched.doctor_id)
    officer.page(f"/hubei/admin/identity-cases/{case_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/identity-cases/{case_id}/close",
            {"reason": PAYLOADS["case_close_reason"]},
        )
    )

    cancelling = walk_doctor(
        app, "hubei", CANCELLING, until="activated", staff=staff, institution="远安"
    )
    cancelling.browser.page("/hubei/me/cancellation")
    redirected_to(
        cancelling.browser.post(
            "/hubei/me/cancellation",
            {"cancel_ground": "other", "cancel_note": PAYLOADS["cancel_note"]},
        )
    )
    cancel_app = _first(app, Application, doctor_id=cancelling.doctor_id, kind=Kind.CANCEL)
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{cancel_app}/confirm"))

    w = World(
        ids={
            "registered_app": registered.app_id,
            "rejected_app": rejected.app_id,
            "cancel_app": cancel_app,
            "waiting_doctor": waiting.doctor_id,
            "registered_doctor": registered.doctor_id,
            "identity_case": case_id,
            "photo": _first(app, Application, id=registered.app_id)
            and _photo(app, registered.app_id),
            "modification": _first(app, ModificationRequest),
            "filing": _first(app, SiteFiling),
        },
        walked={
            "doctor-registered": registered,
            "doctor-rejected": rejected,
            "doctor-waiting": waiting,
            "doctor-unmatched": unmatched,
            "doctor-cancelling": cancelling,
        },
    )
    for role, browser, page in [
        ("staff", staff, "/hubei/institution/activations"),
        ("officer", officer, "/hubei/admin/"),
        ("anonymous", Browser(app.test_client()), "/hubei/login"),
        *[(role, w.walked[role].browser, "/hubei/me") for role in DOCTORS],
    ]:
        w.sessions[role] = _session_of(browser, page)
    return w


def _photo(app, app_id: int) -> int:
    from portal.workflow.models import Application

    with in_tenant(app, "hubei"):
        return db.session.get(Application, app_id).photo_id


# ---- the routes, from the URL map ----------------------------------------------------------

#: how a route argument is filled; an argument not listed gets "1" (a 404 page is swept too)
ARGS: dict[str, list] = {
    "app_id": ["registered_app", "rejected_app", "cancel_app"],
    "doctor_id": ["waiting_doctor", "registered_doctor"],
    "case_id": ["identity_case"],
    "doc_id": ["photo"],
    "req_id": ["modification"],
    "filing_id": ["filing"],
    "filename": ["portal.css"],
    "code": ["en"],
    "step": ["personal", "qualification", "practice", "history", "photo", "review"],
    "kind": ["change", "reregister"],
}

ROUTE_APP = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def routes(method: str) -> list[tuple[str, str]]:
    """(rule, endpoint) of every rule answering ``method``, static files left out."""
    return sorted(
        (r.rule, r.endpoint)
        for r in ROUTE_APP.url_map.iter_rules()
        if method in r.methods and r.endpoint != "static"
    )


def urls(rule: str, w: World) -> list[str]:
    """The rule filled in every way ARGS knows, under /hubei/."""
    import itertools

    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    names = [n for n in names if n != "tenant"]
    choices = [ARGS.get(n, ["1"]) for n in names]
    out = []
    for combo in itertools.product(*choices):
        values = dict(zip(names, combo, strict=True))

        def value(m, values=values):
            name = m.group(1)
            if name == "tenant":
                return "hubei"
            v = values[name]
            return str(w.ids[v]) if v in w.ids else v

        out.append(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule))
    return out
