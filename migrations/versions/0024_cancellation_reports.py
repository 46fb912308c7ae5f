"""cancellation reported by the institution or decided on the commission's own motion (L4,
Practitioners' Law art. 17; I6, A9): who started it, the day of the ground, the commission's
reference, and whether the institution reported after the 30 days the law gives

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_origin", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("cancel_ground_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_reference", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("cancel_reported_late", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("cancel_reported_late")
        batch_op.drop_column("cancel_reference")
        batch_op.drop_column("cancel_ground_on")
        batch_op.drop_column("cancel_origin")
