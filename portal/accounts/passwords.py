"""Password hashing with argon2id (SEC1)."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


@cache
def _hasher_for(params: tuple) -> tuple[PasswordHasher, str]:
    """The hasher for these costs and, hashed with them, the dummy that an unknown user name
    is verified against, so both answers take the same time (SEC1)."""
    hasher = PasswordHasher(**dict(params))
    return hasher, hasher.hash("not-a-real-password")


def _hasher() -> tuple[PasswordHasher, str]:
    """argon2id with the costs of the app's ``PASSWORD_HASH_PARAMS`` (none: the library's
    defaults, as in production; the test configuration lowers them). A hash carries its own
    costs, so one made with other costs still verifies."""
    params = current_app.config.get("PASSWORD_HASH_PARAMS") if has_app_context() else None
    return _hasher_for(tuple(sorted((params or {}).items())))


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


#: letters and digits that cannot be misread on a phone screen (no 0/O, 1/l/I)
_FIRST_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def first_password() -> str:
    """A random one-time first password sent by SMS (I1, I2): three groups of four, with
    letters and digits (about 69 bits), to be replaced at the first log-in."""
    import secrets

    while True:
        chars = [secrets.choice(_FIRST_PASSWORD_ALPHABET) for _ in range(12)]
        if any(c.isdigit() for c in chars) and any(c.isalpha() for c in chars):
            return "-".join("".join(chars[i : i + 4]) for i in (0, 4, 8))
