"""What every command shares: exit codes, options, redacted output, outcomes."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .._core.redact import REDACTED, escape_controls, human_lines, redact, remove_values
from .config import ConfigError, Target, env_name, load_config, load_registry, targets

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
    "PROVIDERS",
    "REGISTRY",
    "TIMEOUT",
    "CliError",
    "LogToStderr",
    "Out",
    "clean",
    "context",
    "egress_option",
    "fail",
    "one_target",
    "outcomes",
    "provider_urls",
    "proxy_url",
    "registry_entry",
    "unreachable",
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
PROVIDERS = click.option(
    "--provider",
    "providers",
    multiple=True,
    metavar="URL",
    envvar="IPWHITELIST_PROVIDERS",
    help="Egress provider URL, its body the address as text (repeatable; default: "
    "$IPWHITELIST_PROVIDERS, space-separated, else the built-in providers).",
)


class CliError(Exception):
    """
    An error a command reports with its kind and exit code (no traceback).

    ``kind`` is the ``error.kind`` of the JSON error object: ``network`` (exit
    3), ``exchange`` (the exchange refused, exit 1), ``config``/``usage``
    (exit 2).
    """

    def __init__(self, message: str, *, kind: str, exit_code: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.exit_code = exit_code


class Out:
    """
    Everything printed goes through here: redacted, coloured only on a terminal.

    Text output also has its control characters escaped (rich drops BEL and
    CR, not ESC): `line` prints one line, `block` a report the library
    formatted (its lines already escaped field by field). JSON needs no
    escaping: the encoder does it.
    """

    def __init__(self, *, as_json: bool, no_color: bool, secrets: Sequence[str] = ()) -> None:
        self.as_json = as_json
        self.secrets = tuple(s for s in secrets if s)
        LOG.secrets = self.secrets
        self.no_color = no_color or bool(os.environ.get("NO_COLOR"))

    @functools.cached_property
    def console(self) -> Any:
        """The rich console, for colour and tables: loaded on first use (a hundred milliseconds)."""
        from rich.console import Console  # noqa: PLC0415 - lazy: plain output and --help do without rich

        return Console(no_color=self.no_color, highlight=False, soft_wrap=True)

    @functools.cached_property
    def err(self) -> Any:
        """The rich console on stderr, for the spinner."""
        from rich.console import Console  # noqa: PLC0415 - lazy: as `console`

        return Console(stderr=True, no_color=self.no_color, highlight=False, soft_wrap=True)

    @property
    def plain(self) -> bool:
        """Whether output is plain text (no colour, or not a terminal): no rich needed."""
        return self.no_color or not sys.stdout.isatty()

    def warn(self, text: str) -> None:
        """One line on stderr (text mode only)."""
        if not self.as_json:
            click.echo(self.human(text), err=True)

    def clean(self, text: str) -> str:
        return clean(text, self.secrets)

    def human(self, text: str) -> str:
        return escape_controls(self.clean(text))

    def line(self, text: str = "", style: str | None = None) -> None:
        if self.as_json:
            return
        if self.plain:
            click.echo(self.human(text))
        else:
            self.console.print(self.human(text), style=style, markup=False)

    def block(self, text: str) -> None:
        if self.as_json:
            return
        lines = human_lines(self.clean(text).split("\n"))
        if self.plain:
            click.echo(lines)
        else:
            self.console.print(lines, markup=False)

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
        if self.as_json or not sys.stderr.isatty():
            return contextlib.nullcontext()
        return self.err.status(text)


# scheme://userinfo@ (as the core's redactor reads it): a URL's user and password.
_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,31}://)[^\s/?#]*@")


def clean(text: str, secrets: Sequence[str] = ()) -> str:
    """
    *text* without the configured credentials and URL passwords, and nothing else removed.

    What the CLI prints is the library's own words (findings, results,
    diagnoses: each field already redacted where it was made) and its own
    messages: the pattern redactor, made for text of unknown origin, would
    take ordinary words for values ("this key: ***"). Text from an exchange
    goes through `redact` where the CLI puts it in a message.
    """
    text = remove_values(text, secrets)
    if "@" in text and "://" in text:
        text = _USERINFO.sub(rf"\1{REDACTED}@", text)
    return text


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
        prefix = env_name(exchange)
        fail(
            f"no credentials for {exchange}: set {prefix}_APIKEY and {prefix}_SECRET "
            f"(and {prefix}_PASSWORD where the exchange has a passphrase) in the environment, "
            "or add them to a config file"
        )
    return target


_PROXY_SCHEMES = frozenset({"http", "https", "socks4", "socks5", "socks5h"})


def proxy_url(proxy: str | None) -> None:
    """
    A usage error unless *proxy* is a proxy URL (``http://host:3128``, ``socks5://host:1080``).

    The message never repeats the URL: it may hold a password.
    """
    if proxy is None:
        return
    from urllib.parse import urlsplit  # noqa: PLC0415 - lazy: for --proxy only

    try:
        parts = urlsplit(proxy.strip())
        valid = parts.scheme in _PROXY_SCHEMES and bool(parts.hostname) and parts.port != 0
    except ValueError:
        valid = False
    if not valid:
        fail(
            # No "[user:password@]" here: the output's redaction would mangle it.
            "--proxy is not a proxy URL: expected scheme://host:port with scheme "
            f"{', '.join(sorted(_PROXY_SCHEMES))}, the login before the host when the proxy "
            "needs one (e.g. http://proxy.internal:3128)"
        )


def provider_urls(providers: Sequence[str]) -> None:
    """
    A usage error unless each of *providers* is an ``http(s)://host/...`` URL.

    Checked before any lookup: a malformed provider would otherwise fail every
    lookup and exit 3 ("could not determine"), a network outcome, for a typo.
    The message never repeats the URL: it may hold a token.
    """
    from urllib.parse import urlsplit  # noqa: PLC0415 - lazy: for --provider only

    for provider in providers:
        try:
            parts = urlsplit(provider.strip())
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            fail(
                "--provider is not an egress provider URL: expected http:// or https:// "
                "and a host (e.g. https://api.ipify.org)"
            )


def egress_option(no_egress: bool, providers: Sequence[str] = ()) -> Any:
    """The library's ``egress=``: no lookup, the default detector, or the user's providers."""
    if no_egress:
        return False
    if not providers:
        return True
    provider_urls(providers)
    from .._egress.detector import EgressDetector  # noqa: PLC0415 - lazy: httpx loads for a lookup only

    try:
        return EgressDetector(list(providers), ttl=0)
    except ValueError as exc:
        fail(f"--provider: {exc}")


@contextlib.contextmanager
def outcomes(out: Out, schema: str, exchange: str, *user_errors: type[Exception]) -> Iterator[None]:
    """Turn what a command's exchange call raised into output and an exit code."""
    try:
        yield
    except user_errors as exc:
        fail(str(exc))
    except Exception as exc:
        import ccxt  # noqa: PLC0415 - lazy: only the commands that call an exchange load ccxt

        from ..errors import IPRejection  # noqa: PLC0415 - lazy: as ccxt, which it subclasses

        if isinstance(exc, IPRejection):
            _rejected(out, schema, exc)
        if isinstance(exc, ccxt.NetworkError):
            raise CliError(
                unreachable(exchange, exc), kind="network", exit_code=EXIT_UNKNOWN
            ) from None
        if isinstance(exc, ccxt.BaseError):
            detail = (
                f"{exchange} refused the call (not an IP rejection): {type(exc).__name__}: {exc}"
            )
            raise CliError(out.clean(detail), kind="exchange", exit_code=EXIT_PROBLEM) from None
        raise


def unreachable(exchange: str, exc: BaseException) -> str:
    """What to say, and do, when the exchange did not answer."""
    return (
        f"could not reach {exchange} ({type(exc).__name__}): check this host's DNS, firewall "
        f"and proxy settings, and the exchange's status page; then run it again"
    )


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
