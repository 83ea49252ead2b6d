"""The public surface is exactly what __all__ says."""

from __future__ import annotations

import inspect
from importlib import metadata

import ipwhitelist


def test_all_is_sorted_and_complete():
    """__all__ lists every public name once, and each exists (public submodules aside)."""
    public = sorted(
        n
        for n in dir(ipwhitelist)
        if not n.startswith("_") and n not in {"errors", "registry", "annotations"}
    )

    assert len(set(ipwhitelist.__all__)) == len(ipwhitelist.__all__)
    assert public == sorted(ipwhitelist.__all__)


def test_version():
    """__version__ comes from the installed metadata."""
    assert metadata.version("ipwhitelist") == ipwhitelist.__version__


def test_every_public_name_is_documented():
    """Every public class and function has a docstring."""
    for name in ipwhitelist.__all__:
        obj = getattr(ipwhitelist, name)
        if isinstance(obj, type) or inspect.isfunction(obj):
            assert obj.__doc__, name


def test_type_checking_imports_match_the_table():
    """The imports type checkers see name each public name from the module the table gives."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(ipwhitelist.__file__).read_text(encoding="utf-8"))
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
    )
    seen = {
        alias.name: "." * node.level + (node.module or "")
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname == alias.name
    }

    assert {name: module for name, (module, _) in ipwhitelist._PUBLIC.items()} == seen


def test_dir_is_the_public_names():
    """dir(ipwhitelist) lists the public names (lazy ones too) and no private helper."""
    listed = [n for n in dir(ipwhitelist) if not n.startswith("__")]

    assert sorted(ipwhitelist.__all__) == listed


def test_public_modules_hold_the_same_objects():
    """ipwhitelist.egress and ipwhitelist.registry re-export the package's own objects."""
    import ipwhitelist.egress
    import ipwhitelist.registry

    for module in (ipwhitelist.egress, ipwhitelist.registry):
        shared = [n for n in module.__all__ if n in ipwhitelist.__all__]

        assert shared
        for name in shared:
            assert getattr(ipwhitelist, name) is getattr(module, name), name
