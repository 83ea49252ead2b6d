"""
Generate the parts of the reference that are data: the rule tables and the exchange table.

``docs/reference/rules.md`` and ``docs/reference/exchanges.md`` hold the output
between ``<!-- BEGIN GENERATED -->`` and ``<!-- END GENERATED -->``; the prose
around it is written by hand. ``tests/test_docs.py`` fails when the pages and
the code disagree; ``make reference`` (this file run as a script) rewrites them.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import ccxt

import ipwhitelist
from ccxt_versions import ccxt_releases
from ipwhitelist._client.sdk import adapters
from ipwhitelist._core.lineage import lineage_of_id
from ipwhitelist._exchanges import all_limits, all_restrictions
from ipwhitelist._exchanges import modules as exchange_modules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "reference"
BEGIN = "<!-- BEGIN GENERATED: edit the code, then run `make reference` -->"
END = "<!-- END GENERATED -->"
KINDS = ("ip_not_whitelisted", "ip_banned", "geo_restricted")
# The exchanges most bots run on come first; the rest follow by name.
FIRST = ("binance", "bybit", "okx")


def modules() -> list[tuple[str, object]]:
    """Exchange modules in page order: the big three, the rest by title, every-exchange last."""
    found = []
    for name, module in exchange_modules().items():
        if not hasattr(module, "TITLE"):
            raise RuntimeError(f"_exchanges/{name}.py needs a TITLE for the docs")
        found.append((name, module))

    def order(item: tuple[str, object]) -> tuple[int, str]:
        name, module = item
        if name == "generic":
            return (2, "")
        if name in FIRST:
            return (0, str(FIRST.index(name)))
        return (1, str(module.TITLE).casefold())  # type: ignore[attr-defined]

    return sorted(found, key=order)


def rst_to_md(text: str) -> str:
    """Docstrings use ``literal``; Markdown wants `literal`."""
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def cell(value: object) -> str:
    return "\N{EN DASH}" if value is None else f"`{value}`"


def link_label(url: str) -> str:
    """A short, stable label for a source URL."""
    parts = urlsplit(url)
    path = [p for p in parts.path.split("/") if p]
    if parts.netloc == "github.com" and len(path) >= 4:
        repo, what, ref = path[1], path[2], path[3]
        if what in ("issues", "pull", "discussions"):
            return f"{repo}#{ref}"
        if what == "commit":
            return f"{repo}@{ref[:7]}"
        if what == "blob":
            return f"{repo}: {path[-1]}"
    host = parts.netloc.removeprefix("www.")
    if parts.fragment:
        return f"{host}#{parts.fragment}"
    return f"{host}/{path[-1]}" if path else host


def ids_cell(ids: list[str]) -> str:
    """The ccxt ids of a row, each with the admitted ccxt releases that lack it."""
    cells = []
    for i in ids:
        note = ccxt_releases(i)
        cells.append(f"`{i}` ({note})" if note else f"`{i}`")
    return ", ".join(cells)


def covered_ids(exchange: str) -> list[str]:
    """Every ccxt id whose family includes *exchange*."""
    return sorted(i for i in ccxt.exchanges if exchange in lineage_of_id(i))


def titles() -> dict[str, str]:
    """The TITLE of every rule module, by module (ccxt id)."""
    return {name: str(module.TITLE) for name, module in modules()}  # type: ignore[attr-defined]


def dialects(module: object) -> dict[str, str]:
    """The module's DIALECTS: exchange whose error dialect it speaks -> source."""
    return dict(getattr(module, "DIALECTS", {}))


def dialect_line(module: object) -> str:
    """One sentence naming the dialects a module speaks, with their sources."""
    named = titles()
    spoken = [
        f"{named.get(other, other)}'s ([source]({source}))"
        for other, source in dialects(module).items()
    ]
    return f"Speaks {', '.join(spoken)} error dialect: those rules apply too.\n"


def rules_section() -> str:
    out: list[str] = []
    for _name, module in modules():
        if not hasattr(module, "RULES"):
            continue  # whitelist facts only: on the exchanges page
        table = module.RULES
        out.append(f"## {module.TITLE}\n")  # type: ignore[attr-defined]
        doc = inspect.cleandoc(module.__doc__ or "")
        out.append(rst_to_md(doc) + "\n")
        if dialects(module):
            out.append(dialect_line(module))
        if not table:
            continue
        out.append(
            "| Name | Exchange | Code | HTTP status | Message pattern | Kind | Confidence | Source |"
        )
        out.append("|---|---|---|---|---|---|---|---|")
        for rule in table:
            pattern = rule.message.pattern if rule.message is not None else None
            out.append(
                f"| `{rule.name}` | `{rule.exchange}` | {cell(rule.code)} | {cell(rule.http_status)} "
                f"| {cell(pattern)} | `{rule.kind}` | `{rule.confidence}` "
                f"| [{link_label(rule.source)}]({rule.source}) |"
            )
        out.append("")
        out.extend(
            f"- `{rule.name}`: {rst_to_md(rule.description)}" for rule in table if rule.description
        )
        out.append("")
    return "\n".join(out)


def sdks_cell(ids: list[str]) -> str:
    """The exchanges' own SDKs `wrap()` supports for these ccxt ids, linked to the how-to."""
    names = [a.name for a in adapters() if set(a.exchanges) & set(ids)]
    if not names:
        return "\N{EN DASH}"
    return ", ".join(f"[{n}](../how-to/sdks.md)" for n in names)


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "\N{EN DASH}"}[value]


def exchanges_section() -> str:
    # A row per exchange module (named after the ccxt id it is written for).
    rows: dict[str, tuple[str, set[str], Counter[str]]] = {}
    for name, module in modules():
        if name == "generic":
            continue
        table = getattr(module, "RULES", ())
        exchanges = {name, *(rule.exchange for rule in table)}
        # Rules that apply: its own and those of the dialects it speaks.
        spoken = dialects(module)
        applying = [*table, *(r for r in ipwhitelist.rules() if r.exchange in spoken)]
        counts = Counter(rule.kind for rule in applying)
        title = str(module.TITLE)  # type: ignore[attr-defined]
        if spoken:
            named = titles()
            title += f" ({', '.join(named.get(d, d) for d in spoken)} dialect)"
        rows[name] = (title, exchanges, counts)
    header = (
        "| Exchange | ccxt ids | Per-key IP whitelist | Max entries | CIDR | IPv6 "
        "| Audit endpoint | Rules: not whitelisted / banned / geo | SDKs |"
    )
    out = [header, "|---|---|---|---|---|---|---|---|---|"]
    order = sorted(rows, key=lambda n: (n not in FIRST, FIRST.index(n) if n in FIRST else 0, n))
    for name in order:
        title, exchanges, counts = rows[name]
        limits = all_limits().get(name)
        ids = sorted({i for exchange in exchanges for i in covered_ids(exchange)} or {name})
        audit = all_restrictions().get(name)
        out.append(
            f"| {title} | {ids_cell(ids)} "
            f"| {_yes_no(limits.ip_whitelist if limits else None)} "
            f"| {limits.max_entries if limits and limits.max_entries else chr(0x2013)} "
            f"| {_yes_no(limits.cidr if limits else None)} "
            f"| {_yes_no(limits.ipv6 if limits else None)} "
            f"| {f'`{audit.endpoint}`' if audit else chr(0x2013)} "
            f"| {' / '.join(str(counts[k]) for k in KINDS)} "
            f"| {sdks_cell(ids)} |"
        )
    out.append("")
    out.append("Sources for the whitelist facts:")
    out.append("")
    for name in order:
        limits = all_limits().get(name)
        if limits and limits.sources:
            links = ", ".join(f"[{link_label(s)}]({s})" for s in limits.sources)
            out.append(f"- {rows[name][0]}: {links}")
    out.append("")
    return "\n".join(out)


PAGES = {"rules.md": rules_section, "exchanges.md": exchanges_section}


def split(text: str, page: str) -> tuple[str, str, str]:
    """(before, generated, after) of a page; the markers must be there exactly once."""
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        raise ValueError(f"docs/reference/{page} needs one BEGIN and one END marker")
    before, rest = text.split(BEGIN)
    generated, after = rest.split(END)
    return before, generated, after


def expected(page: str) -> str:
    return "\n" + PAGES[page]() + "\n"


def main() -> int:
    assert ipwhitelist.rules()  # loads the tables
    for page in PAGES:
        path = DOCS / page
        before, _, after = split(path.read_text(encoding="utf-8"), page)
        path.write_text(before + BEGIN + expected(page) + END + after, encoding="utf-8")
        print(f"wrote docs/reference/{page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
