"""Issue 14 (PIPL art. 28, 51; SEC5): resident ID numbers are stored encrypted, with a keyed
blind index for the lookups. Read behind the application's back (the tables' owner), and on
PostgreSQL in a ``pg_dump`` of the database, no ID number of the demo data or of the doctors
who signed up is found; the lookups by ID number still work."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from devdata.demo import TENANTS
from portal.extensions import db
from portal.pii import blind_index
from tests.support.db import is_postgresql, owner_connection
from tests.support.http import staff_login
from tests.support.security import REGISTERED

TABLES = ("user_account", "qualification", "practice_record")


def _numbers() -> set[str]:
    """Every ID number of the demo data, and of the doctor the world signed up."""
    numbers = {REGISTERED["id_number"]}
    for spec in TENANTS:
        numbers |= {d[1] for d in spec["doctors"]}
        numbers |= {r[1] for r in spec.get("practice_records", [])}
    assert len(numbers) > 5
    return numbers


def _raw_rows(app) -> dict[str, list[tuple]]:
    with app.app_context(), owner_connection(app) as conn:
        return {
            table: [tuple(row) for row in conn.execute(text(f"SELECT * FROM {table}"))]
            for table in TABLES
        }


def test_no_id_number_in_clear_in_the_three_tables(app, world):
    with app.app_context():
        columns = {t: {c["name"] for c in inspect(db.engine).get_columns(t)} for t in TABLES}
    for table in TABLES:
        assert "id_number" not in columns[table]
        assert {"id_number_encrypted", "id_number_index"} <= columns[table]
    rows = _raw_rows(app)
    assert all(rows[t] for t in TABLES)  # the world has rows in each table
    dumped = "\n".join(repr(row) for table in TABLES for row in rows[table])
    numbers = _numbers()
    leaked = {n for n in numbers if n in dumped or n.lower() in dumped}
    assert leaked == set()
    # not vacuous: the same rows carry the names and the tokens in clear
    assert REGISTERED["real_name"] in dumped and "gAAAA" in dumped


def test_the_blind_index_is_keyed(app, world):
    with app.app_context():
        number = REGISTERED["id_number"]
        one = blind_index(number)
        assert len(one) == 64 and number not in one
        assert blind_index(f" {number.lower()} ") == one  # normalised first
        app.config["ID_INDEX_KEY"], kept = (
            "another-index-key-" + "x" * 32,
            app.config["ID_INDEX_KEY"],
        )
        try:
            assert blind_index(number) != one  # without the key, a guess cannot be checked
        finally:
            app.config["ID_INDEX_KEY"] = kept


def test_pg_dump_holds_no_id_number(app, world):
    url = app.config.get("MIGRATION_DATABASE_URL") or ""  # the owner, on PostgreSQL only
    if not is_postgresql(url or "sqlite://"):
        pytest.skip("not on PostgreSQL")
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is missing")
    owner = make_url(url).set(drivername="postgresql")
    done = subprocess.run(
        ["pg_dump", "--data-only", owner.render_as_string(hide_password=False)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert REGISTERED["real_name"] in done.stdout  # the dump has the data
    assert {n for n in _numbers() if n in done.stdout} == set()


def test_officer_finds_a_practice_record_by_id_number(app, world):
    hubei = next(spec for spec in TENANTS if spec["slug"] == "hubei")
    name, number = hubei["practice_records"][0][:2]
    officer = staff_login(app, "hb-officer")
    page = officer.page(f"/hubei/admin/practice-records?q={number}").get_data(as_text=True)
    assert name in page
    other = number[:-2] + ("00" if number[-2:] != "00" else "11")
    page = officer.page(f"/hubei/admin/practice-records?q={other}").get_data(as_text=True)
    assert name not in page


def test_a_record_reads_back_its_number(app, world):
    from portal.registry.records import Qualification
    from portal.tenants.models import Tenant
    from portal.tenants.scope import tenant_context

    hubei = next(spec for spec in TENANTS if spec["slug"] == "hubei")
    name, number = hubei["doctors"][0][:2]
    with app.app_context():
        tenant = db.session.execute(select(Tenant).filter_by(slug="hubei")).scalar_one()
        with tenant_context(tenant.id):
            found = (
                db.session.execute(select(Qualification).where(Qualification.id_number == number))
                .scalars()
                .all()
            )
            assert [q.name for q in found] == [name]
            assert found[0].id_number == number
