"""No module over 300 lines and no function over 60 (the quality bar).

A long module mixes seams that could be read, tested and moved alone; a long function hides steps
that deserve names. The walk counts every module under assistant/ and app.py, and every function
(methods and nested functions too) from its ``def`` line to its last line, docstring included.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    return sorted([*(ROOT / "assistant").rglob("*.py"), ROOT / "app.py"])


def long_modules() -> list[str]:
    found = []
    for path in _sources():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{path.relative_to(ROOT).as_posix()} ({lines})")
    return found


def functions_over(source: str, name: str, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """Every function of ``source`` (at any depth) longer than ``limit`` lines, as ``name:line def (n)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            if lines > limit:
                found.append(f"{name}:{node.lineno} {node.name} ({lines})")
    return found


def _function(name: str, lines: int, indent: str = "") -> str:
    """A function of exactly ``lines`` lines: its ``def``, a docstring, then statements."""
    body = [f'{indent}    """Generated."""'] + [f"{indent}    x{i} = {i}" for i in range(lines - 2)]
    return "\n".join([f"{indent}def {name}() -> None:", *body]) + "\n"


def test_the_counter_draws_the_line_at_the_limit() -> None:
    for lines in range(2, 70):
        at_top = _function("f", lines)
        nested = "class C:\n" + _function("m", lines, "    ")
        expected = [f"x:1 f ({lines})"] if lines > MAX_FUNCTION_LINES else []
        assert functions_over(at_top, "x") == expected
        assert functions_over(nested, "x") == [e.replace("x:1 f", "x:2 m") for e in expected]


def test_the_walk_sees_the_package() -> None:
    assert len(_sources()) > 50


def test_no_module_over_the_limit() -> None:
    assert long_modules() == []


def test_no_function_over_the_limit() -> None:
    found = [
        entry
        for path in _sources()
        for entry in functions_over(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    ]
    assert found == []
