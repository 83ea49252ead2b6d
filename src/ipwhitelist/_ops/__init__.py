"""Operations: egress monitoring, recovery review, retries, metrics, notifications."""

__all__: list[str] = []
