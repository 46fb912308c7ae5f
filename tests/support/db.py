"""The suite's database: on SQLite a file per session (per xdist worker), on PostgreSQL the
database of TEST_DATABASE_URL (one per xdist worker: ``test_gw0``, ``test_gw1`` …, created when
missing). The tables are made (with their row-level security policies) and emptied by the
owner of that URL, and the app connects as ``portal_test_app``, a role the policies apply to
(SEC9): the whole suite runs under row-level security."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import DateTime, create_engine, delete, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal.columns import utcnow
from portal.extensions import db
from portal.tenants.models import Tenant
from portal.tenants.scope import tenant_context

#: the role the suite's app connects as on PostgreSQL (SEC9): it owns no table, is not a
#: superuser and has no BYPASSRLS, so row-level security applies to every test. TEST_DATABASE_URL
#: names the owner (``postgres``), which creates the tables and policies and empties them.
APP_ROLE = "portal_test_app"
_OWNER_ENGINES: dict = {}


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def app_role_url(owner_url: str) -> str:
    """The same database as ``owner_url``, as the application's role."""
    return (
        make_url(owner_url)
        .set(username=APP_ROLE, password=APP_ROLE)
        .render_as_string(hide_password=False)
    )


def prepare_app_role(owner_url: str) -> str:
    """Create the application's role when missing (roles are the server's, shared by its
    databases), grant it what docs/operations.md grants ``portal_app`` in this database (for
    tables there now and made later by this owner), and return its URL."""
    engine = create_engine(owner_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"""
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                        BEGIN
                            CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE}' NOSUPERUSER NOBYPASSRLS;
                        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- a parallel run's
                        END;
                    END IF;
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}'
                               AND (rolsuper OR rolbypassrls OR NOT rolcanlogin)) THEN
                        ALTER ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
                    END IF;
                END $$""")
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
            conn.exec_driver_sql(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
            )
            conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
            conn.exec_driver_sql(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
            )
            conn.exec_driver_sql(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {APP_ROLE}"
            )
    finally:
        engine.dispose()
    return app_role_url(owner_url)


def worker_database_url(owner_url: str, worker: str) -> str:
    """One database per xdist worker on the server of ``owner_url``: its database name with the
    worker's id appended (``test`` -> ``test_gw0``), created when missing (as the owner, through
    the database of ``owner_url``), so parallel workers never empty each other's tables."""
    import psycopg
    from psycopg import sql

    url = make_url(owner_url)
    name = f"{url.database}_{worker}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:  # another run made it meanwhile
                pass
    return url.set(database=name).render_as_string(hide_password=False)


def suite_database_url(sqlite_folder) -> str:
    """TEST_DATABASE_URL (one database per xdist worker on PostgreSQL), or a SQLite file in
    ``sqlite_folder`` (a temporary folder of this session, so of this worker)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{sqlite_folder / 'test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and is_postgresql(url):
        return worker_database_url(url, worker)
    return url


def owner_engine(app):
    """An engine connected as the tables' owner (the app's MIGRATION_DATABASE_URL on
    PostgreSQL, a superuser in the suite): it sees every tenant's rows. SQLite: the app's."""
    url = app.config.get("MIGRATION_DATABASE_URL")
    if not url or not is_postgresql(url):
        with app.app_context():
            return db.engine
    if url not in _OWNER_ENGINES:
        _OWNER_ENGINES[url] = create_engine(url, pool_size=2)
    return _OWNER_ENGINES[url]


def dispose_owner_engines() -> None:
    for engine in _OWNER_ENGINES.values():
        engine.dispose()
    _OWNER_ENGINES.clear()


@contextmanager
def owner_connection(app=None):
    """A connection in a transaction (committed at the end) that reads and writes every
    tenant's rows, outside the application's role: for tests that check or arrange rows behind
    the application's back. (A superuser bypasses row-level security; an owner that is not one
    would not, hence ``all_tenants`` as well.)"""
    app = app or current_app._get_current_object()
    with owner_engine(app).begin() as conn:
        yield conn.execution_options(all_tenants=True)


def without_fsync(app) -> None:
    """SQLite only: the suite's database file written without waiting for the disk
    (``PRAGMA synchronous = OFF``) on every connection the app's engine opens. The suite
    commits some twenty times a test, and each commit otherwise waits for an fsync (5-30 ms
    on these machines: minutes of the suite's run, issue 15). Locking, transactions and what
    other connections and processes read are unchanged; only a power cut could lose the
    file, which the suite throws away anyway. Call before the engine's first connection."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_fsync(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous = OFF")


def empty_tables(app) -> None:
    """Delete every row of every table, as the owner (``owner_connection``): the application's
    role sees one tenant's rows at a time (SEC9). On PostgreSQL audit_log refuses DELETE (SEC8,
    portal/workflow/audit_guard.py): this transaction alone switches ordinary triggers off with
    ``SET LOCAL session_replication_role = replica``, which only a superuser may do (the owner
    URL of the suite is ``postgres``); the application never does. The sequences start again."""
    with app.app_context():
        db.session.rollback()  # the app's own transaction ends first (its locks)
    with owner_connection(app) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(delete(table))
        if conn.dialect.name == "postgresql":
            # ids start again at 1, as SQLite's do once a table is empty: a test sees the same
            # ids whichever tests ran before it (anything seeded or ordered by id included)
            conn.execute(
                text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
                )
            )


def copy_rows(app) -> dict:
    """Every row of every table that has rows (as the owner, values as the ORM reads them) and
    the instant of the copy (``utcnow``, the test's clock): what ``put_rows`` writes back."""
    with app.app_context(), owner_connection(app) as conn:
        tables = {
            table.name: [
                row._asdict()
                for row in conn.execute(table.select().order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
        }
    return {"at": utcnow(), "tables": {name: rows for name, rows in tables.items() if rows}}


def any_rows(app, names) -> bool:
    """Whether any of the tables ``names`` has a row (as the owner)."""
    with app.app_context(), owner_connection(app) as conn:
        return any(
            conn.execute(db.metadata.tables[name].select().limit(1)).first() for name in names
        )


#: how long before the copy a timestamp may be and still count as made by the load
_LOAD_TIME = timedelta(minutes=10)


def put_rows(app, copy: dict) -> None:
    """Write ``copy_rows``'s rows back into the emptied tables, with the same ids, as if they
    were written now: every timestamp made by the load moves on by the time since the copy (a
    row made "now" then is made now, on the test's clock); dates and any fixed date-time stay.
    On PostgreSQL the id sequences go on after the highest id, as after the inserts that first
    wrote them."""
    at = copy["at"]
    shift = utcnow() - at

    def moved(value):
        return value + shift if value is not None and at - _LOAD_TIME <= value <= at else value

    with app.app_context(), owner_connection(app) as conn:
        for table in db.metadata.sorted_tables:
            rows = copy["tables"].get(table.name)
            if not rows:
                continue
            stamps = [c.name for c in table.columns if isinstance(c.type, DateTime)]
            conn.execute(
                table.insert(), [{**row, **{c: moved(row[c]) for c in stamps}} for row in rows]
            )
            if conn.dialect.name == "postgresql" and "id" in table.c:
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                    {"t": table.name, "n": max(row["id"] for row in rows)},
                )


@contextmanager
def in_tenant(app, slug: str):
    """An app context with the tenant set, for reading the database in a test."""
    with app.app_context():
        tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one()
        with tenant_context(tenant.id):
            yield tenant


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, across tenants (read as the tables' owner, outside the ORM
    tenant filter and row-level security): two snapshots are equal when a request changed nothing."""
    out = {}
    with app.app_context(), owner_connection(app) as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(row) for row in rows]
    return out


def statements(app, client, url: str) -> int:
    """How many SQL statements a GET of ``url`` runs (P5: a fixed number, whatever the rows)."""
    from sqlalchemy import event

    count = 0

    def counter(*args):
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


@contextmanager
def unchanged(app):
    """Every row of every table is the same after the block as before it (SEC6)."""
    before = snapshot(app)
    yield
    after = snapshot(app)
    changed = [t for t in before if before[t] != after[t]]
    assert not changed, f"tables changed: {changed}"
