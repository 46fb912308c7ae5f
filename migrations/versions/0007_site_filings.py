"""site_filing: a registered doctor's filing of an additional practice site, confirmed or
rejected by that site's institution (D19, L6, I4)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_filing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Enum("pending", "confirmed", "rejected", "withdrawn", name="filingstate",
                                   native_enum=False, length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_site_filing_application_id_application")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"],
                                name=op.f("fk_site_filing_decided_by_id_user_account")),
        sa.ForeignKeyConstraint(["doctor_id"], ["user_account.id"], name=op.f("fk_site_filing_doctor_id_user_account")),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"],
                                name=op.f("fk_site_filing_institution_id_institution")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_site_filing_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_filing")),
    )
    with op.batch_alter_table("site_filing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_filing_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_filing_doctor_id"), ["doctor_id"], unique=False)
        batch_op.create_index("ix_site_filing_queue", ["tenant_id", "institution_id", "state", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_filing_tenant_id"), ["tenant_id"], unique=False)


def downgrade():
    with op.batch_alter_table("site_filing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_filing_tenant_id"))
        batch_op.drop_index("ix_site_filing_queue")
        batch_op.drop_index(batch_op.f("ix_site_filing_doctor_id"))
        batch_op.drop_index(batch_op.f("ix_site_filing_application_id"))

    op.drop_table("site_filing")
