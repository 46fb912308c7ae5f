"""Resident ID numbers encrypted at rest (issue 14; PIPL art. 28, 51; SEC5), below every
package of the portal, so that accounts and registry both use it.

A table holding ID numbers has two columns instead of the number in clear:

- ``id_number_encrypted``: a Fernet token (AES-128-CBC + HMAC-SHA256) under the first key of
  the setting ID_ENCRYPTION_KEYS (comma-separated; the first encrypts, every one decrypts, so a
  key is rotated like TOTP_ENCRYPTION_KEYS: a new key in front, ``flask accounts rotate-id-key``,
  then the old one dropped);
- ``id_number_index``: a keyed blind index, HMAC-SHA256 of the normalised number under the
  setting ID_INDEX_KEY, in hex, on which equality lookups run (sign-up matching, imports,
  officer searches). Without the key, a dump cannot be searched for a guessed number either.

``encrypted_id_number()`` makes the model attribute ``id_number``: reading decrypts, writing
encrypts and indexes, and ``Model.id_number == x`` / ``Model.id_number.in_(xs)`` compare the
index. Neither a number nor a key is ever logged."""

from __future__ import annotations

import hmac
import unicodedata

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.ext.hybrid import Comparator, hybrid_property

KEYS = "ID_ENCRYPTION_KEYS"
INDEX_KEY = "ID_INDEX_KEY"
#: an index key shorter than this is not a real one
MIN_INDEX_KEY_LENGTH = 32
GENERATE_FERNET = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
GENERATE_INDEX = "python -c 'import secrets; print(secrets.token_hex(32))'"


class KeysMissing(RuntimeError):
    """ID_ENCRYPTION_KEYS or ID_INDEX_KEY is empty: no ID number can be stored or read."""


class NumberUnreadable(RuntimeError):
    """A stored ID number that none of the configured keys decrypts. Carries no part of it."""


def parse_keys(value) -> list[str]:
    """The keys of a setting: a comma-separated string or a list, blanks dropped."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [str(item).strip() for item in items if str(item).strip()]


def key_problems(config) -> list[str]:
    """One line per malformed key (named by its position only, never shown)."""
    problems = []
    keys = parse_keys(config.get(KEYS))
    for i, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            where = f"key {i} of {len(keys)}" if len(keys) > 1 else "the key"
            problems.append(
                f"{KEYS}: {where} is not a Fernet key (32 random bytes in URL-safe base64); "
                f"generate one with `{GENERATE_FERNET}`"
            )
    index_key = str(config.get(INDEX_KEY) or "")
    if index_key and len(index_key) < MIN_INDEX_KEY_LENGTH:
        problems.append(
            f"{INDEX_KEY} is too short: at least {MIN_INDEX_KEY_LENGTH} random characters; "
            f"generate one with `{GENERATE_INDEX}`"
        )
    return problems


def normalise(id_number: str) -> str:
    """The number as stored and indexed: full-width forms folded, blanks dropped, X upper."""
    return unicodedata.normalize("NFKC", id_number or "").strip().upper()


def _boxes() -> tuple[MultiFernet, bytes]:
    config = current_app.config
    raw = config.get(KEYS)  # a list after init_app: per row (imports), no parsing
    keys = tuple(raw) if isinstance(raw, list | tuple) else tuple(parse_keys(raw))
    index_key = str(config.get(INDEX_KEY) or "")
    cached = current_app.extensions.get("pii_keys")
    if cached is None or cached[0] != (keys, index_key):
        if not keys or not index_key:
            raise KeysMissing(f"{KEYS} and {INDEX_KEY} must be set: ID numbers cannot be stored")
        fernets = [Fernet(k) for k in keys]
        cached = current_app.extensions["pii_keys"] = (
            (keys, index_key),
            MultiFernet(fernets),
            index_key.encode(),
            fernets[0],
        )
    return cached[1], cached[2]


def blind_index(id_number: str) -> str:
    """HMAC-SHA256 of the normalised number under ID_INDEX_KEY, hex (64 characters)."""
    return hmac.digest(_boxes()[1], normalise(id_number).encode(), "sha256").hex()


def encrypt(id_number: str) -> str:
    return _boxes()[0].encrypt(normalise(id_number).encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _boxes()[0].decrypt(token.encode()).decode()
    except InvalidToken:
        raise NumberUnreadable(
            f"a stored ID number is not readable with the keys of {KEYS}"
        ) from None


def rotate(token: str) -> str:
    """The token re-encrypted under the first key (the same token if it already is)."""
    _boxes()
    try:
        current_app.extensions["pii_keys"][3].decrypt(token.encode())
    except InvalidToken:
        return _boxes()[0].rotate(token.encode()).decode()
    return token


def stored(id_number: str | None) -> dict:
    """The column values for ``id_number`` (for Core inserts: imports, demo data)."""
    if not id_number:
        return {"id_number_encrypted": None, "id_number_index": None}
    box, index_key = _boxes()
    number = normalise(id_number).encode()
    return {
        "id_number_encrypted": box.encrypt(number).decode(),
        "id_number_index": hmac.digest(index_key, number, "sha256").hex(),
    }


class _ByIndex(Comparator):
    """``Model.id_number == x`` compares the blind index of ``x`` to the index column."""

    def __eq__(self, other):
        if other is None:
            return self.expression.is_(None)
        return self.expression == blind_index(other)

    def __ne__(self, other):
        if other is None:
            return self.expression.is_not(None)
        return self.expression != blind_index(other)

    def in_(self, values):
        return self.expression.in_([blind_index(v) for v in values])


#: where an instance keeps its number once decrypted, with the token it came from
_CLEAR = "_id_number_clear"


def decrypted_on_load(model) -> None:
    """Decrypt the number as a row of ``model`` is loaded (within the app, whose keys it needs),
    so that an object used after its app context ended (a test, a template rendered later)
    still reads it. A Fernet decryption is a few microseconds."""

    def _decrypt(target, *_args) -> None:
        token = target.__dict__.get("id_number_encrypted")
        if token:
            target.__dict__[_CLEAR] = (token, decrypt(token))

    event.listen(model, "load", _decrypt)
    event.listen(model, "refresh", _decrypt)


def encrypted_id_number() -> hybrid_property:
    """The ``id_number`` attribute of a model with the two columns ``id_number_encrypted``
    and ``id_number_index``."""

    def getter(self) -> str | None:
        token = self.id_number_encrypted
        if not token:
            return None
        cached = self.__dict__.get(_CLEAR)
        if cached is not None and cached[0] == token:
            return cached[1]
        clear = decrypt(token)
        self.__dict__[_CLEAR] = (token, clear)
        return clear

    prop = hybrid_property(getter)

    @prop.setter
    def prop(self, value: str | None) -> None:
        values = stored(value)
        for column, stored_value in values.items():
            setattr(self, column, stored_value)
        if value:
            self.__dict__[_CLEAR] = (values["id_number_encrypted"], normalise(value))

    @prop.comparator
    def prop(cls):
        return _ByIndex(cls.id_number_index)

    return prop


def init_app(app: Flask) -> None:
    """A malformed key stops the app at start in every configuration; a missing one only when
    a number is stored or read (production refuses to start without them: portal/ops/settings)."""
    problems = key_problems(app.config)
    if problems:
        raise RuntimeError("; ".join(problems))
    app.config[KEYS] = parse_keys(app.config.get(KEYS))
