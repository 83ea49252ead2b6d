"""
Rewriting a user's file (the registry) the way a careful editor does.

* Atomically: a temporary file in the same directory, fsynced, renamed over
  the original, so a crash leaves the old file or the new one, never half.
* Keeping what the user set: the new file and its ``.bak`` get the original's
  permission bits (a 0600 file never gets a 0644 copy) and, where the process
  may set them, its owner and group.
* Through symlinks: a linked file is updated where it lives; the link stays.
* Under an advisory lock (``fcntl.flock`` on a sibling ``.<name>.lock`` file)
  held around read-modify-write, so two processes updating the same file do
  not lose each other's changes. The lock file is left in place: removing it
  would let a third process lock a new file while the second holds the old.
  Windows has no ``fcntl``: there the write stays atomic but is not locked
  against concurrent writers.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["locked", "replace_with_backup", "target_of", "write_atomic"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, see above
    fcntl = None  # type: ignore[assignment]


def target_of(path: Path) -> Path:
    """The file *path* names, symlinks followed (the file itself if none)."""
    return path.resolve() if path.is_symlink() else path


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock for *path* (the file a link points to)."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def replace_with_backup(path: Path, text: str, *, backup: str) -> None:
    """
    Write *backup* to ``<name>.bak`` and *text* to *path*, both atomically.

    Both files get *path*'s current mode, owner and group (where allowed).
    """
    like = path.stat()
    write_atomic(path.with_name(path.name + ".bak"), backup, like=like)
    write_atomic(path, text, like=like)


def write_atomic(path: Path, text: str, *, like: os.stat_result) -> None:
    """Replace *path* with *text* (temporary file, fsync, rename), with *like*'s mode and owner."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _copy_metadata(temp, like)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _copy_metadata(temp: Path, like: os.stat_result) -> None:
    # Owner first: chown clears set-id bits, the chmod after sets them back.
    # Another owner needs privileges; the group alone often works.
    made = temp.stat()
    if (made.st_uid, made.st_gid) != (like.st_uid, like.st_gid) and hasattr(os, "chown"):
        try:
            os.chown(temp, like.st_uid, like.st_gid)
        except OSError:
            with contextlib.suppress(OSError):
                os.chown(temp, -1, like.st_gid)
    with contextlib.suppress(OSError):
        temp.chmod(stat.S_IMODE(like.st_mode))
