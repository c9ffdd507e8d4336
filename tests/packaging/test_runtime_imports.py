"""The runtime's modules import each other without a circle, type-checking imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import runcomfy_models._runtime as runtime

ROOT = Path(runtime.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Runtime modules that ``path`` imports anywhere (top level, TYPE_CHECKING, functions)."""
    package = (
        _module_name(path).split(".")
        if path.name == "__init__.py"
        else (_module_name(path).split(".")[:-1])
    )
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        module = [*base, *(node.module.split(".") if node.module else [])]
        for alias in node.names:
            candidate = ".".join([*module, alias.name])
            found.add(candidate if _exists(candidate) else ".".join(module))
    return {name for name in found if name and _exists(name)}


def _exists(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        name = _module_name(path)
        if name.startswith("emulator") or name.startswith("cli"):
            continue  # the command line and the emulator sit on top of the runtime
        graph[name] = {dep for dep in _imports(path) if not dep.startswith(("cli", "emulator"))}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if not dep:
                continue
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node and node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_runtime_has_no_import_circle() -> None:
    graph = _graph()
    graph.pop("", None)  # the package's __init__ re-exports everything, lazily
    for deps in graph.values():
        deps.discard("")
    assert len(graph) > 15
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
