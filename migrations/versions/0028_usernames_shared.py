"""a doctor's user name need not be unique (issue 14): the unique constraint (tenant_id,
username) on user_account is dropped, a plain index on the same columns kept for the log-in's
lookup, and a partial unique index keeps the names of staff, officers and administrators
unique among themselves (``role <> 'doctor'``). A doctor's account is identified by its user name and password together
(portal/accounts/holders.py); staff, officer and administrator names stay unique in the
application (portal/workflow/provisioning.py).

Downgrade puts the unique constraint back; it refuses, with a message naming the user names,
while two accounts of a tenant share one (rename or erase those first).

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

UNIQUE = "uq_user_account_tenant_id"
INDEX = "ix_user_account_username"
STAFF_UNIQUE = "uq_user_account_staff_username"


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(UNIQUE, type_="unique")
        batch_op.create_index(INDEX, ["tenant_id", "username"], unique=False)
    # staff, officer and administrator names stay unique among themselves in the database too
    op.create_index(
        STAFF_UNIQUE, "user_account", ["tenant_id", "username"], unique=True,
        postgresql_where=sa.text("role <> 'doctor'"), sqlite_where=sa.text("role <> 'doctor'"),
    )


def downgrade():
    users = sa.table("user_account", sa.column("tenant_id", sa.Integer), sa.column("username", sa.String))
    shared = op.get_bind().execute(
        sa.select(users.c.tenant_id, users.c.username, sa.func.count())
        .group_by(users.c.tenant_id, users.c.username)
        .having(sa.func.count() > 1)
        .order_by(users.c.tenant_id, users.c.username)
        .limit(20)
    ).all()
    if shared:
        listed = ", ".join(f"{name!r} ({count} accounts, tenant {tenant})" for tenant, name, count in shared)
        raise RuntimeError(
            "cannot downgrade below 0028: these user names are held by more than one account "
            f"of a tenant, and 0027 keeps them unique: {listed}. Rename all but one of each "
            "(UPDATE user_account SET username = ... WHERE id = ...), then downgrade again."
        )
    op.drop_index(STAFF_UNIQUE, table_name="user_account")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_unique_constraint(UNIQUE, ["tenant_id", "username"])
