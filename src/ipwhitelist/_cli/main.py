"""
The ``ipwhitelist`` command line (``python -m ipwhitelist``).

Exit codes, for every command: 0 all good, 1 a problem was found, 2 usage or
configuration error, 3 could not determine (network). ``--json`` prints one
JSON object with a ``schema`` field naming its version; nothing secret is
ever printed: every line goes through the redactor with the configured
credentials, on top of never putting them there.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import attrs
import click

from .._core.redact import escape_controls, human_lines, redact, url_secrets
from .config import ConfigError, Target, load_config, load_registry, targets

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from .._whitelist.registry import Registry
    from .config import Config

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEM",
    "EXIT_UNKNOWN",
    "EXIT_USAGE",
    "audit",
    "check",
    "cli",
    "demo",
    "doctor",
    "egress",
    "explain",
    "fingerprint",
    "main",
    "migrate",
    "paste",
    "report",
]

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3

_JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
_NO_COLOR = click.option("--no-color", is_flag=True, help="Plain output, no colours.")
_CONFIG = click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="TOML file with [exchanges.<id>] credentials (default: $IPWHITELIST_CONFIG).",
)
_REGISTRY = click.option(
    "--registry",
    type=click.Path(dir_okay=False),
    help="Registry of documented whitelists (default: $IPWHITELIST_REGISTRY).",
)
_TIMEOUT = click.option(
    "--timeout",
    type=click.FloatRange(0.1, 120),
    default=10.0,
    show_default=True,
    help="Seconds per exchange call.",
)
_NO_EGRESS = click.option("--no-egress", is_flag=True, help="Do not look up this host's egress IP.")


class _Out:
    """
    Everything printed goes through here: redacted, coloured only on a terminal.

    Text output also has its control characters escaped (rich drops BEL and
    CR, not ESC): `line` prints one line, `block` a report the library
    formatted (its lines already escaped field by field). JSON needs no
    escaping: the encoder does it.
    """

    def __init__(self, *, as_json: bool, no_color: bool, secrets: Sequence[str] = ()) -> None:
        from rich.console import Console

        self.as_json = as_json
        self.secrets = tuple(s for s in secrets if s)
        _log.secrets = self.secrets
        no_color = no_color or bool(os.environ.get("NO_COLOR"))
        self.console = Console(no_color=no_color, highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, no_color=no_color, highlight=False, soft_wrap=True)

    def clean(self, text: str) -> str:
        return redact(text, self.secrets)

    def human(self, text: str) -> str:
        return escape_controls(self.clean(text))

    def line(self, text: str = "", style: str | None = None) -> None:
        if not self.as_json:
            self.console.print(self.human(text), style=style, markup=False)

    def block(self, text: str) -> None:
        if not self.as_json:
            self.console.print(human_lines(self.clean(text).split("\n")), markup=False)

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        if self.as_json:
            return
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(self.human(cell) for cell in row))
        self.console.print(table)

    def json(self, schema: str, payload: dict[str, Any]) -> None:
        if self.as_json:
            text = json.dumps({"schema": f"ipwhitelist.{schema}/1", **payload}, default=str)
            click.echo(self.clean(text))

    def status(self, text: str) -> Any:
        """A spinner on stderr while work runs (only on a terminal, never with --json)."""
        if self.as_json or not self.err.is_terminal:
            return contextlib.nullcontext()
        return self.err.status(text)


class _LogToStderr(logging.Handler):
    """
    The command line's log output: the library's warnings and errors, one redacted line each.

    Incident records are left out: every command prints the diagnosis itself.
    No traceback: the exception's class and message close the line.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.secrets: tuple[str, ...] = ()

    def filter(self, record: logging.LogRecord) -> bool:
        return not hasattr(record, "ipwhitelist_incident") and super().filter(record)

    def emit(self, record: logging.LogRecord) -> None:
        from .._core.redact import redact

        try:
            message = record.getMessage().removeprefix("ipwhitelist: ")
            text = f"ipwhitelist: {record.levelname.lower()}: {message}"
            exc = record.exc_info[1] if record.exc_info else None
            if exc is not None:
                text += f" ({type(exc).__name__}: {exc})"
            click.echo(redact(text, self.secrets), err=True)
        except Exception:  # noqa: BLE001 - logging's own contract for a failing handler
            self.handleError(record)


_log = _LogToStderr()


def _fail(message: str) -> NoReturn:
    raise ConfigError(message)


def _context(config_path: str | None, registry_path: str | None) -> tuple[Config, Registry | None]:
    config = load_config(config_path, os.environ)
    return config, load_registry(registry_path, config, os.environ)


def _one_target(exchange: str, config: Config) -> Target:
    (target,) = targets((exchange,), config, os.environ)
    if not target.has_credentials:
        prefix = exchange.upper()
        _fail(
            f"no credentials for {exchange}: set {prefix}_APIKEY and {prefix}_SECRET "
            f"(and {prefix}_PASSWORD where the exchange has a passphrase) in the environment, "
            "or add them to a config file"
        )
    return target


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ipwhitelist", prog_name="ipwhitelist")
def cli() -> None:
    """Find out why an exchange refuses your bot's IP, and fix it."""


@cli.command()
@_NO_COLOR
def demo(no_color: bool) -> None:
    """Run the offline demo: a loopback exchange, an IP change, the typed exception."""
    from .demo import run

    raise SystemExit(run(color=False if no_color else None))


@cli.command()
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
@_JSON
@_NO_COLOR
def egress(
    providers: tuple[str, ...],
    timeout: float,
    proxy: str | None,
    agree: bool,
    as_json: bool,
    no_color: bool,
) -> None:
    """Show this host's public IPv4/IPv6 egress and environment hints."""
    from .._egress.detector import EgressDetector
    from .._egress.hints import process_hints

    out = _Out(as_json=as_json, no_color=no_color, secrets=url_secrets(proxy))
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


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("exchange")
@click.argument("error", nargs=-1, required=True, type=click.UNPROCESSED)
@_JSON
def explain(exchange: str, error: tuple[str, ...], as_json: bool) -> None:
    """Say what an exchange error means and whether it is an IP problem (offline).

    ERROR is the error code (e.g. -2015, 10010, 50110) or the message text,
    or a whole JSON error body, or an SDK's exception text as a log shows it
    (python-binance "APIError(code=-2015): ...", pybit "... (ErrCode: 10010)
    ...", binance-connector "(401, -2015, '...', ...)", a python-okx dict).

    Exits 0 when the rule tables know it as an IP rejection, 1 when they do not.
    """
    import ccxt

    from .._core.classify import match

    if exchange not in ccxt.exchanges:
        _fail(f"unknown exchange {exchange!r} (not a ccxt id)")
    text = " ".join(error).strip()
    response, sdk = _explained(exchange, text)
    code = response.code
    found = match(response)
    if found is None and response.http_status is not None:
        # "451" could be an HTTP status or an exchange code: try both readings.
        found = match(attrs.evolve(response, code=None)) or match(
            attrs.evolve(response, http_status=None)
        )
    out = _Out(as_json=as_json, no_color=True)
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
    from .._client.sdk.texts import read
    from .._core.classify import Response, parse_body
    from .._core.lineage import families_of_id

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
        families=families_of_id(exchange),
        code=code,
        message=message,
        body=sdk.body if sdk is not None else text,
        http_status=status,
    )
    return response, sdk


def _egress_option(no_egress: bool) -> bool:
    return not no_egress


@cli.command()
@click.argument("exchange")
@_CONFIG
@_REGISTRY
@click.option("--label", help="The key's label in the registry.")
@_TIMEOUT
@_NO_EGRESS
@_JSON
@_NO_COLOR
def audit(
    exchange: str,
    config: str | None,
    registry: str | None,
    label: str | None,
    timeout: float,
    no_egress: bool,
    as_json: bool,
    no_color: bool,
) -> None:
    """Read a key's real restrictions from the exchange (read-only) and judge them."""
    from .._keys.audit import AuditUnsupported
    from .._keys.audit import audit as run_audit

    cfg, reg = _context(config, registry)
    target = _one_target(exchange, cfg)
    out = _Out(as_json=as_json, no_color=no_color, secrets=target.secrets)
    client = target.client(timeout=timeout)
    entry = _entry(reg, client, label or target.label)
    with _outcomes(out, "audit", exchange, AuditUnsupported), out.status("Auditing the key..."):
        result = run_audit(
            client,
            documented=None if entry is None else entry.entries,
            egress=_egress_option(no_egress),
        )
    out.json("audit", result.to_dict())
    out.block(str(result))
    raise SystemExit(EXIT_OK if result.ok else EXIT_PROBLEM)


@contextlib.contextmanager
def _outcomes(
    out: _Out, schema: str, exchange: str, *user_errors: type[Exception]
) -> Iterator[None]:
    """Turn what a command's exchange call raised into output and an exit code."""
    import ccxt

    from ..errors import IPRejection

    try:
        yield
    except user_errors as exc:
        _fail(str(exc))
    except IPRejection as exc:
        _rejected(out, schema, exc)
    except ccxt.NetworkError as exc:
        _unreachable(out, schema, exchange, exc)
    except ccxt.BaseError as exc:
        _refused(out, schema, exchange, exc)


def _entry(reg: Registry | None, client: Any, label: str | None) -> Any:
    if reg is None:
        return None
    try:
        # The one rule (Registry.entry_for): never an entry documenting another key.
        return reg.for_client(client, label=label or None)
    except KeyError as exc:
        _fail(str(exc.args[0]))


def _rejected(out: _Out, schema: str, exc: Any) -> NoReturn:
    out.json(schema, {"ok": False, "rejection": exc.diagnosis.to_dict()})
    out.block(str(exc.diagnosis))
    raise SystemExit(EXIT_PROBLEM)


def _unreachable(out: _Out, schema: str, exchange: str, exc: BaseException) -> NoReturn:
    detail = f"could not reach {exchange}: {type(exc).__name__}"
    out.json(schema, {"ok": None, "error": detail})
    out.line(detail)
    raise SystemExit(EXIT_UNKNOWN)


def _refused(out: _Out, schema: str, exchange: str, exc: BaseException) -> NoReturn:
    detail = f"{exchange} refused the call (not an IP rejection): {type(exc).__name__}: {exc}"
    out.json(schema, {"ok": False, "error": out.clean(detail)})
    out.line(detail)
    raise SystemExit(EXIT_PROBLEM)


@cli.command()
@click.argument("exchange")
@_CONFIG
@_REGISTRY
@click.option("--label", help="The key's label in the registry.")
@click.option(
    "--proxy",
    metavar="URL",
    help="A NON-whitelisted proxy: a signed call through it must be refused.",
)
@_TIMEOUT
@_NO_EGRESS
@click.option("-q", "--quiet", is_flag=True, help="No output; the exit code says it all.")
@_JSON
@_NO_COLOR
def check(
    exchange: str,
    config: str | None,
    registry: str | None,
    label: str | None,
    proxy: str | None,
    timeout: float,
    no_egress: bool,
    quiet: bool,
    as_json: bool,
    no_color: bool,
) -> None:
    """Pre-live check: the key works from here and is refused elsewhere.

    Fast and quiet enough for a Docker HEALTHCHECK or a Kubernetes readiness
    probe: exit 0 ready, 1 not (IP refused, key unrestricted, not documented),
    3 the exchange could not be reached.
    """
    from .._keys.check import check as run_check

    if quiet:
        _log.setLevel(logging.CRITICAL + 1)
    cfg, reg = _context(config, registry)
    target = _one_target(exchange, cfg)
    out = _Out(
        as_json=as_json and not quiet,
        no_color=no_color,
        secrets=[*target.secrets, *url_secrets(proxy)],
    )
    client = target.client(timeout=timeout)
    if label or target.label:
        _entry(reg, client, label or target.label)
    report = run_check(
        client,
        registry=reg,
        label=label or target.label,
        proxy=proxy,
        egress=_egress_option(no_egress),
    )
    if not quiet:
        out.json("check", report.to_dict())
        out.block(str(report))
        if report.diagnosis is not None:
            out.block(str(report.diagnosis))
    raise SystemExit(report.exit_code)


@cli.command()
@click.argument("exchange")
@click.option("--to", "new_ip", metavar="IP", help="The new egress IP (to start a migration).")
@_CONFIG
@_REGISTRY
@click.option("--label", help="The key's label in the registry.")
@click.option("--switched", is_flag=True, help="The bot now runs on the new host.")
@click.option("--removed", is_flag=True, help="The old IPs were removed on the exchange.")
@_TIMEOUT
@_NO_EGRESS
@_JSON
@_NO_COLOR
def migrate(
    exchange: str,
    new_ip: str | None,
    config: str | None,
    registry: str | None,
    label: str | None,
    switched: bool,
    removed: bool,
    timeout: float,
    no_egress: bool,
    as_json: bool,
    no_color: bool,
) -> None:
    """Move a key to a new egress IP: add, confirm, switch, confirm, remove.

    Run it on the old host with --to NEW to start, then again (on the new
    host) after each step it asks you to do. Progress is kept in the
    registry file, so an interrupted migration resumes where it stopped.
    Exits 0 when the migration is complete, 1 while it waits for a step.
    """
    from .._keys.migrate import MigrationError
    from .._keys.migrate import migrate as run_migrate

    cfg, reg = _context(config, registry)
    if reg is None:
        _fail("migrate needs the registry file (--registry or IPWHITELIST_REGISTRY)")
    target = _one_target(exchange, cfg)
    out = _Out(as_json=as_json, no_color=no_color, secrets=target.secrets)
    client = target.client(timeout=timeout)
    with _outcomes(out, "migrate", exchange, MigrationError):
        status = run_migrate(
            client,
            reg,
            to=new_ip,
            label=label or target.label,
            switched=switched,
            removed=removed,
            egress=_egress_option(no_egress),
        )
    out.json("migrate", status.to_dict())
    out.block(str(status))
    raise SystemExit(EXIT_OK if status.done else EXIT_PROBLEM)


@cli.command()
@click.argument("exchanges", nargs=-1)
@_CONFIG
@_REGISTRY
@_TIMEOUT
@_NO_EGRESS
@click.option(
    "--notify",
    "notify",
    is_flag=True,
    help="Only send a test notification ($IPWHITELIST_NOTIFY or the config's [notify]).",
)
@_JSON
@_NO_COLOR
def doctor(
    exchanges: tuple[str, ...],
    config: str | None,
    registry: str | None,
    timeout: float,
    no_egress: bool,
    notify: bool,
    as_json: bool,
    no_color: bool,
) -> None:
    """Why did my bot stop trading? Check every configured key and say what to do.

    For each exchange (all configured ones by default): egress, registry
    membership, key audit and one signed read-only call, then a verdict.
    With --notify, send a test notification instead, so you know the
    channel works before an outage needs it.
    """
    from .._keys.check import check as run_check

    cfg, reg = _context(config, registry)
    if notify:
        _test_notification(cfg, as_json=as_json, no_color=no_color)
    found = targets(exchanges, cfg, os.environ)
    secrets = [s for t in found for s in t.secrets]
    out = _Out(as_json=as_json, no_color=no_color, secrets=secrets)
    verdicts = []
    for target in found:
        if not target.has_credentials:
            verdicts.append(_verdict(target.exchange, None, "no credentials", EXIT_USAGE))
            continue
        try:
            with out.status(f"Checking {target.exchange}..."):
                report = run_check(
                    target.client(timeout=timeout),
                    registry=reg,
                    label=target.label,
                    egress=_egress_option(no_egress),
                )
        except KeyError as exc:
            # The configured label is not in the registry, or documents another key.
            verdicts.append(_verdict(target.exchange, None, str(exc.args[0]), EXIT_USAGE))
            continue
        verdicts.append(_verdict(target.exchange, report, "", report.exit_code))
    worst = max(v["exit_code"] for v in verdicts)
    code = EXIT_PROBLEM if worst == EXIT_USAGE else worst
    overall = {EXIT_OK: "ok", EXIT_UNKNOWN: "unverified"}.get(code, "problem")
    out.json("doctor", {"ok": code == EXIT_OK, "verdict": overall, "keys": verdicts})
    for v in verdicts:
        if v["report"] is not None:
            out.block(v["text"])
            if v["sdk_errors"]:
                out.line("The same error as the exchanges' SDKs show it in a bot's log:")
                for name, shape in v["sdk_errors"].items():
                    out.line(f"  {name}: {shape}")
            out.line()
    out.table(
        "ipwhitelist doctor",
        ("exchange", "key", "egress", "verdict", "what to do"),
        [(v["exchange"], v["label"] or "-", v["egress"], v["verdict"], v["fix"]) for v in verdicts],
    )
    raise SystemExit(code)


def _test_notification(cfg: Config, *, as_json: bool, no_color: bool) -> NoReturn:
    from .._ops.notify import NotifyHook
    from .config import notify_urls

    urls = notify_urls(cfg, os.environ)
    if not urls:
        _fail(
            "no notification URL: set IPWHITELIST_NOTIFY (apprise URLs, space-separated) or "
            'add [notify] urls = ["..."] to the config file'
        )
    # The URLs carry tokens: scrub them (and the part after the scheme) from everything printed.
    out = _Out(
        as_json=as_json, no_color=no_color, secrets=[*urls, *(u.partition("://")[2] for u in urls)]
    )
    try:
        hook = NotifyHook(urls)
    except (ImportError, ValueError) as exc:
        _fail(str(exc))
    delivered = hook.send_test()
    services = ", ".join(hook.services)
    out.json("notify", {"ok": delivered, "services": list(hook.services)})
    if delivered:
        out.line(f"test notification delivered ({services})")
    else:
        out.line(
            f"test notification NOT delivered ({services}): check the URLs and the "
            "service (apprise's reason, if it gave one, is logged above)",
            style="red",
        )
    raise SystemExit(EXIT_OK if delivered else EXIT_PROBLEM)


def _verdict(exchange: str, report: Any, problem: str, exit_code: int) -> dict[str, Any]:
    if report is None:
        prefix = exchange.upper()
        fix = (
            f"{problem}: set {prefix}_APIKEY and {prefix}_SECRET"
            if problem == "no credentials"
            else f"{problem}: fix the label in the config or the registry"
        )
        return {
            "exchange": exchange,
            "label": None,
            "egress": "-",
            "verdict": "NOT CHECKED",
            "fix": fix,
            "exit_code": exit_code,
            "report": None,
            "text": "",
            "sdk_errors": {},
        }
    fix = "-"
    sdk_errors: dict[str, str] = {}
    if report.diagnosis is not None:
        from .._client.sdk.texts import shapes

        fix = report.diagnosis.remediation[0] if report.diagnosis.remediation else "-"
        d = report.diagnosis
        sdk_errors = shapes(d.exchange, d.code, d.http_status, d.message)
    else:
        failed = [r for r in report.results if r.outcome == "fail"]
        critical = [
            f for f in (report.audit.findings if report.audit else ()) if f.severity == "critical"
        ]
        unproven = [r for r in report.results if r.name == "positive" and r.outcome != "pass"]
        if failed:
            fix = failed[0].detail
        elif critical:
            fix = critical[0].fix
        elif unproven:
            fix = f"nothing verified: {unproven[0].detail}; run it again"
    # The report's own three-state verdict, as in `check` (never OK when unverified).
    verdict = report.verdict.upper()
    return {
        "exchange": exchange,
        "label": report.label,
        "egress": ", ".join(report.egress_ips) or "-",
        "verdict": verdict,
        "fix": fix,
        "exit_code": exit_code,
        "report": report.to_dict(),
        "text": str(report),
        "sdk_errors": sdk_errors,
    }


@cli.command()
@_CONFIG
@_REGISTRY
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False, exists=True),
    help="A bot log to take recent ipwhitelist incidents from.",
)
@_NO_EGRESS
@_JSON
def report(
    config: str | None, registry: str | None, log_file: str | None, no_egress: bool, as_json: bool
) -> None:
    """A redacted support bundle to attach to a bug report or a support chat."""
    from .report import build

    cfg, reg = _context(config, registry)
    secrets: list[str] = []
    with contextlib.suppress(ConfigError):  # no keys configured: nothing to scrub
        secrets = [s for t in targets((), cfg, os.environ) for s in t.secrets]
    out = _Out(as_json=as_json, no_color=True, secrets=secrets)
    bundle = build(registry=reg, log_file=log_file, egress=not no_egress, secrets=secrets)
    out.json("report", bundle)
    if not as_json:
        click.echo(out.clean(json.dumps(bundle, indent=2, default=str)))
    raise SystemExit(EXIT_OK)


@cli.command()
@click.argument("exchange")
@click.argument("label", required=False)
@_REGISTRY
@_CONFIG
def paste(exchange: str, label: str | None, registry: str | None, config: str | None) -> None:
    """Print a key's documented whitelist in the exchange's input format."""
    cfg, reg = _context(config, registry)
    if reg is None:
        _fail("paste needs the registry file (--registry or IPWHITELIST_REGISTRY)")
    (target,) = targets((exchange,), cfg, os.environ)
    label = label or target.label
    # A named entry is printed as asked; otherwise the one rule
    # (Registry.entry_for) picks the configured key's own entry.
    api_key = None if label else target.settings.get("apiKey")
    try:
        entry = reg.entry_for(exchange, api_key=str(api_key) if api_key else None, label=label)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    if entry is None:
        known = ", ".join(f"{k.exchange}.{k.label}" for k in reg.keys) or "none"
        if api_key:
            _fail(
                f"no entry documents the configured {exchange} key; name one (documented: {known})"
            )
        _fail(f"name one key of {exchange} (documented: {known})")
    click.echo(entry.paste())
    raise SystemExit(EXIT_OK)


@cli.command()
@click.option(
    "--env", "env_name", metavar="NAME", help="Read the API key from this environment variable."
)
def fingerprint(env_name: str | None) -> None:
    """Print the fingerprint of an API key (from stdin or --env), for the registry."""
    from .._whitelist.fingerprint import fingerprint as make

    key = os.environ.get(env_name, "") if env_name else sys.stdin.readline()
    if not key.strip():
        _fail("no API key given: pipe it on stdin or name an environment variable with --env")
    click.echo(make(key.strip()))
    raise SystemExit(EXIT_OK)


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command line; returns the exit code.

    Exit codes: 0 all good, 1 a problem was found, 2 usage or configuration
    error, 3 could not determine (network).
    """
    logger = logging.getLogger("ipwhitelist")
    _log.setLevel(logging.WARNING)
    _log.secrets = ()
    logger.addHandler(_log)
    try:
        return _main(argv)
    finally:
        logger.removeHandler(_log)


def _main(argv: Sequence[str] | None) -> int:
    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except ConfigError as exc:
        click.echo(f"ipwhitelist: error: {escape_controls(redact(str(exc)))}", err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_PROBLEM
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    return EXIT_OK
