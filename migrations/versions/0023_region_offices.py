"""where doctors bring their paper materials (D16, A5, issue 12): each city's and county's
office of the health commission — name, address, phone, hours — edited by the province's
administrator; empty until filled in (the doctor is then sent one level up)

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

COLUMNS = (("office_name", 100), ("office_address", 200), ("office_phone", 40), ("office_hours", 100))


def upgrade():
    with op.batch_alter_table("region", schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("region", schema=None) as batch_op:
        for name, _length in reversed(COLUMNS):
            batch_op.drop_column(name)
