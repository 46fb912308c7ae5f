"""rule_version: every save of a tenant's rules is a version (A6, R6); an application keeps
the version in force when it was submitted; audit_log indexes for the A8 search

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rule_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_rule_version_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_rule_version_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_version")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_rule_version_tenant_id")),
    )
    with op.batch_alter_table("rule_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_version_tenant_id"), ["tenant_id"], unique=False)
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_application_rule_version_id_rule_version"), "rule_version",
                                    ["rule_version_id"], ["id"])
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_record", ["tenant_id", "entity", "entity_id", "id"], unique=False)
        batch_op.create_index("ix_audit_log_actor", ["tenant_id", "actor_id", "id"], unique=False)
        batch_op.create_index("ix_audit_log_action", ["tenant_id", "action", "id"], unique=False)
    # backfill: each tenant's rules as they are become its version 1, the version every
    # application submitted so far was submitted under
    op.execute(
        "INSERT INTO rule_version (tenant_id, number, overrides, changes, created_at) "
        "SELECT id, 1, rules, '[]', CURRENT_TIMESTAMP FROM tenant"
    )
    op.execute(
        "UPDATE application SET rule_version_id = (SELECT rule_version.id FROM rule_version "
        "WHERE rule_version.tenant_id = application.tenant_id AND rule_version.number = 1) "
        "WHERE submitted_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_action")
        batch_op.drop_index("ix_audit_log_actor")
        batch_op.drop_index("ix_audit_log_record")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_application_rule_version_id_rule_version"), type_="foreignkey")
        batch_op.drop_column("rule_version_id")
    with op.batch_alter_table("rule_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_version_tenant_id"))
    op.drop_table("rule_version")
