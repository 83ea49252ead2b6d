"""
Fuzzing: whatever an exchange sends, ipwhitelist never makes things worse.

Four guarantees from issue 9. Arbitrary bodies, statuses, codes and messages
raise nothing but ccxt's own errors or a typed `IPRejection`; no pattern takes
unbounded time on a 1 MB message (a hang detector, not a stopwatch); random
credentials never reach any output; and a failure while a diagnosis is built
degrades to a minimal diagnosis and a log record.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import pickle
import re
import subprocess
import sys
import textwrap
from typing import Any

import ccxt
import ccxt.async_support
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import ipwhitelist
from helpers import API_KEY, B2015, CREDENTIALS, CannedAdapter, body_of, canned, make_client, mount
from ipwhitelist._client import mapping as _mapping
from ipwhitelist._client.mapping import Settings, reject
from ipwhitelist._core import advice as _remediation
from ipwhitelist._core import classify as _classify
from ipwhitelist._core import redact as _redact
from ipwhitelist._core.lineage import lineage_of_id
from ipwhitelist._core.rules import Rule
from ipwhitelist._egress import hints as _hints
from strategies import IP_TEMPLATES, api_keys, ips

# One implicit private REST method per exchange: no market loading, one request.
PRIVATE = {
    "binance": "private_get_account",
    "bybit": "private_get_v5_account_wallet_balance",
    "okx": "private_get_account_balance",
    "gate": "private_spot_get_accounts",
    "kucoin": "private_get_accounts",
    "mexc": "spot_private_get_account",
}
FAMILIES = (*PRIVATE, "binanceusdm", "bitget", "bingx", "unknownexchange")

FUZZ = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)


# -- strategies -----------------------------------------------------------------------


def _fragments() -> list[str]:
    """Literal words of every rule's message pattern, read when first drawn."""
    found = [
        word
        for rule in ipwhitelist.rules()
        if rule.message is not None
        for word in re.findall(r"[A-Za-z][A-Za-z' ]{2,}", rule.message.pattern)
    ]
    return found or ["IP"]


def _codes() -> list[str]:
    return sorted({r.code for r in ipwhitelist.rules() if r.code is not None}) or ["-2015"]


fragments = st.deferred(lambda: st.sampled_from(_fragments()))
rule_codes = st.deferred(lambda: st.sampled_from(_codes()))
codes = st.one_of(rule_codes, st.integers(-5000, 200_000).map(str), st.text(max_size=12))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
atoms = st.one_of(
    fragments,
    st.tuples(st.sampled_from(IP_TEMPLATES), ips).map(lambda p: p[0].format(ip=p[1])),
    ips.map(str),
    st.text(max_size=30),
    st.sampled_from(["banned until 1659761931230", "request ip: ", "IP(", ":::", "1.2.3."]),
)
messages = st.lists(atoms, max_size=4).map(" ".join)
_CODE_KEYS = ("code", "retCode", "ret_code", "errorCode", "err-code", "label", "reason")
_MESSAGE_KEYS = ("msg", "retMsg", "ret_msg", "message", "err_msg", "error", "reason")


def _as_json_code(code: str) -> str | int:
    return int(code) if re.fullmatch(r"-?\d{1,9}", code) else code


envelopes = st.builds(
    lambda ck, code, mk, msg, extra: body_of({**extra, ck: code, mk: msg}),
    st.sampled_from(_CODE_KEYS),
    st.one_of(st.none(), codes, codes.map(_as_json_code)),
    st.sampled_from(_MESSAGE_KEYS),
    st.one_of(messages, json_values, messages.map(lambda m: {"code": 7, "message": m})),
    st.dictionaries(st.sampled_from(["success", "result", "data", "status"]), json_values),
)
okx_batches = st.builds(
    lambda code, msg: body_of({"code": "1", "msg": "", "data": [{"sCode": code, "sMsg": msg}]}),
    codes,
    messages,
)
bitfinex = st.builds(lambda code, msg: body_of(["error", code, msg]), codes, messages)
nested = st.builds(
    lambda code, msg: body_of({"success": False, "msg": body_of({"code": code, "msg": msg})}),
    codes.map(_as_json_code),
    messages,
)
truncated = st.tuples(envelopes, st.integers(0, 200)).map(lambda p: p[0][: p[1]])
html = messages.map(lambda m: f"<!DOCTYPE html><html><body><h1>{m}</h1></body></html>")
bodies = st.one_of(
    envelopes,
    okx_batches,
    bitfinex,
    nested,
    truncated,
    html,
    messages,
    st.text(max_size=200),
    json_values.map(json.dumps),
)
statuses = st.one_of(
    st.sampled_from([200, 400, 401, 403, 404, 418, 429, 451, 500, 502, 503]), st.integers(200, 599)
)
# Retry-After as sent: seconds (sane range) or an HTTP date; absurd values are tested below.
retry_after = st.one_of(
    st.integers(0, 10**6).map(str),
    st.floats(0, 10**6).map(repr),
    st.just("Wed, 21 Oct 2015 07:28:00 GMT"),
    st.text(max_size=10).filter(lambda t: not _is_number(t)),
)
headers = st.one_of(
    st.none(), st.dictionaries(st.sampled_from(["Retry-After", "retry-after"]), retry_after)
)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# Credentials as exchanges issue them: long keys and secrets, passphrases with punctuation.
# Passphrases travel in headers (OKX, KuCoin), which refuse surrounding whitespace.
passwords = st.text(
    alphabet=st.characters(codec="ascii", exclude_categories=("Cc",)), min_size=8, max_size=32
).filter(lambda p: p == p.strip())
credentials = st.fixed_dictionaries({"apiKey": api_keys, "secret": api_keys, "password": passwords})


@contextlib.contextmanager
def captured() -> Any:
    """Collect the records of the ``ipwhitelist`` logger (caplog is per test, not per example)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("ipwhitelist")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def failures(records: list[logging.LogRecord]) -> list[str]:
    """Records that report an internal failure (they carry a traceback)."""
    return [r.getMessage() for r in records if r.exc_info]


# -- the pure classifier ----------------------------------------------------------------


class TestClassifier:
    @FUZZ
    @given(
        exchange=st.sampled_from(FAMILIES),
        status=st.none() | statuses,
        body=st.none() | bodies,
        head=headers,
    )
    def test_http_responses(self, exchange, status, body, head):
        """Any response classifies without raising, and a match builds a full diagnosis."""
        response = _classify.response_from_http(
            exchange,
            lineage_of_id(exchange),
            http_status=status,
            body=body,
            url="https://api.example.test/v1/account",
            method="GET",
            headers=head,
        )
        found = _classify.match(response)
        with captured() as records:
            rejection = reject(None, response, settings=Settings())

        assert (found is None) == (rejection is None)
        assert [] == failures(records)
        if rejection is not None:
            assert found.rule.kind == rejection.diagnosis.kind
            json.dumps(rejection.diagnosis.to_dict())

    @FUZZ
    @given(
        error=st.sampled_from(
            [
                ccxt.ExchangeError,
                ccxt.AuthenticationError,
                ccxt.PermissionDenied,
                ccxt.DDoSProtection,
                ccxt.ExchangeNotAvailable,
                ccxt.BadRequest,
            ]
        ),
        exchange=st.sampled_from(FAMILIES),
        status=statuses,
        body=bodies,
        shape=st.sampled_from(["url", "status", "bare", "nothing"]),
        known=st.booleans(),
    )
    def test_exception_texts(self, error, exchange, status, body, shape, known):
        """Any ccxt exception text, in each of ccxt's layouts, classifies without raising."""
        text = {
            "url": f"{exchange} GET https://api.example.test/v1?x=1 {status} Error {body}",
            "status": f"{exchange} {status} Error {body}",
            "bare": f"{exchange} {body}",
            "nothing": body,
        }[shape]
        exc = error(text)
        response = _classify.response_from_exception(
            exc, exchange if known else None, lineage_of_id(exchange) if known else ()
        )
        with captured() as records:
            rejection = reject(exc, response, settings=Settings())

        assert [] == failures(records)
        if rejection is not None:
            assert exc is rejection.original

    @FUZZ
    @given(text=st.one_of(st.text(), bodies, messages))
    def test_parsers(self, text):
        """The parsers return their documented types for any text."""
        code, message = _classify.parse_body(text)
        ip = _classify.find_ip(text)
        until = _classify.find_banned_until(text)

        assert code is None or isinstance(code, str)
        assert isinstance(message, str)
        assert ip is None or ip.version in (4, 6)
        assert until is None or until.tzinfo is not None

    @pytest.mark.parametrize("value", ["nan", "inf", "1e300", "1e12", "-1e12"])
    def test_absurd_retry_after_still_classifies(self, value):
        """A 418 with an absurd Retry-After is still diagnosed as a ban."""
        response = _classify.response_from_http(
            "binance",
            ("binance",),
            http_status=418,
            body=body_of({"code": -1003, "msg": "Way too many requests."}),
            headers={"Retry-After": value},
        )

        assert "ip_banned" == _classify.match(response).rule.kind


# -- wrapped ccxt clients -----------------------------------------------------------------


def _stable(text: str) -> str:
    # Signed URLs differ per request (timestamp, signature); the rest must match.
    return re.sub(r"\?[^ ]*", "?…", text)


@functools.cache
def _pair(exchange: str) -> tuple[Any, Any, CannedAdapter]:
    """A plain and a wrapped client of *exchange* sharing one canned adapter."""
    adapter = CannedAdapter(200, "{}")
    plain = mount(getattr(ccxt, exchange)({**CREDENTIALS, "enableRateLimit": False}), adapter)
    wrapped = mount(getattr(ccxt, exchange)({**CREDENTIALS, "enableRateLimit": False}), adapter)
    return plain, ipwhitelist.wrap(wrapped, egress=False), adapter


def _outcome(call: Any) -> tuple[Any, ...]:
    try:
        return ("ok", call())
    except Exception as exc:
        return (exc,)


class TestWrappedClients:
    @FUZZ
    @given(exchange=st.sampled_from(sorted(PRIVATE)), status=statuses, body=bodies, head=headers)
    def test_raises_what_ccxt_raises_or_a_typed_rejection(self, exchange, status, body, head):
        """The wrapped client raises ccxt's exception or an IPRejection made from it, nothing else."""
        plain, wrapped, adapter = _pair(exchange)
        adapter.status, adapter.body, adapter.headers = status, body, head
        ipwhitelist.set_on_rejection_hooks([])

        expected = _outcome(getattr(plain, PRIVATE[exchange]))
        actual = _outcome(getattr(wrapped, PRIVATE[exchange]))

        if expected[0] == "ok":
            assert expected == actual
            return
        error = actual[0]
        if isinstance(error, ipwhitelist.IPRejection):
            assert isinstance(expected[0], ccxt.BaseError)
            error = error.original
        assert type(expected[0]) is type(error)
        assert _stable(str(expected[0])) == _stable(str(error))


# -- 1 MB adversarial inputs ----------------------------------------------------------------

# (prefix, unit, suffix): the unit is repeated to fill 1 MB. Long runs of what
# the patterns look for (digits, dots, colons, hex, "IP "), almost-matches, and
# nesting that recursive parsers choke on.
ADVERSARIAL = {
    "digits": ("", "1", ""),
    "hex": ("", "deadbeef", ""),
    "dots": ("", ".", ""),
    "colons": ("", ":", ""),
    "digit-dot": ("", "1.", ""),
    "almost-ipv4": ("", "1.2.3.", ""),
    "almost-ipv6": ("", "ffff:", "g"),
    "double-colons": ("", "1::", ""),
    "ip-word": ("", "IP ", ""),
    "ip-paren": ("", "IP(", ""),
    "ip-then-spaces": ("IP", " ", "banned"),
    "banned-until": ("", "banned until ", ""),
    "banned-until-short": ("", "banned until 123 ", ""),
    "request-ip": ("", "request ip: ", ""),
    "spaces": ("", " ", "x"),
    "open-braces": ("", '{"a":', ""),
    "open-brackets": ('{"code":', "[", ""),
    "error-arrays": ("", '["error",', ""),
    "escaped-json": ('{"msg":"', '{\\"code\\":', '"}'),
    "key-equals": ("", "apiKey=", ""),
    # The redactor's worst shapes: URL schemes from every dot, quoted values.
    "scheme-dots": ("", "a.", "@://"),
    "sign-quotes": ("", 'sign:"', ""),
    "non-ascii": ("", "é", ""),
}

# Inputs that every rule pattern is also run on directly (besides its own fragments):
# long runs of what `\s`, `\b`, "IP" and character classes consume.
CROSS_PATTERN = ("spaces", "ip-word", "ip-then-spaces", "ip-paren", "digits", "non-ascii")

# Runs in a child process: a regular expression that backtracks forever holds
# the GIL, so only a process (with faulthandler as the watchdog) can be stopped.
# Every rule pattern runs on the whole 1 MB (as if MAX_SCAN were lifted); the
# classification paths get the 1 MB and cap it themselves.
_CHILD = textwrap.dedent(
    """
    import faulthandler, json, re, sys
    import ccxt, ipwhitelist
    from ipwhitelist._core import classify as _classify
    from ipwhitelist._core import redact as _redact
    from ipwhitelist._core.lineage import lineage_of_id

    SIZE, HANG = 1_000_000, float(sys.argv[1])
    specs, cross = json.loads(sys.stdin.read())
    rules = [r for r in ipwhitelist.rules() if r.message is not None]
    responses = [("binance", 401), ("binance", 418), ("gate", 451)]

    def fill(unit, prefix="", suffix=""):
        return prefix + unit * ((SIZE - len(prefix) - len(suffix)) // len(unit)) + suffix

    def paths(text, exchanges=("binance",)):
        yield "find_ip", lambda: _classify.find_ip(text)
        yield "find_banned_until", lambda: _classify.find_banned_until(text)
        yield "parse_body", lambda: _classify.parse_body(text)
        yield "redact", lambda: _redact.redact(text[: _classify.MAX_SCAN], ["k" * 16])
        for ex, status in responses:
            fams = lineage_of_id(ex)
            yield f"match:{ex}:{status}", lambda ex=ex, fams=fams, status=status: _classify.match(
                _classify.response_from_http(ex, fams, http_status=status, body=text))
        for ex in exchanges:
            fams = lineage_of_id(ex) if ex != "*" else ("binance",)
            yield f"match:{ex}:message", lambda ex=ex, fams=fams: _classify.match(
                _classify.Response(exchange=ex, lineage=fams, message=text, body=text))
        exc = ccxt.AuthenticationError("binance GET https://x.test/ 401 Unauthorized " + text)
        yield "response_from_exception", lambda: _classify.match(
            _classify.response_from_exception(exc, None, ()))

    def cases():
        for name, (prefix, unit, suffix) in specs.items():
            text = fill(unit, prefix, suffix)
            if name in cross:
                for rule in rules:
                    yield name, f"regex:{rule.name}", lambda p=rule.message, t=text: p.search(t)
            yield from ((name, check, run) for check, run in paths(text))
        for rule in rules:
            words = re.findall(r"[A-Za-z][A-Za-z' ]{2,}", rule.message.pattern) or ["IP"]
            texts = [fill(" ".join(words) + " ")]
            texts += [fill(w + " ") for w in words] + [fill(w[:-1] + "#") for w in words]
            for text in texts:
                yield f"rule:{rule.name}", "regex", lambda p=rule.message, t=text: p.search(t)
                for check, run in paths(text, (rule.exchange,)):
                    if check.startswith("match:") and check.endswith(":message"):
                        yield f"rule:{rule.name}", check, run

    crashes, count = [], 0
    for input_name, check, run in cases():
        print(f"{input_name} / {check}", file=sys.stderr, flush=True)
        faulthandler.dump_traceback_later(HANG, exit=True)
        try:
            run()
        except Exception as exc:
            crashes.append([input_name, check, f"{type(exc).__name__}: {exc}"[:200]])
        faulthandler.cancel_dump_traceback_later()
        count += 1
    print(json.dumps({"scans": count, "crashes": crashes}))
    """
)
HANG_SECONDS = 10.0


@pytest.fixture(scope="module")
def adversarial() -> dict[str, Any]:
    """Run every scan over every 1 MB input once, in a child process with a hang detector."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _CHILD, str(HANG_SECONDS)],
        input=json.dumps([ADVERSARIAL, CROSS_PATTERN]),
        capture_output=True,
        text=True,
        timeout=600,  # only a backstop: each scan has its own HANG_SECONDS watchdog
        check=False,
        env={**os.environ, "IPWHITELIST_EGRESS": "off"},
    )
    last = done.stderr.strip().splitlines()[-12:]
    assert 0 == done.returncode, "a scan did not finish:\n" + "\n".join(last)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


class TestAdversarial:
    def test_every_scan_finishes(self, adversarial):
        """Every rule pattern and parser finishes on every 1 MB input (no runaway backtracking)."""
        assert adversarial["scans"] > len(ADVERSARIAL) * len(CROSS_PATTERN)

    @pytest.mark.parametrize(
        "name",
        list(ADVERSARIAL),
    )
    def test_no_crash(self, adversarial, name):
        """No parser or classification path raises on a 1 MB adversarial input."""
        assert [] == [c for c in adversarial["crashes"] if c[0] == name]

    def test_no_crash_on_rule_fragments(self, adversarial):
        """Fragments of every rule's own pattern, repeated to 1 MB, raise nothing."""
        assert [] == [c for c in adversarial["crashes"] if c[0].startswith("rule:")]

    def test_scans_are_capped(self, monkeypatch):
        """No pattern of the classifier, and no rule, ever sees more than MAX_SCAN characters."""
        seen: list[int] = []

        class Spy:
            def __init__(self, pattern: re.Pattern[str]) -> None:
                self.pattern = pattern

            def __getattr__(self, name: str) -> Any:
                method = getattr(self.pattern, name)

                def spied(*args: Any, **kwargs: Any) -> Any:
                    # sub()/subn() take the replacement first, the text second.
                    subject = args[1] if name in {"sub", "subn"} else args[0]
                    seen.append(len(subject))
                    return method(*args, **kwargs)

                return spied

        for name, value in vars(_classify).items():
            if isinstance(value, re.Pattern):
                monkeypatch.setattr(_classify, name, Spy(value))
        real_matches = Rule.matches

        def matches(rule, code, status, message, body):
            seen.extend((len(message), len(body)))
            return real_matches(rule, code, status, message, body)

        monkeypatch.setattr(Rule, "matches", matches)
        huge = "x" * 1_000_000
        bodies = [
            body_of({"code": -2015, "msg": "request ip: 1.2.3.4 " + huge}),
            "IP(1.2.3.4) banned until 1659761931230 " + huge,
            huge + " 1.2.3.4",
        ]

        for body in bodies:
            for exchange, status in (("binance", 401), ("binance", 418), ("gate", 451)):
                fams = lineage_of_id(exchange)
                _classify.match(
                    _classify.response_from_http(exchange, fams, http_status=status, body=body)
                )
                exc = ccxt.AuthenticationError(f"{exchange} {status} Error {body}")
                _classify.match(_classify.response_from_exception(exc, None, ()))
            _classify.find_ip(body)
            _classify.find_banned_until(body)
            _classify.parse_body(body)

        assert seen
        assert max(seen) <= _classify.MAX_SCAN


# -- secrets never leak ---------------------------------------------------------------------

ECHOES = {
    "binance": lambda c: body_of(
        {
            "code": -2015,
            "msg": f"Invalid API-key, IP, or permissions for action, request ip: 203.0.113.9 "
            f"(key {c['apiKey']}, secret {c['secret']}, passphrase {c['password']})",
        }
    ),
    "bybit": lambda c: body_of(
        {
            "retCode": 10010,
            "retMsg": f"Unmatched IP, please check your API key's bound IP addresses. "
            f"apiKey={c['apiKey']}&sign={c['secret']} {c['password']}",
            "result": {},
        }
    ),
    "okx": lambda c: body_of(
        {
            "code": "50110",
            "msg": f"Your IP 203.0.113.9 is not included in your API key's IP whitelist. "
            f'{{"apiKey": "{c["apiKey"]}", "secret": "{c["secret"]}"}} {c["password"]}',
            "data": [],
        }
    ),
}
_STATUS = {"binance": 401, "bybit": 200, "okx": 401}


@functools.cache
def _echoing(exchange: str) -> tuple[Any, CannedAdapter]:
    """A wrapped client whose credentials each example replaces."""
    adapter = CannedAdapter(200, "{}")
    client = mount(getattr(ccxt, exchange)({**CREDENTIALS, "enableRateLimit": False}), adapter)
    return ipwhitelist.wrap(client, egress=False), adapter


def _outputs(exchange: str, creds: dict[str, str]) -> str:
    """Every text a rejection produces for a client with *creds*, echoed by the exchange."""
    client, adapter = _echoing(exchange)
    client.apiKey, client.secret, client.password = (
        creds["apiKey"],
        creds["secret"],
        creds["password"],
    )
    adapter.status, adapter.body, adapter.headers = _STATUS[exchange], ECHOES[exchange](creds), None
    # A fresh incident log per example: a deduplicated repeat would log nothing.
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog()])
    with captured() as records:
        try:
            getattr(client, PRIVATE[exchange])()
        except ipwhitelist.IPRejection as exc:
            rejection = exc
        else:
            raise AssertionError("expected an IP rejection")
    diagnosis = rejection.diagnosis
    logged = [
        (r.getMessage(), repr({k: v for k, v in vars(r).items() if k != "exc_info"}))
        for r in records
    ]
    assert logged, "the incident log wrote nothing"
    return "\n".join(
        [
            str(rejection),
            repr(rejection),
            str(diagnosis),
            repr(diagnosis),
            json.dumps(diagnosis.to_dict()),
            pickle.dumps(diagnosis).decode("latin-1"),
            repr(logged),
        ]
    )


@functools.cache
def _baseline(exchange: str) -> str:
    """The same outputs for placeholder credentials: text that is there regardless."""
    return _outputs(exchange, {"apiKey": "A" * 20, "secret": "B" * 20, "password": "C" * 10})


class TestSecrets:
    @settings(max_examples=40, deadline=None)
    @given(exchange=st.sampled_from(sorted(ECHOES)), creds=credentials)
    def test_credentials_never_reach_any_output(self, exchange, creds):
        """Echoed key, secret and passphrase appear in no output: str, repr, JSON, pickle, logs."""
        baseline = _baseline(exchange)
        # A credential that is also ordinary output text ("whitelist1") cannot be told apart;
        # a passphrase that parses as an IP would be reported as the IP the exchange saw.
        assume(all(v not in baseline for v in creds.values()))
        assume(_classify.find_ip(creds["password"]) is None)

        text = _outputs(exchange, creds)

        assert [] == [name for name, value in creds.items() if value in text]


# -- diagnosis building never raises -----------------------------------------------------------


class _InjectedError(RuntimeError):
    """The injected failure."""


def _boom(*_args: Any, **_kwargs: Any) -> Any:
    raise _InjectedError("injected")


class _RaisingWhitelist:
    def allows(self, exchange: str, ip: Any) -> bool:
        raise _InjectedError("whitelist bug")


class _RaisingCache(ipwhitelist.EgressDetector):
    def cached(self, proxy: Any = None, url_prefix: Any = None) -> Any:
        raise _InjectedError("cache bug")


class _RaisingLookup(ipwhitelist.EgressDetector):
    def detect(self, proxy: Any = None, *, url_prefix: Any = None) -> Any:
        raise _InjectedError("lookup bug")

    async def adetect(self, proxy: Any = None, *, url_prefix: Any = None) -> Any:
        raise _InjectedError("lookup bug")


def _redaction_bug(text: str) -> str:
    # Fails on any real text: every field is withheld, the rejection still typed.
    if text:
        raise _InjectedError("redaction bug")
    return text


# The exchange names the IP it saw (so the whitelist is consulted) and echoes the key.
ECHO_2015 = body_of(
    {
        "code": -2015,
        "msg": f"Invalid API-key, IP, or permissions, request ip: 203.0.113.9 {API_KEY}",
    }
)
NOWHERE = ["http://127.0.0.1:9/"]  # never asked: every lookup method is replaced or never reached
# name -> (wrap() options, monkeypatch targets, what the diagnosis still has)
INJECTIONS: dict[str, tuple[dict[str, Any], list[tuple[Any, str, Any]], str | None]] = {
    "hint-detector": ({}, [(_hints, "process_hints", _boom)], "-2015"),
    "address-hints": ({}, [(_hints, "address_hints", _boom)], "-2015"),
    "remediation": ({}, [(_remediation, "steps", _boom)], "-2015"),
    "whitelist": ({"whitelist": _RaisingWhitelist()}, [], "-2015"),
    "egress-cache": ({"egress": _RaisingCache(NOWHERE)}, [], "-2015"),
    "egress-lookup": ({"egress": _RaisingLookup(NOWHERE)}, [], "-2015"),
    "reading-the-client": ({}, [(_mapping, "route_of", _boom)], "-2015"),
    "redaction": ({}, [(_redact, "redact_patterns", _redaction_bug)], _redact.REDACTED),
}


def _injected(monkeypatch: pytest.MonkeyPatch, name: str) -> tuple[dict[str, Any], str | None]:
    options, patches, code = INJECTIONS[name]
    _redact._common_patterns.cache_clear()  # a cached line would not meet the injected bug
    _redact._clean.clear()
    _redact._clean_lines.clear()
    _redact._clean_fields.clear()
    for target, attribute, replacement in patches:
        monkeypatch.setattr(target, attribute, replacement)
    return {"egress": False, **options}, code


def _check_degraded(rejection: ipwhitelist.IPRejection, code: str | None, caplog: Any) -> None:
    logged = [r for r in caplog.records if r.name == "ipwhitelist" and r.exc_info]

    assert isinstance(rejection, ipwhitelist.IPNotWhitelisted)
    assert isinstance(rejection.original, ccxt.AuthenticationError)
    assert ("ip_not_whitelisted", code) == (rejection.diagnosis.kind, rejection.diagnosis.code)
    assert logged
    assert all(isinstance(r.exc_info[1], _InjectedError) for r in logged)
    assert API_KEY not in str(rejection) + repr(rejection.diagnosis)


class TestDiagnosisNeverRaises:
    @pytest.mark.parametrize("name", list(INJECTIONS))
    def test_sync(self, name, server, sync_client, monkeypatch, caplog):
        """An internal failure still gives the typed exception, a minimal diagnosis and a log record."""
        options, code = _injected(monkeypatch, name)
        server.default = canned(401, ECHO_2015)
        client = ipwhitelist.wrap(sync_client("binance"), **options)

        with pytest.raises(ipwhitelist.IPRejection) as info:
            client.private_get_account()

        _check_degraded(info.value, code, caplog)

    @pytest.mark.asyncio
    @pytest.mark.parametrize("name", list(INJECTIONS))
    async def test_async(self, name, server, monkeypatch, caplog):
        """The same on an async client."""
        options, code = _injected(monkeypatch, name)
        server.default = canned(401, ECHO_2015)
        client = ipwhitelist.wrap(make_client(ccxt.async_support, "binance", server.url), **options)
        try:
            with pytest.raises(ipwhitelist.IPRejection) as info:
                await client.private_get_account()
        finally:
            await client.close()

        _check_degraded(info.value, code, caplog)

    def test_failing_hook(self, server, sync_client, caplog):
        """A hook that raises is logged; the caller gets the full diagnosis."""
        ipwhitelist.set_on_rejection_hooks([_boom])
        server.default = canned(401, B2015)
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

        assert info.value.diagnosis.remediation
        assert ["hook"] == [
            "hook" for r in caplog.records if r.exc_info and "hook" in r.getMessage()
        ]
