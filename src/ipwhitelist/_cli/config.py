"""
Where the command line gets exchanges, credentials and the registry from.

Credentials come from the environment in ccxt's usual naming
(``BINANCE_APIKEY``/``BINANCE_API_KEY``, ``BINANCE_SECRET``,
``OKX_PASSWORD``/``OKX_PASSPHRASE``, ``<ID>_UID``) or from a TOML config file
(``--config`` or ``IPWHITELIST_CONFIG``); never from the command line, where
they would land in shell history and ``ps``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._client.urls import point_at
from .._core import toml
from .._core.bounded import FileTooLargeError, read_text_bounded
from .._core.ccxt_ids import exchange_ids
from .._ops.notify import ENV_VAR, split_urls
from .._whitelist.registry import Registry, RegistryError

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping


__all__ = [
    "Config",
    "ConfigError",
    "Target",
    "env_name",
    "exchanges_in_environment",
    "from_environment",
    "load_config",
    "load_registry",
    "notify_urls",
    "targets",
]

_CREDENTIAL_ENV = {
    "apiKey": ("APIKEY", "API_KEY", "KEY"),
    "secret": ("SECRET", "API_SECRET", "SECRET_KEY"),
    "password": ("PASSWORD", "PASSPHRASE", "API_PASSPHRASE"),
    "uid": ("UID",),
}
_CONFIG_FIELDS = {
    "apiKey",
    "secret",
    "password",
    "uid",
    "options",
    "sandbox",
    "base_url",
    "label",
    "httpProxy",
    "httpsProxy",
    "socksProxy",
    "timeout",
}
#: ccxt's other names for a field, as bot configs (freqtrade's too) spell them.
_CONFIG_ALIASES = {"passphrase": "password", "apiSecret": "secret", "key": "apiKey"}
#: What to set for a credential ccxt requires beyond key and secret.
_MORE_CREDENTIALS = {
    "password": ("PASSWORD", "the API passphrase"),
    "uid": ("UID", "the account's user id"),
}


class ConfigError(Exception):
    """A user mistake in configuration or arguments: exit code 2, no traceback."""


@attrs.frozen(kw_only=True)
class Target:
    """One exchange key the command line works on."""

    exchange: str
    label: str | None
    settings: Mapping[str, Any]
    origin: str  # "environment" or the config file, for messages

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credential values, to scrub from any output."""
        return tuple(
            str(self.settings[k]) for k in _CREDENTIAL_ENV if self.settings.get(k) is not None
        )

    @property
    def has_credentials(self) -> bool:
        """Whether an API key and secret are configured."""
        return bool(self.settings.get("apiKey")) and bool(self.settings.get("secret"))

    def client(self, *, timeout: float) -> Any:
        """A real, sync ccxt client for this target."""
        import ccxt  # noqa: PLC0415 - lazy: only the commands that call an exchange load ccxt

        cls = getattr(ccxt, self.exchange)
        config: dict[str, Any] = {
            k: self.settings[k]
            for k in (
                "apiKey",
                "secret",
                "password",
                "uid",
                "httpProxy",
                "httpsProxy",
                "socksProxy",
            )
            if self.settings.get(k) is not None
        }
        config["timeout"] = int(self.settings.get("timeout", timeout) * 1000)
        config["options"] = dict(self.settings.get("options") or {})
        client = cls(config)
        self._check_required(client)
        if self.settings.get("sandbox"):
            client.set_sandbox_mode(True)
        base_url = self.settings.get("base_url")
        if base_url:
            point_at(client, str(base_url))
        return client

    def _check_required(self, client: Any) -> None:
        """A configuration error naming each credential ccxt requires that is not set."""
        required = getattr(client, "requiredCredentials", None) or {}
        missing = [
            k
            for k, needed in required.items()
            if needed and k not in ("apiKey", "secret") and not self.settings.get(k)
        ]
        if not missing:
            return
        prefix = env_name(self.exchange)
        named = [
            f"{prefix}_{_MORE_CREDENTIALS[k][0]} ({_MORE_CREDENTIALS[k][1]})"
            if k in _MORE_CREDENTIALS
            else f"ccxt's {k!r} credential (ipwhitelist cannot pass it: not supported)"
            for k in missing
        ]
        raise ConfigError(
            f"{self.exchange} needs more than an API key and a secret: set {' and '.join(named)}"
        )


def env_name(exchange: str) -> str:
    """The prefix of *exchange*'s environment variables (``BINANCEUSDM``, ``GATE_IO``)."""
    return re.sub(r"[^A-Z0-9]", "_", exchange.upper())


def from_environment(exchange: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The credentials for *exchange* found in *environ*, by ccxt's naming."""
    prefix = env_name(exchange)
    found: dict[str, str] = {}
    for field, suffixes in _CREDENTIAL_ENV.items():
        for suffix in suffixes:
            value = environ.get(f"{prefix}_{suffix}")
            if value:
                found[field] = value
                break
    return found


def exchanges_in_environment(environ: Mapping[str, str]) -> list[str]:
    """Ccxt ids with an API key in the environment, sorted."""
    found = set()
    for exchange in exchange_ids():
        prefix = env_name(exchange) + "_"
        if any(environ.get(prefix + s) for s in _CREDENTIAL_ENV["apiKey"]):
            found.add(exchange)
    return sorted(found)


@attrs.frozen(kw_only=True)
class Config:
    """The parsed config file (or an empty one)."""

    path: Path | None = None
    registry: Path | None = None
    exchanges: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    #: Apprise URLs from the ``[notify]`` table (``urls``).
    notify: tuple[str, ...] = ()


def load_config(path: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Config:
    """
    Read the config file named by *path* or ``IPWHITELIST_CONFIG``.

    Raises:
        ConfigError: The file is missing, not TOML, or has unknown fields.
    """
    name = path or environ.get("IPWHITELIST_CONFIG")
    if not name:
        return Config()
    file = Path(name)
    try:
        data = toml.loads(read_text_bounded(file))
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist") from None
    except (OSError, UnicodeDecodeError, FileTooLargeError) as exc:
        raise ConfigError(f"cannot read config file {file}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}") from None
    unknown = set(data) - {"registry", "exchanges", "notify"}
    if unknown:
        raise ConfigError(
            f"{file}: unknown top-level field(s) {', '.join(sorted(unknown))} "
            "(expected 'registry', [exchanges.<id>] tables and [notify])"
        )
    exchanges = _check_exchanges(file, data.get("exchanges", {}))
    registry = data.get("registry")
    if registry is not None and not isinstance(registry, str):
        raise ConfigError(f"{file}: 'registry' must be a path")
    return Config(
        path=file,
        registry=(file.parent / registry) if registry else None,
        exchanges=exchanges,
        notify=_check_notify(file, data.get("notify", {})),
    )


def _check_notify(file: Path, notify: object) -> tuple[str, ...]:
    if not isinstance(notify, dict) or set(notify) - {"urls"}:
        raise ConfigError(f'{file}: [notify] takes one field, urls = ["tgram://...", ...]')
    urls = notify.get("urls", [])
    if isinstance(urls, str):
        return split_urls(urls)
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise ConfigError(f"{file}: [notify] urls must be a list of apprise URLs")
    return split_urls(urls)


def notify_urls(config: Config, environ: Mapping[str, str]) -> tuple[str, ...]:
    """The apprise URLs from ``IPWHITELIST_NOTIFY``, else from the config file's ``[notify]``."""
    return split_urls(environ.get(ENV_VAR, "")) or config.notify


def _check_exchanges(file: Path, exchanges: object) -> dict[str, dict[str, Any]]:
    if not isinstance(exchanges, dict):
        raise ConfigError(f"{file}: 'exchanges' must be tables such as [exchanges.binance]")
    for exchange, body in exchanges.items():
        if exchange not in exchange_ids():
            near = difflib.get_close_matches(exchange, exchange_ids(), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"{file}: [exchanges.{exchange}] is not a ccxt exchange id{hint}")
        if not isinstance(body, dict):
            raise ConfigError(f"{file}: [exchanges.{exchange}] must be a table")
        for alias, field in _CONFIG_ALIASES.items():
            if alias in body:
                if field in body:
                    raise ConfigError(
                        f"{file}: [exchanges.{exchange}] has both {alias} and {field}: keep one"
                    )
                body[field] = body.pop(alias)
        extra = set(body) - _CONFIG_FIELDS
        if extra:
            raise ConfigError(
                f"{file}: [exchanges.{exchange}] unknown field(s) {', '.join(sorted(extra))} "
                f"(expected {', '.join(sorted(_CONFIG_FIELDS))}; also accepted: "
                f"{', '.join(sorted(_CONFIG_ALIASES))})"
            )
    return exchanges


def targets(exchanges: tuple[str, ...], config: Config, environ: Mapping[str, str]) -> list[Target]:
    """
    The keys to work on: the named exchanges, else every configured one.

    Environment variables override the config file's values field by field.

    Raises:
        ConfigError: An unknown exchange id, or nothing configured at all.
    """
    for exchange in exchanges:
        if exchange not in exchange_ids():
            near = difflib.get_close_matches(exchange, exchange_ids(), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"unknown exchange {exchange!r} (not a ccxt id){hint}")
    names = list(exchanges) or sorted({*config.exchanges, *exchanges_in_environment(environ)})
    if not names:
        raise ConfigError(
            "no exchange configured: set e.g. BINANCE_APIKEY and BINANCE_SECRET in the "
            "environment, or give a config file with [exchanges.binance] (--config or "
            "IPWHITELIST_CONFIG)"
        )
    found = []
    for exchange in names:
        settings = {**config.exchanges.get(exchange, {}), **from_environment(exchange, environ)}
        origin = str(config.path) if exchange in config.exchanges else "environment"
        found.append(
            Target(
                exchange=exchange,
                label=settings.get("label"),
                settings=settings,
                origin=origin,
            )
        )
    return found


def load_registry(
    path: str | os.PathLike[str] | None, config: Config, environ: Mapping[str, str]
) -> Registry | None:
    """
    The registry from ``--registry``, ``IPWHITELIST_REGISTRY`` or the config file.

    Raises:
        ConfigError: The file is missing or invalid (the message says where and why).
    """
    name = path or environ.get("IPWHITELIST_REGISTRY") or config.registry
    if not name:
        return None
    try:
        return Registry.load(name)
    except FileNotFoundError:
        raise ConfigError(f"registry file {name} does not exist") from None
    except RegistryError as exc:
        raise ConfigError(str(exc)) from None
