"""The unified social credit code (统一社会信用代码, GB 32100-2015) by which an institution is
named in the practice-record import (A2, issue 12). Pure.

Eighteen characters from the digits and the capital letters but I, O, Z, S and V: the
registering authority, the kind of organisation, the six-digit administrative division, the
nine-character organisation code, and a check character computed over the first seventeen
(weights 3^i mod 31)."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    """The eighteenth character of a code beginning with ``first17``."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None for a well-formed code, else the key of what is wrong: "length", "characters"
    or "check" (a typing error the check character catches)."""
    if len(code) != LENGTH:
        return "length"
    if any(c not in ALPHABET for c in code):
        return "characters"
    if check_character(code[:17]) != code[17]:
        return "check"
    return None
