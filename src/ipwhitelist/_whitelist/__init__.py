"""The documented whitelist: `Whitelist`, the registry file and its validation."""

__all__: list[str] = []
