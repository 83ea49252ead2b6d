"""The commands that call the exchange with a key: audit, check, migrate, doctor."""

from __future__ import annotations

import functools
import logging
import os
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .._client.sdk.texts import shapes
from .._core.redact import redact, url_secrets
from .common import (
    CONFIG,
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    JSON,
    LOG,
    NO_COLOR,
    NO_EGRESS,
    PROVIDERS,
    REGISTRY,
    TIMEOUT,
    Out,
    context,
    egress_option,
    fail,
    one_target,
    outcomes,
    proxy_url,
    registry_entry,
)
from .config import ConfigError, env_name, notify_urls, targets

if TYPE_CHECKING:
    from .config import Config, Target

__all__ = ["audit", "check", "doctor", "migrate"]


@click.command()
@click.argument("exchange")
@CONFIG
@REGISTRY
@click.option("--label", help="The key's label in the registry.")
@TIMEOUT
@NO_EGRESS
@PROVIDERS
@JSON
@NO_COLOR
def audit(
    exchange: str,
    config: str | None,
    registry: str | None,
    label: str | None,
    timeout: float,
    no_egress: bool,
    providers: tuple[str, ...],
    as_json: bool,
    no_color: bool,
) -> None:
    """Read a key's real restrictions from the exchange (read-only) and judge them."""
    from .._keys.audit import AuditUnsupported  # noqa: PLC0415 - lazy: ccxt loads for the commands that call an exchange only
    from .._keys.audit import audit as run_audit  # noqa: PLC0415 - lazy: as above

    cfg, reg = context(config, registry)
    target = one_target(exchange, cfg)
    out = Out(as_json=as_json, no_color=no_color, secrets=target.secrets)
    client = target.client(timeout=timeout)
    entry = registry_entry(reg, client, label or target.label)
    with outcomes(out, "audit", exchange, AuditUnsupported), out.status("Auditing the key..."):
        result = run_audit(
            client,
            documented=None if entry is None else entry.entries,
            egress=egress_option(no_egress, providers),
        )
    out.json("audit", result.to_dict())
    out.block(str(result))
    raise SystemExit(EXIT_OK if result.ok else EXIT_PROBLEM)


@click.command()
@click.argument("exchange")
@CONFIG
@REGISTRY
@click.option("--label", help="The key's label in the registry.")
@click.option(
    "--proxy",
    metavar="URL",
    help="A NON-whitelisted proxy: a signed call through it must be refused.",
)
@TIMEOUT
@NO_EGRESS
@PROVIDERS
@click.option("-q", "--quiet", is_flag=True, help="No output; the exit code says it all.")
@JSON
@NO_COLOR
def check(
    exchange: str,
    config: str | None,
    registry: str | None,
    label: str | None,
    proxy: str | None,
    timeout: float,
    no_egress: bool,
    providers: tuple[str, ...],
    quiet: bool,
    as_json: bool,
    no_color: bool,
) -> None:
    """Pre-live check: the key works from here and is refused elsewhere.

    Fast and quiet enough for a Docker HEALTHCHECK or a Kubernetes readiness
    probe: exit 0 ready, 1 not (IP refused, key unrestricted, egress not on the
    documented whitelist), 3 unverified (the exchange could not be reached, or
    nothing proved other IPs are refused: no key audit shows the restriction
    and no --proxy was refused).
    """
    from .._keys.check import check as run_check  # noqa: PLC0415 - lazy: ccxt loads for the commands that call an exchange only

    if quiet:
        LOG.setLevel(logging.CRITICAL + 1)
    proxy_url(proxy)
    cfg, reg = context(config, registry)
    target = one_target(exchange, cfg)
    out = Out(
        as_json=as_json and not quiet,
        no_color=no_color,
        secrets=[*target.secrets, *url_secrets(proxy)],
    )
    client = target.client(timeout=timeout)
    if label or target.label:
        registry_entry(reg, client, label or target.label)
    report = run_check(
        client,
        registry=reg,
        label=label or target.label,
        proxy=proxy,
        egress=egress_option(no_egress, providers),
    )
    if not quiet:
        out.json("check", report.to_dict())
        out.block(str(report))
        if report.diagnosis is not None:
            out.block(str(report.diagnosis))
    raise SystemExit(report.exit_code)


@click.command()
@click.argument("exchange")
@click.option("--to", "new_ip", metavar="IP", help="The new egress IP (to start a migration).")
@CONFIG
@REGISTRY
@click.option("--label", help="The key's label in the registry.")
@click.option("--switched", is_flag=True, help="The bot now runs on the new host.")
@click.option("--removed", is_flag=True, help="The old IPs were removed on the exchange.")
@TIMEOUT
@NO_EGRESS
@PROVIDERS
@JSON
@NO_COLOR
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
    providers: tuple[str, ...],
    as_json: bool,
    no_color: bool,
) -> None:
    """Move a key to a new egress IP: add, confirm, switch, confirm, remove.

    Run it on the old host with --to NEW to start, then again (on the new
    host) after each step it asks you to do. Progress is kept in the
    registry file, so an interrupted migration resumes where it stopped.
    Exits 0 when the migration is complete, 1 while it waits for a step.
    """
    from .._keys.migrate import MigrationError  # noqa: PLC0415 - lazy: ccxt loads for the commands that call an exchange only
    from .._keys.migrate import migrate as run_migrate  # noqa: PLC0415 - lazy: as above

    cfg, reg = context(config, registry)
    if reg is None:
        fail("migrate needs the registry file (--registry or IPWHITELIST_REGISTRY)")
    target = one_target(exchange, cfg)
    out = Out(as_json=as_json, no_color=no_color, secrets=target.secrets)
    client = target.client(timeout=timeout)
    from .._whitelist.registry import RegistryError  # noqa: PLC0415 - lazy: as above

    with outcomes(out, "migrate", exchange, MigrationError, RegistryError):
        status = run_migrate(
            client,
            reg,
            to=new_ip,
            label=label or target.label,
            switched=switched,
            removed=removed,
            egress=egress_option(no_egress, providers),
        )
    out.json("migrate", status.to_dict())
    out.block(str(status))
    if status.unreachable:
        raise SystemExit(EXIT_UNKNOWN)
    raise SystemExit(EXIT_OK if status.done else EXIT_PROBLEM)


@click.command()
@click.argument("exchanges", nargs=-1)
@CONFIG
@REGISTRY
@TIMEOUT
@NO_EGRESS
@PROVIDERS
@click.option(
    "--notify",
    "notify",
    is_flag=True,
    help="Only send a test notification ($IPWHITELIST_NOTIFY or the config's [notify]).",
)
@JSON
@NO_COLOR
def doctor(
    exchanges: tuple[str, ...],
    config: str | None,
    registry: str | None,
    timeout: float,
    no_egress: bool,
    providers: tuple[str, ...],
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
    cfg, reg = context(config, registry)
    if notify:
        _test_notification(cfg, as_json=as_json, no_color=no_color)
    found = targets(exchanges, cfg, os.environ)
    secrets = [s for t in found for s in t.secrets]
    out = Out(as_json=as_json, no_color=no_color, secrets=secrets)
    check_one = functools.partial(
        _doctor_one,
        out=out,
        registry=reg,
        timeout=timeout,
        egress=egress_option(no_egress, providers),
    )
    verdicts = [check_one(target) for target in found]
    # A problem found (or a key not checked) outranks a key left unverified:
    # an unreachable exchange must not turn a refused key into "could not determine".
    outcomes = {v["exit_code"] for v in verdicts}
    if outcomes & {EXIT_PROBLEM, EXIT_USAGE}:
        code = EXIT_PROBLEM
    else:
        code = EXIT_UNKNOWN if EXIT_UNKNOWN in outcomes else EXIT_OK
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
        [
            (v["exchange"], v["label"] or "-", v["egress"] or "-", v["verdict"], v["fix"] or "-")
            for v in verdicts
        ],
    )
    raise SystemExit(code)


def _doctor_one(
    target: Target, *, out: Out, registry: Any, timeout: float, egress: Any
) -> dict[str, Any]:
    """One key's doctor verdict; whatever goes wrong with it, the other keys are still checked."""
    from .._keys.check import check as run_check  # noqa: PLC0415 - lazy: ccxt loads for the commands that call an exchange only

    if not target.has_credentials:
        prefix = env_name(target.exchange)
        return _not_checked(
            target.exchange, f"no credentials: set {prefix}_APIKEY and {prefix}_SECRET"
        )
    try:
        client = target.client(timeout=timeout)
    except ConfigError as exc:
        # A credential the exchange requires is missing: named, not checked.
        return _not_checked(target.exchange, str(exc))
    try:
        with out.status(f"Checking {target.exchange}..."):
            report = run_check(client, registry=registry, label=target.label, egress=egress)
    except KeyError as exc:
        # The configured label is not in the registry, or documents another key.
        return _not_checked(
            target.exchange, f"{exc.args[0]}: fix the label in the config or the registry"
        )
    except Exception as exc:  # noqa: BLE001 - one bad exchange must not stop the others
        fix = f"unexpected error ({type(exc).__name__}: {exc}); please report it"
        return _not_checked(target.exchange, redact(fix, out.secrets))
    return _verdict(target.exchange, report)


def _test_notification(cfg: Config, *, as_json: bool, no_color: bool) -> NoReturn:
    urls = notify_urls(cfg, os.environ)
    if not urls:
        fail(
            "no notification URL: set IPWHITELIST_NOTIFY (apprise URLs, space-separated) or "
            'add [notify] urls = ["..."] to the config file'
        )
    # The URLs carry tokens: scrub them (and the part after the scheme) from everything printed.
    out = Out(
        as_json=as_json, no_color=no_color, secrets=[*urls, *(u.partition("://")[2] for u in urls)]
    )
    from .._ops.notify import NotifyHook  # noqa: PLC0415 - lazy: notifications load for --notify only

    try:
        hook = NotifyHook(urls)
    except (ImportError, ValueError) as exc:
        fail(str(exc))
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


def _not_checked(exchange: str, fix: str) -> dict[str, Any]:
    return {
        "exchange": exchange,
        "label": None,
        "egress": None,
        "verdict": "NOT CHECKED",
        "fix": fix,
        "exit_code": EXIT_USAGE,
        "report": None,
        "text": "",
        "sdk_errors": {},
    }


def _verdict(exchange: str, report: Any) -> dict[str, Any]:
    fix: str | None = None
    sdk_errors: dict[str, str] = {}
    if report.diagnosis is not None:
        fix = report.diagnosis.remediation[0] if report.diagnosis.remediation else None
        d = report.diagnosis
        sdk_errors = shapes(d.exchange, d.code, d.http_status, d.message)
    else:
        failed = [r for r in report.results if r.outcome == "fail"]
        critical = [
            f for f in (report.audit.findings if report.audit else ()) if f.severity == "critical"
        ]
        unproven = [r for r in report.results if r.name == "positive" and r.outcome != "pass"]
        # The audit's fix says what to do; a failed test's detail only what is wrong.
        if critical:
            fix = critical[0].fix
        elif failed:
            fix = failed[0].detail
        elif unproven:
            fix = f"nothing verified: {unproven[0].detail}; run it again"
        elif report.verdict == "unverified":
            fix = (
                "the key works, but nothing proved other IPs are refused: run "
                "`ipwhitelist check --proxy URL` through a non-whitelisted proxy"
            )
    # The report's own three-state verdict, as in `check` (never OK when unverified).
    verdict = report.verdict.upper()
    return {
        "exchange": exchange,
        "label": report.label,
        "egress": ", ".join(report.egress_ips) or None,
        "verdict": verdict,
        "fix": fix,
        "exit_code": report.exit_code,
        "report": report.to_dict(),
        "text": str(report),
        "sdk_errors": sdk_errors,
    }
