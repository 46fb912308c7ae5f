"""TOTP secrets encrypted at rest (SEC3, issue 5): user_account.totp_secret widened to hold a
Fernet token, and every secret stored in clear encrypted with the first key of
TOTP_ENCRYPTION_KEYS (the app's configuration: the development key in development, the
environment's in production, which refuses to start without one). Downgrade decrypts them
again and narrows the column back.

Revision ID: 0016
Revises: 0015
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

#: a secret in clear is base32 (pyotp: A-Z and 2-7); a Fernet token always starts with "gAAAA"
CLEAR = re.compile(r"^[A-Z2-7]+=*$")

user_account = sa.table("user_account", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def _keys():
    """The Fernet keys of the app running the migration (``flask db upgrade``): the first
    encrypts, all decrypt. Self-contained, so a later change to the app's code cannot change
    what this migration does."""
    from cryptography.fernet import Fernet, MultiFernet
    from flask import current_app

    value = current_app.config.get("TOTP_ENCRYPTION_KEYS") or []
    keys = [k.strip() for k in (value.split(",") if isinstance(value, str) else value) if k.strip()]
    if not keys:
        raise RuntimeError("TOTP_ENCRYPTION_KEYS is not set: it is needed to encrypt the TOTP secrets")
    return MultiFernet([Fernet(k) for k in keys])


def _stored(bind, clear: bool) -> list:
    rows = bind.execute(sa.select(user_account.c.id, user_account.c.totp_secret)
                        .where(user_account.c.totp_secret.is_not(None))).all()
    return [(user_id, value) for user_id, value in rows if bool(CLEAR.match(value)) is clear]


def _store(bind, user_id: int, value: str) -> None:
    bind.execute(sa.update(user_account).where(user_account.c.id == user_id).values(totp_secret=value))


def upgrade():
    # every tenant's rows: migrations/env.py runs each migration with app.all_tenants on, which
    # the row-level security policies of 0015 let through (SEC9), the owner included
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=True)
    bind = op.get_bind()
    rows = _stored(bind, clear=True)
    box = _keys() if rows else None
    for user_id, secret in rows:
        _store(bind, user_id, box.encrypt(secret.encode()).decode())


def downgrade():
    from cryptography.fernet import InvalidToken

    bind = op.get_bind()
    rows = _stored(bind, clear=False)
    box = _keys() if rows else None
    for user_id, token in rows:
        try:
            secret = box.decrypt(token.encode()).decode()
        except InvalidToken:
            raise RuntimeError(f"the TOTP secret of user {user_id} opens with none of TOTP_ENCRYPTION_KEYS: "
                               "it cannot be stored in clear again") from None
        _store(bind, user_id, secret)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=True)
