"""A short, non-reversible name for an API key, safe to store and print."""

from __future__ import annotations

import hashlib
import re

__all__ = ["FINGERPRINT", "fingerprint", "matches"]

_PREFIX = "sha256:"
_LENGTH = 8
FINGERPRINT = re.compile(r"^sha256:[0-9a-f]{8,64}$")


def fingerprint(api_key: str) -> str:
    """
    Return a short fingerprint of *api_key*, such as ``"sha256:3f9a0c1e"``.

    The first 32 bits of the key's SHA-256: enough to tell a user's keys apart
    and to match a registry entry to the client holding the key, and useless
    for recovering a high-entropy key. Store this, never the key.

    Raises:
        ValueError: *api_key* is empty.

    Added in *0.1.0*.
    """
    if not isinstance(api_key, str) or not api_key.strip():
        raise ValueError("fingerprint() needs a non-empty API key")
    digest = hashlib.sha256(api_key.strip().encode("utf-8")).hexdigest()
    return _PREFIX + digest[:_LENGTH]


def matches(stored: str, api_key: str) -> bool:
    """Return whether a stored fingerprint (any length >= 8) names *api_key*."""
    if not FINGERPRINT.match(stored) or not api_key:
        return False
    digest = hashlib.sha256(api_key.strip().encode("utf-8")).hexdigest()
    return digest.startswith(stored[len(_PREFIX) :])
