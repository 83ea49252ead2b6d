"""The ``ipwhitelist`` command line (``python -m ipwhitelist``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ipwhitelist",
        description="Diagnose crypto-exchange API rejections caused by IP whitelists.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the offline demo (loopback fake exchange)")
    demo.add_argument("--no-color", action="store_true", help="plain output")
    egress = sub.add_parser("egress", help="show this host's public egress IPs")
    egress.add_argument(
        "--provider", action="append", metavar="URL", help="provider URL (repeatable)"
    )
    egress.add_argument("--timeout", type=float, default=3.0, help="time budget in seconds")
    egress.add_argument("--proxy", help="look up through this proxy URL")
    egress.add_argument(
        "--agree", action="store_true", help="ask every provider and report disagreement"
    )
    egress.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _egress(args: argparse.Namespace) -> int:
    from ._egress import EgressDetector

    detector = EgressDetector(args.provider, timeout=args.timeout, ttl=0, agreement=args.agree)
    report = detector.detect(args.proxy)
    if args.json:
        print(
            json.dumps(
                {
                    "ipv4": str(report.ipv4) if report.ipv4 else None,
                    "ipv6": str(report.ipv6) if report.ipv6 else None,
                    "provider": report.provider,
                    "elapsed": round(report.elapsed, 4),
                    "errors": list(report.errors),
                    "answers": [{"provider": p, "ip": str(ip)} for p, ip in report.answers],
                    "agreed": report.agreed,
                }
            )
        )
    else:
        print(f"IPv4:     {report.ipv4 or 'not found'}")
        print(f"IPv6:     {report.ipv6 or 'not found'}")
        print(f"provider: {report.provider or '-'} ({report.elapsed:.2f} s)")
        if args.agree:
            distinct = ", ".join(map(str, report.distinct)) or "-"
            verdict = {True: "yes", False: "NO: several egress IPs", None: "too few answers"}
            print(f"agreed:   {verdict[report.agreed]} ({distinct})")
        for error in report.errors:
            print(f"  failed: {error}", file=sys.stderr)
    return EXIT_OK if report.ips else EXIT_UNKNOWN


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command line; returns the exit code.

    Exit codes: 0 all good, 1 a problem was found, 2 usage or configuration
    error, 3 could not determine (network).
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "demo":
        from ._demo import run

        return run(color=False if args.no_color else None)
    return _egress(args)
