"""A doctor's whole journey (SPEC P4) in Chromium over a slow link.

    cd <repo> && .venv/bin/python -m bench.journey            # both servers and links, JS on/off
    .venv/bin/python -m bench.journey --server gunicorn --link 2g --js on       # one run

It prepares a temporary SQLite database (the tables, the demo data), then serves it in one of
two ways: ``dev``, werkzeug in this process as ``make run`` does, or ``gunicorn``, the
production serving path (``config/gunicorn.py``, its worker class and keep-alive) on the same
file; and walks one new doctor per run through sign-up → phone code → activation (the
institution activates automatically, I3) → the six wizard steps → submission.

The link (``--shaping proxy``, the default, issue 16) is ``bench/link.py``: a TCP proxy on
loopback that charges, per connection, the handshake (one round trip before the browser may
send), then per direction the link's rate and half a round trip; so a server that closes its
connections pays for it as on a real link. ``--shaping devtools`` is the old way
(``Network.emulateNetworkConditions``: the latency added to each request, handshakes free).

- ``2g``: 250 kbit/s down, 50 kbit/s up, 300 ms round trip (SPEC P4);
- ``slow3g``: DevTools' "Slow 3G" preset: 400 kbit/s (500 × 0.8) both ways, 2,000 ms round
  trip (400 ms × 5, the preset's latency).

Per step it prints the bytes received (encoded, headers included, as Chromium counts them),
the bytes sent (request headers and form fields; Chromium does not report the bytes of a
file upload: the photo's size is added), the requests made (round trips), the connections
opened, the network span (from the step's first request leaving the browser to the last byte
of its last response, from the DevTools protocol's own timestamps) and the floor: one round
trip plus the step's bytes at the link's rates. The journey's floor adds the handshake of one
connection. "polled" is the old measure, the click to Playwright seeing the next page (it polls,
and includes the page's own work).

Nothing here asserts: this measures (DESIGN: performance is measured by bench/, not tested).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TARGET_S = 20.0  # the whole journey on the 2G link, JS on
FLOOR_TARGETS = {"2g": 1.2, "slow3g": 1.3}  # issue 16: within this many times the floor
LINKS = {
    "2g": {"downloadThroughput": 250_000 / 8, "uploadThroughput": 50_000 / 8, "latency": 300},
    "slow3g": {
        "downloadThroughput": 500 * 1000 / 8 * 0.8,
        "uploadThroughput": 500 * 1000 / 8 * 0.8,
        "latency": 400 * 5,
    },
}
INSTITUTION = "湖北省演示第一医院"
PASSWORD = "Bench-pass-2026"
TIMEOUT_MS = 180_000
VERBOSE = bool(os.environ.get("JOURNEY_VERBOSE"))  # each step's answers, as they come


# ---- the server ----------------------------------------------------------------------------


def app_settings(database_url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DEV_OUTBOX": True,
        "CREDENTIAL_RATE_LIMIT": "100000 per minute",
    }


def prepare(workdir: Path):
    """The database with the demo data, and the app this process reads it with."""
    from devdata.demo import load_demo
    from portal import create_app
    from portal.extensions import db
    from portal.registry.institutions import Institution
    from portal.tenants.models import Tenant
    from portal.tenants.scope import tenant_context

    app = create_app("testing", app_settings(f"sqlite:///{workdir / 'bench.sqlite3'}"))
    with app.app_context():
        db.create_all()
        load_demo()
        hubei = db.session.execute(db.select(Tenant).filter_by(slug="hubei")).scalar_one()
        with tenant_context(hubei.id):  # I3: this institution activates without a code
            inst = db.session.execute(
                db.select(Institution).filter_by(name=INSTITUTION)
            ).scalar_one()
            inst.auto_activation = True
            db.session.commit()
    return app


@contextlib.contextmanager
def serving(kind: str, app, workdir: Path):
    """The port of the server: werkzeug in this process (``make run``), or gunicorn with
    ``config/gunicorn.py`` (``make serve``) on the same database file."""
    if kind == "dev":
        from werkzeug.serving import make_server

        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield server.server_port
        finally:
            server.shutdown()
        return
    from bench.server import gunicorn, stop

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "FLASK_", "GUNICORN_", "PROMETHEUS_"))
    }
    env["JOURNEY_DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    proc, port = gunicorn("bench.journey_wsgi:app", env, workdir / "gunicorn.log")
    try:
        yield port
    finally:
        stop(proc)


def new_doctor(app, n: int) -> dict:
    """A made-up doctor with a qualification record to match (D2)."""
    from stdnum.cn import ric

    from portal.extensions import db
    from portal.registry.records import Category, Level, Qualification
    from portal.tenants.models import Tenant
    from portal.tenants.scope import tenant_context

    first17 = f"4201061990010{n + 100:03d}1"
    doctor = {
        "real_name": "测试医生",
        "id_number": first17 + ric.calc_check_digit(first17 + "0"),
        "phone": f"1370000{n:04d}",
        "email": f"bench{n}@example.com",
        "username": f"bench{n}",
    }
    with app.app_context():
        hubei = db.session.execute(db.select(Tenant).filter_by(slug="hubei")).scalar_one()
        with tenant_context(hubei.id):
            db.session.add(
                Qualification(
                    name=doctor["real_name"],
                    id_number=doctor["id_number"],
                    certificate_no=f"H20254201{n:05d}",
                    level=Level.PRACTITIONER,
                    category=Category.CLINICAL,
                    obtained_on=date(2025, 10, 1),
                )
            )
            db.session.commit()
    return doctor


def sms_code(app, phone: str) -> str:
    """What the phone receives: the newest code in the outbox (read off the database, so reading
    it costs the doctor's link nothing)."""
    from portal.extensions import db
    from portal.notify.models import OutboxMessage

    with app.app_context(), db.engine.connect() as conn:
        body = (
            conn.execute(
                db.select(OutboxMessage.body)
                .where(OutboxMessage.recipient == phone)
                .order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
    return re.search(r"#(\d{6})", body).group(1)


def photo_jpeg() -> bytes:
    """A 2-inch ID photo as a phone would send it after the page asks for JPEG: 413×579 px."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (413, 579), (235, 240, 245))
    draw = ImageDraw.Draw(img)
    draw.ellipse((120, 90, 293, 300), fill=(224, 188, 160))
    draw.rectangle((70, 320, 343, 579), fill=(40, 60, 110))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


# ---- measuring ----------------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    seconds: float = 0.0  # polled: the click to Playwright seeing the next page
    received: int = 0
    sent: int = 0
    requests: int = 0
    span: float = 0.0  # the first request out to the last byte in
    connections: int = 0
    floor: float = 0.0  # one round trip and the bytes at the link's rates


@dataclass
class Meter:
    """Counts what Chromium puts on the wire for one page, through the DevTools protocol."""

    requests: int = 0
    received: int = 0
    sent: int = 0
    answers: list = field(default_factory=list)  # (status, method, URL) of each, for -v
    first: float | None = None  # the step's first request leaving (DevTools timestamps)
    last: float | None = None  # the step's last byte arriving
    inflight: set = field(default_factory=set)  # requests sent and not yet finished
    _cached: set = field(default_factory=set)

    def attach(self, cdp) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self._cached.add(e["requestId"]))
        cdp.on("Network.responseReceived", self._answered)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def start_step(self) -> None:
        self.first = self.last = None

    def span(self) -> float:
        return (self.last - self.first) if self.first is not None and self.last else 0.0

    def _finished(self, event) -> None:
        self.inflight.discard(event["requestId"])
        self._add(event.get("encodedDataLength", 0))
        self._ended(event["timestamp"])

    def _failed(self, event) -> None:
        self.inflight.discard(event["requestId"])
        self._ended(event["timestamp"])

    def _ended(self, timestamp: float) -> None:
        self.last = max(self.last or timestamp, timestamp)

    def _sent(self, event) -> None:
        request = event["request"]
        if not request["url"].startswith("data:"):
            self.inflight.add(event["requestId"])
            if self.first is None:
                self.first = event["timestamp"]
        if "redirectResponse" in event:  # a 303 answered: one round trip
            self.requests += 1
            self.answers.append((event["redirectResponse"]["status"], request["url"]))
        if request["url"].startswith("data:"):  # the favicon placeholder: nothing on the wire
            return
        body = sum(len(e.get("bytes", "")) * 3 // 4 for e in request.get("postDataEntries", []))
        self.sent += body + sum(len(k) + len(v) + 4 for k, v in request.get("headers", {}).items())

    def _answered(self, event) -> None:
        """A response from the server (not from the browser's cache): one round trip."""
        response = event["response"]
        if (
            response["url"].startswith("data:")
            or event["requestId"] in self._cached
            or response.get("fromDiskCache")
            or response.get("fromPrefetchCache")
        ):
            return
        self.requests += 1
        self.answers.append((response["status"], response["url"]))

    def _add(self, n: int) -> None:
        self.received += int(n)

    def snapshot(self) -> tuple[int, int, int]:
        return self.requests, self.received, self.sent


def run(base_url: str, app, chromium, link: str, js: bool, n: int, shaper=None) -> list[Step]:
    """One doctor's journey; ``shaper`` is the proxy (bench/link.py) the browser goes through,
    or None to shape with DevTools instead."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    doctor = new_doctor(app, n)
    context = chromium.new_context(
        base_url=base_url,
        java_script_enabled=js,
        viewport={"width": 360, "height": 640},
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    context.add_cookies([{"name": "lang", "value": "en", "url": base_url}])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if shaper is None:
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **LINKS[link]})
    shape = LINKS[link]
    meter = Meter()
    meter.attach(cdp)
    steps: list[Step] = []

    def step(name: str, action, ready, upload: int = 0) -> None:
        before = meter.snapshot()
        opened = shaper.connections if shaper else 0
        meter.start_step()
        meter.answers.clear()
        start = time.perf_counter()
        action()
        ready()
        seconds = time.perf_counter() - start
        page.wait_for_timeout(300)  # let the last events arrive (not counted in the seconds)
        settle = time.perf_counter() + 30  # the page's own requests (a script, an image) too
        while meter.inflight and time.perf_counter() < settle:
            page.wait_for_timeout(50)
        after = meter.snapshot()
        received, sent = after[1] - before[1], after[2] - before[2] + upload
        if VERBOSE:
            print(
                f"    {name}: "
                + "; ".join(f"{st} {u.split('/', 3)[-1]}" for st, u in meter.answers)
            )
        floor = (
            shape["latency"] / 1000
            + received / shape["downloadThroughput"]
            + sent / shape["uploadThroughput"]
        )
        steps.append(
            Step(
                name,
                seconds,
                received,
                sent,
                after[0] - before[0],
                span=meter.span(),
                connections=(shaper.connections - opened) if shaper else 0,
                floor=floor,
            )
        )

    def fill_signup():
        page.get_by_label("Real name (as on your ID card)").fill(doctor["real_name"])
        page.get_by_label("Resident ID number").fill(doctor["id_number"])
        page.get_by_label("Mobile number").fill(doctor["phone"])
        page.get_by_label("Email", exact=True).fill(doctor["email"])
        page.get_by_label("User name (for logging in)").fill(doctor["username"])
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password again").fill(PASSWORD)
        page.get_by_role("button", name="Create my account").click()

    def heading(name, **kw):
        return lambda: expect(page.get_by_role("heading", name=name, **kw)).to_be_visible()

    save = lambda: page.get_by_role("button", name="Save and continue").click()  # noqa: E731

    step(
        "open the sign-up page", lambda: page.goto("/hubei/signup"), heading("Sign up as a doctor")
    )
    step("sign up", fill_signup, lambda: page.wait_for_url("**/hubei/me"))
    step(
        "open phone verification",
        lambda: page.get_by_role("link", name="Verify now").click(),
        heading("Verify your mobile number"),
    )
    step(
        "send the code",
        lambda: page.get_by_role("button", name="Send me a code").click(),
        lambda: expect(page.get_by_role("button", name="Send the code again")).to_be_visible(),
    )

    def enter_code():
        page.get_by_label("Verification code").fill(sms_code(app, doctor["phone"]))
        page.get_by_role("button", name="Verify", exact=True).click()

    step("enter the code", enter_code, lambda: page.wait_for_url("**/hubei/me/activate"))

    def search():
        page.get_by_label("Name of your main practice institution").fill("演示第一")
        page.get_by_role("button", name="Search").click()

    step(
        "search the institution",
        search,
        lambda: expect(page.get_by_role("button", name=f"Choose {INSTITUTION}")).to_be_visible(),
    )
    step(
        "choose it (activated at once)",
        lambda: page.get_by_role("button", name=f"Choose {INSTITUTION}").click(),
        lambda: expect(page.get_by_role("link", name="Start my application")).to_be_visible(),
    )
    step(
        "start the application",
        lambda: page.get_by_role("link", name="Start my application").click(),
        heading("Personal details"),
    )

    def personal():
        page.get_by_label("Home address as on your ID card").fill("湖北省武汉市江汉区演示路 7 号")
        save()

    step("personal details", personal, heading("Qualification", exact=True))
    step("qualification", save, heading("Practice", exact=True))

    def practice():
        page.get_by_label("内科专业").check()
        save()

    step("practice", practice, heading("History"))

    def history():
        page.get_by_label("Work experience").fill("2016-2025 湖北省演示第一医院 住院医师")
        page.get_by_label("Rewards and punishments").fill("无")
        save()

    step("history", history, heading("Photo", exact=True))
    photo = photo_jpeg()

    def upload():
        page.get_by_label("Photo (JPEG or PNG)").set_input_files(
            files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo}]
        )
        if not js:  # with JS, choosing the file uploads it (issue 14)
            page.get_by_role("button", name="Upload and preview").click()

    step(
        f"upload the photo ({len(photo) // 1024} KB)",
        upload,
        lambda: expect(page.get_by_role("img", name="Preview of your photo")).to_be_visible(),
        upload=len(photo),
    )
    step(
        "use the photo",
        save,  # "Save and continue" keeps the photo previewed (issue 14)
        heading("Review and submit"),
    )
    step(
        "submit",
        lambda: page.get_by_role("button", name="Submit to my institution").click(),
        lambda: expect(
            page.get_by_text(f"Submitted: waiting for {INSTITUTION} to confirm.")
        ).to_be_visible(),
    )
    context.close()
    return steps


@dataclass
class Total:
    received: int
    sent: int
    requests: int
    connections: int
    span: float
    floor: float
    polled: float


def report(title: str, link: str, steps: list[Step]) -> Total:
    print(f"\n{title}: " + ", ".join(f"{k}={v:g}" for k, v in LINKS[link].items()))
    print(
        f"  {'step':31} {'received':>9} {'sent':>7} {'reqs':>4} {'conns':>5} "
        f"{'span':>6} {'floor':>6} {'polled':>6}"
    )
    for s in steps:
        print(
            f"  {s.name:31} {s.received:9,} {s.sent:7,} {s.requests:4} {s.connections:5} "
            f"{s.span:6.2f} {s.floor:6.2f} {s.seconds:6.2f}"
        )
    total = Total(
        sum(s.received for s in steps),
        sum(s.sent for s in steps),
        sum(s.requests for s in steps),
        sum(s.connections for s in steps),
        sum(s.span for s in steps),
        # the journey's floor: each step's, and the handshake of one connection
        sum(s.floor for s in steps) + LINKS[link]["latency"] / 1000,
        sum(s.seconds for s in steps),
    )
    print(
        f"  {'total':31} {total.received:9,} {total.sent:7,} {total.requests:4} "
        f"{total.connections:5} {total.span:6.2f} {total.floor:6.2f} {total.polled:6.2f}"
    )
    print(f"  network span / floor: {total.span / total.floor:.2f}")
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--link", choices=[*LINKS, "all"], default="all")
    parser.add_argument("--js", choices=["on", "off", "both"], default="both")
    parser.add_argument("--server", choices=["dev", "gunicorn", "both"], default="both")
    parser.add_argument(
        "--shaping",
        choices=["proxy", "devtools"],
        default="proxy",
        help="proxy: bench/link.py, handshakes charged (default); devtools: the old way",
    )
    args = parser.parse_args(argv)
    import logging

    from playwright.sync_api import sync_playwright

    from bench.link import Link, Shape

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log between the tables
    links = list(LINKS) if args.link == "all" else [args.link]
    modes = [True, False] if args.js == "both" else [args.js == "on"]
    servers = ["dev", "gunicorn"] if args.server == "both" else [args.server]
    totals: dict[tuple, Total] = {}
    n = 0
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        app = prepare(Path(tmp))
        if not app.config.get("HTMX_JS"):
            print(
                "warning: htmx is not installed (make static): 'JS on' runs as plain forms",
                file=sys.stderr,
            )
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for kind in servers:
                with serving(kind, app, Path(tmp)) as port:
                    for link, js in ((lk, j) for lk in links for j in modes):
                        shaper = None
                        url = f"http://127.0.0.1:{port}"
                        if args.shaping == "proxy":
                            spec = LINKS[link]
                            shaper = Link(
                                Shape(
                                    down=spec["downloadThroughput"],
                                    up=spec["uploadThroughput"],
                                    rtt=spec["latency"] / 1000,
                                ),
                                port,
                            )
                            url = f"http://127.0.0.1:{shaper.start()}"
                        try:
                            steps = run(url, app, chromium, link, js, n, shaper)
                        finally:
                            if shaper:
                                shaper.stop()
                        n += 1
                        title = f"{kind} {link} {'JS on' if js else 'JS off'} ({args.shaping})"
                        totals[(kind, link, js)] = report(title, link, steps)
        finally:
            chromium.close()
    print(f"\nSummary ({args.shaping} shaping):")
    print(
        f"  {'run':24} {'received':>9} {'sent':>7} {'reqs':>4} {'conns':>5} "
        f"{'span':>6} {'floor':>6} {'ratio':>5} {'polled':>6}"
    )
    for (kind, link, js), t in totals.items():
        name = f"{kind} {link} {'JS on' if js else 'JS off'}"
        print(
            f"  {name:24} {t.received:9,} {t.sent:7,} {t.requests:4} {t.connections:5} "
            f"{t.span:6.2f} {t.floor:6.2f} {t.span / t.floor:5.2f} {t.polled:6.2f}"
        )
    for (kind, link, js), t in totals.items():
        if js and link in FLOOR_TARGETS:
            ok = t.span <= FLOOR_TARGETS[link] * t.floor
            print(
                f"Target ({kind}, {link}, JS on): network span within {FLOOR_TARGETS[link]:g}× "
                f"the floor: {t.span / t.floor:.2f}× — {'reached' if ok else 'NOT reached'}"
            )
        if js and link == "2g":
            print(
                f"Target ({kind}): the whole journey under {TARGET_S:g} s on 2G with JS on: "
                f"{t.span:.1f} s (polled {t.polled:.1f} s) — "
                f"{'reached' if t.span < TARGET_S else 'NOT reached'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
