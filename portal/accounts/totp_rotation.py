"""``flask totp rotate-key`` (SEC3): every stored TOTP secret re-encrypted under the first key
of TOTP_ENCRYPTION_KEYS (``portal.accounts.totp_keys``), with servers up."""

from __future__ import annotations

from dataclasses import dataclass, field

import click
from cryptography.fernet import InvalidToken
from flask.cli import AppGroup
from sqlalchemy import update

from portal.accounts.models import User
from portal.accounts.totp_keys import SETTING, KeysMissing, _box
from portal.extensions import db


@dataclass
class Rotation:
    rotated: int = 0
    current: int = 0
    #: ids of the accounts whose secret no configured key opens
    unreadable: list[int] = field(default_factory=list)


def rotate_all(batch: int = 500) -> Rotation:
    """Every stored secret, in every tenant, re-encrypted under the first key (those already
    under it are left alone). Each row is written only if nobody changed it meanwhile (a reset
    or an enrolment during the run wins); committed per batch, so it can run with servers up
    and be run again."""
    first, every = _box()
    done = Rotation()
    after = 0
    while True:
        rows = db.session.execute(
            db.select(User.id, User.totp_secret_encrypted)
            .where(User.totp_secret_encrypted.is_not(None), User.id > after)
            .order_by(User.id)
            .limit(batch)
            .execution_options(all_tenants=True)
        ).all()
        if not rows:
            return done
        for user_id, token in rows:
            after = user_id
            try:
                first.decrypt(token.encode())
            except InvalidToken:
                pass
            else:
                done.current += 1
                continue
            try:
                new = every.rotate(token.encode()).decode()
            except InvalidToken:
                done.unreadable.append(user_id)
                continue
            done.rotated += db.session.execute(
                update(User)
                .where(User.id == user_id, User.totp_secret_encrypted == token)
                .values(totp_secret_encrypted=new)
                .execution_options(all_tenants=True)
            ).rowcount
        db.session.commit()


totp_cli = AppGroup("totp", help="The staff and officers' TOTP secrets (SEC3), encrypted at rest.")


@totp_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Re-encrypt every TOTP secret under the first key of TOTP_ENCRYPTION_KEYS.

    Put the new key in front of the old one(s), deploy, run this, then drop the old key(s)."""
    try:
        done = rotate_all()
    except KeysMissing as err:
        raise click.ClickException(str(err)) from None
    click.echo(
        f"re-encrypted {done.rotated} TOTP secret(s) under the first key; "
        f"{done.current} already were"
    )
    if done.unreadable:
        ids = ", ".join(str(i) for i in done.unreadable[:20]) + (
            " …" if len(done.unreadable) > 20 else ""
        )
        raise click.ClickException(
            f"{len(done.unreadable)} secret(s) opened with none of the keys (user ids {ids}): keep the key "
            f"they were encrypted with in {SETTING}, or enrol those accounts again (reset their credentials)"
        )
