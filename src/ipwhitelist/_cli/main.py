"""
The ``ipwhitelist`` command line (``python -m ipwhitelist``).

Exit codes, for every command: 0 all good, 1 a problem was found, 2 usage or
configuration error, 3 could not determine (network, or an unexpected error
inside ipwhitelist). ``--json`` prints exactly one JSON object with a
``schema`` field naming its version, also on errors (``ipwhitelist.error/1``);
nothing secret is ever printed: every line goes through the redactor with the
configured credentials, on top of never putting them there. No traceback
reaches the user.

This module imports no exchange library: ``--help``, ``--version`` and the
commands that need no exchange start without loading ccxt.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from typing import TYPE_CHECKING

import click

from .._core.redact import escape_controls, redact
from . import keys, local
from .common import EXIT_OK, EXIT_PROBLEM, EXIT_UNKNOWN, EXIT_USAGE, LOG, CliError, clean
from .config import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ipwhitelist", prog_name="ipwhitelist")
def cli() -> None:
    """Find out why an exchange refuses your bot's IP, and fix it.

    Exit codes: 0 all good, 1 a problem was found, 2 usage or configuration
    error, 3 could not determine (network). With --json every command prints
    exactly one JSON object, errors included.
    """


for _command in (
    local.demo,
    local.egress,
    local.explain,
    keys.audit,
    keys.check,
    keys.migrate,
    keys.doctor,
    local.report,
    local.paste,
    local.fingerprint,
):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command line; returns the exit code.

    Exit codes: 0 all good, 1 a problem was found, 2 usage or configuration
    error, 3 could not determine (network).
    """
    args = list(argv) if argv is not None else sys.argv[1:]
    logger = logging.getLogger("ipwhitelist")
    LOG.setLevel(logging.WARNING)
    LOG.secrets = ()
    logger.addHandler(LOG)
    try:
        with _encodable_output():
            return _main(args)
    finally:
        logger.removeHandler(LOG)


def _main(args: list[str]) -> int:
    try:
        cli.main(args=args, prog_name="ipwhitelist", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - every error ends here: no traceback, ever
        return _error(args, *_classified(args, exc))
    return EXIT_OK


def _classified(args: Sequence[str], exc: Exception) -> tuple[str, str, int]:
    """The error kind, the message and the exit code for what a command raised."""
    if isinstance(exc, ConfigError):
        return "config", str(exc), EXIT_USAGE
    if isinstance(exc, CliError):
        return exc.kind, str(exc), exc.exit_code
    if isinstance(exc, click.exceptions.Abort):
        return "usage", "aborted", EXIT_PROBLEM
    if isinstance(exc, click.UsageError):
        if exc.ctx is not None and not _wants_json(args):
            click.echo(exc.ctx.get_usage(), err=True)
            click.echo(f"Try '{exc.ctx.command_path} -h' for help.", err=True)
        return "usage", exc.format_message(), EXIT_USAGE
    if isinstance(exc, click.ClickException):
        return "usage", exc.format_message(), EXIT_USAGE
    message = (
        f"unexpected error ({type(exc).__name__}: {exc}); nothing was changed. Please "
        "report it, with the output of `ipwhitelist report`: "
        "https://github.com/ipwhitelist/ipwhitelist/issues"
    )
    return "internal", message, EXIT_UNKNOWN


def _wants_json(args: Sequence[str]) -> bool:
    """Whether the user asked for JSON (also when parsing then failed)."""
    before = list(args[: args.index("--")]) if "--" in args else list(args)
    return "--json" in before


def _command_in(args: Sequence[str]) -> str | None:
    return next((a for a in args if a in cli.commands), None)


def _error(args: Sequence[str], kind: str, message: str, code: int) -> int:
    """Report an error: one JSON error object with --json, one line on stderr without."""
    # The CLI's own words lose only credentials; an unexpected error's text is of
    # unknown origin and goes through the pattern redactor too.
    message = (redact if kind == "internal" else clean)(message, LOG.secrets)
    if _wants_json(args):
        payload = {
            "schema": "ipwhitelist.error/1",
            "command": _command_in(args),
            "ok": False,
            "error": {"kind": kind, "message": message},
        }
        click.echo(json.dumps(payload))
    else:
        click.echo(f"ipwhitelist: error: {escape_controls(message)}", err=True)
    return code


@contextlib.contextmanager
def _encodable_output() -> Iterator[None]:
    """
    Never crash on a console that cannot encode a character (cp1252, a redirected Windows pipe).

    The streams keep their encoding; what it cannot encode becomes ``?``.
    """
    restore = []
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")
                restore.append(reconfigure)
    try:
        yield
    finally:
        for reconfigure in restore:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="strict")
