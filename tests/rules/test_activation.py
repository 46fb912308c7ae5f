"""I3: how the institution's list shows an activation code."""

from datetime import datetime, timedelta

from portal.rules.activation import code_status, mask_destination

NOW = datetime(2026, 3, 1, 8, 0)


def test_destinations_are_masked():
    assert mask_destination("13800138000") == "138****8000"
    assert mask_destination("li.ming@example.com") == "l***@example.com"


def test_code_status():
    assert code_status(None, NOW + timedelta(hours=1), NOW) == "waiting"
    assert code_status(None, NOW, NOW) == "expired"
    assert code_status(NOW - timedelta(minutes=5), NOW - timedelta(hours=1), NOW) == "used"
