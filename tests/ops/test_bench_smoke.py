"""bench/profile.py and bench/server.py still run (issue 16, goal 5: figures that cannot rot).

Each is run as its README says, on a tiny world of its own (a temporary SQLite file, a few
hundred synthetic doctors, a queue of two pages) and for a moment only: the test checks that
it exits 0 and prints its figure for every page, never what the figures are (no timing is
asserted). bench/profile.py once failed at every staff log-in (503: its app had no TOTP key)
and nothing noticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: a world small enough for the suite: the queue needs 2 pages of 50, the loader one institution
TINY = ["--doctors", "300", "--waiting", "120", "--far-page", "2"]


def run_bench(module: str, *args: str) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "DATABASE_URL", "FLASK_", "GUNICORN_"))
    }
    env["WEB_CONCURRENCY"] = "1"  # one gunicorn worker each: the suite shares the machine
    done = subprocess.run(
        [sys.executable, "-m", module, *TINY, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"{module} exited {done.returncode}:\n{done.stderr[-4000:]}"
    return done.stdout


def figure_lines(out: str, labels: list[str]) -> dict[str, list[str]]:
    """The printed row of each page: its label, then numbers."""
    rows = {}
    for line in out.splitlines():
        for label in labels:
            if line.startswith(label):
                rows[label] = line[len(label) :].split()
    return rows


@pytest.mark.skipif(sys.platform != "linux", reason="the benchmarks fork (Linux)")
def test_bench_profile_runs_and_prints_the_cpu_of_every_page():
    out = run_bench("bench.profile", "--repeat", "5", "--no-profile")
    labels = [
        "bare Flask page (bench/bare.py)",
        "doctor home /hubei/me",
        "wizard autosave (POST)",
        "institution queue, page 1",
        "institution queue, far page",
        "officer queue /hubei/admin/",
        "reports page, one year",
        "public verification",
    ]
    rows = figure_lines(out, labels)
    assert sorted(rows) == sorted(labels), out
    for label, cells in rows.items():
        # bytes, CPU ms, wall ms, ratio to the bare page
        assert len(cells) == 4 and cells[3].endswith("%"), (label, cells)
        assert float(cells[1]) > 0, (label, cells)


@pytest.mark.skipif(sys.platform != "linux", reason="the benchmarks fork (Linux)")
def test_bench_server_runs_under_gunicorn_and_prints_every_page():
    out = run_bench("bench.server", "--duration", "0.3", "--concurrency", "1")
    labels = [
        "bare Flask page",
        "doctor home /hubei/me",
        "wizard autosave (POST)",
        "institution queue, page 1",
        "institution queue, page 2",
        "officer queue /hubei/admin/",
        "public verification",
    ]
    rows = figure_lines(out, labels)
    assert sorted(rows) == sorted(labels), out
    for label, cells in rows.items():
        # bytes, req/s, p50, p95, ratio, errors: every request answered as expected
        assert len(cells) == 6 and cells[-1] == "0", (label, cells)
    assert "queue page 2 against page 1" in out
