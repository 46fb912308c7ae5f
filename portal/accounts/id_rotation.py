"""``flask accounts rotate-id-key`` (issue 14): every stored resident ID number re-encrypted
under the first key of ID_ENCRYPTION_KEYS and its blind index computed again with ID_INDEX_KEY
(``portal.pii``), in user_account, qualification and practice_record, every tenant.

Rotating the encryption key: put the new key in front (``ID_ENCRYPTION_KEYS=NEW,OLD``), deploy,
run this, then drop the old key. Changing ID_INDEX_KEY: lookups by ID number find nothing from
the deploy until this has run (run it straight after, in a quiet hour)."""

from __future__ import annotations

from dataclasses import dataclass, field

import click
from cryptography.fernet import InvalidToken
from flask.cli import with_appcontext
from sqlalchemy import update

from portal import pii
from portal.accounts.models import User
from portal.extensions import db
from portal.registry.records import PracticeRecord, Qualification


@dataclass
class Rotation:
    rewritten: int = 0
    #: (table, id) of the numbers no configured key opens
    unreadable: list[tuple[str, int]] = field(default_factory=list)


def rotate_all(batch: int = 1000) -> Rotation:
    """Committed per batch; a row changed meanwhile (its token differs) is left as it is."""
    done = Rotation()
    for model in (User, Qualification, PracticeRecord):
        after = 0
        while True:
            rows = db.session.execute(
                db.select(model.id, model.id_number_encrypted, model.id_number_index)
                .where(model.id_number_encrypted.is_not(None), model.id > after)
                .order_by(model.id)
                .limit(batch)
                .execution_options(all_tenants=True)
            ).all()
            if not rows:
                break
            for row_id, token, index in rows:
                after = row_id
                try:
                    number = pii.decrypt(token)
                except pii.NumberUnreadable:
                    done.unreadable.append((model.__tablename__, row_id))
                    continue
                try:
                    new_token = pii.rotate(token)
                except InvalidToken:  # pragma: no cover - decrypt above opened it
                    continue
                new_index = pii.blind_index(number)
                if new_token == token and new_index == index:
                    continue
                done.rewritten += db.session.execute(
                    update(model)
                    .where(model.id == row_id, model.id_number_encrypted == token)
                    .values(id_number_encrypted=new_token, id_number_index=new_index)
                    .execution_options(all_tenants=True, synchronize_session=False)
                ).rowcount
            db.session.commit()
    return done


@click.command("rotate-id-key")
@with_appcontext
def rotate_id_key_command() -> None:
    """Re-encrypt every ID number under the first key of ID_ENCRYPTION_KEYS and index it again
    with ID_INDEX_KEY. Put a new key in front of the old one(s), deploy, run this, drop the old."""
    try:
        done = rotate_all()
    except pii.KeysMissing as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"rewrote {done.rewritten} ID number(s) under the current keys")
    if done.unreadable:
        shown = ", ".join(f"{t} {i}" for t, i in done.unreadable[:20])
        raise click.ClickException(
            f"{len(done.unreadable)} ID number(s) opened with none of the keys ({shown}): keep "
            f"the key they were encrypted with in {pii.KEYS}"
        )
