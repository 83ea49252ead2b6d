"""The commands that need no key: demo, egress, explain, report, paste, fingerprint."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import Any

import attrs
import ccxt
import click

from .._client.sdk.texts import read
from .._core.classify import Response, match, parse_body
from .._core.lineage import lineage_of_id
from .._core.redact import url_secrets
from .._egress.detector import EgressDetector
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
    REGISTRY,
    Out,
    context,
    fail,
)
from .config import ConfigError, targets
from .report import build

__all__ = ["demo", "egress", "explain", "fingerprint", "paste", "report"]


@click.command()
@NO_COLOR
def demo(no_color: bool) -> None:
    """Run the offline demo: a loopback exchange, an IP change, the typed exception."""
    from .demo import run  # noqa: PLC0415 - lazy: the demo's loopback server loads for `ipwhitelist demo` only

    raise SystemExit(run(color=False if no_color else None))


@click.command()
@click.option(
    "--provider", "providers", multiple=True, metavar="URL", help="Provider URL (repeatable)."
)
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
    out = Out(as_json=as_json, no_color=no_color, secrets=url_secrets(proxy))
    detector = EgressDetector(list(providers) or None, timeout=timeout, ttl=0, agreement=agree)
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
    if not as_json:
        for error in report.errors:
            out.err.print(out.human(f"  failed: {error}"), markup=False)
    raise SystemExit(EXIT_OK if report.ips else EXIT_UNKNOWN)


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

    Exits 0 when the rule tables know it as an IP rejection, 1 when they do not.
    """
    if exchange not in ccxt.exchanges:
        fail(f"unknown exchange {exchange!r} (not a ccxt id)")
    text = " ".join(error).strip()
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
                "rule": None,
                "note": sdk.note if sdk is not None else None,
            },
        )
        out.line(f"{exchange} {text}: not an IP rejection as far as ipwhitelist's rules know.")
        if sdk is not None and sdk.note:
            out.line(f"  note: {sdk.note}.")
        out.line("If you believe it is one, `ipwhitelist report` and a bug report help us add it.")
        raise SystemExit(EXIT_PROBLEM)
    rule = found.rule
    out.json(
        "explain",
        {
            "exchange": exchange,
            "code": code,
            "sdk": read_as,
            "ip_rejection": True,
            "kind": rule.kind,
            "confidence": rule.confidence,
            "reported_ip": str(found.reported_ip) if found.reported_ip else None,
            "rule": {"name": rule.name, "description": rule.description, "source": rule.source},
            "note": None,
        },
    )
    kinds = {
        "ip_not_whitelisted": "the key's IP whitelist does not include the calling IP",
        "ip_banned": "the exchange banned the calling IP (usually for too many requests)",
        "geo_restricted": "the exchange refuses the calling IP's country or region",
    }
    out.line(f"{exchange} {text}")
    if read_as is not None:
        out.line(f"  read as:     {read_as} error, code {code}")
    out.line(f"  IP problem:  yes ({rule.kind}, confidence {rule.confidence})")
    out.line(f"  meaning:     {kinds[rule.kind]}")
    if rule.description:
        out.line(f"  exchange:    {rule.description}")
    if found.reported_ip:
        out.line(f"  IP it saw:   {found.reported_ip}")
    out.line(f"  rule:        {rule.name}")
    out.line(f"  source:      {rule.source}")
    raise SystemExit(EXIT_OK)


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
    if status is None and code and code.isdigit() and len(code) == 3:  # noqa: PLR2004
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
    type=click.Path(dir_okay=False, exists=True),
    help="A bot log to take recent ipwhitelist incidents from.",
)
@NO_EGRESS
@JSON
def report(
    config: str | None, registry: str | None, log_file: str | None, no_egress: bool, as_json: bool
) -> None:
    """A redacted support bundle to attach to a bug report or a support chat."""
    cfg, reg = context(config, registry)
    secrets: list[str] = []
    with contextlib.suppress(ConfigError):  # no keys configured: nothing to scrub
        secrets = [s for t in targets((), cfg, os.environ) for s in t.secrets]
    out = Out(as_json=as_json, no_color=True, secrets=secrets)
    bundle = build(registry=reg, log_file=log_file, egress=not no_egress, secrets=secrets)
    out.json("report", bundle)
    if not as_json:
        click.echo(out.clean(json.dumps(bundle, indent=2, default=str)))
    raise SystemExit(EXIT_OK)


@click.command()
@click.argument("exchange")
@click.argument("label", required=False)
@REGISTRY
@CONFIG
def paste(exchange: str, label: str | None, registry: str | None, config: str | None) -> None:
    """Print a key's documented whitelist in the exchange's input format."""
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
        known = ", ".join(f"{k.exchange}.{k.label}" for k in reg.keys) or "none"
        if api_key:
            fail(
                f"no entry documents the configured {exchange} key; name one (documented: {known})"
            )
        fail(f"name one key of {exchange} (documented: {known})")
    click.echo(entry.paste())
    raise SystemExit(EXIT_OK)


@click.command()
@click.option(
    "--env", "env_name", metavar="NAME", help="Read the API key from this environment variable."
)
def fingerprint(env_name: str | None) -> None:
    """Print the fingerprint of an API key (from stdin or --env), for the registry."""
    key = os.environ.get(env_name, "") if env_name else sys.stdin.readline()
    if not key.strip():
        fail("no API key given: pipe it on stdin or name an environment variable with --env")
    click.echo(make(key.strip()))
    raise SystemExit(EXIT_OK)
