"""reminder_sent: reminders queued before a registration, draft or activation code runs out,
one row per thing and schedule entry, so a second daily run sends nothing twice (D20)

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_reminder_sent_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("tenant_id", "kind", "subject_id", "step", name=op.f("uq_reminder_sent_tenant_id")),
    )
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_sent_tenant_id"), ["tenant_id"], unique=False)


def downgrade():
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sent_tenant_id"))

    op.drop_table("reminder_sent")
