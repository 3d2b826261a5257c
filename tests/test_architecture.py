"""The package's import graph has no cycles, counting imports inside functions, and its folders
are layers: a lower layer never imports a higher one.

A cycle ties every module on it together: none can be understood, tested or moved alone, and the
settings module (which everything imports) once closed one through 18 files. Imports under
``if TYPE_CHECKING:`` never run and are left out: they name types for annotations only.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement outside ``if TYPE_CHECKING:`` blocks, at any depth."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _targets(module: str, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> set[str]:
    """The package modules an import statement loads (the deepest existing one for each name)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = module.split(".")
            parts = parts if modules[module].name == "__init__.py" else parts[:-1]
            base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
        names = [f"{base}.{alias.name}" for alias in node.names]
    targets = set()
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module:
            targets.add(name)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        module: {
            t
            for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
            for t in _targets(module, node, modules)
        }
        for module, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 50  # the walk saw the package
    assert cycles(graph) == []


def test_settings_import_nothing_of_ours() -> None:
    assert import_graph()["assistant.settings"] == set()


# The folders from the bottom up: a module imports only its own folder and the layers below it.
# ingest sits above index and facts because it writes into them (chunks into Chroma and BM25,
# facts into the fact table); everything that reads the index sits above ingest.
LAYERS: list[set[str]] = [
    {"settings", "errors"},
    {"language"},
    {"index", "localmodel", "questions"},
    {"facts"},
    {"ingest", "retrieve"},
    {"answer"},
    {"draft"},
    {"evaluate"},
    {"api", "doctor"},
    {"serve", "cli"},
    {"__main__", "assistant"},
]


def _folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_every_folder_has_a_layer() -> None:
    named = set().union(*LAYERS)
    assert {_folder(m) for m in import_graph()} <= named, "a new folder: give it its layer in LAYERS"


def test_lower_layers_never_import_higher_ones() -> None:
    rank = {folder: i for i, layer in enumerate(LAYERS) for folder in layer}
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if rank[_folder(target)] > rank[_folder(module)]
        or (rank[_folder(target)] == rank[_folder(module)] and _folder(target) != _folder(module))
    )
    assert upward == []
