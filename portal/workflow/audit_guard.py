"""SEC8: the audit log is append-only in the database itself, not only by convention.

On PostgreSQL a trigger refuses every UPDATE and DELETE of an ``audit_log`` row and a
statement trigger refuses TRUNCATE, whatever the code (or an injected statement) asks: the
application's database role can only INSERT and SELECT there. The same function and triggers
come from migration 0013 (databases built by ``flask db upgrade``) and from the DDL event
below (databases built by ``db.create_all``, as the test suite does).

There is no switch the application could flip: only a superuser (``SET session_replication_role
= replica``, which disables ordinary triggers for its own session) or the table's owner
(``ALTER TABLE ... DISABLE TRIGGER``) can get past it, which is why the application must not
run as either in production (docs/operations.md). The test suite empties its tables between
tests as the superuser ``postgres`` that way. SQLite has no such triggers: there the rule rests on
the code, which only ever adds AuditLog rows (``portal.workflow.audit``).
"""

from __future__ import annotations

from sqlalchemy import DDL, event

#: the function both triggers call; SQLSTATE 42501 = insufficient_privilege
FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = '42501';
END
$$
"""
ROW_TRIGGER = """
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
"""
TRUNCATE_TRIGGER = """
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
"""
STATEMENTS = (FUNCTION, ROW_TRIGGER, TRUNCATE_TRIGGER)


def install(table) -> None:
    """Create the function and triggers after ``create_all`` creates ``audit_log`` (PostgreSQL;
    DDL formats its text with ``%``, hence the doubling)."""
    for statement in STATEMENTS:
        event.listen(
            table,
            "after_create",
            DDL(statement.replace("%", "%%")).execute_if(dialect="postgresql"),
        )
