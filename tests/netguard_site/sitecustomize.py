"""
Guards every Python process the test suite starts (see tests/netguard.py).

The suite puts this directory first on the children's ``PYTHONPATH``; Python
imports ``sitecustomize`` at startup, before any user code. Any other
``sitecustomize`` further along the path (a distribution's) still runs after.
"""

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _load(name, location):
    spec = importlib.util.spec_from_file_location(name, location)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_load("_ipwhitelist_netguard", _HERE.parent / "netguard.py").main()

# Chain to the sitecustomize this one shadows, if there is one.
_rest = [p for p in sys.path if p and Path(p).resolve() != _HERE]
_next = importlib.machinery.PathFinder.find_spec("sitecustomize", _rest)
if _next is not None and _next.origin:
    _load("sitecustomize", _next.origin)
