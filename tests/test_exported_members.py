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
