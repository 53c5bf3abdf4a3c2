"""The tests' own layout: no test module or conftest imports another one, only tests.support;
and the benchmarks import nothing from tests/."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
BENCH = TESTS.parent / "bench"


def imported_modules(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every module an ``import`` or ``from … import`` names, with its line; relative ones as
    ``.name``, and ``from tests import x`` as ``tests.x``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield node.lineno, "." * node.level + (node.module or "")
            elif node.module == "tests":
                for alias in node.names:
                    yield node.lineno, f"tests.{alias.name}"
            elif node.module:
                yield node.lineno, node.module


def is_allowed(module: str) -> bool:
    if module.startswith("."):
        return False  # a relative import reaches a sibling test module
    if module != "tests" and not module.startswith("tests."):
        return True
    return module == "tests.support" or module.startswith("tests.support.")


def imports_in(root: Path) -> Iterator[tuple[str, str]]:
    """``(file:line, module)`` for every import in the Python files under ``root``."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree):
            yield f"{path.relative_to(root.parent)}:{line}", module


def test_given_every_test_module_and_conftest_then_each_imports_only_tests_support() -> None:
    found = [
        f"{where}: imports {module}"
        for where, module in imports_in(TESTS)
        if not is_allowed(module)
    ]

    assert not found, "move what they share to tests/support/:\n" + "\n".join(found)


def test_given_the_benchmarks_then_none_imports_the_tests() -> None:
    found = [
        f"{where}: imports {module}"
        for where, module in imports_in(BENCH)
        if module == "tests" or module.startswith("tests.")
    ]

    assert not found, "the benchmarks stand apart from the tests:\n" + "\n".join(found)
