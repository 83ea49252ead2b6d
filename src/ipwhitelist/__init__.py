"""
ipwhitelist: make crypto-exchange IP-whitelist rejections obvious and fixable.

Wrap a ccxt client in one line; IP rejections then raise `IPNotWhitelisted`,
`IPBanned` or `GeoRestricted` (all `IPRejection`), each carrying a `Diagnosis`.

```python
import ccxt, ipwhitelist

exchange = ipwhitelist.wrap(ccxt.binance({"apiKey": ..., "secret": ...}))
```
"""

from __future__ import annotations

import typing as _typing

from ._decorators import diagnose, diagnosing
from ._diagnosis import Confidence, Diagnosis, Hint, Kind
from ._rules import Rule, register_rule, rules, unregister_rule
from ._whitelist import Whitelist
from ._wrap import is_wrapped, unwrap, wrap
from .errors import GeoRestricted, IPBanned, IPNotWhitelisted, IPRejection

if _typing.TYPE_CHECKING:
    from ._egress import (
        DEFAULT_PROVIDERS,
        EgressDetector,
        EgressReport,
        Provider,
        adetect_egress,
        detect_egress,
    )

# The egress detector (httpx, threads, providers) loads on first use.
_LAZY = frozenset(
    {
        "DEFAULT_PROVIDERS",
        "EgressDetector",
        "EgressReport",
        "Provider",
        "adetect_egress",
        "detect_egress",
    }
)

__all__ = [
    "DEFAULT_PROVIDERS",
    "Confidence",
    "Diagnosis",
    "EgressDetector",
    "EgressReport",
    "GeoRestricted",
    "Hint",
    "IPBanned",
    "IPNotWhitelisted",
    "IPRejection",
    "Kind",
    "Provider",
    "Rule",
    "Whitelist",
    "adetect_egress",
    "detect_egress",
    "diagnose",
    "diagnosing",
    "is_wrapped",
    "register_rule",
    "rules",
    "unregister_rule",
    "unwrap",
    "wrap",
]


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        from . import _egress

        value = getattr(_egress, name)
        globals()[name] = value
        return value
    if name != "__version__":
        msg = f"module {__name__} has no attribute {name}"
        raise AttributeError(msg)

    from importlib.metadata import version

    return version("ipwhitelist")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
