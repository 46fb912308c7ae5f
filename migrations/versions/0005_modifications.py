"""modification_request: a registered doctor's request to modify registered details, approved
or rejected by the registration's institution (D17, I4)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "modification_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Enum("pending", "approved", "rejected", name="modificationstate", native_enum=False,
                                   length=24), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_modification_request_application_id_application")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"],
                                name=op.f("fk_modification_request_decided_by_id_user_account")),
        sa.ForeignKeyConstraint(["doctor_id"], ["user_account.id"],
                                name=op.f("fk_modification_request_doctor_id_user_account")),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"],
                                name=op.f("fk_modification_request_institution_id_institution")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_modification_request_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modification_request")),
    )
    with op.batch_alter_table("modification_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_modification_request_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_modification_request_doctor_id"), ["doctor_id"], unique=False)
        batch_op.create_index("ix_modification_request_queue", ["tenant_id", "institution_id", "state", "id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_modification_request_tenant_id"), ["tenant_id"], unique=False)


def downgrade():
    with op.batch_alter_table("modification_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_modification_request_tenant_id"))
        batch_op.drop_index("ix_modification_request_queue")
        batch_op.drop_index(batch_op.f("ix_modification_request_doctor_id"))
        batch_op.drop_index(batch_op.f("ix_modification_request_application_id"))

    op.drop_table("modification_request")
