"""
The one way the library reads a file: never more than a bound.

A registry, a whitelist file, the CLI's config or a log named on the command
line could be ``/dev/zero``, a multi-gigabyte file or one that grows while it
is read: every read stops at `MAX_FILE` (4 MiB, far above any real registry)
and says so instead of filling memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = [
    "MAX_FILE",
    "FileTooLargeError",
    "NotARegularFileError",
    "read_bounded",
    "read_tail",
    "read_text_bounded",
]

#: Largest file read whole: 4 MiB.
MAX_FILE = 4 * 1024 * 1024


class FileTooLargeError(ValueError):
    """A file is larger than the bound for its kind (`MAX_FILE` unless told)."""


def read_bounded(path: str | os.PathLike[str], limit: int = MAX_FILE) -> bytes:
    """
    Read at most *limit* bytes of *path*.

    Raises:
        FileTooLargeError: The file holds more than *limit* bytes (whatever
            its size says: a device or a growing file is read, not stat'ed).
        OSError: The file cannot be read.
    """
    with Path(path).open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(
            f"{os.fspath(path)} is larger than {limit // 1024} KiB: not a file this library reads"
        )
    return data


def read_text_bounded(path: str | os.PathLike[str], limit: int = MAX_FILE) -> str:
    """`read_bounded`, decoded as UTF-8 (``UnicodeDecodeError`` if it is not)."""
    return read_bounded(path, limit).decode("utf-8")


class NotARegularFileError(ValueError):
    """A path names a FIFO, device or socket where a regular file is read."""


def read_tail(path: str | os.PathLike[str], size: int) -> bytes:
    """
    The last *size* bytes of the regular file *path* (or fewer), read with one bounded read.

    Raises:
        NotARegularFileError: *path* is a FIFO, device or socket (a FIFO
            would block, ``/dev/zero`` never end); opening it does not block.
        OSError: The file cannot be opened.
    """
    # O_NONBLOCK: opening a FIFO that no one writes to must not hang.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb") as handle:  # noqa: PTH123 - a descriptor, not a path
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFileError(
                f"{os.fspath(path)} is not a regular file (a FIFO, device or socket)"
            )
        handle.seek(max(0, info.st_size - size))
        return handle.read(size)
