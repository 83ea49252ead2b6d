"""The ``ipwhitelist`` command line."""

__all__: list[str] = []
