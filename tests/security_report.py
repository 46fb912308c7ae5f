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


class Outcomes:
    def __init__(self):
        self.passed = self.failed = 0

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.passed += report.passed
            self.failed += report.failed


def main(argv: list[str]) -> int:

    outcomes = Outcomes()
    status = pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "security"), *argv], plugins=[outcomes])
    lines = [f"| {name} | {n} |" for name, n in sorted(figures.COUNTS.items())]
    table = "\n".join(["| figure | count |", "|---|---|", *lines,
                       f"| tests passed | {outcomes.passed} |", f"| tests failed | {outcomes.failed} |"])
    path = ROOT / "SECURITY.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), f"{START}\n{table}\n{END}", text, flags=re.S)
    path.write_text(text, encoding="utf-8")
    print(table)
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
