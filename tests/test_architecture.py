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


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a relative ``from ... import`` in *module* names."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, *(node.module.split(".") if node.module else [])])


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks (for type checkers only)."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return guarded


def _imports() -> dict[str, set[str]]:
    """Module -> the package's modules it imports when run, at any depth (not for type checkers)."""
    modules = _modules()
    packages = {name for name in modules if (SRC.parent / name.replace(".", "/")).is_dir()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        skip = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, name in packages, node)
                for alias in node.names:
                    child = f"{base}.{alias.name}"
                    targets.append(child if child in modules else base)
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


class TestImports:
    def test_no_cycles_counting_function_level_imports(self):  # noqa: C901 - Tarjan, inline
        """No import cycle among the package's modules, function-level imports included."""
        graph = _imports()
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        cycles: list[list[str]] = []

        def visit(node: str) -> None:
            # Tarjan's strongly connected components.
            index[node] = low[node] = len(index)
            stack.append(node)
            for other in sorted(graph[node]):
                if other not in index:
                    visit(other)
                    low[node] = min(low[node], low[other])
                elif other in stack:
                    low[node] = min(low[node], index[other])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))

        for node in sorted(graph):
            if node not in index:
                visit(node)

        assert [] == cycles
        assert graph["ipwhitelist._client.wrap"], "the graph has edges"

    def test_dynamic_imports_load_a_package_s_own_modules(self):
        """importlib, which the layer checks cannot see, only loads a package's children."""
        calls = sorted(
            f"{name}:{ast.unparse(node.args[0]) if node.args else ''}"
            for name, tree in _modules().items()
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module")
        )

        assert [
            # An SDK's own exception module, to rebuild an unpickled SDK rejection.
            "ipwhitelist._client.sdk.errors:_ALIASES[alias]",
            # SDK adapters and exchange modules: found by name, below their package.
            "ipwhitelist._client.sdk:f'{__name__}.base'",
            "ipwhitelist._client.sdk:f'{__name__}.{name}'",
            "ipwhitelist._exchanges:f'{__name__}.{n}'",
            # The facade's table names the package's own modules (relative to it).
            "ipwhitelist:_PUBLIC[name][0]",
        ] == calls

    def test_every_function_level_import_says_why(self):
        """A function-level import carries its reason (lazy cost), never a bare noqa."""
        lines = [
            f"{path.relative_to(SRC)}:{number}"
            for path in SRC.rglob("*.py")
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if "noqa: PLC0415" in line and "noqa: PLC0415 - lazy: " not in line
        ]

        assert [] == lines

    def test_lint_imports_fails_on_a_layering_violation(self, tmp_path):
        """`make lint`'s contracts catch an upward import, even one inside a function."""
        import shutil
        import subprocess
        import sys

        copy = tmp_path / "ipwhitelist"
        shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
        with (copy / "_core" / "address.py").open("a", encoding="utf-8") as module:
            module.write("\n\ndef upward():\n    from .._client import wrap\n\n    return wrap\n")
        config = SRC.parent.parent / "pyproject.toml"
        run = [Path(sys.executable).with_name("lint-imports"), "--config", str(config)]
        env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}

        clean = subprocess.run(run, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own tool
        shutil.copy(SRC / "_core" / "address.py", copy / "_core" / "address.py")
        kept = subprocess.run(run, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own tool

        assert 1 == clean.returncode, clean.stdout[-2000:]
        assert "ipwhitelist._core.address -> ipwhitelist._client.wrap" in clean.stdout
        assert 0 == kept.returncode, kept.stdout[-2000:]


class TestPrivateNames:
    def test_no_private_name_crosses_a_module_boundary(self):
        """No module imports another's underscore name, or reads one through a module it imported."""
        modules = _modules()
        packages = {name for name in modules if (SRC.parent / name.replace(".", "/")).is_dir()}
        crossing = []
        for name, tree in modules.items():
            imported_modules: set[str] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    base = _resolve(name, name in packages, node)
                    if not base.startswith("ipwhitelist"):
                        continue
                    for alias in node.names:
                        bound = alias.asname or alias.name
                        if f"{base}.{alias.name}" in modules:
                            imported_modules.add(bound)
                        elif alias.name.startswith("_") and not alias.name.startswith("__"):
                            crossing.append(f"{name}: from {base} import {alias.name}")
            crossing.extend(
                f"{name}: {node.value.id}.{node.attr}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            )

        assert [] == sorted(set(crossing))

    def test_every_module_declares_all(self):
        """Every module says what it exports."""
        missing = [
            name
            for name, tree in _modules().items()
            if not any(
                isinstance(node, ast.Assign | ast.AnnAssign)
                and "__all__"
                in ast.unparse(node.targets[0] if isinstance(node, ast.Assign) else node.target)
                for node in tree.body
            )
        ]

        assert [] == missing
