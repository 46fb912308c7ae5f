"""Accessibility (SPEC P7): axe-core (from the npm registry, ``node_modules/axe-core``) run in
Chromium on every page of the URL map that a role of a small Hubei world can open, on a phone
(360×640) and a desktop (1280×800), in Chinese and in English. No violation of the WCAG 2.1
A/AA rules is allowed, and on the phone no page scrolls sideways (issue 14: the page is no
wider than the window).

The world is walked through HTTP on the live server; each role's session cookie is then given
to the browser. axe is served to the page from its own origin (a routed URL), so the page keeps
its strict Content-Security-Policy while it is checked.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest

from devdata.demo import DEMO_PASSWORD
from portal.workflow.drafts import STEPS
from tests.support.browser import (
    FIRST_PASSWORD,
    TIMEOUT_MS,
    USERNAME,
    YUANAN,
    staff_browser,
    unavailable,
)
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to
from tests.support.journey import (
    ALL_MATERIALS,
    doctor_form,
    fill_wizard,
    institution_id,
    last_message,
    resident_id,
    sign_up,
    user_id,
    walk_doctor,
)
from tests.support.offices import region_id
from tests.support.wording import REQUIREMENT_CODE
from tests.support.world import ARGS, ROUTE_APP, Hubei, import_batch, practice_record

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__axe__/axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}
LANGUAGES = ("zh_CN", "en")

#: pages that are not HTML pages a person reads, or need a state no role below has
SKIPPED = {
    "static": "files",
    "public.healthz": "JSON",
    "public.set_language": "a redirect",
    "doctor.certificate_qr": "an SVG image",
    "doctor.certificate_live": "an htmx fragment of the certificate page (checked there)",
    "public.jwks_json": "JSON",
    "doctor.document": "an image",
    "accounts.reset_password": "needs a code from the forgot-password page",
    "institution.home": "a redirect to the approval queue",
    "doctor.application": "a redirect to the step reached",
    "institution.roster_csv": "CSV",
    "admin.reports_csv": "CSV",
    "ops.readyz": "JSON",
    "ops.metrics": "Prometheus text",
    "admin.import_template": "CSV",
    "doctor.scopes_check": "a partial of the practice step (checked there)",
    "fhir.metadata": "FHIR JSON (V3)",
    "fhir.practitioners": "FHIR JSON (V3)",
    "fhir.practitioner_read": "FHIR JSON (V3)",
    "fhir.roles": "FHIR JSON (V3)",
    "fhir.role_read": "FHIR JSON (V3)",
}
ROUTE_ARGS = {**ARGS, "step": list(STEPS)}

# made-up doctors, none of the other browser tests' demo people
APPLICANT = doctor_form("周文", resident_id("42052519870101123"), "13600136001", "a11y_applicant")
DRAFTING = doctor_form("吴敏", resident_id("42052519880202123"), "13600136002", "a11y_drafting")
WAITING = doctor_form("郑强", resident_id("42052519890303123"), "13600136003", "a11y_waiting")
REGISTERED = doctor_form("冯丽", resident_id("42052519900404123"), "13600136004", "a11y_registered")
SETTLED = doctor_form(
    "蒋安", resident_id("42052519910505123"), "13600136006", "a11y_settled"
)  # nothing pending
UNMATCHED = doctor_form("卫无名", resident_id("42011119850808123"), "13600136005", "a11y_unmatched")
#: two staff members the county hospital's person in charge adds (I2), at their first log-in (I1)
NEW_STAFF = {
    "first-password": ("陶新", "13600136031"),
    "first-authenticator": ("柏青", "13600136032"),
}
ROLES = (
    "anonymous",
    "unmatched",
    "waiting",
    "drafting",
    "applicant",
    "registered",
    "settled",
    "staff",
    "officer",
    "admin",
    "half-logged-in",
    *NEW_STAFF,
)


@dataclass
class World:
    cookies: dict[str, str | None]
    ids: dict[str, int]
    certificate_no: str
    pages: dict[str, tuple[str, str]]  # endpoint/url -> (role, url), filled as found


def _qualify(app, form: dict, certificate_no: str) -> None:
    from portal.extensions import db
    from portal.registry.records import Category, Level, Qualification

    with in_tenant(app, "hubei"):
        db.session.add(
            Qualification(
                name=form["real_name"],
                id_number=form["id_number"],
                certificate_no=certificate_no,
                level=Level.PRACTITIONER,
                category=Category.CLINICAL,
                obtained_on=date(2025, 10, 1),
            )
        )
        db.session.commit()


@pytest.fixture(scope="module")
def world(live_server):
    from portal.extensions import db
    from portal.registry.records import IdentityCase
    from portal.workflow.models import Application, ModificationRequest, SiteFiling

    app = live_server.app
    for n, form in enumerate((APPLICANT, DRAFTING, WAITING, REGISTERED, SETTLED)):
        _qualify(app, form, f"H20254208{n:05d}")
    staff = staff_browser(live_server, "hb-county-staff")
    officer = staff_browser(live_server, "hb-officer")
    applicant = walk_doctor(
        app, "hubei", APPLICANT, until="submitted", staff=staff, institution=YUANAN
    )
    drafting = walk_doctor(
        app, "hubei", DRAFTING, until="activated", staff=staff, institution=YUANAN
    )
    fill_wizard(drafting.browser, "hubei")
    waiting = walk_doctor(app, "hubei", WAITING, until="named", institution=YUANAN)
    registered = walk_doctor(
        app, "hubei", REGISTERED, until="confirmed", staff=staff, institution=YUANAN
    )
    settled = walk_doctor(app, "hubei", SETTLED, until="confirmed", staff=staff, institution=YUANAN)
    for walked in (registered, settled):
        officer.page(f"/hubei/admin/applications/{walked.app_id}")
        redirected_to(
            officer.post(
                f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
            )
        )
    half = Browser(app.test_client())  # the password given, the authenticator code not yet
    half.page("/hubei/login")
    redirected_to(
        half.post("/hubei/login", {"username": "hb-tertiary-staff", "password": DEMO_PASSWORD})
    )
    b = registered.browser
    b.page("/hubei/me/maintenance")
    redirected_to(
        b.post(
            "/hubei/me/maintenance",
            {
                "home_address": "湖北省远安县鸣凤镇演示街 3 号",
                "work_experience": "无",
                "rewards_punishments": "无",
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
    unmatched = sign_up(app, "hubei", UNMATCHED)
    new_staff = {}
    for role, (name, mobile) in NEW_STAFF.items():
        staff.page("/hubei/institution/staff")
        redirected_to(staff.post("/hubei/institution/staff", {"real_name": name, "mobile": mobile}))
        sms = last_message(app, mobile)
        b = new_staff[role] = Browser(app.test_client())
        b.page("/hubei/login")
        redirected_to(
            b.post(
                "/hubei/login",
                {
                    "username": USERNAME.search(sms).group(1),
                    "password": FIRST_PASSWORD.search(sms).group(1),
                },
            )
        )
    b.page("/hubei/first-login/password")
    redirected_to(
        b.post(
            "/hubei/first-login/password",
            {"password": "A11y-own-pass-1", "password_again": "A11y-own-pass-1"},
        )
    )
    with in_tenant(app, "hubei"):
        ids = {
            "submitted_app": applicant.app_id,
            "confirmed_app": registered.app_id,
            "waiting_doctor": waiting.doctor_id,
            "applicant": applicant.doctor_id,
            "photo": db.session.get(Application, applicant.app_id).photo_id,
            "modification": db.session.execute(
                db.select(ModificationRequest.id).filter_by(doctor_id=registered.doctor_id)
            ).scalar_one(),
            "filing": db.session.execute(
                db.select(SiteFiling.id).filter_by(doctor_id=registered.doctor_id)
            ).scalar_one(),
            "identity_case": db.session.execute(
                db.select(IdentityCase.id).filter_by(user_id=unmatched_id(app))
            ).scalar_one(),
            "hubei_institution": institution_id(app, "hubei", YUANAN),
        }
        certificate_no = db.session.get(Application, registered.app_id).certificate_no
    ids.update(
        hubei_officer=user_id(app, "hubei", "hb-officer"),
        hubei_county_officer=user_id(app, "hubei", "hb-county-officer"),
        hubei_region=region_id(app, "420525"),
    )
    ids["import_batch"] = import_batch(
        app
    )  # A2: a file waiting for the administrator's confirmation
    ids["practice_record"] = practice_record(app)  # Q2, D5: a record an officer corrects
    browsers = {
        "anonymous": Browser(app.test_client()),
        "unmatched": unmatched,
        "waiting": waiting.browser,
        "drafting": drafting.browser,
        "applicant": applicant.browser,
        "registered": b,
        "settled": settled.browser,
        "staff": staff,
        "officer": officer,
        "admin": staff_browser(live_server, "hb-admin"),
        "half-logged-in": half,
        **new_staff,
    }
    cookies = {}
    for role, browser in browsers.items():
        browser.page("/hubei/")
        cookie = browser.client.get_cookie("session")
        cookies[role] = cookie.value if cookie else None
    return World(cookies, ids, certificate_no, {})


def unmatched_id(app) -> int:
    from portal.accounts.models import User
    from portal.extensions import db

    return db.session.execute(
        db.select(User.id).filter_by(username=UNMATCHED["username"])
    ).scalar_one()


def _fill(rule: str, values: dict, w: World) -> str:
    def value(m):
        name = m.group(1)
        if name == "tenant":
            return "hubei"
        v = values[name]
        return str(w.ids[v.name]) if isinstance(v, Hubei) else str(v)

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule)


def _cases():
    for rule in sorted(ROUTE_APP.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        names = sorted(rule.arguments - {"tenant"})
        combos = itertools.product(*(ROUTE_ARGS.get(n, [None]) for n in names))
        for combo in combos:
            values = dict(zip(names, combo, strict=True))
            label = ",".join(f"{k}={v}" for k, v in values.items())
            yield pytest.param(
                rule.rule, rule.endpoint, values, id=rule.rule + (f" [{label}]" if label else "")
            )


def _role_for(live_server, w: World, url: str) -> str | None:
    """The first role that the page answers with a page (200, HTML)."""
    for role in ROLES:
        client = live_server.app.test_client()
        if w.cookies[role]:
            client.set_cookie("session", w.cookies[role])
        r = client.get(url)
        r.close()
        if r.status_code == 200 and r.mimetype == "text/html":
            return role
    return None


def axe_violations(page) -> list[dict]:
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        """async (tags) => {
        const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 5)
                                         .map(n => n.target.join(" ") + " :: " + n.failureSummary)}));
    }""",
        WCAG,
    )
    return result


#: the page's width against the window's, and the widest elements that stick out on the right
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const scroll = document.documentElement.scrollWidth;
    if (scroll <= width) return [];
    const out = [...document.body.querySelectorAll("*")]
        .map(e => [e, e.getBoundingClientRect().right])
        .filter(([e, right]) => right > width + 0.5)
        .slice(-5)
        .map(([e, right]) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
             + (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "")
             + " right=" + Math.round(right));
    return ["page scrolls sideways: scrollWidth " + scroll + " > " + width + ": " + out.join(", ")];
}"""


def sideways_overflow(page) -> list[str]:
    """What makes a page wider than the window (a phone would scroll it sideways)."""
    return page.evaluate(OVERFLOW)


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        unavailable(f"{AXE} is missing: run `npm ci` (axe-core is a devDependency in package.json)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def role_page(chromium, live_server, axe_source):
    """``role_page(role)``: one browser page per role, reused over every page the sweep opens
    as that role (issue 15: a context per page, viewport and language cost more than the
    page). Before each look its cookies are set afresh (the language, the role's session as
    the world made it) and the window is resized, so no look sees what an earlier one left."""
    pages = {}

    def page_for(role: str):
        if role not in pages:
            context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
            context.set_default_timeout(TIMEOUT_MS)
            context.route(
                "**" + AXE_URL,
                lambda route: route.fulfill(body=axe_source, content_type="application/javascript"),
            )
            pages[role] = context.new_page()
        return pages[role]

    yield page_for
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize(("rule", "endpoint", "values"), list(_cases()))
def test_no_wcag_violations(live_server, world, role_page, rule, endpoint, values):
    assert None not in values.values(), (
        f"{rule}: an argument unknown to tests/test_isolation.py ARGS"
    )
    url = _fill(rule, values, world)
    if endpoint == "public.verify":
        url += f"?no={world.certificate_no}"
    elif endpoint == "doctor.activate":
        url += "?q=人民医院"
    role = _role_for(live_server, world, url)
    if role is None and values:
        pytest.skip(f"no role of the world opens {url} (another id of this route is checked)")
    assert role is not None, (
        f"no role of the world opens {url}: give the world that state, or list it in SKIPPED"
    )
    page = role_page(role)
    problems = []
    for (vp_name, viewport), lang in itertools.product(VIEWPORTS.items(), LANGUAGES):
        page.context.clear_cookies()
        cookies = [{"name": "lang", "value": lang, "url": live_server.url}]
        if world.cookies[role]:
            cookies.append(
                {"name": "session", "value": world.cookies[role], "url": live_server.url}
            )
        page.context.add_cookies(cookies)
        page.set_viewport_size(viewport)
        response = page.goto(url)
        assert response.status == 200, f"{role} {url}: {response.status}"
        assert unquote(page.url) == live_server.url + url, f"{role} {url}: sent to {page.url}"
        if vp_name == "phone":  # issue 14: nothing scrolls sideways at 360 px
            problems += [f"[{vp_name} {lang}] {o}" for o in sideways_overflow(page)]
        # issue 14: no requirement code ("(R1)", "（R1、F12）") in what the user reads
        code = REQUIREMENT_CODE.search(page.inner_text("body"))
        if code:
            problems.append(f"[{vp_name} {lang}] a requirement code on the page: {code.group()}")
        for v in axe_violations(page):
            problems.append(
                f"[{vp_name} {lang}] {v['id']} ({v['impact']}): {v['help']}\n      "
                + "\n      ".join(v["nodes"])
            )
    assert not problems, f"{role} {url}:\n  " + "\n  ".join(problems)


def test_axe_finds_a_violation(chromium, live_server, axe_source):
    """The check is live: a page with an unlabelled field fails it."""
    context = chromium.new_context(base_url=live_server.url)
    try:
        context.route(
            "**/__broken__",
            lambda route: route.fulfill(
                body='<!doctype html><html lang="en"><title>x</title><main><input id="x"></main></html>',
                content_type="text/html",
            ),
        )
        context.route(
            "**" + AXE_URL,
            lambda route: route.fulfill(body=axe_source, content_type="application/javascript"),
        )
        page = context.new_page()
        page.goto("/__broken__")
        assert "label" in json.dumps(axe_violations(page))
    finally:
        context.close()


def _axe_context(chromium, live_server, axe_source, lang="en"):
    context = chromium.new_context(base_url=live_server.url, viewport=VIEWPORTS["phone"])
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
    context.route(
        "**" + AXE_URL,
        lambda route: route.fulfill(body=axe_source, content_type="application/javascript"),
    )
    return context


TIED_ERRORS = """() => {
    const invalid = [...document.querySelectorAll('[aria-invalid="true"]')];
    return {
        invalid: invalid.length,
        untied: invalid.filter(el => !(el.getAttribute("aria-describedby") || "").split(" ").some(id => {
            const d = id && document.getElementById(id);
            return d && d.classList.contains("err") && d.textContent.trim();
        })).map(el => el.name),
        announced: [...document.querySelectorAll('[role="alert"], [aria-live]')].some(el => el.textContent.trim()),
    };
}"""


@pytest.mark.parametrize("url", ["/hubei/signup", "/hubei/login"])
def test_errors_swapped_in_by_htmx_are_tied_and_announced(chromium, live_server, axe_source, url):
    """P7: a form posted with htmx comes back with each error tied to its field
    (aria-describedby) inside a region that is announced (role=alert / aria-live)."""
    context = _axe_context(chromium, live_server, axe_source)
    try:
        page = context.new_page()
        page.goto(url)
        assert page.evaluate("() => typeof window.htmx") == "object", (
            "htmx is not loaded (run `make static`)"
        )
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator("main form button[type=submit]").first.click()
        assert (
            answer.value.status == 422 and answer.value.request.headers.get("hx-request") == "true"
        )
        page.locator('[aria-invalid="true"]').first.wait_for()
        found = page.evaluate(TIED_ERRORS)
        assert found["invalid"] and not found["untied"], found
        assert found["announced"], "the errors are not in an alert or live region"
        assert axe_violations(page) == []
    finally:
        context.close()


def test_the_overflow_check_is_live(chromium, live_server):
    """A page with a bar wider than the phone fails it; the same bar wrapping passes."""
    context = chromium.new_context(base_url=live_server.url, viewport=VIEWPORTS["phone"])
    bar = '<nav class="tabs">' + "".join(f"<a href='#'>Tab number {n}</a>" for n in range(9))
    try:
        for n, (css, fails) in enumerate(
            (("display:flex", True), ("display:flex;flex-wrap:wrap", False))
        ):
            body = (
                f'<!doctype html><html lang="en"><title>x</title><style>.tabs{{{css}}}</style>'
                f"<main>{bar}</nav></main></html>"
            )
            context.route(f"**/__wide_{n}__", _serve(body))
            page = context.new_page()
            page.goto(f"/__wide_{n}__")
            assert bool(sideways_overflow(page)) is fails, css
            page.close()
    finally:
        context.close()


def _serve(body: str):
    """A route handler answering ``body`` (one argument: Playwright passes the request to a
    handler that takes two)."""
    return lambda route: route.fulfill(body=body, content_type="text/html")
