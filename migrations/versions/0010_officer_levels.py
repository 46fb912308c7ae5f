"""officer levels (A1): an officer works for the province, a city or a county; the
commission's refusal ground (A4, L3); the city filing of a county approval (A5, F12)

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_user_account_region_id_region"), "region", ["region_id"], ["id"])
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refusal_ground", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("city_filed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("city_filed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_application_city_filed_by_id_user_account"), "user_account",
                                    ["city_filed_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_application_city_filed_by_id_user_account"), type_="foreignkey")
        batch_op.drop_column("city_filed_by_id")
        batch_op.drop_column("city_filed_at")
        batch_op.drop_column("refusal_ground")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_user_account_region_id_region"), type_="foreignkey")
        batch_op.drop_column("region_id")
