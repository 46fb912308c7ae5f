"""resident ID numbers encrypted at rest (issue 14; PIPL art. 28, 51; SEC5): in user_account,
qualification and practice_record the column ``id_number`` in clear (and its plain index) is
replaced by ``id_number_encrypted`` (a Fernet token) and ``id_number_index`` (HMAC-SHA256 of
the normalised number, hex, indexed: the lookups run on it). Every existing number is
encrypted and indexed before the clear column is dropped; downgrade decrypts them back. And
``user_account.erased_at``: when the retention job erased a never-confirmed account.

The small crypto this needs is frozen here (the migration imports nothing of the app, so a later
change to portal/pii.py cannot change what it does). The keys: those of the app running
``flask db upgrade`` (its ID_ENCRYPTION_KEYS, first key encrypts, and ID_INDEX_KEY), else the
environment variables of the same names, else the same public development defaults as
config/__init__.py (DEV_ID_ENCRYPTION_KEY, DEV_ID_INDEX_KEY); production refuses to start
without keys of its own, so set them before upgrading a production database.

Revision ID: 0027
Revises: 0026
"""
import base64
import hashlib
import hmac
import os
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

TABLES = ("user_account", "qualification", "practice_record")
#: user_account.id_number may be empty (staff, officers); the reference data always has one
NULLABLE = {"user_account": True, "qualification": False, "practice_record": False}
CHUNK = 1000


def _setting(name: str, default):
    try:
        from flask import current_app

        value = current_app.config.get(name)
    except (ImportError, RuntimeError):  # no app: the environment, else the development default
        value = None
    return value or os.environ.get(name) or default


def _crypto():
    from cryptography.fernet import Fernet, MultiFernet

    dev_fernet = base64.urlsafe_b64encode(hashlib.sha256(b"dev-only-not-secret:id-number").digest()).decode()
    dev_index = hashlib.sha256(b"dev-only-not-secret:id-index").hexdigest()
    value = _setting("ID_ENCRYPTION_KEYS", [dev_fernet])
    keys = [k.strip() for k in (value.split(",") if isinstance(value, str) else value) if k.strip()]
    index_key = str(_setting("ID_INDEX_KEY", dev_index)).encode()

    def normalise(number: str) -> str:
        return unicodedata.normalize("NFKC", number or "").strip().upper()

    def index(number: str) -> str:
        return hmac.new(index_key, normalise(number).encode(), hashlib.sha256).hexdigest()

    return MultiFernet([Fernet(k) for k in keys]), normalise, index


def upgrade():
    # every tenant's rows: migrations/env.py runs each migration with app.all_tenants on (SEC9)
    bind = op.get_bind()
    box, normalise, index = _crypto()
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("id_number_encrypted", sa.String(length=255), nullable=True))
            batch_op.add_column(sa.Column("id_number_index", sa.String(length=64), nullable=True))
        table = sa.table(
            name,
            sa.column("id", sa.Integer),
            sa.column("id_number", sa.String),
            sa.column("id_number_encrypted", sa.String),
            sa.column("id_number_index", sa.String),
        )
        rows = bind.execute(
            sa.select(table.c.id, table.c.id_number).where(table.c.id_number.is_not(None))
        ).all()
        update = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(id_number_encrypted=sa.bindparam("enc"), id_number_index=sa.bindparam("idx"))
        )
        for start in range(0, len(rows), CHUNK):
            values = [
                {"row_id": row_id, "enc": box.encrypt(normalise(number).encode()).decode(), "idx": index(number)}
                for row_id, number in rows[start : start + CHUNK]
                if number
            ]
            if values:
                bind.execute(update, values)
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_id_number"))
            batch_op.drop_column("id_number")
            if not NULLABLE[name]:
                batch_op.alter_column("id_number_encrypted", existing_type=sa.String(length=255), nullable=False)
                batch_op.alter_column("id_number_index", existing_type=sa.String(length=64), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{name}_id_number_index"), ["id_number_index"], unique=False)
    # the retention job (portal/workflow/retention.py): when a never-confirmed account was erased
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))


def downgrade():
    from cryptography.fernet import InvalidToken

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    bind = op.get_bind()
    box, _normalise, _index = _crypto()
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("id_number", sa.String(length=18), nullable=True))
        table = sa.table(
            name, sa.column("id", sa.Integer), sa.column("id_number", sa.String),
            sa.column("id_number_encrypted", sa.String),
        )
        rows = bind.execute(
            sa.select(table.c.id, table.c.id_number_encrypted).where(table.c.id_number_encrypted.is_not(None))
        ).all()
        update = sa.update(table).where(table.c.id == sa.bindparam("row_id")).values(id_number=sa.bindparam("number"))
        values = []
        for row_id, token in rows:
            try:
                values.append({"row_id": row_id, "number": box.decrypt(token.encode()).decode()})
            except InvalidToken:
                raise RuntimeError(
                    f"the ID number of {name} {row_id} opens with none of ID_ENCRYPTION_KEYS: "
                    "it cannot be stored in clear again"
                ) from None
        for start in range(0, len(values), CHUNK):
            bind.execute(update, values[start : start + CHUNK])
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_id_number_index"))
            batch_op.drop_column("id_number_index")
            batch_op.drop_column("id_number_encrypted")
            if not NULLABLE[name]:
                batch_op.alter_column("id_number", existing_type=sa.String(length=18), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{name}_id_number"), ["id_number"], unique=False)
