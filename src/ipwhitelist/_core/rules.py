"""
Rule tables: which exchange responses are IP rejections.

A rule is data: an exchange (ccxt id; it also covers every ccxt class derived from
it, so ``binance`` covers ``binanceusdm`` and ``binancecoinm``), optional code,
HTTP status and message pattern, and the conclusion (kind, confidence) with the
source that justifies it. Built-in tables live in one module per exchange.

Some exchanges speak another exchange's error dialect without deriving from
its ccxt class (Toobit and Tokocrypto answer with Binance's codes). Their
module declares it, with the source that shows it::

    DIALECTS = {"binance": "https://<the exchange's error-code page>"}

and the other exchange's rules then apply to them too, after their own rules
of the same specificity.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, TypeAlias

import attrs

from .ccxt_ids import exchange_ids
from .diagnosis import CONFIDENCES, KINDS, Confidence, Kind
from .fork import ForkSafeLock
from .lineage import lineage_of_id

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "ANY_EXCHANGE",
    "REGISTRY",
    "Rule",
    "RuleRegistry",
    "TableSource",
    "check_sources",
    "dialects_of",
    "register_rule",
    "rules",
    "unregister_rule",
]

#: Exchange value for rules that apply to every exchange (e.g. HTTP 451).
ANY_EXCHANGE = "*"


def _compile(value: str | re.Pattern[str] | None) -> re.Pattern[str] | None:
    if value is None or isinstance(value, re.Pattern):
        return value
    return re.compile(value, re.IGNORECASE)


def _code(value: str | int | None) -> str | None:
    return None if value is None else str(value)


def _non_empty(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError(f"Rule.{attribute.name} must not be empty")


@attrs.frozen(kw_only=True)
class Rule:
    """
    One way an exchange says "this IP is refused".

    A response matches when every condition that is set matches: *code* equals
    the exchange's error code, *http_status* equals the status, and *message*
    (a regular expression, case-insensitive) is found in the exchange's message
    or, failing that, in the raw body. At least one condition must be set.

    Attributes:
        name: A unique, stable identifier such as ``"binance-2015"``.
        exchange: The ccxt id the rule is written for; it also applies to ccxt
            exchanges derived from it. ``"*"`` applies to all exchanges.
        kind: What the match means.
        confidence: How sure a match alone makes us.
        source: Where the rule comes from: the exchange's documentation or a
            public thread quoting the response. Required.
        code: The exchange's error code (compared as a string).
        http_status: The HTTP status code.
        message: A regular expression searched for in the message.
        description: What the response means, for people.

    Raises:
        ValueError: No condition is set, or *name*/*source* is empty.

    Added in *0.1.0*.
    """

    name: str = attrs.field(validator=_non_empty)
    exchange: str = attrs.field(validator=_non_empty)
    kind: Kind = attrs.field(validator=attrs.validators.in_(KINDS))
    confidence: Confidence = attrs.field(validator=attrs.validators.in_(CONFIDENCES))
    source: str = attrs.field(validator=_non_empty)
    code: str | None = attrs.field(default=None, converter=_code)
    http_status: int | None = None
    message: re.Pattern[str] | None = attrs.field(default=None, converter=_compile)
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if self.code is None and self.http_status is None and self.message is None:
            raise ValueError(f"rule {self.name!r} needs a code, an http_status or a message")

    @property
    def specificity(self) -> int:
        """How many conditions the rule sets; more specific rules win."""
        return sum(x is not None for x in (self.code, self.http_status, self.message))

    def matches(self, code: str | None, http_status: int | None, message: str, body: str) -> bool:
        """Return whether a response with these properties matches the rule."""
        if self.code is not None and self.code != code:
            return False
        if self.http_status is not None and self.http_status != http_status:
            return False
        if self.message is not None:
            return bool(self.message.search(message) or (body and self.message.search(body)))
        return True


#: Returns the built-in rules (tables in order, rules for every exchange last)
#: and, per exchange, the exchanges whose error dialect it speaks.
TableSource: TypeAlias = "Callable[[], tuple[tuple[Rule, ...], dict[str, tuple[str, ...]]]]"


class RuleRegistry:
    """
    Built-in and user rules, indexed by exchange; user rules take precedence.

    The built-in tables come from `ipwhitelist._exchanges` (`use_tables`): the
    core holds the rules and their order, the exchange modules the facts.
    """

    def __init__(self) -> None:
        self._lock = ForkSafeLock()
        self._user: list[Rule] = []
        self._by_exchange: dict[str, tuple[Rule, ...]] = {}
        self._builtin: tuple[Rule, ...] = ()
        self._dialects: dict[str, tuple[str, ...]] = {}
        self._source: TableSource | None = None
        self._loaded = False
        #: Changes whenever the rules do: memos of what matched (`classify.match`) key on it.
        self.generation = 0

    def use_tables(self, source: TableSource) -> None:
        """Take the built-in tables from *source*, called once, on first use."""
        with self._lock:
            self._source = source
            self._loaded = False
            self._by_exchange = {}
            self.generation += 1

    def _load(self) -> None:
        if self._source is None:
            raise RuntimeError("no built-in rule tables: ipwhitelist._exchanges provides them")
        self._builtin, self._dialects = self._source()
        self._loaded = True

    def dialects(self, lineage: tuple[str, ...]) -> tuple[str, ...]:
        """The exchanges whose error dialect *lineage* speak (transitively), in order."""
        self.all()
        found: list[str] = []
        pending = list(lineage)
        while pending:
            for spoken in self._dialects.get(pending.pop(0), ()):
                if spoken not in lineage and spoken not in found:
                    found.append(spoken)
                    pending.append(spoken)
        return tuple(found)

    def all(self) -> tuple[Rule, ...]:
        if not self._loaded:
            with self._lock:
                self._load()
        return (*self._user, *self._builtin)

    def for_lineage(self, lineage: tuple[str, ...]) -> tuple[Rule, ...]:
        """Rules for an exchange whose lineage (its id and ccxt ancestors) is *lineage*."""
        key = ",".join(lineage)
        cached = self._by_exchange.get(key)
        if cached is not None:
            return cached
        spoken = self.dialects(lineage)
        # Own rules before a dialect's, and rules for every exchange last.
        origin = {
            **dict.fromkeys(spoken, 1),
            **dict.fromkeys(lineage, 0),
            ANY_EXCHANGE: 2,
        }
        rules = [r for r in self.all() if r.exchange in origin]
        user = set(map(id, self._user))
        # Stable sort: user rules first, then the most specific, then by origin;
        # table order breaks ties.
        rules.sort(key=lambda r: (id(r) not in user, -r.specificity, origin[r.exchange]))
        result = tuple(rules)
        self._by_exchange[key] = result
        return result

    def register(self, rule: Rule) -> None:
        with self._lock:
            if any(r.name == rule.name for r in self._user):
                raise ValueError(f"a user rule named {rule.name!r} is already registered")
            self._user.append(rule)
            self._by_exchange = {}
            self.generation += 1

    def unregister(self, name: str) -> None:
        with self._lock:
            kept = [r for r in self._user if r.name != name]
            if len(kept) == len(self._user):
                raise KeyError(name)
            self._user = kept
            self._by_exchange = {}
            self.generation += 1


REGISTRY = RuleRegistry()


def register_rule(rule: Rule) -> None:
    """
    Add a rule that is checked before the built-in ones.

    Args:
        rule: The rule; its ``name`` must be unique among registered rules.

    Raises:
        ValueError: A user rule with the same name is already registered, or
            the rule's exchange is neither ``"*"`` nor an id the installed
            ccxt knows (a misspelt id would silently never match).

    Added in *0.1.0*.
    """
    _check_exchange(rule)
    REGISTRY.register(rule)


def _check_exchange(rule: Rule) -> None:
    ids = exchange_ids()
    if rule.exchange == ANY_EXCHANGE or rule.exchange in ids:
        return
    from importlib.metadata import version  # noqa: PLC0415 - lazy: only this error message needs it

    close = difflib.get_close_matches(rule.exchange.lower(), ids, n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    raise ValueError(
        f"rule {rule.name!r}: exchange {rule.exchange!r} is not a ccxt id "
        f"(ccxt {version('ccxt')}){hint} Use '*' for every exchange."
    )


def unregister_rule(name: str) -> None:
    """
    Remove a rule added with `register_rule`.

    Raises:
        KeyError: No user rule has that name.

    Added in *0.1.0*.
    """
    REGISTRY.unregister(name)


def rules(exchange: str | None = None) -> tuple[Rule, ...]:
    """
    Return the active rules, user rules first.

    Args:
        exchange: A ccxt id; only rules that apply to it (including its ccxt
            ancestors, the exchanges whose error dialect it speaks and rules
            for all exchanges) are returned, in the order they are tried.

    Added in *0.1.0*.
    """
    if exchange is None:
        return REGISTRY.all()
    return REGISTRY.for_lineage(lineage_of_id(exchange))


def dialects_of(exchange: str) -> tuple[str, ...]:
    """The exchanges whose error dialect a ccxt id speaks beyond its ccxt ancestors."""
    return REGISTRY.dialects(lineage_of_id(exchange))


def check_sources(all_rules: Iterable[Rule]) -> list[str]:
    """Names of rules whose source is not a URL (used by the test suite)."""
    return [r.name for r in all_rules if not r.source.startswith(("https://", "http://"))]
