"""Figures the security tests produce (SECURITY.md): counted while the tests run, written by
``python -m tests.security_report``. Nothing here is typed by hand."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter = Counter()
#: A9: one row per forced race (tests/workflow/test_races.py): the interleaving, what won,
#: what the loser got, and the messages the race queued
RACES: list[tuple[str, str, str, str]] = []


def add(name: str, n: int = 1) -> None:
    COUNTS[name] += n


def race(interleaving: str, won: str, loser: str, messages: str) -> None:
    RACES.append((interleaving, won, loser, messages))
