"""real SMS (issue 12, D3, SEC7): each SMS is a named provider template with its parameters,
and the provider's delivery status (sent / delivered / failed, its code, its message id) is
recorded on the outbox message. The columns live on outbox_message, a tenant table already
under row-level security (SEC9): no new policy is needed.

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(10), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("provider", sa.String(20), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("provider_message_id", sa.String(80), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("delivery_status", sa.String(12), nullable=False, server_default="queued")
        )
        batch_op.add_column(
            sa.Column("delivery_code", sa.String(80), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("delivery_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_outbox_message_user", ["tenant_id", "user_id", "created_at"])


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_user")
        for column in (
            "delivery_at",
            "delivery_code",
            "delivery_status",
            "provider_message_id",
            "provider",
            "locale",
            "params",
            "template",
        ):
            batch_op.drop_column(column)
