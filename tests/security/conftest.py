"""The security sweeps' world (tests/support/security.py), built once per test module."""

from __future__ import annotations

import pytest

from tests.support.security import build_world, empty_all


@pytest.fixture(autouse=True)
def _empty_tables(request):
    """Overrides the suite's: a test of the world (built once per module) keeps it; any other
    test of the app leaves empty tables behind, as everywhere else."""
    yield
    if "world" not in request.fixturenames and "app" in request.fixturenames:
        empty_all(request.getfixturevalue("app"))


@pytest.fixture(scope="module")
def world(app):
    w = build_world(app)
    yield w
    empty_all(app)
