"""The institution end's tests: logged-in staff of the county hospital (远安) and of the
tertiary hospital (steps: tests/support/institution.py)."""

from __future__ import annotations

import pytest

from tests.support.http import Browser, english, staff_login


@pytest.fixture
def county(demo) -> Browser:
    return english(staff_login(demo, "hb-county-staff"))


@pytest.fixture
def tertiary(demo) -> Browser:
    return english(staff_login(demo, "hb-tertiary-staff"))
