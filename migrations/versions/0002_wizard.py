"""wizard: several scopes, uploaded documents (photo, certificates), R3/R4 fields, draft step,
Notice of Passing flag (issue 3: D8, D9, D11, R1–R4)

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], name=op.f("fk_document_owner_id_user_account")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_document_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_tenant_id"), ["tenant_id"], unique=False)

    # expand: new columns with server defaults so existing rows are valid
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("gp_transfer_training", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("gp_certificate_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("needs_county_approval", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("qualification_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancels_qualification_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("training_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("training_passed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("training_certificate_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("photo_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("step", sa.String(length=20), nullable=False, server_default="personal"))
        batch_op.create_foreign_key(batch_op.f("fk_application_training_certificate_id_document"), "document", ["training_certificate_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_application_photo_id_document"), "document", ["photo_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_application_gp_certificate_id_document"), "document", ["gp_certificate_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_application_qualification_id_qualification"), "qualification", ["qualification_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_application_cancels_qualification_id_qualification"), "qualification", ["cancels_qualification_id"], ["id"])

    # backfill: the one scope becomes a list of one
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE application SET scopes = json_build_array(scope) WHERE scope <> ''")
    else:
        op.execute("UPDATE application SET scopes = json_array(scope) WHERE scope <> ''")

    # contract: drop the old column and the defaults the ORM now provides
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("scope")
        for name in ("scopes", "gp_transfer_training", "needs_county_approval", "training_passed", "step"):
            batch_op.alter_column(name, server_default=None)

    with op.batch_alter_table("qualification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_notice", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("qualification", schema=None) as batch_op:
        batch_op.drop_column("cancelled_on")
        batch_op.drop_column("is_notice")

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.VARCHAR(length=40), nullable=False, server_default=""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE application SET scope = COALESCE(scopes->>0, '')")
    else:
        op.execute("UPDATE application SET scope = COALESCE(json_extract(scopes, '$[0]'), '')")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.alter_column("scope", server_default=None)
        batch_op.drop_constraint(batch_op.f("fk_application_cancels_qualification_id_qualification"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_application_qualification_id_qualification"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_application_gp_certificate_id_document"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_application_photo_id_document"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_application_training_certificate_id_document"), type_="foreignkey")
        for name in ("step", "photo_id", "training_certificate_id", "training_passed", "training_months",
                     "cancels_qualification_id", "qualification_id", "needs_county_approval", "gp_certificate_id",
                     "gp_transfer_training", "scopes"):
            batch_op.drop_column(name)

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_document_owner_id"))
    op.drop_table("document")
