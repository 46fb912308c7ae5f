"""row-level security on every tenant table, PostgreSQL (SEC9, T3 a second time)

ENABLE and FORCE ROW LEVEL SECURITY and one policy, ``tenant_isolation``, on each of the 18
tables with a ``tenant_id``: a row is seen and written only in a transaction whose
``app.tenant_id`` is its tenant, or that says ``app.all_tenants = 'on'`` (the application sets
both per transaction, portal/tenants/rls.py). ``tenant`` itself has no policy (public names).

The statements are written out here (a migration is a snapshot); they are the same as
portal/tenants/rls.py, which gives databases built by create_all the same policies. audit_log
gets the policy too; its append-only triggers (0013) stay. SQLite: nothing to do.

Revision ID: 0015
Revises: 0014
"""
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = (
    "practice_record", "qualification", "region", "reminder_sent", "verification_count", "institution",
    "user_account", "audit_log", "document", "identity_case", "import_batch", "institution_check",
    "one_time_code", "outbox_message", "rule_version", "application", "modification_request", "site_filing",
)
CONDITION = ("tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer "
             "OR current_setting('app.all_tenants', true) = 'on'")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({CONDITION}) WITH CHECK ({CONDITION})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
