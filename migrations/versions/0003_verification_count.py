"""verification_count: public certificate lookups per tenant and day (V1)

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verification_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lookups", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_verification_count_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_count")),
        sa.UniqueConstraint("tenant_id", "day", name=op.f("uq_verification_count_tenant_id")),
    )
    with op.batch_alter_table("verification_count", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_count_tenant_id"), ["tenant_id"], unique=False)


def downgrade():
    with op.batch_alter_table("verification_count", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_count_tenant_id"))

    op.drop_table("verification_count")
