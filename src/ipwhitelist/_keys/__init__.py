"""Key management: read a key's restrictions, judge them, check and migrate."""

__all__: list[str] = []
