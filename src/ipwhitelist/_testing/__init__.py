"""Loopback fake exchanges (HTTP and websocket) for the test suite, the demo and the docs."""

__all__: list[str] = []
