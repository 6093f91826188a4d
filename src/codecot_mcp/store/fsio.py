"""Atomic file replacement and the store's inter-process lock.

Two servers and a CLI may write the same `.codecot/` at once. Every write is a
temp file in the same folder, fsynced, then `os.replace`d, so a reader (or a
process killed mid-write) sees the old file or the new one, never half of
either. Read-modify-write sequences hold `StoreLock`, an `flock` on a file in
the ignored cache folder; flock is per open file, so it also serialises threads
of one process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from codecot_mcp.errors import ConflictError

# What `.codecot/cache/.gitignore` says: the caches are rebuilt, never committed.
CACHE_GITIGNORE = "# Rebuildable caches: never committed.\n*\n"

LOCK_TIMEOUT_SECONDS = 30.0
_LOCK_POLL_SECONDS = 0.005


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step (UTF-8, LF line endings kept as given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = _new_temp_file(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _new_temp_file(path: Path) -> tuple[int, str]:
    """A new file beside `path`, as `tempfile.mkstemp` makes one (mode 0600, never an existing
    name); the tempfile module is not imported because the host's hooks write through here."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        name = str(path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def remove_stale_temp_files(folders: list[Path], older_than_s: float) -> int:
    """Delete temp files `atomic_write_text` left when its process was killed; returns how many.

    Only files older than `older_than_s` go, so a write still in progress elsewhere is safe.
    """
    cutoff = time.time() - older_than_s
    removed = 0
    for folder in folders:
        for tmp in folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if tmp.is_file() and not tmp.is_symlink() and tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
    return removed


def append_line(path: Path, line: str) -> None:
    """Append one line with a single write on an O_APPEND descriptor (callers hold the lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def store_lock(lock_path: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` for the duration of the block."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConflictError(
                        f"the Codecot store is locked by another process for over {timeout:.0f}s",
                        hint=f"retry; if no Codecot process is running, delete {lock_path.name}",
                    ) from None
                time.sleep(_LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
