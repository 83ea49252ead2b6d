"""Redaction and escaping: no credential survives, no control character reaches a reader."""

from __future__ import annotations

import ast
import base64
import functools
import json
import pickle
import re
import textwrap
from pathlib import Path

import ccxt
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from helpers import CORPUS, corpus_responses
from ipwhitelist import Diagnosis, Hint
from ipwhitelist._core import redact as _redact
from ipwhitelist._core.redact import (
    REDACTED,
    escape_controls,
    known_secrets,
    redact,
    redact_patterns,
    redact_url,
    scrub,
    strip_query,
)
from strategies import (
    CONTROLS,
    ENCODINGS,
    api_keys,
    controls,
    encodings,
    hostile_text,
    passphrases,
    secrets,
    surrounding,
)

_around = st.text(max_size=40)


class TestKnownValues:
    @given(secret=secrets, before=_around, after=_around)
    def test_known_secret_never_survives(self, secret, before, after):
        """A credential value given to redact() never appears in its output."""
        assert secret not in redact(before + secret + after, [secret])

    @given(secret=secrets, encoding=encodings, before=surrounding, after=surrounding)
    def test_encoded_secret_never_survives(self, secret, encoding, before, after):
        """A known credential is removed in every form a signed request or an encoder gives it."""
        encoded = ENCODINGS[encoding](secret)

        out = redact(before + encoded + after, [secret])

        assert encoded not in out
        assert secret not in out

    def test_url_encoded_secret(self):
        """A secret is also removed in its percent-encoded forms, upper or lower case, + for space."""
        secret = "pa ss/w+rd=="

        for form in ("pa%20ss%2Fw%2Brd%3D%3D", "pa%20ss%2fw%2brd%3d%3d", "pa+ss%2Fw%2Brd%3D%3D"):
            assert form not in redact(f"p={form}", [secret])

    def test_short_values_not_searched(self):
        """Values under four characters are not replaced (they would destroy the text)."""
        assert "abc" == redact("abc", ["a"])


# Credential fields as the exchanges' sign() code sends them (a sample; the test
# below reads every exchange's sign() from the installed ccxt).
NAMES = [
    "ACCESS-KEY", "ACCESS-SIGN", "ACCESS-PASSPHRASE", "KC-API-KEY", "KC-API-SIGN",
    "KC-API-PASSPHRASE", "CB-ACCESS-KEY", "CB-ACCESS-SIGN", "X-MEXC-APIKEY", "AccessKeyId",
    "access_key", "client_secret", "sig", "X-MBX-APIKEY", "X-BAPI-API-KEY", "X-BAPI-SIGN",
    "OK-ACCESS-KEY", "OK-ACCESS-SIGN", "OK-ACCESS-PASSPHRASE", "API-Sign", "apiKey", "api_key",
    "signature", "Signature", "X-Auth", "TAPI-MAC", "APToken", "publicKey", "request-api",
]  # fmt: skip
VALUE = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zv"


class TestCleanMemo:
    """scrub() remembers texts it found clean; the memo never lets a credential through."""

    @given(mine=secrets, theirs=secrets, before=_around, after=_around)
    def test_text_clean_for_one_client_is_scrubbed_for_another(self, mine, theirs, before, after):
        """A text that holds nothing of client A's is still scrubbed of client B's credential."""
        assume(theirs not in mine and mine not in theirs)
        text = before + theirs + after
        with known_secrets([mine]):
            scrub(text, 10_000)
            again = scrub(text, 10_000)
        with known_secrets([theirs]):
            out = scrub(text, 10_000)

        assert theirs not in out
        assert redact(text, [mine]) == again

    @given(secret=secrets, before=_around, after=_around)
    def test_repeated_text_is_scrubbed_each_time(self, secret, before, after):
        """The second, memoised scrub of a text gives what the first one gave."""
        with known_secrets([secret]):
            first = scrub(before + secret + after, 10_000)
            second = scrub(before + secret + after, 10_000)

        assert first == second
        assert secret not in second

    @given(secret=secrets, before=_around, after=_around)
    def test_repeated_lines_are_scrubbed_each_time(self, secret, before, after):
        """The same tuple of diagnosis lines, once clean and once holding a credential."""
        lines = ("Check this host's egress IP.", before + secret + after)
        with known_secrets(["unrelated-" + secret[::-1] + "-x"]):
            Diagnosis(exchange="binance", kind="ip_banned", confidence="confirmed", evidence=lines)
        with known_secrets([secret]):
            first = Diagnosis(
                exchange="b", kind="ip_banned", confidence="confirmed", evidence=lines
            )
            second = Diagnosis(
                exchange="b", kind="ip_banned", confidence="confirmed", evidence=lines
            )

        assert first.evidence == second.evidence
        assert not any(secret in line for line in second.evidence)

    def test_long_and_non_text_lines_are_still_converted(self):
        """Lines the memo does not take (too long, not text) are capped and made text as before."""
        diagnosis = Diagnosis(
            exchange="b", kind="ip_banned", confidence="confirmed", evidence=("x" * 600, 5)
        )

        assert (512, "…", "5") == (
            len(diagnosis.evidence[0]),
            diagnosis.evidence[0][-1],
            diagnosis.evidence[1],
        )

    def test_memo_is_bounded(self, monkeypatch):
        """However many distinct clean texts a process sees, the memo keeps a bounded number."""
        monkeypatch.setattr(_redact, "_CLEAN_MAX", 3)
        for n in range(10):
            Diagnosis(
                exchange="b", kind="ip_banned", confidence="confirmed", evidence=(f"line {n}",)
            )

        assert len(_redact._clean) <= 3
        assert len(_redact._clean_lines) <= 3


class TestPatterns:
    @pytest.mark.parametrize("name", NAMES)
    @pytest.mark.parametrize(
        "shape",
        [
            "{name}={value}&recvWindow=5000",
            "{name}: {value}",
            '{{"{name}":"{value}","x":1}}',
            "{{'{name}': '{value}'}}",
            '{{\\"{name}\\":\\"{value}\\"}}',
            "https://x.test/path%3Ftimestamp%3D1%26{name}%3D{value}%26b%3D2",
        ],
    )
    def test_credential_fields(self, name, shape):
        """A credential field of any exchange we cover is scrubbed, values unknown, in every shape."""
        out = redact_patterns(shape.format(name=name, value=VALUE))

        assert VALUE not in out
        assert REDACTED in out

    @pytest.mark.parametrize(
        ("text", "leak"),
        [
            ("GET /api/v3/account?timestamp=1&signature=0f" + "a" * 62, "a" * 62),
            ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGciOiJIUzI1NiJ9"),
            ("X-Auth: BITSTAMP " + VALUE, VALUE),
            ("sign=" + "Q" * 43 + "=", "Q" * 43),
            ("sha512 " + "ab" * 64 + " end", "ab" * 64),
            ("kraken " + "Zm9v" * 21 + "YQ== end", "Zm9v" * 21),
            ("sig " + "9f" * 48 + ".", "9f" * 48),
            ("path%3D" + "c0" * 32 + "%26x", "c0" * 32),
            ("-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----", "MIIEvQ"),
        ],
    )
    def test_signature_shapes(self, text, leak):
        """Signature-shaped tokens (HMAC-SHA256/384/512 in hex or base64, PEM keys) are scrubbed."""
        out = redact_patterns(text)

        assert leak not in out
        assert REDACTED in out

    @pytest.mark.parametrize(
        ("text", "shown"),
        [
            ("{'secret': 'abc def'}", "{'secret': '***'}"),
            ('token="unclosed value', "token=*** value"),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "***"),
            ("26sign=abc", "26sign=abc"),
            ("sign=&a=1", "sign=&a=1"),
            ("url:  https://x/?a=1&sig=0ab1", "url:  https://x/?a=1&sig=***"),
        ],
    )
    def test_shapes_kept(self, text, shown):
        """Quotes stay around a redacted value; a name must start with a letter."""
        assert shown == redact_patterns(text)

    @given(value=api_keys, name=st.sampled_from(NAMES), before=_around, after=_around)
    def test_fields_in_random_text(self, value, name, before, after):
        """A credential field survives no surrounding text."""
        assume(value not in before + after)

        out = redact_patterns(f"{before} {name}={value}&{after}")

        assert value not in out


_SIGN = re.compile(r"^    def sign\(.*?(?=^    (?:def|async def|@)|\Z)", re.MULTILINE | re.DOTALL)


def _sign_functions():
    """Every exchange's sign() in the installed ccxt, as (exchange id, function node)."""
    root = Path(ccxt.__file__).parent
    for path in sorted(root.glob("*.py")):
        # Only the method is parsed: the modules are large.
        for source in _SIGN.findall(path.read_text("utf-8")):
            (node,) = ast.parse(textwrap.dedent(source)).body
            assert isinstance(node, ast.FunctionDef)
            yield path.stem, node


# What a credential is made from in sign(): the client's configured values and
# the signing helpers' results, and dictionary lookups of credential names.
_SOURCES = {"apiKey", "secret", "password", "privateKey", "token", "twofa", "login"}
_SIGNERS = {"hmac", "jwt", "rsa", "ecdsa", "eddsa", "axolotl", "totp"}
_LOOKUPS = re.compile(r"(?i)^(?:apikey|secret|password|passphrase|signature|(?:\w*)token)$")
# sign() returns {'url', 'method', 'body', 'headers'}: containers, not fields.
_CONTAINERS = {"url", "method", "body", "headers", "params"}
# Names sign() fills from a credential that never travel as a plain field.
_NOT_FIELDS = {
    "sub": "bigone: a JWT claim, sent base64-encoded inside the Bearer token",
    "msg": "aster: the EIP-712 message being signed, not a header or parameter",
    "signer": "aster: the signer's public wallet address",
    "user": "aster: the user's public wallet address",
}


def _tainted(fn: ast.FunctionDef) -> set[str]:
    """Local names in *fn* whose value derives from a credential."""
    tainted: set[str] = set()
    while True:
        before = len(tainted)
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and _derives(node.value, tainted):
                tainted |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        if len(tainted) == before:
            return tainted


def _derives(expr: ast.AST, tainted: set[str]) -> bool:
    for node in ast.walk(expr):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and node.attr in _SOURCES | _SIGNERS
        ):
            return True
        if isinstance(node, ast.Name) and node.id in tainted:
            return True
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _LOOKUPS.match(node.value)
        ):
            return True
    return False


@functools.cache
def credential_fields() -> dict[str, str]:
    """Header and parameter names any exchange's sign() fills with a credential -> an exchange."""
    found: dict[str, str] = {}
    for exchange, fn in _sign_functions():
        tainted = _tainted(fn)
        for node in ast.walk(fn):
            pairs = []
            if isinstance(node, ast.Dict):
                pairs = [
                    (k.value, v)
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                ]
            elif isinstance(node, ast.Assign):
                # headers['X-KEY'] = ... on a local container; self.options[...] is a cache.
                pairs = [
                    (t.slice.value, node.value)
                    for t in node.targets
                    if isinstance(t, ast.Subscript)
                    and isinstance(t.value, ast.Name)
                    and isinstance(t.slice, ast.Constant)
                    and isinstance(t.slice.value, str)
                ]
            for name, value in pairs:
                if name not in _CONTAINERS and _derives(value, tainted):
                    found.setdefault(name, exchange)
    return found


class TestCcxtSignNames:
    def test_every_credential_field_of_every_exchange_is_scrubbed(self):
        """Every header/parameter name that any ccxt exchange's sign() fills with a credential
        is scrubbed by the pattern pass, in header, query and JSON shapes."""
        fields = credential_fields()
        missed = {}
        for name, exchange in sorted(fields.items()):
            if name in _NOT_FIELDS:
                continue
            for shape in (f"{name}: {VALUE}", f"a=1&{name}={VALUE}", f'{{"{name}":"{VALUE}"}}'):
                if VALUE in redact_patterns(shape):
                    missed[name] = exchange

        assert len(fields) > 100  # the extraction still finds ccxt's sign() code
        assert {} == missed

    def test_exclusions_are_still_needed(self):
        """Each name excused from the pattern pass is still one that sign() fills."""
        assert set(_NOT_FIELDS) <= set(credential_fields())


class TestUrls:
    @pytest.mark.parametrize(
        ("url", "shown"),
        [
            ("http://user:hunter2@proxy.example:3128", "http://***@proxy.example:3128"),
            ("socks5h://u:p@ss@10.0.0.1:1080/", "socks5h://***@10.0.0.1:1080/"),
            ("https://user@host/", "https://***@host/"),
            ("http://proxy.example:8080", "http://proxy.example:8080"),
            ("https://api.ipify.org?format=text", "https://api.ipify.org?format=text"),
        ],
    )
    def test_redact_url(self, url, shown):
        """A URL is shown with its userinfo replaced; scheme, host, port and path are kept."""
        assert shown == redact_url(url)

    def test_userinfo_in_any_text(self):
        """A credentialed URL inside an error text loses its userinfo too."""
        out = redact_patterns("proxy 'http://bot:s3cr3t-pass@10.0.0.1:3128': connection refused")

        assert "s3cr3t-pass" not in out
        assert "http://***@10.0.0.1:3128" in out

    def test_strip_query(self):
        """strip_query drops the query string, the fragment and an encoded target's query."""
        assert "https://x/y" == strip_query("https://x/y?signature=1#frag")
        assert "http://***@p:8/https%3A%2F%2Fapi.x%2Fv3%2Faccount" == strip_query(
            "http://u:pw@p:8/https%3A%2F%2Fapi.x%2Fv3%2Faccount%3Ftimestamp%3D1%26signature%3Dab"
        )

    @given(
        user=st.text(alphabet="abcdefgh123", min_size=1, max_size=10),
        password=passphrases,
        host=st.sampled_from(["proxy.example", "10.0.0.1", "[2001:db8::1]"]),
    )
    def test_password_never_shown(self, user, password, host):
        """Whatever the password (percent-encoded as URLs require), redact_url never shows it."""
        from urllib.parse import quote

        url = f"http://{user}:{quote(password, safe='')}@{host}:3128"

        shown = redact_url(url)

        assert quote(password, safe="") not in shown
        assert f"http://***@{host}:3128" == shown

    def test_url_secrets(self):
        """The password of a URL, raw and decoded; nothing for URLs without one or unparsable."""
        from ipwhitelist._core.redact import url_secrets

        assert ("p%40ss", "p@ss") == url_secrets("http://u:p%40ss@h:1")
        assert () == url_secrets("http://h:1")
        assert () == url_secrets("http://u@h:1")
        assert () == url_secrets("http://u:p@[::1")
        assert () == url_secrets(None)

    def test_client_proxies_are_credentials(self):
        """A client's proxy passwords are searched for like its keys."""
        from ipwhitelist._client.introspect import credentials_of

        client = ccxt.binance({"apiKey": "k" * 20, "httpsProxy": "http://u:hunter22@p:1"})
        client.proxies = {"http": "socks5://u:other-pass@p:2", "https": None}

        found = credentials_of(client)

        assert {"k" * 20, "hunter22", "other-pass"} <= set(found)

    def test_changed_credentials_are_read_again(self):
        """The memoised route follows a client whose key or proxy changes after a first read."""
        from ipwhitelist._client.introspect import credentials_of, key_fingerprint_of, proxy_of

        client = ccxt.binance({"apiKey": "a" * 20, "secret": "s" * 20})
        before = (credentials_of(client), key_fingerprint_of(client))
        client.apiKey = "b" * 20
        client.httpsProxy = "http://u:rotated-pw@p:1"

        after = credentials_of(client)

        assert "a" * 20 in before[0]
        assert {"b" * 20, "rotated-pw"} <= set(after)
        assert "a" * 20 not in after
        assert before[1] != key_fingerprint_of(client)
        assert "http://u:rotated-pw@p:1" == proxy_of(client)


class TestEscape:
    @pytest.mark.parametrize("char", CONTROLS)
    def test_every_control_is_escaped(self, char):
        """C0, DEL, C1, line separators and bidi controls come out as visible escapes."""
        out = escape_controls(f"a{char}b")

        assert char not in out
        assert out.startswith("a\\")
        assert out.endswith("b")

    @given(text=hostile_text)
    def test_no_control_survives(self, text):
        """Nothing in the output can move the cursor, end a line or reorder text."""
        out = escape_controls(text)

        assert not any(c in out for c in CONTROLS)
        assert out == escape_controls(out)

    @given(text=st.text(alphabet=st.characters(exclude_characters=CONTROLS, codec="utf-8")))
    def test_printable_text_unchanged(self, text):
        """Text without control characters is returned as it is."""
        assert text == escape_controls(text)

    def test_names(self):
        """Newlines, carriage returns and tabs read as \\n, \\r, \\t; others by code point."""
        assert "a\\nb\\r\\t\\x1b[31m\\x07\\u202e" == escape_controls("a\nb\r\t\x1b[31m\x07\u202e")


def _corpus_texts():
    from ipwhitelist._core import classify as _classify

    for path in sorted(CORPUS.glob("*.json")):
        for entry in json.loads(path.read_text("utf-8")):
            code, message = _classify.parse_body(entry.get("body") or "")
            yield from (t for t in (message, code) if t)


# Known over-redaction of an exchange's own words (issue 15 item 5 is about these).
_KNOWN_MANGLED = {"apikey: invalid"}


class TestBenign:
    @pytest.mark.parametrize(
        "text",
        [
            "Invalid API-key, IP, or permissions for action, request ip: 203.0.113.7",
            "Your IP 2001:db8::1 is not included in your API key's IP whitelist.",
            "Unmatched IP, please check your API key's bound IP addresses.",
            "Way too many requests; IP(198.51.100.7) banned until 1659761931230.",
            "Signature for this request is not valid.",
            "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
        ],
    )
    def test_benign_messages_unchanged(self, text):
        """Exchange messages without credentials are left exactly as they were."""
        assert text == redact(text)

    def test_corpus_messages_unchanged(self):
        """Every message and code in the exchange corpus passes unchanged (bar known cases)."""
        changed = {t for t in _corpus_texts() if redact(t) != t}

        assert _KNOWN_MANGLED == changed

    def test_library_words_unchanged(self, monkeypatch):
        """Every line the library writes into diagnoses of the corpus passes the redactor unchanged."""
        from ipwhitelist._core import diagnosis as _diagnosis

        monkeypatch.setattr(_diagnosis, "scrub", lambda text, _cap: text)
        lines = {
            line
            for d in _diagnoses_of_corpus()
            for line in (
                *d.evidence,
                *d.remediation,
                d.headline,
                d.source or "",
                *(t for h in d.hints for t in (h.summary, h.fix)),
            )
        }

        assert len(lines) > 50
        assert [] == [line for line in sorted(lines) if redact(line) != line]


def _diagnoses_of_corpus():
    """The diagnosis of every IP rejection in the corpus, with and without egress and a whitelist."""
    from ipwhitelist import EgressReport
    from ipwhitelist._client.mapping import Settings, diagnose_match, reject
    from ipwhitelist._whitelist.whitelist import to_whitelist

    settings = (Settings(), Settings(whitelist=to_whitelist(["198.51.100.0/24"])))
    egress = (None, EgressReport(ipv4="203.0.113.9", ipv6="2001:db8::9"))
    for response in corpus_responses():
        for option in settings:
            rejection = reject(None, response, settings=option)
            if rejection is None:
                continue
            yield rejection.diagnosis
            for report in egress:
                yield diagnose_match(_pending(response, option), report)


def _pending(response, settings):
    from ipwhitelist._client.mapping import _Pending
    from ipwhitelist._core import classify as _classify

    match = _classify.match(response)
    return _Pending(
        match=match,
        settings=settings,
        secrets=(),
        proxy="http://proxy.example:3128",
        already_authenticated=True,
        ccxt_error="AuthenticationError",
    )


class TestDiagnosisFields:
    FIELDS = ("exchange", "code", "message", "endpoint", "ccxt_error", "source")

    @pytest.mark.parametrize("field", FIELDS)
    def test_every_text_field_is_redacted(self, field):
        """No text field of a Diagnosis can hold a credential-shaped value."""
        d = _make(**{field: f"apiKey={VALUE}"})

        assert VALUE not in repr(d) + str(d) + json.dumps(d.to_dict())

    @pytest.mark.parametrize("field", ["evidence", "remediation"])
    def test_every_text_item_is_redacted(self, field):
        """Evidence and remediation items are redacted too."""
        d = _make(**{field: [f"X-MBX-APIKEY: {VALUE}"]})

        assert VALUE not in repr(d) + str(d) + json.dumps(d.to_dict())

    def test_hints_are_redacted(self):
        """A hint holds no credential either."""
        hint = Hint(name="n", summary=f"token={VALUE}", fix=f"sig={VALUE}")

        assert VALUE not in repr(_make(hints=[hint]))

    @pytest.mark.parametrize(
        ("field", "cap"),
        [
            ("exchange", 64),
            ("code", 64),
            ("message", 1024),
            ("endpoint", 512),
            ("ccxt_error", 128),
            ("source", 512),
        ],
    )
    def test_text_fields_are_capped(self, field, cap):
        """A field cannot grow past its documented cap, however long the input."""
        d = _make(**{field: "x" * 100_000})

        assert cap == len(getattr(d, field))
        assert getattr(d, field).endswith("…")

    def test_items_are_capped(self):
        """Evidence and remediation keep at most 32 items of at most 512 characters."""
        d = _make(evidence=["y" * 10_000] * 100, remediation=["z" * 600])

        assert 32 == len(d.evidence)
        assert {512} == {len(e) for e in d.evidence} | {len(r) for r in d.remediation}

    def test_message_keeps_control_characters(self):
        """The stored message is the exchange's exact text; JSON escapes it, str() shows escapes."""
        text = "bad\nINFO forged line\x1b]0;title\x07 \u202eevil"
        d = _make(message=text)

        assert text == d.message
        assert text == json.loads(json.dumps(d.to_dict()))["message"]
        assert not any(c in str(d).replace("\n", "") for c in CONTROLS)
        assert len(str(d).splitlines()) == len(str(_make(message="plain")).splitlines())

    def test_pickles_with_redacted_fields(self):
        """A redacted diagnosis survives pickling unchanged."""
        d = _make(code=f"api-key={VALUE}")

        assert d == pickle.loads(pickle.dumps(d))

    @given(text=hostile_text, control=controls)
    def test_str_has_no_control_characters(self, text, control):
        """str() of a diagnosis whose every text field is hostile has only its own line breaks."""
        hostile = text + control
        d = _make(
            exchange=hostile,
            code=hostile,
            message=hostile,
            endpoint="GET /" + hostile,
            evidence=[hostile],
            remediation=[hostile],
            hints=[Hint(name=hostile, summary=hostile, fix=hostile)],
            source=hostile,
        )

        out = str(d)

        assert not any(c in out.replace("\n", "") for c in CONTROLS)
        plain = _make(
            code="c",
            message="m",
            endpoint="GET /x",
            evidence=["e"],
            remediation=["r"],
            hints=[_HINT],
            source="s",
        )
        assert len(str(plain).split("\n")) == len(out.split("\n"))
        assert not any(c in d.headline for c in CONTROLS)


_HINT = Hint(name="n", summary="s", fix="f")


def _make(**fields):
    base = {"exchange": "binance", "kind": "ip_not_whitelisted", "confidence": "possible"}
    return Diagnosis(**{**base, **fields})


class TestThroughTheMapping:
    @given(key=api_keys, secret=api_keys, passphrase=passphrases)
    def test_diagnosis_holds_no_secret(self, key, secret, passphrase):
        """Through the mapping layer, no credential reaches a diagnosis in any output form."""
        # A "secret" that is a word of our own vocabulary (say "IPNotW") cannot be
        # told apart from it; real credentials are random. The vocabulary comes
        # from a run with other credentials, so a leak here is never assumed away.
        vocabulary = "".join(_outputs("K" * 20, "S" * 20, "P" * 8))
        assume(all(v not in vocabulary for v in (key, secret, passphrase)))

        outputs = _outputs(key, secret, passphrase)

        for value in (key, secret, passphrase):
            for output in outputs:
                assert value not in output


def _outputs(key: str, secret: str, passphrase: str) -> tuple[str, ...]:
    from helpers import body_of
    from ipwhitelist._client.mapping import Settings, reject
    from ipwhitelist._core import classify as _classify

    class Client:
        id = "okx"
        options: dict[str, object] = {}  # noqa: RUF012

    client = Client()
    client.apiKey, client.secret, client.password = key, secret, passphrase  # type: ignore[attr-defined]
    body = body_of(
        {
            "code": "50110",
            "msg": f"Your IP 203.0.113.7 is not included ({key}/{secret}/{passphrase})",
        }
    )
    response = _classify.response_from_http(
        "okx", ("okx",), http_status=401, body=body, url=f"https://x/?sign={secret}&key={key}"
    )
    exc = reject(None, response, settings=Settings(), exchange=client)
    assert exc is not None
    return (
        str(exc),
        repr(exc),
        str(exc.diagnosis),
        repr(exc.diagnosis),
        json.dumps(exc.diagnosis.to_dict()),
        repr(pickle.loads(pickle.dumps(exc)).diagnosis),
    )


def test_b64_needles_are_exact():
    """The base64 forms removed are those of the value itself (a sanity check of the strategy)."""
    value = "hunter22"

    assert base64.b64encode(value.encode()).decode() not in redact(
        "Basic " + base64.b64encode(value.encode()).decode() + "!", [value]
    )
