"""The test suite's own layout: a test module or conftest imports nothing of ``tests`` but the
helpers of ``tests/support/``, and the helpers import no test module. A test that imported
another test module would run that module's fixtures and module-level code, tie their order
and break when one is moved or run alone (under xdist or pytest-randomly)."""

from __future__ import annotations

import ast
import re
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


APP_PACKAGES = ("portal", "config", "devdata")


def _of_the_app(module: str) -> bool:
    return module.split(".")[0] in APP_PACKAGES


def test_migrations_import_nothing_of_the_app():
    """An old revision must not change when the app does (issue 15): it freezes what it needs.
    ``migrations/env.py`` is the harness that runs them with the app's engine, not a revision."""
    versions = TESTS.parent / "migrations" / "versions"
    found = [
        f"{path.name}:{line} imports {module}"
        for path in sorted(versions.glob("*.py"))
        for line, module in imported_modules(path, TESTS.parent)
        if _of_the_app(module)
    ]
    assert sorted(versions.glob("*.py")), "no revision found: the check would be vacuous"
    assert found == [], "copy what the revision needs into it:\n" + "\n".join(found)


def imports_inside_functions(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of the app inside a function of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Import):
                out += [(node.lineno, a.name) for a in node.names if _of_the_app(a.name)]
            elif isinstance(node, ast.ImportFrom) and node.module and _of_the_app(node.module):
                out.append((node.lineno, node.module))
    return out


def test_the_app_imports_at_the_top_of_its_modules():
    """No import inside a function dodges a cycle (issue 15; lint-imports sees the layers only
    at module level). The app factory is the one place that imports when called: it assembles
    the ends and the CLI, so that importing a lower layer does not load the whole app."""
    portal = TESTS.parent / "portal"
    found = [
        f"{path.relative_to(TESTS.parent)}:{line} imports {module}"
        for path in sorted(portal.rglob("*.py"))
        if path != portal / "__init__.py"
        for line, module in imports_inside_functions(path)
    ]
    assert found == [], "import at the top (and break the cycle it hides):\n" + "\n".join(found)


def test_the_function_import_check_can_fail(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    import os\n    from portal.x import y\n")
    assert imports_inside_functions(module) == [(5, "portal.x")]


def test_browser_tests_do_not_share_a_mobile_number():
    """The browser tests of a worker share one live server: two test modules signing up with one
    mobile number meet its resend wait and hourly cap (SEC2) in whichever order they run."""
    mobile = re.compile(r'"(1[3-9][0-9]{9})"')
    seen: dict[str, str] = {}
    clashes = []
    for path in sorted((TESTS / "browser").rglob("*.py")):
        for number in set(mobile.findall(path.read_text(encoding="utf-8"))):
            name = str(path.relative_to(TESTS.parent))
            if number in seen:
                clashes.append(f"{number}: {seen[number]} and {name}")
            seen.setdefault(number, name)
    assert clashes == [], "give each browser test module its own numbers:\n" + "\n".join(clashes)
