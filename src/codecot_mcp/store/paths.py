"""Keeping every path that comes from outside inside the repository.

Tool arguments, resource URIs and artifact fields are hostile until proven
otherwise: a path is resolved (symlinks and `..` included) and must land under
the repository root and outside `.git/`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

from codecot_mcp.errors import UnsafePathError

CODECOT_DIR = ".codecot"
# A link swapped in after the check fails to open; a FIFO does not block the open.
_READ_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
)


def resolve_in_repo(root: Path, user_path: str) -> Path:
    """Return the absolute path of `user_path` if it stays inside `root`, else raise.

    Refuses absolute paths, NUL bytes, anything that resolves outside the root
    (including through a symlink) and anything inside `.git/`.
    """
    if not user_path or "\x00" in user_path:
        raise UnsafePathError(
            "empty path or NUL byte in path", hint="pass a path relative to the repository root"
        )
    candidate = PurePosixPath(user_path.replace("\\", "/"))
    if candidate.is_absolute():
        raise UnsafePathError(
            f"'{user_path}' is absolute", hint="pass a path relative to the repository root, e.g. src/app.py"
        )
    if ".git" in candidate.parts:
        raise UnsafePathError(
            f"'{user_path}' is inside .git/", hint="git internals are not readable through Codecot"
        )
    real_root = root.resolve()
    resolved = (real_root / candidate).resolve()
    if resolved != real_root and real_root not in resolved.parents:
        raise UnsafePathError(
            f"'{user_path}' resolves outside the repository",
            hint="symlinks and '..' may not leave the repository",
        )
    relative = resolved.relative_to(real_root)
    if relative.parts[:1] == (".git",):
        raise UnsafePathError(
            f"'{user_path}' is inside .git/", hint="git internals are not readable through Codecot"
        )
    return resolved


def refuse_links(root: Path, path: Path) -> None:
    """Raise UnsafePathError if `path` is not below `root` or any part of it below `root` is a symlink.

    For Codecot's own files (`.codecot/`, its folders and artifacts): a link there
    would let a read serve, or a write replace, a file outside the repository.
    Parts that do not exist yet are fine; they will be created as real ones.
    """
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        raise UnsafePathError(f"'{path}' is outside the repository {root}") from None
    if ".." in parts:
        raise UnsafePathError(f"'{path}' leaves the repository", hint="'..' is not allowed here")
    current = root
    for part in parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise UnsafePathError(f"cannot check '{_shown(root, current)}': {exc.strerror}") from None
        if stat.S_ISLNK(mode):
            raise UnsafePathError(
                f"'{_shown(root, current)}' is a symbolic link; Codecot does not read or write through links",
                hint="replace the link with a real file or folder",
            )


def read_regular_text(root: Path, path: Path) -> str:
    """The UTF-8 text of a regular file below `root`, reached and opened without following a link.

    FileNotFoundError if it is missing, UnicodeDecodeError if it is not UTF-8,
    UnsafePathError for a link on the way or a FIFO, device or folder.
    """
    refuse_links(root, path)
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # became a link since the check
            raise UnsafePathError(f"'{_shown(root, path)}' is a symbolic link") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafePathError(
                f"'{_shown(root, path)}' is not a regular file", hint="replace it with a real file"
            )
        return handle.read().decode("utf-8")


def _shown(root: Path, path: Path) -> str:
    """`path` as the user knows it: relative to the root."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
