"""Row-level security on PostgreSQL (SEC9): tenant isolation (T3) enforced a second time, by
the database, under the ORM filter of ``portal.tenants.scope``.

Every table with a ``tenant_id`` column has ROW LEVEL SECURITY enabled and FORCEd (so it holds
for the tables' owner too) and one policy, ``tenant_isolation``: a row is seen, changed,
deleted or written only when its ``tenant_id`` is the transaction's ``app.tenant_id``, or when
the transaction says ``app.all_tenants = 'on'``. No tenant set: no row at all. The ``tenant``
table itself has no ``tenant_id`` and no policy: the tenants' slugs, names and contact
details are public (the landing page lists them) and each request looks its tenant up there
before it knows it.

Both settings are transaction-local (``set_config(..., true)``): they end with the
transaction, whatever ends it, so a pooled connection never carries one request's tenant into
the next. They get there from the code's own context, before each statement: an engine
``before_cursor_execute`` listener compares what the transaction carries (remembered in the
connection's ``info``, forgotten at each BEGIN and at a rollback to a savepoint) with what the
code runs in now (the tenant of ``scope.current_tenant_id()``; ``all_tenants`` when the
statement has the execution option ``all_tenants=True`` or runs in a ``scope.all_tenants()``
block) and, when they differ, first runs ``SELECT set_config(...), set_config(...)`` on the
same connection. So the tenant set after the request's tenant lookup (the lookup itself reads
``tenant``, in the same transaction) is in force for the very next statement. A transaction
starts with neither setting (the application never sets them for a whole session), so a
statement without tenant costs nothing extra, and a request one round trip.

What this protects against, and what not: a query that forgets the ORM filter, raw SQL on a
tenant table, a bug in the filter or in a relationship load, a Core statement — each of them
still sees only the current tenant's rows. It does not protect against SQL injection: the
application's role may call ``set_config`` itself (it has to), so an attacker who can run
arbitrary SQL can say ``app.all_tenants = 'on'`` too. RLS is the second layer, not a sandbox
(docs/operations.md, "The database roles").

The application must connect as a role that owns no table, is not a superuser and has no
BYPASSRLS, or the policies do not apply to it (``/readyz`` checks it, ``row_security``).
TRUNCATE ignores RLS: that role is never granted it.
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from portal.extensions import metadata
from portal.tenants.scope import crossing_tenants, current_tenant_id

POLICY = "tenant_isolation"
#: the policy's condition, for reading and for writing (USING and WITH CHECK)
CONDITION = (
    "tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer "
    "OR current_setting('app.all_tenants', true) = 'on'"
)
SET = "SELECT set_config('app.tenant_id', %s, true), set_config('app.all_tenants', %s, true)"

#: ``conn.info`` key: (tenant, all_tenants) as the current transaction carries them
_CARRIED = "portal_rls"
#: what a transaction carries when it begins: neither setting
_NOTHING = ("", "")


def tenant_tables(md=metadata) -> list[str]:
    """Every table with a ``tenant_id`` column: each must have the policy."""
    return [t.name for t in md.sorted_tables if "tenant_id" in t.c]


def enable_statements(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {table} USING ({CONDITION}) WITH CHECK ({CONDITION})",
    ]


def disable_statements(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


@event.listens_for(metadata, "after_create")
def _policies_after_create_all(target, connection, tables=(), **kw) -> None:
    """Databases built by ``create_all`` (the test suite, the benchmarks) get the policies that
    migration 0015 gives databases built by ``flask db upgrade``."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        if "tenant_id" in table.c:
            for statement in enable_statements(table.name):
                connection.execute(text(statement))


@event.listens_for(Engine, "begin")
def _transaction_begins(conn) -> None:
    conn.info[_CARRIED] = _NOTHING


@event.listens_for(Engine, "rollback_savepoint")
def _savepoint_rolled_back(conn, name, context) -> None:
    # settings made since the savepoint are undone: set them again before the next statement
    # (this event comes before the ROLLBACK TO SAVEPOINT, which _carry_tenant lets pass)
    conn.info.pop(_CARRIED, None)


#: statements that only move within the transaction carry nothing themselves
_SAVEPOINTS = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


@event.listens_for(Engine, "before_cursor_execute")
def _carry_tenant(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.dialect.name != "postgresql" or statement.startswith(_SAVEPOINTS):
        return
    dbapi = cursor.connection
    if getattr(dbapi, "autocommit", False):
        return  # no transaction to carry anything: such a connection sees no tenant's rows
    options = context.execution_options if context is not None else conn.get_execution_options()
    tid = current_tenant_id()
    wanted = (
        "" if tid is None else str(tid),
        "on" if options.get("all_tenants") or crossing_tenants() else "",
    )
    if conn.info.get(_CARRIED) == wanted:
        return
    with dbapi.cursor() as setter:
        setter.execute(SET, wanted)
    conn.info[_CARRIED] = wanted


#: what /readyz asks of the application's role (portal/ops/health.py)
ROLE_CHECK = """
SELECT r.rolsuper, r.rolbypassrls,
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p') AND n.nspname = current_schema()) AS owned
  FROM pg_roles r WHERE r.rolname = current_user
"""


def role_problems(conn) -> list[str]:
    """Why row-level security would not apply to this connection's role (empty: it does)."""
    superuser, bypass, owned = conn.execute(text(ROLE_CHECK)).one()
    problems = []
    if superuser:
        problems.append("superuser")
    if bypass:
        problems.append("bypassrls")
    if owned:
        problems.append("owns tables")
    return problems
