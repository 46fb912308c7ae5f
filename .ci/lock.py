"""The dependency lock (requirements.lock) against pyproject.toml.

``python3 .ci/lock.py stamp requirements.lock`` writes a digest of pyproject.toml's dependency
lists (``dependencies``, every optional extra, ``requires-python``) into the lock's header,
after ``pip-compile`` made it (``make lock``). ``python3 .ci/lock.py check requirements.lock``
fails when the lock's digest is not the one of pyproject.toml now: a dependency was added,
removed or given other bounds without ``make lock``. Standard library only, so it runs before
any virtualenv exists and needs no network."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^# pyproject-dependencies-sha256: ([0-9a-f]{64})$", re.M)


def digest(pyproject: Path = ROOT / "pyproject.toml") -> str:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lists = {
        "requires-python": project.get("requires-python", ""),
        "dependencies": sorted(project.get("dependencies", [])),
        "optional-dependencies": {
            k: sorted(v) for k, v in project.get("optional-dependencies", {}).items()
        },
    }
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()


def stamp(lock: Path) -> None:
    text = LINE.sub("", lock.read_text(encoding="utf-8")).lstrip("\n")
    lock.write_text(f"# pyproject-dependencies-sha256: {digest()}\n{text}", encoding="utf-8")


def check(lock: Path) -> int:
    if not lock.exists():
        print(f"{lock.name} is missing: run `make lock`", file=sys.stderr)
        return 1
    found = LINE.search(lock.read_text(encoding="utf-8"))
    if not found or found.group(1) != digest():
        print(
            f"{lock.name} does not match pyproject.toml's dependencies: run `make lock` and commit it",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    command, lock = sys.argv[1], Path(sys.argv[2])
    if command == "stamp":
        stamp(lock)
        sys.exit(0)
    sys.exit(check(lock))
