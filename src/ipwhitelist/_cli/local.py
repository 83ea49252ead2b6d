"""The commands that need no key: demo, egress, explain, report, paste, fingerprint."""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import sys
from typing import Any

import attrs
import click

from .._client.sdk.texts import read
from .._core.address import non_source
from .._core.assess import source_ip
from .._core.ccxt_ids import exchange_ids
from .._core.classify import Response, match, parse_body
from .._core.lineage import lineage_of_id
from .._core.redact import redact, url_secrets
from .._egress.hints import process_hints
from .._whitelist.fingerprint import fingerprint as make
from .common import (
    CONFIG,
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_UNKNOWN,
    JSON,
    NO_COLOR,
    NO_EGRESS,
    PROVIDERS,
    REGISTRY,
    Out,
    context,
    fail,
    provider_urls,
    proxy_url,
)
from .config import ConfigError, targets
from .report import LogError, build, text

__all__ = ["demo", "egress", "explain", "fingerprint", "paste", "report"]


@click.command()
@NO_COLOR
@JSON
def demo(no_color: bool, as_json: bool) -> None:
    """Run the offline demo: a loopback exchange, an IP change, the typed exception.

    Exits 0 when every step behaved as the story says, 1 otherwise.
    """
    from .demo import run  # noqa: PLC0415 - lazy: the demo's loopback server loads for `ipwhitelist demo` only

    if not as_json:
        raise SystemExit(run(color=False if no_color else None))
    code = run(io.StringIO(), color=False)
    Out(as_json=True, no_color=True).json("demo", {"ok": code == EXIT_OK})
    raise SystemExit(code)


@click.command()
@PROVIDERS
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 60),
    default=3.0,
    show_default=True,
    help="Time budget in seconds.",
)
@click.option("--proxy", help="Look up through this proxy URL.")
@click.option("--agree", is_flag=True, help="Ask every provider and report disagreement.")
@JSON
@NO_COLOR
def egress(
    providers: tuple[str, ...],
    timeout: float,
    proxy: str | None,
    agree: bool,
    as_json: bool,
    no_color: bool,
) -> None:
    """Show this host's public IPv4/IPv6 egress and environment hints."""
    from .._egress.detector import EgressDetector  # noqa: PLC0415 - lazy: httpx and asyncio load for a lookup only

    out = Out(as_json=as_json, no_color=no_color, secrets=url_secrets(proxy))
    proxy_url(proxy)
    provider_urls(providers)
    try:
        detector = EgressDetector(list(providers) or None, timeout=timeout, ttl=0, agreement=agree)
    except ValueError as exc:
        fail(f"--provider: {exc}")
    with out.status("Asking egress providers..."):
        report = detector.detect(proxy)
    hints = process_hints()
    out.json(
        "egress",
        {
            "ipv4": str(report.ipv4) if report.ipv4 else None,
            "ipv6": str(report.ipv6) if report.ipv6 else None,
            "provider": report.provider,
            "elapsed": round(report.elapsed, 4),
            "errors": list(report.errors),
            "answers": [{"provider": p, "ip": str(ip)} for p, ip in report.answers],
            "agreed": report.agreed,
            "hints": [h.to_dict() for h in hints],
        },
    )
    out.line(f"IPv4:     {report.ipv4 or 'not found'}")
    out.line(f"IPv6:     {report.ipv6 or 'not found'}")
    out.line(f"provider: {report.provider or '-'} ({report.elapsed:.2f} s)")
    if agree:
        distinct = ", ".join(map(str, report.distinct)) or "-"
        verdict = {True: "yes", False: "NO: several egress IPs", None: "too few answers"}
        out.line(f"agreed:   {verdict[report.agreed]} ({distinct})")
    for hint in hints:
        out.line(f"hint:     {hint.name}: {hint.summary}")
    for error in report.errors:
        out.warn(f"  failed: {error}")
    if not report.ips:
        raise SystemExit(EXIT_UNKNOWN)
    # Several egress IPs (a NAT pool) is a finding: each must be on the whitelist.
    raise SystemExit(EXIT_PROBLEM if report.agreed is False else EXIT_OK)


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("exchange")
@click.argument("error", nargs=-1, required=True, type=click.UNPROCESSED)
@JSON
def explain(exchange: str, error: tuple[str, ...], as_json: bool) -> None:
    """Say what an exchange error means and whether it is an IP problem (offline).

    ERROR is the error code (e.g. -2015, 10010, 50110) or the message text,
    or a whole JSON error body, or an SDK's exception text as a log shows it
    (python-binance "APIError(code=-2015): ...", pybit "... (ErrCode: 10010)
    ...", binance-connector "(401, -2015, '...', ...)", a python-okx dict).

    Exits 0 when the rule tables know it as an IP rejection, 1 when they do
    not, 2 for an unknown exchange or no error given.
    """
    exchange = known_exchange(exchange)
    text = " ".join(error).strip()
    # A pasted log line may carry credential fields: shown only through the pattern redactor.
    shown = redact(text)
    response, sdk = _explained(exchange, text)
    code = response.code
    found = match(response)
    if found is None and response.http_status is not None:
        # "451" could be an HTTP status or an exchange code: try both readings.
        found = match(attrs.evolve(response, code=None)) or match(
            attrs.evolve(response, http_status=None)
        )
    out = Out(as_json=as_json, no_color=True)
    read_as = sdk.sdk if sdk is not None else None
    if found is None:
        out.json(
            "explain",
            {
                "exchange": exchange,
                "code": code,
                "sdk": read_as,
                "ip_rejection": False,
                "kind": None,
                "confidence": None,
                "reported_ip": None,
                "rule": None,
                "note": sdk.note if sdk is not None else None,
            },
        )
        out.line(f"{exchange} {shown}: not an IP rejection as far as ipwhitelist's rules know.")
        if sdk is not None and sdk.note:
            out.line(f"  note: {sdk.note}.")
        if (
            code
            and code.isascii()
            and code.isdigit()
            and match(attrs.evolve(response, code=f"-{code}")) is not None
        ):
            out.line(f"  hint: {exchange}'s error codes are negative: did you mean -{code}?")
        out.line("If you believe it is one, `ipwhitelist report` and a bug report help us add it.")
        raise SystemExit(EXIT_PROBLEM)
    rule = found.rule
    # As in a diagnosis: a loopback or private address the exchange names is
    # no request's source on the internet, so it is not "the IP it saw".
    seen = source_ip(found)
    out.json(
        "explain",
        {
            "exchange": exchange,
            "code": code,
            "sdk": read_as,
            "ip_rejection": True,
            "kind": rule.kind,
            "confidence": rule.confidence,
            "reported_ip": str(seen) if seen else None,
            "rule": {"name": rule.name, "description": rule.description, "source": rule.source},
            "note": None,
        },
    )
    kinds = {
        "ip_not_whitelisted": "the key's IP whitelist does not include the calling IP",
        "ip_banned": "the exchange banned the calling IP (usually for too many requests)",
        "geo_restricted": "the exchange refuses the calling IP's country or region",
    }
    out.line(f"{exchange} {shown}")
    if read_as is not None:
        out.line(f"  read as:     {read_as} error, code {code}")
    out.line(f"  IP problem:  yes ({rule.kind}, confidence {rule.confidence})")
    out.line(f"  meaning:     {kinds[rule.kind]}")
    if rule.description:
        # The rule's description is a pattern (OKX's names "{ip}"): what the exchange means.
        ip = str(found.reported_ip) if found.reported_ip else "<the calling IP>"
        out.line(f"  rule says:   {rule.description.replace('{ip}', ip)}")
    if seen is not None:
        out.line(f"  IP it saw:   {seen}")
    elif found.reported_ip is not None:
        out.line(
            f"  IP it names: {found.reported_ip}, {non_source(found.reported_ip)} address: no "
            "request comes from it over the internet (a proxy or load balancer forwarded it)"
        )
    out.line(f"  rule:        {rule.name}")
    out.line(f"  source:      {rule.source}")
    raise SystemExit(EXIT_OK)


def known_exchange(exchange: str) -> str:
    """The ccxt id *exchange* names (ids are case-insensitive), or a usage error with a hint."""
    ids = exchange_ids()
    if exchange in ids:
        return exchange
    if exchange.lower() in ids:
        return exchange.lower()
    near = difflib.get_close_matches(exchange.lower(), ids, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    fail(f"unknown exchange {exchange!r} (not a ccxt id){hint}")
    return None


def _explained(exchange: str, text: str) -> tuple[Any, Any]:
    """What `explain` reads in *text*: the response to classify, and the SDK text read."""
    sdk = read(text)
    code, message = parse_body(sdk.body if sdk is not None else text)
    if sdk is not None:
        code, message = code or sdk.code, message or sdk.message
    elif code is None and not message:
        token = text.split(maxsplit=1)[0] if text else ""
        if len(text.split()) == 1 and len(token) <= 24:  # noqa: PLR2004 - codes are short
            code = token
        message = text if code is None else ""
    status = sdk.http_status if sdk is not None else None
    if status is None and code and code.isascii() and code.isdigit() and len(code) == 3:  # noqa: PLR2004
        status = int(code)
    response = Response(
        exchange=exchange,
        lineage=lineage_of_id(exchange),
        code=code,
        message=message,
        body=sdk.body if sdk is not None else text,
        http_status=status,
    )
    return response, sdk


@click.command()
@CONFIG
@REGISTRY
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False),
    help="A bot log to take recent ipwhitelist incidents from.",
)
@NO_EGRESS
@JSON
def report(
    config: str | None, registry: str | None, log_file: str | None, no_egress: bool, as_json: bool
) -> None:
    """A redacted support bundle to attach to a bug report or a support chat.

    Exits 0 when the bundle was printed, 2 when the config, the registry or
    the --log file cannot be read.
    """
    cfg, reg = context(config, registry)
    secrets: list[str] = []
    with contextlib.suppress(ConfigError):  # no keys configured: nothing to scrub
        secrets = [s for t in targets((), cfg, os.environ) for s in t.secrets]
    out = Out(as_json=as_json, no_color=True, secrets=secrets)
    try:
        bundle = build(registry=reg, log_file=log_file, egress=not no_egress, secrets=secrets)
    except LogError as exc:
        fail(str(exc))
    out.json("report", bundle)
    for line in text(bundle):
        out.line(line)
    raise SystemExit(EXIT_OK)


@click.command()
@click.argument("exchange")
@click.argument("label", required=False)
@REGISTRY
@CONFIG
@JSON
def paste(
    exchange: str, label: str | None, registry: str | None, config: str | None, as_json: bool
) -> None:
    """Print a key's documented whitelist in the exchange's input format.

    Exits 0 when printed, 2 when the registry has no such key (or it
    documents no IP).
    """
    cfg, reg = context(config, registry)
    if reg is None:
        fail("paste needs the registry file (--registry or IPWHITELIST_REGISTRY)")
    (target,) = targets((exchange,), cfg, os.environ)
    label = label or target.label
    # A named entry is printed as asked; otherwise the one rule
    # (Registry.entry_for) picks the configured key's own entry.
    api_key = None if label else target.settings.get("apiKey")
    try:
        entry = reg.entry_for(exchange, api_key=str(api_key) if api_key else None, label=label)
    except KeyError as exc:
        fail(str(exc.args[0]))
    if entry is None:
        fail(_no_entry(reg, exchange, configured=bool(api_key)))
    if not entry.entries:
        fail(f"{entry.exchange}.{entry.label} documents no IP (ips = []): add the IPs to paste")
    pasted = entry.paste()
    out = Out(as_json=as_json, no_color=True)
    out.json(
        "paste",
        {
            "exchange": entry.exchange,
            "label": entry.label,
            "ips": list(entry.entries),
            "paste": pasted,
        },
    )
    if not as_json:
        click.echo(pasted)
    raise SystemExit(EXIT_OK)


def _no_entry(reg: Any, exchange: str, *, configured: bool) -> str:
    """Why no entry was picked: no key of the exchange, several, or none for the configured key."""
    known = ", ".join(f"{k.exchange}.{k.label}" for k in reg.keys) or "none"
    own = [k.label for k in reg.keys if k.exchange == exchange]
    if not own:
        near = difflib.get_close_matches(exchange, sorted({k.exchange for k in reg.keys}), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        return f"the registry documents no key of {exchange}{hint} (documented: {known})"
    if configured:
        return f"no entry documents the configured {exchange} key; name one (documented: {known})"
    return f"{exchange} has several keys: name one as LABEL ({', '.join(own)})"


@click.command()
@click.option(
    "--env", "env_name", metavar="NAME", help="Read the API key from this environment variable."
)
@JSON
def fingerprint(env_name: str | None, as_json: bool) -> None:
    """Print the fingerprint of an API key (from stdin or --env), for the registry.

    On a terminal it asks for the key without echoing it. Exits 0 when
    printed, 2 when no key was given.
    """
    if env_name:
        key = os.environ.get(env_name, "")
        if not key.strip():
            fail(f"the environment variable {env_name} is not set (or is empty)")
    elif sys.stdin.isatty():
        key = click.prompt("API key (not shown)", hide_input=True, default="", err=True)
    else:
        key = sys.stdin.readline(4096)
    if not key.strip():
        fail("no API key given: pipe it on stdin or name an environment variable with --env")
    printed = make(key.strip())
    Out(as_json=as_json, no_color=True).json("fingerprint", {"fingerprint": printed})
    if not as_json:
        click.echo(printed)
    raise SystemExit(EXIT_OK)
