"""provisioning: the officer's on-site check of an institution (I1, A1), the first-password
and person-in-charge flags of staff accounts (I1, I2), the codes an institution sent (I3)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "institution_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("licence_seen", sa.Boolean(), nullable=False),
        sa.Column("power_of_attorney_seen", sa.Boolean(), nullable=False),
        sa.Column("agent_id_card_seen", sa.Boolean(), nullable=False),
        sa.Column("checked_by", sa.String(length=40), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"],
                                name=op.f("fk_institution_check_institution_id_institution")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"],
                                name=op.f("fk_institution_check_recorded_by_id_user_account")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_institution_check_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution_check")),
    )
    with op.batch_alter_table("institution_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_institution_check_institution_id"), ["institution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_institution_check_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("is_person_in_charge", sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table("one_time_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_one_time_code_issued_by_id"), ["issued_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("one_time_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_one_time_code_issued_by_id"))

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("is_person_in_charge")
        batch_op.drop_column("must_change_password")

    with op.batch_alter_table("institution_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institution_check_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_institution_check_institution_id"))

    op.drop_table("institution_check")
