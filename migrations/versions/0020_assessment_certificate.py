"""re-registration after a refusal (L5, Practitioners' Law art. 19): the application's
certificate of the passed assessment, a scanned document like the R3 training certificate

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assessment_certificate_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_application_assessment_certificate_id_document"), "document",
                                    ["assessment_certificate_id"], ["id"])


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_application_assessment_certificate_id_document"), type_="foreignkey")
        batch_op.drop_column("assessment_certificate_id")
