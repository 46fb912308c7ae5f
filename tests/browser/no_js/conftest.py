"""Fixtures of the JavaScript-off journeys (SPEC P1)."""

from __future__ import annotations

import pytest

from tests.support.browser import staff_browser


@pytest.fixture(scope="session")
def desk(live_server):
    """``desk(username)``: the test-client session of a demo staff member or officer, logged in
    once per session (each log-in spends an authenticator time step, SEC3), for the parts of a
    journey that are not the doctor's own."""
    sessions = {}

    def at(username: str):
        if username not in sessions:
            sessions[username] = staff_browser(live_server, username)
        return sessions[username]

    return at
