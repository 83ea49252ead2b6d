"""Redaction: no credential survives, benign text is left alone."""

from __future__ import annotations

import json
import pickle

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ipwhitelist import Diagnosis
from ipwhitelist._redact import REDACTED, redact, strip_query
from strategies import api_keys, passphrases, secrets

_around = st.text(max_size=40)


class TestRedact:
    @given(secret=secrets, before=_around, after=_around)
    def test_known_secret_never_survives(self, secret, before, after):
        """A credential value given to redact() never appears in its output."""
        assert secret not in redact(before + secret + after, [secret])

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

    @pytest.mark.parametrize(
        ("text", "leak"),
        [
            ("GET /api/v3/account?timestamp=1&signature=0f" + "a" * 62, "a" * 62),
            ('{"apiKey":"abcdEFGH1234","x":1}', "abcdEFGH1234"),
            ("X-MBX-APIKEY: abcdEFGH1234", "abcdEFGH1234"),
            ("OK-ACCESS-PASSPHRASE: hunter22", "hunter22"),
            ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGciOiJIUzI1NiJ9"),
            ("sign=" + "Q" * 43 + "=", "Q" * 43),
            ("api_key=abcdEFGH1234&recv_window=5000", "abcdEFGH1234"),
            ("'secret': 'abcdEFGH1234'", "abcdEFGH1234"),
        ],
    )
    def test_patterns(self, text, leak):
        """Credential-shaped fields are scrubbed without knowing the values."""
        out = redact(text)

        assert leak not in out
        assert REDACTED in out

    @pytest.mark.parametrize(
        "text",
        [
            "Invalid API-key, IP, or permissions for action, request ip: 203.0.113.7",
            "Your IP 2001:db8::1 is not included in your API key's IP whitelist.",
            "Unmatched IP, please check your API key's bound IP addresses.",
            "Way too many requests; IP(198.51.100.7) banned until 1659761931230.",
        ],
    )
    def test_benign_messages_unchanged(self, text):
        """Exchange messages without credentials are left exactly as they were."""
        assert text == redact(text)

    def test_url_encoded_secret(self):
        """A secret is also removed in its percent-encoded form."""
        secret = "pa ss/w+rd=="

        assert "pa%20ss%2Fw%2Brd%3D%3D" not in redact("p=pa%20ss%2Fw%2Brd%3D%3D", [secret])

    def test_short_values_not_searched(self):
        """Values under four characters are not replaced (they would destroy the text)."""
        assert "abc" == redact("abc", ["a"])

    def test_strip_query(self):
        """strip_query drops the query string and fragment."""
        assert "https://x/y" == strip_query("https://x/y?signature=1#frag")

    def test_diagnosis_redacts_in_converter(self):
        """Even a direct Diagnosis(...) cannot hold a signature."""
        d = Diagnosis(
            exchange="binance",
            kind="ip_not_whitelisted",
            confidence="possible",
            message="signature=" + "ab" * 32,
        )

        assert "ab" * 32 not in repr(d)


def _outputs(key: str, secret: str, passphrase: str) -> tuple[str, ...]:
    from helpers import body_of
    from ipwhitelist import _classify
    from ipwhitelist._mapping import Settings, reject

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
