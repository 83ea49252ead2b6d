"""The deferred diagnosis text: built on first read, once, identical to an eager build."""

from __future__ import annotations

import copy
import json
import logging
import pickle
import threading
from datetime import UTC, datetime

import attrs
import pytest

import ipwhitelist
from helpers import API_KEY, CREDENTIALS, SECRET, body_of, canned, corpus_responses
from ipwhitelist._client import mapping as _mapping

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
# The exchange echoes the key (some do, in "invalid key" messages): the text must lose it.
ECHO = body_of({"code": -2015, "msg": f"Invalid API-key {API_KEY}, IP, or permissions."})


def _pendings():
    """A pending rejection for every IP rejection of the corpus, credentials known."""
    from ipwhitelist._core import classify as _classify
    from ipwhitelist._whitelist.whitelist import to_whitelist

    settings = (
        _mapping.Settings(),
        _mapping.Settings(whitelist=to_whitelist(["198.51.100.0/24"]), family=4),
    )
    for response in corpus_responses():
        match = _classify.match(response)
        if match is None:
            continue
        for option in settings:
            yield _mapping._Pending(
                match=match,
                settings=option,
                secrets=(API_KEY, SECRET),
                proxy="http://user:pw-123456@proxy.example:3128",
                already_authenticated=True,
                ccxt_error="AuthenticationError",
            )


def _rejection(server, sync_client, body=ECHO):
    """A rejection no hook has read (the incident log reads an incident's first one)."""
    server.default = canned(401, body)
    client = ipwhitelist.wrap(sync_client("binance", **CREDENTIALS), egress=False)
    before = ipwhitelist.get_on_rejection_hooks()
    ipwhitelist.set_on_rejection_hooks([])
    try:
        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()
    finally:
        ipwhitelist.set_on_rejection_hooks(before)
    return info.value


def _is_deferred(diagnosis):
    try:
        object.__getattribute__(diagnosis, "_deferred")
    except AttributeError:
        return False
    return True


def test_deferred_and_eager_diagnoses_are_identical():
    """Over the whole corpus, with and without egress: the same fields, text and dict."""
    from ipwhitelist import EgressReport

    compared = 0
    for pending in _pendings():
        for report in (None, EgressReport(ipv4="203.0.113.9", ipv6="2001:db8::9")):
            eager = attrs.evolve(_mapping.diagnose_match(pending, report), at=AT)
            deferred = _mapping.diagnose_deferred(pending, report)
            assert _is_deferred(deferred)
            # Read one way (a field) or another (the whole dict): the same values.
            assert eager.remediation == deferred.remediation
            settled = attrs.evolve(deferred, at=AT)
            assert (eager, str(eager), repr(eager)) == (settled, str(settled), repr(settled))
            compared += 1
    assert compared > 50


def test_a_forced_and_an_unforced_diagnosis_give_the_same_output(server, sync_client):
    """Whichever reads first (a field, str, the dict, pickle), the output is the same."""
    first = _rejection(server, sync_client).diagnosis
    second = _rejection(server, sync_client).diagnosis
    assert _is_deferred(second)

    text = str(first)  # forces the first
    assert not _is_deferred(first)
    assert _is_deferred(second)
    assert attrs.evolve(first, at=AT).to_dict() == attrs.evolve(second, at=AT).to_dict()
    assert text.replace(first.at.isoformat(), "") == str(second).replace(second.at.isoformat(), "")


@pytest.mark.parametrize(
    "show",
    [repr, str, lambda d: json.dumps(d.to_dict()), pickle.dumps, copy.copy, copy.deepcopy],
    ids=["repr", "str", "to_dict", "pickle", "copy", "deepcopy"],
)
def test_an_unread_diagnosis_shows_no_secret(server, sync_client, show):
    """Everything that shows or copies a diagnosis settles it first, and redacted."""
    diagnosis = _rejection(server, sync_client).diagnosis
    assert _is_deferred(diagnosis)

    shown = show(diagnosis)

    assert not _is_deferred(diagnosis)  # the inputs (and the credentials) are dropped
    text = shown.decode("latin-1") if isinstance(shown, bytes) else repr(shown) + str(shown)
    assert API_KEY not in text
    assert SECRET not in text
    assert "***" in diagnosis.message


def test_a_copy_or_an_unpickled_diagnosis_holds_no_inputs(server, sync_client):
    """Copies carry the settled fields only, and compare and hash equal to the original."""
    diagnosis = _rejection(server, sync_client).diagnosis
    copies = (pickle.loads(pickle.dumps(diagnosis)), copy.copy(diagnosis), attrs.evolve(diagnosis))

    assert [False] * 3 == [_is_deferred(c) for c in copies]
    assert [diagnosis] * 3 == list(copies)
    assert {hash(diagnosis)} == {hash(c) for c in copies}


def test_the_text_is_built_once_across_threads(server, sync_client, monkeypatch):
    """Threads reading a deferred diagnosis at once build its text once and see the same."""
    diagnosis = _rejection(server, sync_client).diagnosis
    assert _is_deferred(diagnosis)
    builds = []
    real = _mapping.hints.process_hints
    monkeypatch.setattr(_mapping.hints, "process_hints", lambda: builds.append(1) or real())
    barrier = threading.Barrier(16)
    seen = []

    def read():
        barrier.wait()
        seen.append((diagnosis.remediation, diagnosis.hints, diagnosis.message))

    threads = [threading.Thread(target=read) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (1, 16, 1) == (len(builds), len(seen), len(set(seen)))


def test_a_counted_rejection_builds_no_text(server, sync_client):
    """Hooks that read structured fields only, and a caught rejection: no text is built."""
    counter = ipwhitelist.RejectionCounter()
    server.default = canned(401, ECHO)
    client = ipwhitelist.wrap(sync_client("binance", **CREDENTIALS), egress=False)
    before = ipwhitelist.get_on_rejection_hooks()
    ipwhitelist.set_on_rejection_hooks([counter])
    try:
        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()
    finally:
        ipwhitelist.set_on_rejection_hooks(before)
    rejection = info.value

    assert 1 == counter.counts[("binance", "ip_not_whitelisted")]
    assert _is_deferred(rejection.diagnosis)
    assert ("-2015", "possible") == (rejection.diagnosis.code, rejection.diagnosis.confidence)
    assert _is_deferred(rejection.diagnosis)


def test_a_lazy_rejection_message_is_the_usual_one(server, sync_client):
    """str, args, repr and pickling of the rejection show the message built from the diagnosis."""
    from ipwhitelist._core.assess import message

    rejection = _rejection(server, sync_client)
    text = str(rejection)

    assert text == message(rejection.diagnosis)
    assert (text,) == rejection.args
    assert f"IPNotWhitelisted({text!r})" == repr(rejection)
    assert API_KEY not in text
    assert str(pickle.loads(pickle.dumps(rejection))) == text
    rejection.args = ("replaced",)
    assert ("replaced", ("replaced",)) == (str(rejection), rejection.args)


def test_a_failing_text_build_degrades_and_logs(server, sync_client, monkeypatch, caplog):
    """The text failing to build leaves the structured fields and a minimal text, never raises."""
    rejection = _rejection(server, sync_client)

    def broken():
        raise RuntimeError("hint bug")

    monkeypatch.setattr(_mapping.hints, "process_hints", broken)

    assert ((), "", "-2015") == (
        rejection.diagnosis.hints,
        rejection.diagnosis.message,
        rejection.diagnosis.code,
    )
    assert "building the diagnosis failed" in caplog.text
    assert "(no message)" in str(rejection.diagnosis)


def test_an_escaped_key_still_names_the_ip(server, sync_client):
    """The shortcut that skips decoding a body without the keys still reads an escaped key."""
    body = '{"code":-2015,"msg":"Invalid API-key, IP, or permissions.","client_\\u0069p":"203.0.113.7"}'

    rejection = _rejection(server, sync_client, body=body)

    assert "203.0.113.7" == str(rejection.diagnosis.reported_ip)


def test_a_log_handler_may_read_another_diagnosis_while_a_build_fails(
    server, sync_client, monkeypatch
):
    """The failure is logged outside the build lock: a handler reading a diagnosis cannot hang."""
    first = _rejection(server, sync_client).diagnosis
    second = _rejection(server, sync_client).diagnosis

    def broken():
        raise RuntimeError("hint bug")

    monkeypatch.setattr(_mapping.hints, "process_hints", broken)
    read = []

    class Reader(logging.Handler):
        def emit(self, record):
            if not read:
                read.append(second.remediation)

    handler = Reader()
    logging.getLogger("ipwhitelist").addHandler(handler)
    try:
        worker = threading.Thread(target=lambda: first.hints)
        worker.start()
        worker.join(timeout=30)  # a guard against a hang, not a timing
    finally:
        logging.getLogger("ipwhitelist").removeHandler(handler)

    assert not worker.is_alive()
    assert {()} == set(read)


def test_every_field_is_either_given_or_deferred():
    """A new Diagnosis field must be given to `eager()` (or `at` to `deferred()`) or built with the text."""
    import inspect

    from ipwhitelist._core import diagnosis as _diagnosis

    given = {*inspect.signature(_diagnosis.eager).parameters, "at"} - {"secrets"}
    assert set(_diagnosis._EAGER) == given - {"at"}
    fields = {field.name for field in attrs.fields(ipwhitelist.Diagnosis)}

    assert fields == given | set(_diagnosis._DEFERRED)
    assert not given & set(_diagnosis._DEFERRED)
