"""``python -m tests.security_report``: run the security tests and write the figures they
count (tests/support/figures.py) into SECURITY.md, between the markers. No figure is typed
by hand: a figure is what this run counted, and the run's outcome is printed with them."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.support import figures

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- figures: start -->", "<!-- figures: end -->"
RACES_START, RACES_END = "<!-- races: start -->", "<!-- races: end -->"
#: besides tests/security/: the forced races of every decision (A9) and the tenant-isolation
#: sweep (every route × every role × both tenants, T3)
ALSO = ("tests/workflow/test_races.py", "tests/test_isolation.py")


class Outcomes:
    def __init__(self):
        self.passed = self.failed = 0

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.passed += report.passed
            self.failed += report.failed


def main(argv: list[str]) -> int:

    outcomes = Outcomes()
    status = pytest.main(
        [
            "-q",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests" / "security"),
            *(str(ROOT / path) for path in ALSO),
            *argv,
        ],
        plugins=[outcomes],
    )
    lines = [f"| {name} | {n} |" for name, n in sorted(figures.COUNTS.items())]
    table = "\n".join(
        [
            "| figure | count |",
            "|---|---|",
            *lines,
            f"| tests passed | {outcomes.passed} |",
            f"| tests failed | {outcomes.failed} |",
        ]
    )
    path = ROOT / "SECURITY.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(
        re.escape(START) + ".*?" + re.escape(END), f"{START}\n{table}\n{END}", text, flags=re.S
    )
    races = "\n".join(
        [
            "| interleaving forced | outcome | the other request | messages queued |",
            "|---|---|---|---|",
            *(f"| {' | '.join(row)} |" for row in sorted(figures.RACES)),
        ]
    )
    text = re.sub(
        re.escape(RACES_START) + ".*?" + re.escape(RACES_END),
        f"{RACES_START}\n{races}\n{RACES_END}",
        text,
        flags=re.S,
    )
    path.write_text(text, encoding="utf-8")
    print(table)
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
