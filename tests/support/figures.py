"""Figures the security tests produce (SECURITY.md): counted while the tests run, written by
``python -m tests.security_report``. Nothing here is typed by hand."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter = Counter()


def add(name: str, n: int = 1) -> None:
    COUNTS[name] += n
