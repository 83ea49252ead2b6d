"""
The census of ccxt: every ``exceptions`` entry of the installed ccxt that names an IP rejection.

Read at test time from the installed ccxt, so whatever release is installed is
the one counted. For every exchange id (``ccxt.exchanges``) and every ccxt.pro
class, ``describe()["exceptions"]`` is walked, exact and broad maps alike,
including the per-market-type maps Binance nests (``linear/exact`` ...) and
the flat maps a few exchanges use. Each entry's line in the exchange module is
found in the module's syntax tree (the ``exceptions`` dict literal of
``describe()``, along the class's ccxt ancestors), and the comment on that line
is read with the tokenizer, so a ``#`` inside a string is not a comment.

An entry is selected when its key or its comment names an IP rejection (see
`names_ip`), or when ccxt maps it to ``RestrictedLocation`` (ccxt's own word
for a refusal by place, 4.4.98 and later), whatever its text. What happens to a selected entry is decided elsewhere: a rule
types it, or ``tests/data/census_waivers.toml`` says why it is not one
(`waiver_of`); `code_and_text` gives the code and the exchange's words to send
for it, in REST (``tests/test_census.py``) and websocket
(``tests/test_census_ws.py``) frames alike.
"""

from __future__ import annotations

import ast
import functools
import linecache
import re
import tomllib
from pathlib import Path
from typing import Any

import attrs

from ipwhitelist._core.classify import parse_body
from ipwhitelist._core.lineage import lineage_of_id
from ipwhitelist._core.rules import dialects_of

DATA = Path(__file__).parent / "data"
#: How each exchange answers an error (see the file's header).
ENVELOPES: dict[str, Any] = tomllib.loads((DATA / "census_envelopes.toml").read_text("utf-8"))
#: Entries that are not IP rejections, and why (see the file's header).
WAIVERS: dict[str, Any] = tomllib.loads((DATA / "census_waivers.toml").read_text("utf-8"))

# "IP" as a word (also IPs, IPv4, IPv6, ip_address, clientIp), never inside
# another word: "ship", "zip", "description", "multiple", "VIP", "IPO".
_IP = re.compile(r"(?<![A-Za-z])(?:ip|IP|Ip)(?:s|v4|v6)?(?![a-z])|(?<=[a-z])I[pP](?![a-z])")
# Whitelists of any kind (address whitelists are waived by reading them),
# trusted lists, and refusals by place.
_WORDS = re.compile(
    r"(?i)white[\s_-]?list|allow[\s_-]?list|\btrusted\b|restricted[\s_-]+location|"
    r"\bcountr(?:y|ies)\b|\bregions?\b|jurisdiction|\bgeo(?:[\s_-]?(?:ip|block|fenc))?\b|"
    r"\blocation\b|sanction"
)
# "banned" alone is usually an account or an asset ("Borrow is banned"); a ban
# with a deadline, or of an IP (caught by _IP), is what counts here.
_BANNED_UNTIL = re.compile(r"(?i)\bban(?:ned)?\s+until\b")


def names_ip(text: str) -> bool:
    """Whether *text* (an exceptions key and its comment) names an IP rejection."""
    return bool(_IP.search(text) or _WORDS.search(text) or _BANNED_UNTIL.search(text))


@attrs.frozen
class Entry:
    """One ``exceptions`` entry of one ccxt class."""

    exchange: str
    path: tuple[str, ...]  # ("exact",), ("linear", "exact"), ("ws", "exact"), () for a flat map
    key: str
    ccxt_class: str
    comment: str
    line: str  # "<module>:<line number>", or "" when the literal was not found
    pro: bool = False

    @property
    def map(self) -> str:
        """The map's path, e.g. ``linear/exact``; ``exact`` for a flat map."""
        return "/".join(self.path) or "exact"

    @property
    def broad(self) -> bool:
        """Whether ccxt matches the key as a substring of the message."""
        return bool(self.path) and self.path[-1] == "broad"

    @property
    def text(self) -> str:
        return f"{self.key} {self.comment}"


def _walk(node: dict[str, Any], path: tuple[str, ...] = ()) -> Any:
    """(path, key, class, text) of every entry; DigiFinex maps a code to [class, text]."""
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _walk(value, (*path, key))
        elif isinstance(value, type):
            yield path, key, value, ""
        elif isinstance(value, list) and value and isinstance(value[0], type):
            yield path, key, value[0], " ".join(str(v) for v in value[1:])


def _ccxt_classes(cls: type) -> list[type]:
    """*cls* and its ccxt ancestors that define ``describe`` (most derived first)."""
    return [
        klass
        for klass in cls.__mro__
        if klass.__module__.startswith("ccxt.") and "describe" in vars(klass)
    ]


_EXCEPTIONS = re.compile(r"""^(\s*)['"]exceptions['"]\s*:\s*\{""")
Where = dict[tuple[tuple[str, ...], str], tuple[int, str]]


@functools.cache
def _describe_lines(klass: type) -> Where:
    """Line number and comment of each ``exceptions`` literal entry of *klass*, by path and key."""
    code = vars(klass)["describe"].__code__
    # To the end of the module: the line table of a large constant dict does
    # not reach its last lines.
    lines = linecache.getlines(code.co_filename)[code.co_firstlineno - 1 :]
    where: Where = {}
    # Parsing all of describe() (with its large 'api' table) for every exchange
    # takes seconds: only each 'exceptions' literal is parsed. ccxt's generated
    # Python closes it on a line indented like its key.
    for start, text in enumerate(lines):
        if start and text.startswith("    def ") and not text.startswith("    def describe"):
            break  # past describe() and its helpers (some classes build it in describe_data())
        opened = _EXCEPTIONS.match(text)
        if opened is None:
            continue
        tree = _parse_from(lines, start, len(opened.group(1)))
        if tree is not None and isinstance(tree.values[0], ast.Dict):
            _collect(tree.values[0], (), where, tree.chunk, code.co_firstlineno + start)
    return where


class _Parsed(ast.Dict):
    chunk: list[str]


def _parse_from(lines: list[str], start: int, indent: int) -> _Parsed | None:
    """The dict literal ``{'exceptions': {...}}`` opened on ``lines[start]``, or None."""
    for end in range(start, len(lines)):
        text = lines[end]
        if "}" not in text or len(text) - len(text.lstrip()) > indent:
            continue
        chunk = ["{" + lines[start].strip()] + [line.strip() for line in lines[start + 1 : end + 1]]
        chunk[-1] = chunk[-1].rstrip(",") + "}"
        try:
            body = ast.parse("\n".join(chunk), mode="eval").body
        except SyntaxError:
            continue
        if isinstance(body, ast.Dict):
            parsed = _Parsed(keys=body.keys, values=body.values)
            parsed.chunk = chunk
            return parsed
    return None


def _collect(
    node: ast.Dict, path: tuple[str, ...], where: Where, chunk: list[str], first: int
) -> None:
    for key, value in zip(node.keys, node.values, strict=True):
        if not isinstance(key, ast.Constant) or not isinstance(key.value, str):
            continue
        if isinstance(value, ast.Dict):
            _collect(value, (*path, key.value), where, chunk, first)
            continue
        # The comment is what follows the value on its line: a '#' inside the
        # key or the value is not one (the parser consumed them).
        end_line = value.end_lineno or key.lineno
        rest = chunk[end_line - 1].encode()[value.end_col_offset or 0 :].decode()
        rest = rest.lstrip(" ,")
        comment = rest[1:].strip() if rest.startswith("#") else ""
        where.setdefault((path, key.value), (first + key.lineno - 1, comment))


def entries_of(cls: type, exchange: str, *, pro: bool = False) -> list[Entry]:
    """Every ``exceptions`` entry of a ccxt class, with its source line and comment."""
    exceptions = cls().describe().get("exceptions") or {}
    found = []
    for path, key, klass, text in _walk(exceptions):
        comment, line = text, ""
        for owner in _ccxt_classes(cls):
            found_at = _describe_lines(owner).get((path, key))
            if found_at is not None:
                line = f"{owner.__module__}:{found_at[0]}"
                comment = " ".join(filter(None, (comment, found_at[1])))
                break
        found.append(Entry(exchange, path, key, klass.__name__, comment, line, pro))
    return found


#: The ccxt class that says an entry is a refusal by place, whatever its text.
RESTRICTED_LOCATION = "RestrictedLocation"


def selected_entry(entry: Entry) -> bool:
    """Whether the census counts *entry*: it names an IP rejection, or ccxt calls it one by place."""
    return entry.ccxt_class == RESTRICTED_LOCATION or names_ip(entry.text)


def census(*, pro: bool = False) -> list[Entry]:
    """
    The selected entries of every exchange in the installed ccxt.

    With *pro*, the ccxt.pro classes' entries that their REST class lacks
    (the websocket-only maps); the shared ones are the REST census.
    """
    import ccxt

    selected = []
    if not pro:
        for exchange in ccxt.exchanges:
            entries = entries_of(getattr(ccxt, exchange), exchange)
            selected.extend(e for e in entries if selected_entry(e))
        return selected
    import ccxt.pro

    for exchange in ccxt.pro.exchanges:
        rest = {
            (e.path, e.key, e.ccxt_class) for e in entries_of(getattr(ccxt, exchange), exchange)
        }
        entries = entries_of(getattr(ccxt.pro, exchange), exchange, pro=True)
        selected.extend(
            e for e in entries if (e.path, e.key, e.ccxt_class) not in rest and selected_entry(e)
        )
    return selected


def lineage(exchange: str) -> tuple[str, ...]:
    """The exchange, its ccxt ancestors, then the exchanges whose dialect it speaks."""
    return (*lineage_of_id(exchange), *dialects_of(exchange))


def envelope_of(exchange: str) -> dict[str, Any]:
    """The exchange's REST error envelope (its own, else a ccxt ancestor's)."""
    for family in lineage_of_id(exchange):
        if family in ENVELOPES:
            return dict(ENVELOPES[family])
    raise LookupError(
        f"{exchange} has census entries but no envelope in tests/data/census_envelopes.toml"
    )


def waiver_of(entry: Entry) -> str | None:
    """Why the entry is not an IP rejection, or None when a rule must type it."""
    for family in lineage(entry.exchange):
        reason = WAIVERS.get(family, {}).get(entry.key)
        if reason is not None:
            return str(reason)
    return None


def text_of(entry: Entry) -> str:
    """The exchange's words for an entry: an override, the quoted body's message, the comment."""
    override = envelope_of(entry.exchange).get("messages", {}).get(entry.key)
    if override is not None:
        return str(override)
    comment = entry.comment
    if "{" in comment:
        _code, message = parse_body(comment[comment.index("{") :])
        if message:
            return message
    comment = comment.strip().strip("'\"").strip()
    return comment or entry.key


def code_and_text(entry: Entry) -> tuple[str, str]:
    """The code and message that reach the entry: a code key with its text, or a message key."""
    envelope = envelope_of(entry.exchange)
    text = text_of(entry)
    other = str(envelope.get("message_code", "0"))
    if entry.broad:
        return other, text if entry.key in text else entry.key
    if re.fullmatch(envelope.get("codes", r"-?\d+"), entry.key):
        return entry.key, text
    return other, entry.key
