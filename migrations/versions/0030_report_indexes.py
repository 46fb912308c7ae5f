"""indexes for the reports and the audit search at scale (issue 16, A7, A8, P5)

- ``ix_application_report``: the applications submitted in a range, with what the report
  tables count (institution, state, confirmation time) in the index itself on PostgreSQL, so
  each table reads the range from the index alone;
- ``ix_application_city_filing``: a city officer's queue counts the county approvals not yet
  filed with the city (A5, F12) without reading every application;
- ``ix_audit_log_time``: the audit search over a date range, newest first by (time, id), found
  at once whatever the log holds after the range;
- ``ix_audit_log_decision``: the approval of each application (the processing-time table),
  with its time in the index on PostgreSQL.

Revision ID: 0030
Revises: 0029
"""
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index(
            "ix_application_report",
            ["tenant_id", "submitted_at"],
            unique=False,
            postgresql_include=["institution_id", "state", "confirmed_at", "id"],
        )
        batch_op.create_index(
            "ix_application_city_filing",
            ["tenant_id", "needs_county_approval", "city_filed_at"],
            unique=False,
        )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_time", ["tenant_id", "at", "id"], unique=False)
        batch_op.create_index(
            "ix_audit_log_decision",
            ["tenant_id", "entity", "action", "entity_id"],
            unique=False,
            postgresql_include=["at"],
        )


def downgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_decision")
        batch_op.drop_index("ix_audit_log_time")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("ix_application_city_filing")
        batch_op.drop_index("ix_application_report")
