"""Egress detection: which public address this host (or its proxy) leaves from."""

__all__: list[str] = []
