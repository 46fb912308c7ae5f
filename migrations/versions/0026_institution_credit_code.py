"""institution.credit_code: the unified social credit code (统一社会信用代码, GB 32100) by which
the practice-record import may name an institution (A2, issue 12); unique within a tenant.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_code", sa.String(length=18), nullable=True))
        batch_op.create_unique_constraint(
            "uq_institution_tenant_id_credit_code", ["tenant_id", "credit_code"]
        )


def downgrade():
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.drop_constraint("uq_institution_tenant_id_credit_code", type_="unique")
        batch_op.drop_column("credit_code")
