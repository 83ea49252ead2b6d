"""
The pure core: no I/O, no ccxt client, no network.

Addresses, the `Diagnosis`, redaction, rule matching and the assessment that
turns a matched response and the evidence at hand into a diagnosis, the
remediation text, the on-rejection hooks and the incident log, and the small
process-level helpers (fork safety, TOML). Everything above builds on it; it
imports nothing from the other layers (the exchanges plug their tables into
`rules`).
"""

__all__: list[str] = []
