"""TOTP secrets encrypted at rest (SEC3, issue 5): the column ``user_account.totp_secret``
holds a Fernet token (AES-128-CBC + HMAC-SHA256), never the secret. The keys come from the
setting TOTP_ENCRYPTION_KEYS, comma-separated: the first encrypts, every one decrypts, so an
operator puts a new key in front, deploys, runs ``flask totp rotate-key`` and then drops the
old one (docs/operations.md). Neither a secret nor a key is ever logged or printed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import click
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from flask.cli import AppGroup

SETTING = "TOTP_ENCRYPTION_KEYS"
GENERATE = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)

log = logging.getLogger(__name__)


class KeysMissing(RuntimeError):
    """TOTP_ENCRYPTION_KEYS is empty: no secret can be stored or read."""


class SecretUnreadable(RuntimeError):
    """A stored secret that none of the configured keys decrypts (a key was dropped too early,
    or the wrong keys are configured). Carries no part of the secret or the keys."""


def parse_keys(value) -> list[str]:
    """The keys of the setting: a comma-separated string or a list, blanks dropped."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [str(item).strip() for item in items if str(item).strip()]


def key_problems(value) -> list[str]:
    """One line per key that is not a Fernet key (32 random bytes, URL-safe base64). The
    message names the key by its position only: the key itself is never shown."""
    problems = []
    keys = parse_keys(value)
    for i, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            where = f"key {i} of {len(keys)}" if len(keys) > 1 else "the key"
            problems.append(
                f"{SETTING}: {where} is not a Fernet key (32 random bytes in URL-safe base64); "
                f"generate one with `{GENERATE}`"
            )
    return problems


def _box() -> tuple[Fernet, MultiFernet]:
    """The first key and all the keys of this app (built once per app and key list)."""
    keys = tuple(parse_keys(current_app.config.get(SETTING)))
    cached = current_app.extensions.get("totp_keys")
    if cached is None or cached[0] != keys:
        if not keys:
            raise KeysMissing(f"{SETTING} is not set: TOTP secrets cannot be stored or read")
        fernets = [Fernet(k) for k in keys]
        cached = current_app.extensions["totp_keys"] = (keys, fernets[0], MultiFernet(fernets))
    return cached[1], cached[2]


def encrypt(secret: str) -> str:
    """The token stored for ``secret``, under the first key."""
    return _box()[1].encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    """The secret in ``token``; SecretUnreadable when no configured key opens it."""
    try:
        return _box()[1].decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            f"a stored TOTP secret is not readable with the keys of {SETTING}"
        ) from None


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
    from sqlalchemy import update

    from portal.accounts.models import User
    from portal.extensions import db

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


def init_app(app: Flask) -> None:
    """A malformed key stops the app at start in every configuration (production names it in
    its settings check first); a missing one only when a secret is stored or read."""
    problems = key_problems(app.config.get(SETTING))
    if problems:
        raise RuntimeError("; ".join(problems))
    app.config[SETTING] = parse_keys(app.config.get(SETTING))
    app.cli.add_command(totp_cli)
