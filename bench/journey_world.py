"""The server side of ``bench/journey.py``: the database it prepares (demo data, automatic
activation at the institution, a qualification record per doctor), the two ways of serving it
(werkzeug in the process as ``make run``, gunicorn with ``config/gunicorn.py`` as
``make serve``), and what the doctor needs on the way (the SMS code, a photo)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
from datetime import date
from pathlib import Path

INSTITUTION = "湖北省演示第一医院"


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
