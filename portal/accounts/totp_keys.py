"""TOTP secrets encrypted at rest (SEC3, issue 5): the column ``user_account.totp_secret``
holds a Fernet token (AES-128-CBC + HMAC-SHA256), never the secret. The keys come from the
setting TOTP_ENCRYPTION_KEYS, comma-separated: the first encrypts, every one decrypts, so an
operator puts a new key in front, deploys, runs ``flask totp rotate-key`` and then drops the
old one (docs/operations.md). Neither a secret nor a key is ever logged or printed."""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

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


def init_app(app: Flask) -> None:
    """A malformed key stops the app at start in every configuration (production names it in
    its settings check first); a missing one only when a secret is stored or read."""
    problems = key_problems(app.config.get(SETTING))
    if problems:
        raise RuntimeError("; ".join(problems))
    app.config[SETTING] = parse_keys(app.config.get(SETTING))
