"""What every command shares: exit codes, options, redacted output, outcomes."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from typing import TYPE_CHECKING, Any, NoReturn

import ccxt
import click

from .._core.redact import escape_controls, human_lines, redact
from ..errors import IPRejection
from .config import ConfigError, Target, load_config, load_registry, targets

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from .._whitelist.registry import Registry
    from .config import Config

__all__ = [
    "CONFIG",
    "EXIT_OK",
    "EXIT_PROBLEM",
    "EXIT_UNKNOWN",
    "EXIT_USAGE",
    "JSON",
    "LOG",
    "NO_COLOR",
    "NO_EGRESS",
    "REGISTRY",
    "TIMEOUT",
    "LogToStderr",
    "Out",
    "context",
    "egress_option",
    "fail",
    "one_target",
    "outcomes",
    "registry_entry",
]

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3

JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
NO_COLOR = click.option("--no-color", is_flag=True, help="Plain output, no colours.")
CONFIG = click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="TOML file with [exchanges.<id>] credentials (default: $IPWHITELIST_CONFIG).",
)
REGISTRY = click.option(
    "--registry",
    type=click.Path(dir_okay=False),
    help="Registry of documented whitelists (default: $IPWHITELIST_REGISTRY).",
)
TIMEOUT = click.option(
    "--timeout",
    type=click.FloatRange(0.1, 120),
    default=10.0,
    show_default=True,
    help="Seconds per exchange call.",
)
NO_EGRESS = click.option("--no-egress", is_flag=True, help="Do not look up this host's egress IP.")


class Out:
    """
    Everything printed goes through here: redacted, coloured only on a terminal.

    Text output also has its control characters escaped (rich drops BEL and
    CR, not ESC): `line` prints one line, `block` a report the library
    formatted (its lines already escaped field by field). JSON needs no
    escaping: the encoder does it.
    """

    def __init__(self, *, as_json: bool, no_color: bool, secrets: Sequence[str] = ()) -> None:
        from rich.console import Console  # noqa: PLC0415 - lazy: rich loads with the first command that prints, not for --help

        self.as_json = as_json
        self.secrets = tuple(s for s in secrets if s)
        LOG.secrets = self.secrets
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
        from rich.table import Table  # noqa: PLC0415 - lazy: as rich.console above

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


class LogToStderr(logging.Handler):
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
        try:
            message = record.getMessage().removeprefix("ipwhitelist: ")
            text = f"ipwhitelist: {record.levelname.lower()}: {message}"
            exc = record.exc_info[1] if record.exc_info else None
            if exc is not None:
                text += f" ({type(exc).__name__}: {exc})"
            click.echo(redact(text, self.secrets), err=True)
        except Exception:  # noqa: BLE001 - logging's own contract for a failing handler
            self.handleError(record)


LOG = LogToStderr()


def fail(message: str) -> NoReturn:
    raise ConfigError(message)


def context(config_path: str | None, registry_path: str | None) -> tuple[Config, Registry | None]:
    config = load_config(config_path, os.environ)
    return config, load_registry(registry_path, config, os.environ)


def one_target(exchange: str, config: Config) -> Target:
    (target,) = targets((exchange,), config, os.environ)
    if not target.has_credentials:
        prefix = exchange.upper()
        fail(
            f"no credentials for {exchange}: set {prefix}_APIKEY and {prefix}_SECRET "
            f"(and {prefix}_PASSWORD where the exchange has a passphrase) in the environment, "
            "or add them to a config file"
        )
    return target


def egress_option(no_egress: bool) -> bool:
    return not no_egress


@contextlib.contextmanager
def outcomes(out: Out, schema: str, exchange: str, *user_errors: type[Exception]) -> Iterator[None]:
    """Turn what a command's exchange call raised into output and an exit code."""
    try:
        yield
    except user_errors as exc:
        fail(str(exc))
    except IPRejection as exc:
        _rejected(out, schema, exc)
    except ccxt.NetworkError as exc:
        _unreachable(out, schema, exchange, exc)
    except ccxt.BaseError as exc:
        _refused(out, schema, exchange, exc)


def registry_entry(reg: Registry | None, client: Any, label: str | None) -> Any:
    if reg is None:
        return None
    try:
        # The one rule (Registry.entry_for): never an entry documenting another key.
        return reg.for_client(client, label=label or None)
    except KeyError as exc:
        fail(str(exc.args[0]))


def _rejected(out: Out, schema: str, exc: Any) -> NoReturn:
    out.json(schema, {"ok": False, "rejection": exc.diagnosis.to_dict()})
    out.block(str(exc.diagnosis))
    raise SystemExit(EXIT_PROBLEM)


def _unreachable(out: Out, schema: str, exchange: str, exc: BaseException) -> NoReturn:
    detail = f"could not reach {exchange}: {type(exc).__name__}"
    out.json(schema, {"ok": None, "error": detail})
    out.line(detail)
    raise SystemExit(EXIT_UNKNOWN)


def _refused(out: Out, schema: str, exchange: str, exc: BaseException) -> NoReturn:
    detail = f"{exchange} refused the call (not an IP rejection): {type(exc).__name__}: {exc}"
    out.json(schema, {"ok": False, "error": out.clean(detail)})
    out.line(detail)
    raise SystemExit(EXIT_PROBLEM)
