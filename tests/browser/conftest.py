"""Browser tests: the portal served once per session on a free loopback port, with its own
SQLite database and the demo data, driven by Debian's Chromium through Playwright.

Without /usr/bin/chromium (or the playwright package) the tests skip with the reason; with
REQUIRE_BROWSER=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
import threading

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, RESULTS, TIMEOUT_MS, Server, unavailable
from tests.support.db import without_fsync


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app, once per session, in a background thread (werkzeug, threaded), with its own
    database file: the suite-wide ``app`` fixture and its table-emptying do not touch it."""
    from werkzeug.serving import make_server

    from devdata.demo import load_demo
    from portal import create_app
    from portal.extensions import db

    path = tmp_path_factory.mktemp("browser-db") / "browser.sqlite3"
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "DEV_OUTBOX": True}
    )
    without_fsync(app)
    with app.app_context():
        db.create_all()
        load_demo()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="portal-live-server", daemon=True)
    thread.start()
    try:
        yield Server(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the session (Debian's, never a downloaded one)."""
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (make install)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_context(request, chromium, live_server):
    """Opens browser contexts (one per person), English UI, JS on or off; closes them after
    the test, with a screenshot of every open page when the test failed."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    contexts = []
    csp_violations: list[str] = []
    #: issue 14: any error on the console (htmx's own, a script's) fails the test, not only CSP
    console_errors: list[str] = []

    def on_console(msg):
        if "Content Security Policy" in msg.text:
            csp_violations.append(msg.text)
        elif msg.type == "error" and not _expected_error(msg):
            console_errors.append(f"{msg.location.get('url', '')}: {msg.text}")

    def open_context(*, javascript: bool = True, phone: bool = False):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
        context = chromium.new_context(
            base_url=live_server.url,
            java_script_enabled=javascript,
            locale="en-GB",
            viewport=viewport,
            is_mobile=phone,
            has_touch=phone,
        )
        context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])
        context.set_default_timeout(TIMEOUT_MS)
        # SEC8: Chromium reports every Content-Security-Policy violation on the console
        context.on("console", on_console)
        context.on("weberror", lambda error: console_errors.append(str(error.error)))
        contexts.append(context)
        return context

    yield open_context
    # what the closing below logs (htmx's abort of a request still in flight) is not the page's
    errors_during_test = list(console_errors)
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, context in enumerate(contexts):
        if failed:
            RESULTS.mkdir(exist_ok=True)
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(
                        path=RESULTS / f"FAILED-{request.node.name}-{i}-{j}.png", full_page=True
                    )
                except Exception:  # noqa: BLE001 - a screenshot is a courtesy, never a second failure
                    pass
        context.close()
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)
    assert not errors_during_test, "Errors on the browser console:\n" + "\n".join(
        errors_during_test
    )


def _expected_error(msg) -> bool:
    """Chromium logs every 4xx answer as "Failed to load resource": the portal answers a refused
    form with 422 (and htmx swaps it in), which is no fault of the page."""
    return msg.text.startswith("Failed to load resource: the server responded with a status of 4")
