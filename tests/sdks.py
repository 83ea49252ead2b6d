"""Helpers for the SDK tests: the corpus by exchange, canned transports, replay bookkeeping."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import ipwhitelist
from helpers import API_KEY, SECRET

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
KINDS = {
    "ip_not_whitelisted": ipwhitelist.IPNotWhitelisted,
    "ip_banned": ipwhitelist.IPBanned,
    "geo_restricted": ipwhitelist.GeoRestricted,
}
PASSPHRASE = "correct-horse-battery-staple"


def corpus(name: str) -> list[dict[str, Any]]:
    """The corpus entries of tests/data/corpus/<name>.json."""
    entries: list[dict[str, Any]] = json.loads((CORPUS_DIR / f"{name}.json").read_text("utf-8"))
    return entries


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in entries]


def point_binance(client: Any, base: str) -> Any:
    """Aim every ``*_URL`` of a python-binance client at *base*, keeping the paths."""
    for name in dir(client):
        value = getattr(client, name, None)
        if name.endswith("_URL") and isinstance(value, str) and value.startswith("https://"):
            setattr(client, name, base + urlsplit(value).path)
    return client


def no_secret(*texts: Any) -> None:
    """None of the test credentials appears in any of *texts*."""
    for text in texts:
        blob = text if isinstance(text, str | bytes) else repr(text)
        blob = blob if isinstance(blob, str) else blob.decode("latin-1")
        for secret in (API_KEY, SECRET, PASSPHRASE):
            assert secret not in blob


class Tally:
    """Recall, false positives and same-object pass-throughs of a corpus replay."""

    def __init__(self) -> None:
        self.expected = self.found = self.false_positives = 0
        self.near_misses = self.same_object = 0

    def add(self, entry: dict[str, Any], raised: BaseException | None, original: Any) -> None:
        if entry["expect"] is not None:
            self.expected += 1
            self.found += isinstance(raised, KINDS[entry["expect"]])
            return
        self.near_misses += 1
        self.false_positives += isinstance(raised, ipwhitelist.IPRejection)
        self.same_object += raised is not None and raised is original

    def __repr__(self) -> str:
        return (
            f"recall {self.found}/{self.expected}, false positives {self.false_positives}, "
            f"same object {self.same_object}/{self.near_misses}"
        )


@pytest.fixture(autouse=True)
def binance_loop(request):
    """python-binance's constructor takes (or makes) the thread's loop: give sync tests one."""
    if request.node.get_closest_marker("asyncio"):
        yield
        return
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


PACKAGE = str(Path(ipwhitelist.__file__).parent)


def own_calls(call: Any, n: int = 20) -> float:
    """Python calls made in ipwhitelist's code per call of *call* (after one warm-up call)."""
    call()
    seen = 0

    def profile(frame: Any, event: str, _arg: Any) -> None:
        nonlocal seen
        if event == "call" and frame.f_code.co_filename.startswith(PACKAGE):
            seen += 1

    sys.setprofile(profile)
    try:
        for _ in range(n):
            call()
    finally:
        sys.setprofile(None)
    return seen / n
