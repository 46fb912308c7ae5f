"""change of registration and cancellation (D7, L4): the registration an application applies
to, and the ground of a cancellation

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancel_ground", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("cancel_note", sa.Text(), nullable=False, server_default=""))
        batch_op.create_foreign_key(batch_op.f("fk_application_previous_id_application"), "application",
                                    ["previous_id"], ["id"])
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.alter_column("cancel_note", server_default=None)


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_application_previous_id_application"), type_="foreignkey")
        batch_op.drop_column("cancel_note")
        batch_op.drop_column("cancel_ground")
        batch_op.drop_column("previous_id")
