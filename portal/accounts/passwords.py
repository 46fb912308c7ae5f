"""Password hashing with argon2id (SEC1)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
#: verified against when a user name is unknown, so both answers take the same time (SEC1)
_DUMMY = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
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
