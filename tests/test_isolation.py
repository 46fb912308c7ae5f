"""Tenant isolation (T3), tried on every route as every role of another tenant (SEC4).

The route list is the app's URL map: every rule with a ``<tenant>`` argument, by GET and by
POST, with its object ids filled from ``ARGS`` (an argument the test does not know fails, so
a new route gets added here). Hubei holds the data; Guangdong's staff member, officer and
doctors, and an anonymous visitor, then ask for it:

(a) under ``/guangdong/`` with Hubei ids: 404 for a route with an object id, and for the
    others only Guangdong data;
(b) under ``/hubei/``, where a Guangdong user is anonymous: the log-in redirect or 404;
(c) anonymously, under either prefix: likewise.

Every answer is searched for Hubei data (names, ID numbers, phones, institution names), and
Hubei's rows must be exactly as they were after every request. ``PUBLIC`` is the one list of
endpoints that answer without a log-in; a rule outside the sweep must be on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from devdata.demo import DEMO_PASSWORD
from portal.extensions import db
from portal.registry.records import Category, Level, Qualification
from portal.tenants.models import Tenant
from tests.support import figures
from tests.support.db import in_tenant, owner_connection
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import (
    ALL_MATERIALS,
    Walked,
    institution_id,
    sign_up,
    user_id,
    walk_doctor,
)
from tests.support.offices import region_id
from tests.support.rules_editor import save_rules
from tests.support.world import (
    ARGS,
    GD_CONFIRMED,
    GD_DRAFTING,
    GD_WAITING,
    HB_ADDRESS,
    HB_APPLICANT,
    HB_CONFIRMED,
    HB_MATERIAL,
    HB_UNMATCHED,
    HB_WAITING,
    HUBEI_MARKERS,
    ROUTE_APP,
    UNKNOWN,
    Hubei,
    api_key,
    case_of,
    empty_all,
    fillings,
    import_batch,
    photo_of,
    practice_record,
    registered_with_modification,
    site_filing,
)

#: Endpoints that deliberately answer someone who is not logged in (in that tenant) with
#: something other than 404 or the log-in redirect. A rule without ``<tenant>`` must be here.
PUBLIC = {
    "static",
    "public.landing",
    "public.set_language",
    "public.healthz",  # no tenant
    "public.tenant_home",
    "accounts.login",
    "accounts.logout",
    "doctor.signup",  # per tenant
    "public.set_tenant_language",  # the switch: kept on the account logged in there, if any
    "accounts.forgot_password",
    "accounts.reset_password",  # D6: the same answer for any user name
    "public.verify",  # the public register (V1): a lookup finds only the tenant's own certificates
    "public.jwks_json",  # V2: the province's public keys, the same for everyone
    # the FHIR interface to the same register (V3): anyone, or a key of the tenant's own
    "fhir.metadata",
    "fhir.practitioners",
    "fhir.practitioner_read",
    "fhir.roles",
    "fhir.role_read",
    "ops.readyz",  # readiness, no tenant, nothing personal (issue 7)
    "ops.metrics",  # loopback / allowed networks / bearer token only, 404 otherwise (issue 7)
}


ROLES = [
    "gd-staff",
    "gd-officer",
    "gd-admin",
    "gd-doctor",
    "gd-new-doctor",
    "gd-drafting-doctor",
    "anonymous",
]
METHODS = ("GET", "POST")


def _rules(tenant: bool):
    for rule in sorted(ROUTE_APP.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if ("tenant" in rule.arguments) == tenant:
            yield rule


def _cases(tenant: bool):
    for rule in _rules(tenant):
        for method in METHODS:
            if method not in rule.methods:
                continue
            for values in fillings(rule):
                label = ",".join(f"{k}={v if v is not UNKNOWN else '?'}" for k, v in values.items())
                yield pytest.param(
                    rule.rule,
                    rule.endpoint,
                    method,
                    values,
                    id=f"{method} {rule.rule}" + (f" [{label}]" if label else ""),
                )


TENANT_CASES = list(_cases(tenant=True))
OTHER_CASES = list(_cases(tenant=False))
COVERED = {
    (rule, endpoint, method)
    for rule, endpoint, method, _ in (c.values for c in TENANT_CASES + OTHER_CASES)
}


@dataclass
class World:
    hubei_id: int
    ids: dict[str, int]
    #: role -> (session cookie, CSRF token)
    sessions: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    form_extra: dict = field(default_factory=dict)
    walked: dict[str, Walked] = field(default_factory=dict)


ANY_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _session_of(b: Browser, page: str) -> tuple[str | None, str]:
    """The session cookie and a CSRF token of it (read off a page opened after the log-in,
    since the log-in starts a new session)."""
    token = ANY_CSRF.search(b.client.get(page).get_data(as_text=True)).group(1)
    cookie = b.client.get_cookie("session")
    return (cookie.value if cookie else None), token


@pytest.fixture(autouse=True)
def _empty_tables():
    """Overrides conftest's: the world is built once for this module (see ``world``)."""
    yield


@pytest.fixture(autouse=True)
def _production_outbox(app, monkeypatch):
    """The sweep runs as in production, where the development outbox page does not exist
    (``test_dev_outbox_shows_only_its_tenant`` covers it when it does)."""
    monkeypatch.setitem(app.config, "DEV_OUTBOX", False)


@pytest.fixture(scope="module")
def world(app):
    from devdata.demo import load_demo

    empty_all(app)
    with app.app_context():
        load_demo()
    hb_staff = staff_login(app, "hb-county-staff")
    applicant = walk_doctor(
        app,
        "hubei",
        HB_APPLICANT,
        until="submitted",
        staff=hb_staff,
        institution="远安",
        address=HB_ADDRESS,
    )
    confirmed = walk_doctor(
        app,
        "hubei",
        HB_CONFIRMED,
        until="confirmed",
        staff=hb_staff,
        institution="远安",
        scope="tcm",
        address=HB_ADDRESS,
    )
    waiting = walk_doctor(app, "hubei", HB_WAITING, until="named", institution="远安")
    sign_up(app, "hubei", HB_UNMATCHED)  # an identity case (D2, A3)
    modification = registered_with_modification(app, hb_staff)
    # A6: Hubei's administrator saved a rule version of its own
    redirected_to(
        save_rules(
            staff_login(app, "hb-admin"),
            "hubei",
            materials__own=f"hubei_only | {HB_MATERIAL} | Hubei only",
        )
    )

    with in_tenant(app, "guangdong"):  # a third Guangdong doctor, for a draft application
        from datetime import date

        db.session.add(
            Qualification(
                name=GD_DRAFTING["real_name"],
                id_number=GD_DRAFTING["id_number"],
                certificate_no="H2019440000099",
                level=Level.PRACTITIONER,
                category=Category.CLINICAL,
                obtained_on=date(2019, 9, 1),
            )
        )
        db.session.commit()
    gd_staff = staff_login(app, "gd-county-staff")
    gd_officer = staff_login(app, "gd-officer")
    gd_admin = staff_login(app, "gd-admin")
    gd_confirmed = walk_doctor(
        app,
        "guangdong",
        GD_CONFIRMED,
        until="confirmed",
        staff=gd_staff,
        institution="乳源",
        scope="dental",
    )
    gd_waiting = walk_doctor(app, "guangdong", GD_WAITING, until="named", institution="乳源")
    gd_drafting = walk_doctor(
        app, "guangdong", GD_DRAFTING, until="activated", staff=gd_staff, institution="乳源"
    )
    gd_drafting.browser.page("/guangdong/me/application/personal")
    redirected_to(
        gd_drafting.browser.post(
            "/guangdong/me/application/personal", {"home_address": "广东省广州市越秀区演示路 5 号"}
        )
    )
    anonymous = Browser(app.test_client())

    with app.app_context():
        hubei_id = db.session.execute(db.select(Tenant.id).filter_by(slug="hubei")).scalar_one()
    w = World(
        hubei_id=hubei_id,
        ids={
            "submitted_app": applicant.app_id,
            "confirmed_app": confirmed.app_id,
            "waiting_doctor": waiting.doctor_id,
            "applicant": applicant.doctor_id,
            "hubei_institution": institution_id(app, "hubei", "远安"),
            "hubei_officer": user_id(app, "hubei", "hb-officer"),
            "hubei_county_officer": user_id(app, "hubei", "hb-county-officer"),
            "hubei_region": region_id(app, "420525"),
            "hubei_staff": user_id(app, "hubei", "hb-tertiary-staff"),
            "hubei_person_in_charge": user_id(app, "hubei", "hb-county-staff"),
            "photo": photo_of(app, applicant.app_id),
            "modification": modification,
            "identity_case": case_of(app),
            "filing": site_filing(app),
            "import_batch": import_batch(app),
            "practice_record": practice_record(app),
            "api_key": api_key(app),
        },
        walked={
            "gd-doctor": gd_confirmed,
            "gd-new-doctor": gd_waiting,
            "gd-drafting-doctor": gd_drafting,
        },
    )
    for role, b, page in [
        ("gd-staff", gd_staff, "/guangdong/institution/activations"),
        ("gd-officer", gd_officer, "/guangdong/admin/"),
        ("gd-admin", gd_admin, "/guangdong/admin/rules"),
        ("gd-doctor", gd_confirmed.browser, "/guangdong/me"),
        ("gd-new-doctor", gd_waiting.browser, "/guangdong/me/activate"),
        ("gd-drafting-doctor", gd_drafting.browser, "/guangdong/me/application/personal"),
        ("anonymous", anonymous, "/guangdong/login"),
    ]:
        w.sessions[role] = _session_of(b, page)
    # the fields of every form, aimed at Hubei: a Hubei institution, a Hubei officer's log-in
    w.form_extra = {
        "channel": "sms",
        "code": "123456",
        "institution_id": str(w.ids["hubei_institution"]),
        "reason": "跨省测试",
        "materials": ALL_MATERIALS,
        "action": "save",
        "username": "hb-officer",
        "password": DEMO_PASSWORD,
    }
    yield w
    empty_all(app)


def client_as(app, w: World, role: str):
    """A fresh client carrying the role's session (so a log-out in one case ends nothing else)."""
    client = app.test_client()
    cookie, _token = w.sessions[role]
    if cookie:
        client.set_cookie("session", cookie)
    return client


def hubei_rows(app, w: World) -> dict[str, list[tuple]]:
    """Every Hubei row, read as the tables' owner (outside the ORM's tenant filter and
    row-level security)."""
    out = {}
    with app.app_context(), owner_connection(app) as conn:
        for table in db.metadata.sorted_tables:
            if "tenant_id" in table.c:
                stmt = table.select().where(table.c.tenant_id == w.hubei_id)
            elif table.name == "tenant":
                stmt = table.select().where(table.c.id == w.hubei_id)
            else:
                continue
            out[table.name] = [
                tuple(r) for r in conn.execute(stmt.order_by(*table.primary_key.columns))
            ]
    return out


def fill(rule: str, prefix: str | None, values: dict, w: World) -> str:
    def value(m):
        name = m.group(1)
        if name == "tenant":
            return prefix
        v = values[name]
        return str(w.ids[v.name]) if isinstance(v, Hubei) else str(v)

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule)


def ask(app, w: World, role: str, url: str, method: str):
    client = client_as(app, w, role)
    versions = _session_versions(app) if url.endswith("/logout") else None
    if method == "GET":
        r = client.get(url, query_string={"q": "人民医院"})
    else:
        r = client.post(url, data={**w.form_extra, "csrf_token": w.sessions[role][1]})
    r.get_data()
    r.close()
    if versions is not None:
        _restore_session_versions(app, versions)
    return r


def _session_versions(app) -> dict[int, int]:
    with app.app_context(), owner_connection(app) as conn:
        return dict(conn.execute(sa.text("SELECT id, session_version FROM user_account")).all())


def _restore_session_versions(app, versions: dict[int, int]) -> None:
    """Log-out ends every session of the account on the server (issue 14): the sweep's world
    keeps one log-in per role for all its cases, so a log-out case gives it back."""
    with app.app_context(), owner_connection(app) as conn:
        for user_id, version in versions.items():
            conn.execute(
                sa.text("UPDATE user_account SET session_version = :v WHERE id = :id"),
                {"v": version, "id": user_id},
            )


def leaked(response) -> list[str]:
    text = (
        response.get_data(as_text=True)
        + " "
        + " ".join(response.headers.get(h, "") for h in ("Location", "HX-Redirect", "HX-Location"))
    )
    return [m for m in HUBEI_MARKERS if m in text]


def _refuse_unknown(values: dict, rule: str) -> None:
    unknown = [k for k, v in values.items() if v is UNKNOWN]
    if unknown:
        pytest.fail(
            f"{rule} has argument(s) {unknown} that the isolation test cannot fill: add them to ARGS"
        )


def _login_redirect(response, prefix: str) -> bool:
    return response.status_code in (302, 303) and response.headers["Location"].startswith(
        f"/{prefix}/login"
    )


# ---- the sweep ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("prefix", ["guangdong", "hubei"])
@pytest.mark.parametrize(("rule", "endpoint", "method", "values"), TENANT_CASES)
def test_guangdong_users_never_reach_hubei_data(
    app, world, prefix, role, rule, endpoint, method, values
):
    """(a) under /guangdong/ with Hubei ids, (b) under /hubei/, (c) anonymously."""
    _refuse_unknown(values, rule)
    url = fill(rule, prefix, values, world)
    before = hubei_rows(app, world)
    r = ask(app, world, role, url, method)
    figures.add("tenant-isolation requests (route × role × tenant)")
    where = f"{role} {method} {url} -> {r.status_code}"
    assert r.status_code < 500, where
    assert not leaked(r), f"{where} shows Hubei data: {leaked(r)}"
    assert hubei_rows(app, world) == before, f"{where} changed Hubei rows"
    location = r.headers.get("Location", "")
    if prefix == "guangdong" and role != "anonymous":
        # (a) a Guangdong user in their own tenant, asking for Hubei ids
        if any(isinstance(v, Hubei) for v in values.values()):
            assert r.status_code == 404, f"{where}: a Hubei id must answer 404 like a missing one"
        elif location:
            assert location.startswith("/guangdong/"), f"{where} sent the user to {location}"
    elif endpoint in PUBLIC:
        # (b), (c): a page for anyone; it stays in the tenant asked for
        assert not location or location.startswith(f"/{prefix}/"), (
            f"{where} sent the user to {location}"
        )
    else:
        # (b), (c): not logged in in this tenant
        assert r.status_code == 404 or _login_redirect(r, prefix), (
            f"{where}: expected 404 or the /{prefix}/login redirect"
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("rule", "endpoint", "method", "values"), OTHER_CASES)
def test_routes_outside_tenants_show_no_tenant_data(
    app, world, role, rule, endpoint, method, values
):
    _refuse_unknown(values, rule)
    assert endpoint in PUBLIC, (
        f"{rule} ({endpoint}) has no <tenant>: make it per tenant or add it to PUBLIC"
    )
    url = fill(rule, None, values, world)
    before = hubei_rows(app, world)
    r = ask(app, world, role, url, method)
    # /readyz: 503 "not ready" here, since the suite's tables come from create_all, not migrations
    assert r.status_code < 500 or (endpoint == "ops.readyz" and r.status_code == 503)
    assert not leaked(r), f"{role} {method} {url} shows Hubei data: {leaked(r)}"
    assert hubei_rows(app, world) == before


def test_every_route_is_swept_or_public(app):
    """A new route is either in the sweep above (it has <tenant> and known arguments) or
    deliberately listed in PUBLIC; PUBLIC names no route that is gone."""
    endpoints = set()
    for rule in app.url_map.iter_rules():
        endpoints.add(rule.endpoint)
        unknown = rule.arguments - {"tenant"} - set(ARGS)
        assert not unknown, (
            f"{rule.rule}: argument(s) {unknown} unknown to the isolation test: add them to ARGS"
        )
        for method in set(METHODS) & rule.methods:
            assert (rule.rule, rule.endpoint, method) in COVERED, (
                f"{method} {rule.rule} is not in the sweep"
            )
        if "tenant" not in rule.arguments:
            assert rule.endpoint in PUBLIC, (
                f"{rule.rule} has no <tenant> and is not listed in PUBLIC"
            )
        # every route answers GET or POST: nothing hides behind PUT/DELETE/PATCH
        assert rule.methods <= {"GET", "HEAD", "OPTIONS", "POST"}, f"{rule.rule}: {rule.methods}"
    assert PUBLIC <= endpoints, f"PUBLIC lists endpoints that no longer exist: {PUBLIC - endpoints}"


# ---- the sweep's users really are logged in and see their own tenant ---------------------


@pytest.mark.parametrize(
    ("role", "url", "own"),
    [
        ("gd-staff", "/guangdong/institution/activations", "黄丽"),
        ("gd-officer", "/guangdong/admin/", "陈志强"),
        ("gd-admin", "/guangdong/admin/reports", "乳源瑶族自治县人民医院"),
        ("gd-officer", "/guangdong/admin/audit?actor=gd-county-staff", "confirm"),
        ("gd-doctor", "/guangdong/me", "陈志强"),
        ("gd-new-doctor", "/guangdong/me/activate?q=人民医院", "乳源瑶族自治县人民医院"),
        (
            "gd-drafting-doctor",
            "/guangdong/me/application/personal",
            "广东省广州市越秀区演示路 5 号",
        ),
    ],
)
def test_sweep_users_see_their_own_tenant(app, world, role, url, own):
    """Without this, a broken log-in would turn the sweep into an anonymous one."""
    r = client_as(app, world, role).get(url)
    assert r.status_code == 200 and own in r.get_data(as_text=True)
    assert not leaked(r)


def test_hubei_staff_see_what_guangdong_cannot(app, world):
    """The same routes do show the Hubei data to Hubei users: the sweep's markers are real."""
    officer = staff_login(app, "hb-officer")
    page = officer.page(f"/hubei/admin/applications/{world.ids['confirmed_app']}").get_data(
        as_text=True
    )
    assert "阿依古丽" in page
    assert "赵无名" in officer.page("/hubei/admin/identity-cases").get_data(as_text=True)
    assert HB_MATERIAL in staff_login(app, "hb-admin").page("/hubei/admin/rules").get_data(
        as_text=True
    )


def test_institution_search_stays_in_the_tenant(app, world):
    r = client_as(app, world, "gd-new-doctor").get(
        "/guangdong/me/activate", query_string={"q": "远安"}
    )
    assert r.status_code == 200 and "远安县人民医院" not in r.get_data(as_text=True)


def test_hubei_institution_cannot_be_named_from_guangdong(app, world):
    """An id in a form body is as scoped as one in the URL (D4, T3)."""
    cookie, token = world.sessions["gd-new-doctor"]
    before = hubei_rows(app, world)
    r = client_as(app, world, "gd-new-doctor").post(
        "/guangdong/me/activate/institution",
        data={"institution_id": str(world.ids["hubei_institution"]), "csrf_token": token},
    )
    assert r.status_code == 404
    assert hubei_rows(app, world) == before
    with in_tenant(app, "guangdong"):
        from portal.accounts.models import User

        assert (
            db.session.get(User, world.walked["gd-new-doctor"].doctor_id).institution_id
            != world.ids["hubei_institution"]
        )


def test_hubei_institution_refused_in_a_guangdong_application(app, world):
    walked = world.walked["gd-drafting-doctor"]
    _cookie, token = world.sessions["gd-drafting-doctor"]
    before = hubei_rows(app, world)
    r = client_as(app, world, "gd-drafting-doctor").post(
        "/guangdong/me/application/practice",
        data={
            "institution_id": str(world.ids["hubei_institution"]),
            "scopes": ["internal"],
            "action": "next",
            "csrf_token": token,
        },
    )
    assert r.status_code in (303, 422)
    assert hubei_rows(app, world) == before
    with in_tenant(app, "guangdong"):
        from portal.workflow.models import Application

        draft = db.session.execute(
            db.select(Application).filter_by(doctor_id=walked.doctor_id)
        ).scalar_one()
        # the application always goes to the doctor's own main institution (D4, D15)
        assert (
            draft.state.value == "draft" and draft.institution_id != world.ids["hubei_institution"]
        )


def test_hubei_credentials_do_not_log_in_under_guangdong(app, world):
    b = Browser(app.test_client())
    b.page("/guangdong/login")
    r = b.post("/guangdong/login", {"username": "hb-officer", "password": DEMO_PASSWORD})
    assert r.status_code == 422


def test_dev_outbox_shows_only_its_tenant(app, world, monkeypatch):
    """The development SMS gateway (only with DEV_OUTBOX) lists one tenant's messages."""
    monkeypatch.setitem(app.config, "DEV_OUTBOX", True)
    gd = app.test_client().get("/guangdong/dev/outbox").get_data(as_text=True)
    assert GD_CONFIRMED["phone"] in gd
    assert not [m for m in HUBEI_MARKERS if m in gd]
    assert HB_APPLICANT["phone"] in app.test_client().get("/hubei/dev/outbox").get_data(
        as_text=True
    )


def test_unknown_tenant_is_404(app, world):
    assert app.test_client().get("/atlantis/login").status_code == 404
    assert client_as(app, world, "gd-officer").get("/atlantis/admin/").status_code == 404
