"""Backup and restore (docs/operations.md): a custom-format ``pg_dump`` of a populated
database, restored with ``pg_restore`` into a new database, serves the doctor's status page
as before, to the application's role, under the same row-level security (SEC9). Dump and
restore run as the owner (a superuser here: under FORCE ROW LEVEL SECURITY a role that does
not bypass it would dump no tenant's rows). PostgreSQL only (SQLite: copy its file)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from portal.tenants.rls import tenant_tables
from tests.support.db import app_role_url
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import doctor_form, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


@pytest.fixture
def restore_target(app):
    url = make_url(
        app.config["MIGRATION_DATABASE_URL"] or app.config["SQLALCHEMY_DATABASE_URI"]
    )  # the owner
    if url.get_backend_name() != "postgresql":
        pytest.skip(
            "pg_dump/pg_restore: the suite runs on SQLite (set TEST_DATABASE_URL to a PostgreSQL database)"
        )
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not installed")
    import psycopg

    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            admin,
            url.set(drivername="postgresql", database=name).render_as_string(hide_password=False),
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _doctor_page(app) -> str:
    b = Browser(app.test_client())
    b.page("/hubei/login")
    assert redirected_to(
        b.post("/hubei/login", {"username": LI["username"], "password": LI["password"]})
    )
    r = b.page("/hubei/me")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_a_restored_dump_serves_the_doctor_as_before(demo, restore_target, tmp_path):
    source, target = restore_target
    staff = staff_login(demo, "hb-county-staff")
    walk_doctor(demo, "hubei", LI, until="confirmed", staff=staff, institution="远安")
    before = _doctor_page(demo)
    assert "远安" in before

    dump = tmp_path / "portal.dump"
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source],
        check=True,
        env=env,
        timeout=120,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)],
        check=True,
        env=env,
        timeout=120,
    )

    target = target.replace("postgresql://", "postgresql+psycopg://", 1)
    # the grants and the policies came with the dump: the app's role reads the restored tables,
    # one tenant at a time
    restored = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app_role_url(target)})
    try:
        after = _doctor_page(restored)
        with restored.app_context():
            assert (
                db.session.execute(text("SELECT count(*) FROM user_account")).scalar() == 0
            )  # no tenant set
            forced = db.session.execute(
                text("SELECT count(*) FROM pg_class WHERE relforcerowsecurity")
            ).scalar()
        assert forced == len(tenant_tables())
    finally:
        with restored.app_context():
            db.engine.dispose()
    strip = re.compile(r'name="csrf_token"[^>]*>')
    assert strip.sub("", after) == strip.sub("", before)
