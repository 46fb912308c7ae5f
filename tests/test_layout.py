"""The test suite's own layout: a test module or conftest imports nothing of ``tests`` but the
helpers of ``tests/support/``, and the helpers import no test module. A test that imported
another test module would run that module's fixtures and module-level code, tie their order
and break when one is moved or run alone (under xdist or pytest-randomly)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SUPPORT = "tests.support"


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, relative ones resolved against its package."""
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # ``from tests import x`` imports the module tests.x
            out += [
                (node.lineno, f"{module}.{alias.name}" if module in ("tests", SUPPORT) else module)
                for alias in node.names
            ]
    return out


def violations(root: Path = TESTS) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for line, module in imported_modules(path, root):
            if (module == "tests" or module.startswith("tests.")) and not module.startswith(
                SUPPORT + "."
            ):
                found.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return found


def test_tests_import_only_the_support_package():
    assert violations() == [], "move the shared helper into tests/support/:\n" + "\n".join(
        violations()
    )


def test_the_check_sees_an_import_of_a_test_module(tmp_path):
    """The check itself can fail: a test module importing another one, absolutely or relatively,
    or a conftest, is reported; the support package is not."""
    package = tmp_path / "tests"
    (package / "support").mkdir(parents=True)
    (package / "support" / "http.py").write_text("from tests.support.db import in_tenant\n")
    (package / "test_a.py").write_text(
        "from tests.support.http import Browser\nfrom tests.test_b import helper\n"
    )
    (package / "test_c.py").write_text("from . import conftest\nimport tests.test_b\n")
    (package / "test_d.py").write_text("from tests.conftest import in_tenant\n")
    assert violations(package) == [
        "tests/test_a.py:2 imports tests.test_b",
        "tests/test_c.py:1 imports tests.conftest",
        "tests/test_c.py:2 imports tests.test_b",
        "tests/test_d.py:1 imports tests.conftest",
    ]
