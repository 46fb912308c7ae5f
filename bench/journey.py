"""A doctor's whole journey (SPEC P4) in Chromium over an emulated slow link.

    cd <repo> && .venv/bin/python -m bench.journey            # both links, JS on and off
    .venv/bin/python -m bench.journey --link 2g --js on       # one run

It starts its own server (a temporary SQLite database, the tables, the demo data; werkzeug
on a free loopback port, like the browser tests), then walks one new doctor per run through
sign-up → phone code → activation (the institution activates automatically, I3) → the six
wizard steps → submission, with the network shaped through the DevTools protocol
(``Network.emulateNetworkConditions``):

- ``2g``: 250 kbit/s down, 50 kbit/s up, 300 ms latency per request (SPEC P4);
- ``slow3g``: DevTools' "Slow 3G" preset: 400 kbit/s (500 × 0.8) both ways, 2,000 ms latency
  (400 ms RTT × 5).

Per step it prints the bytes received (encoded, headers included, as Chromium counts them),
the bytes sent (request headers and form fields; Chromium does not report the bytes of a
file upload, whose size the photo step names), the requests made (round trips) and the
seconds from the click to the next page being ready;
then the totals, and whether the JS-on 2G run beats the target (``TARGET_S``).

Nothing here asserts: this measures (DESIGN: performance is measured by bench/, not tested).
"""

from __future__ import annotations

import argparse
import io
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


# ---- the server ----------------------------------------------------------------------------


def start_server(workdir: Path):
    from werkzeug.serving import make_server

    from devdata.demo import load_demo
    from portal import create_app
    from portal.extensions import db
    from portal.registry.institutions import Institution
    from portal.tenants.models import Tenant
    from portal.tenants.scope import tenant_context

    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "DEV_OUTBOX": True,
            "CREDENTIAL_RATE_LIMIT": "100000 per minute",
        },
    )
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
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, f"http://127.0.0.1:{server.server_port}"


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
    seconds: float = 0.0
    received: int = 0
    sent: int = 0
    requests: int = 0


@dataclass
class Meter:
    """Counts what Chromium puts on the wire for one page, through the DevTools protocol."""

    requests: int = 0
    received: int = 0
    sent: int = 0
    _cached: set = field(default_factory=set)

    def attach(self, cdp) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self._cached.add(e["requestId"]))
        cdp.on("Network.responseReceived", self._answered)
        cdp.on("Network.loadingFinished", lambda e: self._add(e.get("encodedDataLength", 0)))

    def _sent(self, event) -> None:
        request = event["request"]
        if "redirectResponse" in event:  # a 303 answered: one round trip
            self.requests += 1
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

    def _add(self, n: int) -> None:
        self.received += int(n)

    def snapshot(self) -> tuple[int, int, int]:
        return self.requests, self.received, self.sent


def run(base_url: str, app, chromium, link: str, js: bool, n: int) -> list[Step]:
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
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **LINKS[link]})
    meter = Meter()
    meter.attach(cdp)
    steps: list[Step] = []

    def step(name: str, action, ready) -> None:
        before = meter.snapshot()
        start = time.perf_counter()
        action()
        ready()
        seconds = time.perf_counter() - start
        page.wait_for_timeout(300)  # let the last events arrive (not counted in the seconds)
        after = meter.snapshot()
        steps.append(
            Step(name, seconds, after[1] - before[1], after[2] - before[2], after[0] - before[0])
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
        page.get_by_role("button", name="Upload and preview").click()

    step(
        f"upload the photo ({len(photo) // 1024} KB)",
        upload,
        lambda: expect(page.get_by_role("img", name="Preview of your photo")).to_be_visible(),
    )
    step(
        "use the photo",
        lambda: page.get_by_role("button", name="Use this photo").click(),
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


def report(link: str, js: bool, steps: list[Step]) -> float:
    title = f"{link} {'JS on' if js else 'JS off'}: " + ", ".join(
        f"{k}={v:g}" for k, v in LINKS[link].items()
    )
    print(f"\n{title}")
    print(f"  {'step':34} {'received':>9} {'sent':>8} {'requests':>8} {'seconds':>8}")
    for s in steps:
        print(f"  {s.name:34} {s.received:9,} {s.sent:8,} {s.requests:8} {s.seconds:8.2f}")
    total = sum(s.seconds for s in steps)
    # "sent": request headers and form fields; Chromium does not report a file upload's bytes
    print(
        f"  {'total':34} {sum(s.received for s in steps):9,} {sum(s.sent for s in steps):8,} "
        f"{sum(s.requests for s in steps):8} {total:8.2f}"
    )
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--link", choices=[*LINKS, "all"], default="all")
    parser.add_argument("--js", choices=["on", "off", "both"], default="both")
    args = parser.parse_args(argv)
    import logging

    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log between the tables
    links = list(LINKS) if args.link == "all" else [args.link]
    modes = [True, False] if args.js == "both" else [args.js == "on"]
    totals = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        app, server, url = start_server(Path(tmp))
        if not app.config.get("HTMX_JS"):
            print(
                "warning: htmx is not installed (make static): 'JS on' runs as plain forms",
                file=sys.stderr,
            )
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for n, (link, js) in enumerate((lk, j) for lk in links for j in modes):
                totals[(link, js)] = report(link, js, run(url, app, chromium, link, js, n))
        finally:
            chromium.close()
            server.shutdown()
    if ("2g", True) in totals:
        t = totals[("2g", True)]
        print(
            f"\nTarget: the whole journey under {TARGET_S:g} s on the 2G link with JS on: "
            f"{t:.1f} s — {'reached' if t < TARGET_S else 'NOT reached'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
