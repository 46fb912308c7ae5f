"""`make run` lists the demo doctors to sign up with (issue 14): each person once, with all their
qualifications and any registration from before the portal on that one line."""

from __future__ import annotations

import re


def test_each_demo_doctor_is_listed_once(app):
    from devdata.demo import load_demo

    with app.app_context():
        lines = load_demo()
    people = [m.group(1) for line in lines if (m := re.match(r"^ {4}(\S+)  \d{17}[0-9X]  ", line))]
    assert "刘建国" in people and "黄丽" in people
    assert len(people) == len(set(people)), people
    liu = next(line for line in lines if "刘建国" in line)
    assert "practitioner/clinical" in liu and "registered before the portal" in liu
    huang = next(line for line in lines if "黄丽" in line)
    assert huang.count("assistant/clinical") == 2 and "rural general" in huang
