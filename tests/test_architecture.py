"""The layout keeps itself: one raise path, layers, no cycles, private names stay private."""

from __future__ import annotations

import ast
from pathlib import Path

import ipwhitelist

SRC = Path(ipwhitelist.__file__).resolve().parent


def _modules() -> dict[str, ast.Module]:
    """Every module of the package, by dotted name, parsed."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def _functions(tree: ast.Module):
    """(qualified name, node) of every function in *tree*, methods and nested ones included."""

    def walk(node: ast.AST, prefix: str):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    yield name, child
                yield from walk(child, f"{name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


class TestOneRaisePath:
    def test_only_throw_raises_a_rejection_from_its_cause(self):
        """`raise ... from ....__cause__` (a typed rejection) appears once: in guard.throw."""
        found = {
            f"{module}:{name}"
            for module, tree in _modules().items()
            for name, function in _functions(tree)
            for node in ast.walk(function)
            if isinstance(node, ast.Raise)
            and isinstance(node.cause, ast.Attribute)
            and node.cause.attr == "__cause__"
        }

        assert ["ipwhitelist._client.guard:throw"] == sorted(found)
