"""identity cases by officer level (A1, A3): the region a case belongs to, backfilled from the
institution the doctor named (D4), else from the ID number's area code

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _region_of_area(area: str, regions: dict[str, tuple[int, str]]) -> int | None:
    """The rule of portal/rules/idcard.py (region_for_area), as it stood when written: the
    region with the area's code, else its city (first four digits + 00), else none."""
    if area in regions:
        return regions[area][0]
    city = regions.get(area[:4] + "00")
    return city[0] if city and city[1] == "city" else None


def _backfill() -> None:
    conn = op.get_bind()
    regions: dict[int, dict[str, tuple[int, str]]] = {}
    for rid, tenant_id, code, level in conn.execute(sa.text("SELECT id, tenant_id, code, level FROM region")):
        regions.setdefault(tenant_id, {})[code] = (rid, level)
    cases = conn.execute(sa.text(
        "SELECT c.id, c.tenant_id, u.id_number, i.county_id FROM identity_case c "
        "JOIN user_account u ON u.id = c.user_id LEFT JOIN institution i ON i.id = u.institution_id"
    )).all()
    for case_id, tenant_id, id_number, county_id in cases:
        region_id = county_id
        if region_id is None and id_number and len(id_number) == 18 and id_number[:6].isdigit():
            region_id = _region_of_area(id_number[:6], regions.get(tenant_id, {}))
        if region_id is not None:
            conn.execute(sa.text("UPDATE identity_case SET region_id = :r WHERE id = :id"),
                         {"r": region_id, "id": case_id})


def upgrade():
    with op.batch_alter_table("identity_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_identity_case_region_id"), ["region_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_identity_case_region_id_region"), "region", ["region_id"], ["id"])
    _backfill()


def downgrade():
    with op.batch_alter_table("identity_case", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_identity_case_region_id_region"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_identity_case_region_id"))
        batch_op.drop_column("region_id")
