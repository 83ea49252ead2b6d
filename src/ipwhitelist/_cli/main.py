"""
The ``ipwhitelist`` command line (``python -m ipwhitelist``).

Exit codes, for every command: 0 all good, 1 a problem was found, 2 usage or
configuration error, 3 could not determine (network). ``--json`` prints one
JSON object with a ``schema`` field naming its version; nothing secret is
ever printed: every line goes through the redactor with the configured
credentials, on top of never putting them there.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import click

from .._core.redact import escape_controls, redact
from . import keys, local
from .common import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, LOG
from .config import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ipwhitelist", prog_name="ipwhitelist")
def cli() -> None:
    """Find out why an exchange refuses your bot's IP, and fix it."""


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
    logger = logging.getLogger("ipwhitelist")
    LOG.setLevel(logging.WARNING)
    LOG.secrets = ()
    logger.addHandler(LOG)
    try:
        return _main(argv)
    finally:
        logger.removeHandler(LOG)


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
