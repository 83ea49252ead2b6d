"""
Run only by test_netguard.py, in a child pytest (the name keeps it out of the suite).

The test swallows the guard's error, as library code may; the suite's fixture
must fail it all the same.
"""

import contextlib
import urllib.request


def test_swallows_a_refusal():
    with contextlib.suppress(Exception):
        urllib.request.urlopen("http://example.com/", timeout=1)
