"""SEC9: on PostgreSQL, row-level security enforces tenant isolation (T3) a second time, under
the ORM filter: the app connects as a role that owns no table, is not a superuser and has no
BYPASSRLS; every tenant table has ROW LEVEL SECURITY enabled and forced with the
``tenant_isolation`` policy; the tenant is set per transaction (portal/tenants/rls.py).

The suite's app connects as ``portal_test_app`` (tests/support/db.py); the owner's connection
(``owner_connection``) is the ground truth each test compares with, so that no test passes for
want of rows. PostgreSQL only: SQLite has no row-level security."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal import create_app
from portal.extensions import db
from portal.registry.institutions import Institution
from portal.tenants import scope
from portal.tenants.models import Region, Tenant
from portal.tenants.rls import POLICY, tenant_tables
from portal.tenants.scope import all_tenants, tenant_context
from tests.support import figures
from tests.support.db import in_tenant, owner_connection
from tests.support.journey import doctor_form, sign_up, verify_phone

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row-level security is PostgreSQL's (SEC9); set TEST_DATABASE_URL to a PostgreSQL database",
)

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


def tenant_ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(db.select(Tenant.slug, Tenant.id)).all())


def owner_counts(app) -> dict[str, dict[int, int]]:
    """Rows per tenant of every tenant table, as the owner sees them (every row)."""
    out = {}
    with owner_connection(app) as conn:
        for table in tenant_tables():
            out[table] = dict(
                conn.execute(
                    text(f"SELECT tenant_id, count(*) FROM {table} GROUP BY tenant_id")
                ).all()
            )
    return out


def seen_by_app(app) -> dict[str, dict[int, int]]:
    """Rows per tenant of every tenant table, as the app's session sees them with raw SQL (no
    ORM filter applies to it) in the tenant context the caller set."""
    return {
        table: dict(
            db.session.execute(
                text(f"SELECT tenant_id, count(*) FROM {table} GROUP BY tenant_id")
            ).all()
        )
        for table in tenant_tables()
    }


@contextmanager
def orm_filter_off():
    """The ORM filter switched off (as if a query had escaped it, or the filter had a bug)."""
    event.remove(Session, "do_orm_execute", scope._limit_to_tenant)
    try:
        yield
    finally:
        event.listen(Session, "do_orm_execute", scope._limit_to_tenant)


@pytest.fixture
def without_orm_filter():
    with orm_filter_off():
        yield


# ---- (1) the ORM filter switched off: still only the current tenant --------------------------


def test_without_the_orm_filter_a_tenant_sees_only_its_own_rows(demo, without_orm_filter):
    ids = tenant_ids(demo)
    everything = owner_counts(demo)
    # not vacuous: the other tenant has rows in these tables
    assert all(
        everything[t].get(ids["guangdong"])
        for t in ("region", "institution", "user_account", "qualification")
    )
    for slug, other in (("hubei", "guangdong"), ("guangdong", "hubei")):
        with in_tenant(demo, slug):
            seen = seen_by_app(demo)
            own = {
                t: {ids[slug]: c[ids[slug]]} if ids[slug] in c else {}
                for t, c in everything.items()
            }
            assert seen == own
            # through the ORM too: the filter is off, the database still says no
            regions = db.session.execute(db.select(Region)).scalars().all()
            assert regions and {r.tenant_id for r in regions} == {ids[slug]}
            assert (
                db.session.execute(
                    db.select(Institution).where(Institution.tenant_id == ids[other])
                ).all()
                == []
            )
            leaked = sum(n for counts in seen.values() for t, n in counts.items() if t != ids[slug])
            figures.add("rows of another tenant seen with the ORM filter off", leaked)
    figures.add("tenant tables read with the ORM filter off", len(everything))


def test_without_the_orm_filter_a_page_lists_only_its_tenants_institutions(demo):
    """Through HTTP: the doctor's institution search (D4) of Hubei, whose query names no
    tenant once the ORM filter is gone, lists no Guangdong hospital."""
    b = sign_up(demo, "hubei", LI)
    verify_phone(demo, b, "hubei", LI["phone"])
    with orm_filter_off():
        page = b.page("/hubei/me/activate?q=演示").get_data(as_text=True)
    assert "湖北省演示第一医院" in page and "远安县人民医院（演示）" in page
    assert "广东省演示第一医院" not in page and "乳源" not in page


# ---- (2) no tenant set: no rows; writes of another tenant's rows refused ----------------------


def test_no_tenant_set_sees_no_rows(demo):
    everything = owner_counts(demo)
    assert sum(sum(c.values()) for c in everything.values()) > 0
    with demo.app_context():
        assert seen_by_app(demo) == {t: {} for t in tenant_tables()}
        # the landing page's table, the tenants themselves, stays readable (no tenant_id)
        assert db.session.execute(text("SELECT count(*) FROM tenant")).scalar() == 2


def _refused(statement, **params) -> str:
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text(statement), params)
    db.session.rollback()
    return str(caught.value.orig)


def test_writes_outside_the_current_tenant_are_refused(demo):
    ids = tenant_ids(demo)
    before = owner_counts(demo)
    insert = (
        "INSERT INTO region (tenant_id, code, name, level) VALUES (:t, '999999', '测试', 'city')"
    )
    with demo.app_context():  # no tenant
        assert "row-level security" in _refused(insert, t=ids["hubei"])
    with in_tenant(demo, "hubei"):
        assert "row-level security" in _refused(insert, t=ids["guangdong"])
        # moving a row of one's own into the other tenant is refused too (WITH CHECK)
        assert "row-level security" in _refused(
            "UPDATE region SET tenant_id = :t", t=ids["guangdong"]
        )
        # the other tenant's rows are not there to change or delete
        assert (
            db.session.execute(
                text("UPDATE region SET name = 'x' WHERE tenant_id = :t"), {"t": ids["guangdong"]}
            ).rowcount
            == 0
        )
        assert (
            db.session.execute(
                text("DELETE FROM qualification WHERE tenant_id = :t"), {"t": ids["guangdong"]}
            ).rowcount
            == 0
        )
        db.session.commit()
    assert owner_counts(demo) == before
    figures.add("writes into another tenant refused by row-level security", 3)


# ---- (3) one pooled connection, requests of different tenants ---------------------------------


@pytest.fixture
def one_connection_app(app):
    """A second app on the suite's database, as the suite's app role, whose pool holds ONE
    connection, with a probe page that reads a tenant table with raw SQL."""
    probe = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},
        },
    )

    def rows():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        seen = (
            db.session.execute(text("SELECT DISTINCT tenant_id FROM user_account ORDER BY 1"))
            .scalars()
            .all()
        )
        db.session.commit()  # as a request that changed something: its transaction ends by COMMIT
        return {"pid": pid, "tenants": seen}

    probe.add_url_rule("/<tenant>/rls-probe", "rls_probe", rows)
    probe.add_url_rule("/rls-probe", "rls_probe_no_tenant", rows)
    yield probe
    with probe.app_context():
        db.engine.dispose()


def test_requests_of_two_tenants_on_one_pooled_connection_see_their_own_rows(
    demo, one_connection_app
):
    ids = tenant_ids(demo)
    client = one_connection_app.test_client()
    answers = [
        (path, client.get(path).get_json())
        for path in (
            "/hubei/rls-probe",
            "/guangdong/rls-probe",
            "/rls-probe",
            "/hubei/rls-probe",
            "/guangdong/rls-probe",
            "/guangdong/rls-probe",
            "/rls-probe",
        )
    ]
    assert len({a["pid"] for _, a in answers}) == 1, "the pool was to hold one connection"
    for path, answer in answers:
        slug = path.split("/")[1] if path.count("/") == 2 else None
        assert answer["tenants"] == ([ids[slug]] if slug else []), (path, answer)
    figures.add("requests of two tenants on one pooled connection", len(answers))


def test_a_rolled_back_savepoint_does_not_leave_the_wrong_tenant(demo):
    """PostgreSQL undoes set_config at ROLLBACK TO SAVEPOINT: the tenant is set again."""
    ids = tenant_ids(demo)

    def seen():
        return set(db.session.execute(text("SELECT DISTINCT tenant_id FROM region")).scalars())

    with in_tenant(demo, "hubei"):
        assert seen() == {ids["hubei"]}
        savepoint = db.session.begin_nested()
        assert seen() == {ids["hubei"]}  # the SAVEPOINT is made here, with Hubei's setting
        with tenant_context(ids["guangdong"]):
            assert seen() == {ids["guangdong"]}  # set after the savepoint
            savepoint.rollback()  # the database is back at Hubei's setting
            assert seen() == {ids["guangdong"]}
        assert seen() == {ids["hubei"]}


def test_crossing_tenants_is_explicit_and_ends_with_the_statement_or_block(demo):
    ids = tenant_ids(demo)
    both = {ids["hubei"], ids["guangdong"]}
    region_tenants = text("SELECT DISTINCT tenant_id FROM region")
    with demo.app_context():
        assert (
            set(db.session.execute(region_tenants.execution_options(all_tenants=True)).scalars())
            == both
        )
        assert (
            set(db.session.execute(region_tenants).scalars()) == set()
        )  # same transaction, next statement
        with all_tenants():
            assert set(db.session.execute(region_tenants).scalars()) == both
        assert set(db.session.execute(region_tenants).scalars()) == set()


# ---- (4) the app's role ---------------------------------------------------------------------


def test_the_app_role_owns_nothing_and_bypasses_nothing(demo):
    with demo.app_context():
        me, superuser, bypass = db.session.execute(
            text(
                "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
        owners = set(
            db.session.execute(
                text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
        )
    assert superuser is False and bypass is False
    assert owners and me not in owners
    ready = demo.test_client().get("/readyz").get_json()
    assert ready["checks"]["row_security"] == {"ok": True, "enforced": True}


def test_readyz_is_not_ready_when_the_role_bypasses_row_level_security(demo):
    """The owner of the suite's tables is the superuser ``postgres``: an app server
    connected as it would not be subject to the policies, and says so."""
    owner = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": demo.config["MIGRATION_DATABASE_URL"]}
    )
    try:
        r = owner.test_client().get("/readyz")
        assert r.status_code == 503
        assert r.get_json()["checks"]["row_security"] == {
            "ok": False,
            "enforced": False,
            "role": ["superuser", "bypassrls", "owns tables"],
        }
    finally:
        with owner.app_context():
            db.engine.dispose()


# ---- (5) every tenant table is covered ------------------------------------------------------


def test_every_tenant_table_has_forced_row_level_security_and_the_policy(app):
    tables = tenant_tables()
    assert len(tables) >= 18 and "tenant" not in tables
    with owner_connection(app) as conn:
        state = {
            name: (rls, force)
            for name, rls, force in conn.execute(
                text(
                    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                    "WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace"
                )
            )
        }
        policies = {
            (t, p): (cmd, qual, check)
            for t, p, cmd, qual, check in conn.execute(
                text(
                    "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies "
                    "WHERE schemaname = current_schema()"
                )
            )
        }
    for table in tables:
        assert state[table] == (True, True), f"{table}: ROW LEVEL SECURITY enabled and forced"
        cmd, qual, check = policies.get((table, POLICY), (None, "", ""))
        assert cmd == "ALL", f"{table}: no {POLICY} policy for every command"
        for expression in (qual, check):
            assert (
                "current_setting('app.tenant_id'::text, true)" in expression
                and "tenant_id =" in expression
            )
    assert {t for t, _ in policies} == set(tables)
    # the tenants themselves: readable by every request (slug, name, contact details)
    assert state["tenant"] == (False, False)
    figures.add("tenant tables with forced row-level security and the policy", len(tables))
