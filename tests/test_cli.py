"""The command line, through main() and the real entry points."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from ipwhitelist._cli import main
from ipwhitelist._demo import DEMO_KEY, DEMO_SECRET, run
from ipwhitelist._fake import FakeServer, Reply


class TestDemo:
    def test_demo_tells_the_story(self):
        """The demo succeeds, fails with the typed exception after the IP change, then recovers."""
        out = io.StringIO()

        code = run(out, color=False)

        text = out.getvalue()
        assert 0 == code
        for needle in (
            "private call from 127.0.0.1 works",
            "IPNotWhitelisted",
            "IP it saw:       127.0.0.2",
            "egress IP(s):    127.0.0.2",
            "NOT on the documented whitelist",
            "works again",
        ):
            assert needle in text
        assert DEMO_KEY not in text
        assert DEMO_SECRET not in text
        assert "\033[" not in text

    def test_python_m_entry_point(self):
        """`python -m ipwhitelist demo --no-color` runs offline and exits 0."""
        env = {**os.environ, "NO_COLOR": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "ipwhitelist", "demo"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )

        assert 0 == done.returncode, done.stderr
        assert "IPNotWhitelisted" in done.stdout
        # The demo prints its diagnosis itself: nothing is logged on stderr.
        assert "" == done.stderr


class TestEgress:
    def test_json(self, capsys):
        """`egress --json` prints the documented keys; a loopback answer is refused (exit 3)."""
        with FakeServer(default=lambda r: Reply(body=r.client_ip)) as s:
            code = main(["egress", "--json", "--provider", f"{s.url}/ip", "--timeout", "2"])

        data = json.loads(capsys.readouterr().out)
        assert 3 == code
        assert {"ipv4", "ipv6", "provider", "elapsed", "errors", "answers", "agreed"} == set(data)

    def test_agree(self, capsys):
        """`egress --agree` asks every provider and prints whether they agree."""
        answers = iter(["8.8.8.8", "8.8.4.4"])
        with FakeServer(default=lambda r: Reply(body=next(answers))) as s:
            code = main(
                ["egress", "--agree", "--provider", f"{s.url}/a", "--provider", f"{s.url}/b"]
            )

        out = capsys.readouterr().out
        assert 0 == code
        assert "NO: several egress IPs" in out

    def test_network_down_exits_3(self, capsys):
        """Nothing answering: exit code 3, quickly."""
        code = main(["egress", "--provider", "http://127.0.0.1:9/ip", "--timeout", "1"])

        assert 3 == code
        assert "IPv4:     not found" in capsys.readouterr().out


def test_usage_error_exits_2(capsys):
    """Unknown commands are usage errors (exit 2), without a traceback."""
    assert 2 == main(["frobnicate"])
    assert "Traceback" not in capsys.readouterr().err
