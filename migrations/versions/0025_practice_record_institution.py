"""practice records made before the portal (Q2, D5, F17): the institution the doctor is
registered at, as a link to the portal's institution (the imported name is kept), the level
written on the paper certificate, and the lines an import skipped (A2)

Existing records are linked where exactly one institution of the tenant has the recorded name;
the others stay unlinked until an officer sets the institution (portal.admin.records).

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("practice_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("institution_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "level",
                sa.Enum("practitioner", "assistant", name="level", native_enum=False, length=24),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_practice_record_institution_id_institution"),
            "institution",
            ["institution_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_practice_record_institution_id"), ["institution_id"], unique=False
        )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("skipped_count", sa.Integer(), nullable=False, server_default="0")
        )
    # the records already held: linked by their exact name when it names one institution only
    op.execute(
        """
        UPDATE practice_record SET institution_id = (
            SELECT MIN(i.id) FROM institution i
            WHERE i.tenant_id = practice_record.tenant_id AND i.name = practice_record.institution_name
        )
        WHERE institution_id IS NULL AND (
            SELECT COUNT(*) FROM institution i
            WHERE i.tenant_id = practice_record.tenant_id AND i.name = practice_record.institution_name
        ) = 1
        """
    )


def downgrade():
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_column("skipped_count")
    with op.batch_alter_table("practice_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_record_institution_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_practice_record_institution_id_institution"), type_="foreignkey"
        )
        batch_op.drop_column("level")
        batch_op.drop_column("institution_id")
