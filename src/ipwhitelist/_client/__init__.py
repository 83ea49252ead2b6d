"""The ccxt (and SDK) integration: wrapping, the guards, the mapping of errors."""

__all__: list[str] = []
