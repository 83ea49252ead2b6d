"""
Every TOML file the library reads (the registry, the CLI config) is parsed here.

``tomllib`` (and tomlkit, which rewrites the registry) parse nested arrays and
inline tables by recursion: a file nested 50,000 deep escapes as
``RecursionError``, which no caller expects. The nesting is measured first, in
one linear pass that skips strings and comments, and a file deeper than
`MAX_DEPTH` is refused as invalid TOML (`tomllib.TOMLDecodeError`, the error
callers already turn into their own). No registry or config needs more than a
few levels.
"""

from __future__ import annotations

import re
import tomllib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tomlkit

__all__ = ["MAX_DEPTH", "loads", "nesting", "parse_document"]

#: The deepest nesting of arrays and inline tables accepted (a registry needs 3).
MAX_DEPTH = 32

# Comments, strings (the four TOML kinds) and brackets; everything else is
# skipped. Strings are matched whole so brackets inside them are text. An
# unterminated string matches nothing here: its brackets then count, which only
# makes an already invalid file look deeper.
_TOKENS = re.compile(
    r"""\#[^\n]*
    | \"\"\"(?:[^\\]|\\.)*?\"\"\"
    | '''.*?'''
    | "(?:[^"\\\n]|\\.)*"
    | '[^'\n]*'
    | [\[\]{}]""",
    re.VERBOSE | re.DOTALL,
)


def nesting(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in TOML *text*, strings and comments skipped."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        found = match.group()
        if found in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif found in ("]", "}"):
            depth = max(depth - 1, 0)
    return deepest


def _check(text: str) -> None:
    deepest = nesting(text)
    if deepest > MAX_DEPTH:
        raise tomllib.TOMLDecodeError(
            f"arrays or inline tables nested {deepest} levels deep (at most {MAX_DEPTH})"
        )


def loads(text: str) -> dict[str, Any]:
    """
    `tomllib.loads`, with the nesting bounded.

    Raises:
        tomllib.TOMLDecodeError: Invalid TOML, or nested deeper than `MAX_DEPTH`.
    """
    _check(text)
    try:
        return tomllib.loads(text)
    except RecursionError:  # pragma: no cover - the bound above comes first
        raise tomllib.TOMLDecodeError("arrays or inline tables nested too deep") from None


def parse_document(text: str) -> tomlkit.TOMLDocument:
    """
    ``tomlkit.parse`` (comments and layout kept), with the nesting bounded.

    Raises:
        tomllib.TOMLDecodeError: Invalid TOML, or nested deeper than `MAX_DEPTH`.
    """
    import tomlkit  # noqa: PLC0415 - lazy: only rewriting a file needs tomlkit
    from tomlkit.exceptions import ParseError  # noqa: PLC0415 - lazy: as tomlkit above

    _check(text)
    try:
        return tomlkit.parse(text)
    except (ParseError, RecursionError) as exc:
        raise tomllib.TOMLDecodeError(str(exc)) from None
