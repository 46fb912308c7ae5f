"""indexes for one approval queue of every kind (I4) and the roster (I5), keyset paged (P5):
applications by kind, modification requests and site filings by (created_at, id), the
registrations in force by registration date, and doctors by name prefix

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

QUEUE_KIND = ["tenant_id", "institution_id", "state", "kind", "submitted_at", "id"]
ROSTER = ["tenant_id", "institution_id", "state", "registered_on", "id"]


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index("ix_application_queue_kind", QUEUE_KIND, unique=False)
        batch_op.create_index("ix_application_roster", ROSTER, unique=False)
    for table in ("modification_request", "site_filing"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_queue")
            batch_op.create_index(f"ix_{table}_queue", ["tenant_id", "institution_id", "state", "created_at", "id"],
                                  unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index("ix_user_account_real_name", ["tenant_id", "real_name"], unique=False,
                              postgresql_ops={"real_name": "varchar_pattern_ops"})


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index("ix_user_account_real_name")
    for table in ("site_filing", "modification_request"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_queue")
            batch_op.create_index(f"ix_{table}_queue", ["tenant_id", "institution_id", "state", "id"], unique=False)
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("ix_application_roster")
        batch_op.drop_index("ix_application_queue_kind")
