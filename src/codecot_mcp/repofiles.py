"""Reading repository files safely: the one module that opens a file of a work tree.

A repository is hostile until proven otherwise: a committed `lib/` can become a link
to `/etc`, a test file a FIFO, an artifact a link to `/dev/zero`. Every read of a
repository file, for any purpose (the index, the diff, drift, requirement evidence,
the store and its config), goes through here, under one contract.

Paths from users
    `resolve(root, user_path)` returns a normalised repository-relative POSIX path,
    or raises `UnsafePathError`: empty, NUL, not encodable as a file name, absolute,
    leaving the root (by `..`, or through a link once symlinks are resolved), or
    inside `.git/`. It returns the path as written, never a link's target, so the
    read that follows still refuses the link.

Reads
    `RepoTree(root)` reads repository-relative paths (a user's after `resolve`, or
    git's). It opens only a regular file inside the tree, never through a link:
    every folder on the way is lstat'ed and must be a real folder (remembered per
    tree, so the index pays one lstat per folder, not per file), the last part is
    opened with O_NOFOLLOW, and on Linux the descriptor's own path must be the one
    asked for, which also catches a folder swapped for a link between check and
    open. A FIFO, device or socket is refused by lstat before the open (opening
    some devices has effects), cannot block it (O_NONBLOCK), and is refused again
    by fstat after it. `read_bytes` and `read_text` take a size cap; `sha256` and
    `blocks` stream, in constant memory whatever the size.

Not readable
    A read that cannot give the content raises `UnreadableError`, and nothing else:
    missing, a link, a special file, over the cap, a refused path, an I/O error.
    Raised rather than returned as None because the store and the index must tell
    a person *why* (which part is a link), while callers that only skip catch one
    type. Two subclasses also carry the kinds of `codecot_mcp.errors`, so the MCP
    layer reports them correctly without translating: `UnsafeFileError` is an
    `UnsafePathError`, `MissingFileError` a `NotFoundError`. Text that is not UTF-8
    is a fact about content that was read, not a refusal: strict `read_text` raises
    UnicodeDecodeError, so the store can name the file as broken.

Writes
    `refuse_links(root, path)` guards Codecot's own files under `.codecot/`: no
    existing part of the path may be a link, so a write cannot land elsewhere.

Not covered: a hard link is a regular file like any other (its other name may be
outside the tree); without /proc a folder swapped for a link between its lstat and
the open goes unnoticed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Generator
from pathlib import Path

from codecot_mcp.errors import CodecotError, NotFoundError, UnsafePathError

TYPE_CHECKING = False  # typing is not loaded at run time: the stop hook reads files through here
if TYPE_CHECKING:
    from typing import BinaryIO

# Defence in depth at the open itself: no link in the last part (a file swapped for a link
# after the lstat fails with ELOOP), and a FIFO swapped in does not block the open.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_BLOCK_BYTES = 1 << 20
_FD_PATHS = "/proc/self/fd"  # Linux: the kernel's name for what each descriptor opened
_PATH_HINT = "pass a path relative to the repository root, e.g. src/app.py"
_LINK_HINT = "Codecot does not read or write through symbolic links; replace it with a real file or folder"


class UnreadableError(CodecotError):
    """The one way a read says a repository file is not readable; the message says why."""


class UnsafeFileError(UnreadableError, UnsafePathError):
    """A link on the way, a FIFO, device, socket or folder, or a path that is refused."""


class MissingFileError(UnreadableError, NotFoundError):
    """Nothing at the path, or a folder on the way is missing."""


# ---------------------------------------------------------------- paths


def resolve(root: Path, user_path: str) -> str:
    """`user_path` as a normalised repository-relative POSIX path; UnsafePathError if it is not one.

    Backslashes count as separators (a path typed on Windows). Symlinks are resolved
    only to check that the path stays inside the root and out of `.git/`; the path
    returned is the one written, so a later read refuses the link itself.
    """
    relative = _normalise(user_path.replace("\\", "/"), UnsafePathError)
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, relative))
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise UnsafePathError(
            f"'{user_path}' resolves outside the repository", hint="symlinks and '..' may not leave it"
        )
    if _in_git(os.path.relpath(real, real_root).split(os.sep)):
        raise UnsafePathError(
            f"'{user_path}' resolves inside .git/", hint="git internals are not readable through Codecot"
        )
    return relative


def _normalise(path: str, error: type[UnsafePathError]) -> str:
    """`path` with `.` and empty parts dropped and `..` applied, or `error` if that leaves the root.

    Applying `..` by name is safe because the part before it is never opened.
    """
    if not path or "\x00" in path:
        raise error("empty path or NUL byte in path", hint=_PATH_HINT)
    try:
        os.fsencode(path)
    except UnicodeEncodeError:  # a lone surrogate no file system name decodes to
        raise error(f"{path!r} cannot be a file name", hint=_PATH_HINT) from None
    if path.startswith("/"):
        raise error(f"'{path}' is absolute", hint=_PATH_HINT)
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if not parts:
                raise error(f"'{path}' leaves the repository", hint="'..' may not leave the repository root")
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    if not parts:
        raise error(f"'{path}' names the repository itself, not a file", hint=_PATH_HINT)
    if _in_git(parts):
        raise error(f"'{path}' is inside .git/", hint="git internals are not readable through Codecot")
    return "/".join(parts)


def _in_git(parts: list[str]) -> bool:
    # Any depth and any case: git never tracks a file in a `.git` folder, and `.GIT` is
    # `.git` on a case-insensitive file system.
    return any(part.casefold() == ".git" for part in parts)


def refuse_links(root: Path, path: Path) -> None:
    """Raise UnsafePathError if `path` is not below `root` or an existing part of it is a symlink.

    For Codecot's own files (`.codecot/`, its folders and artifacts): a link there
    would let a write replace a file outside the repository. Parts that do not exist
    yet are fine; they will be created as real ones.
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
        shown = current.relative_to(root).as_posix()
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise UnsafePathError(f"cannot check '{shown}': {exc.strerror}") from None
        if stat.S_ISLNK(mode):
            raise UnsafePathError(f"'{shown}' is a symbolic link", hint=_LINK_HINT)


# ---------------------------------------------------------------- reads


class RepoTree:
    """Reads the files of one work tree under the module's contract.

    It remembers the folders it found real, so a long-lived tree would trust a folder
    that has since become a link: make one per pass (an index refresh, a drift check,
    one store read). On Linux the check of the opened descriptor still catches that.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.realpath(root)
        self._real_folders: set[str] = set()

    def lstat(self, path: str) -> os.stat_result:
        """The status of `path` itself (a link is not followed), once its folders are checked."""
        relative = _normalise(path, UnsafeFileError)
        self._check_folders(relative)
        return self._lstat(relative)

    def read_link(self, path: str) -> bytes:
        """A link's own text, never what it points at (the diff counts a link as git stores it)."""
        relative = _normalise(path, UnsafeFileError)
        self._check_folders(relative)
        try:
            return os.fsencode(os.readlink(self._full(relative)))
        except OSError as exc:  # EINVAL: not a link
            raise _unreadable(relative, exc) from None

    def read_bytes(self, path: str, max_bytes: int) -> bytes:
        """The whole file, or UnreadableError if it holds more than `max_bytes`."""
        relative = _normalise(path, UnsafeFileError)
        with self._open(relative) as handle:
            try:
                if os.fstat(handle.fileno()).st_size > max_bytes:
                    raise _too_large(relative, max_bytes)
                data = handle.read(max_bytes + 1)  # +1: it may have grown since the fstat
            except OSError as exc:
                raise _unreadable(relative, exc) from None
        if len(data) > max_bytes:
            raise _too_large(relative, max_bytes)
        return data

    def read_text(self, path: str, max_bytes: int, errors: str = "strict") -> str:
        """The file as UTF-8 text; strict decoding raises UnicodeDecodeError, "replace" never does."""
        return self.read_bytes(path, max_bytes).decode("utf-8", errors)

    def sha256(self, path: str) -> str:
        """The hex sha256 of the file's bytes, read in blocks whatever its size."""
        hasher = hashlib.sha256()
        for block in self.blocks(path):
            hasher.update(block)
        return hasher.hexdigest()

    def blocks(self, path: str, size: int = _BLOCK_BYTES) -> Generator[bytes, None, None]:
        """The file's bytes in blocks of at most `size`: for a hash or a count in constant memory.

        The file is opened at the first block and closed when the iteration ends or stops.
        """
        relative = _normalise(path, UnsafeFileError)
        with self._open(relative) as handle:
            while True:
                try:
                    block = handle.read(size)
                except OSError as exc:
                    raise _unreadable(relative, exc) from None
                if not block:
                    return
                yield block

    # ------------------------------------------------------------ internals

    def _open(self, relative: str) -> BinaryIO:
        """A regular file at a normalised path, opened for reading, never through a link."""
        self._check_folders(relative)
        _require_regular(relative, self._lstat(relative).st_mode)  # nothing else is even opened
        full = self._full(relative)
        try:
            fd = os.open(full, _READ_FLAGS)
        except OSError as exc:
            raise _unreadable(relative, exc) from None
        try:
            _require_regular(relative, os.fstat(fd).st_mode)  # swapped for a FIFO since the lstat
            _require_opened_at(fd, full, relative)
        except BaseException:
            os.close(fd)
            raise
        return os.fdopen(fd, "rb")

    def _check_folders(self, relative: str) -> None:
        """Raise unless every folder above `relative` is a real folder, not a link."""
        folder = ""
        for part in relative.split("/")[:-1]:
            folder = f"{folder}/{part}" if folder else part
            if folder in self._real_folders:
                continue
            mode = self._lstat(folder, relative).st_mode
            if stat.S_ISLNK(mode):
                raise UnsafeFileError(
                    f"'{relative}' is reached through the symbolic link '{folder}'", hint=_LINK_HINT
                )
            if not stat.S_ISDIR(mode):
                raise MissingFileError(f"'{relative}' does not exist: '{folder}' is not a folder")
            self._real_folders.add(folder)

    def _lstat(self, relative: str, wanted: str | None = None) -> os.stat_result:
        """lstat of `relative`; a failure names `wanted`, the file the caller asked for."""
        try:
            return os.lstat(self._full(relative))
        except OSError as exc:
            raise _unreadable(wanted or relative, exc) from None

    def _full(self, relative: str) -> str:
        return os.path.join(self.root, relative)


def _require_regular(relative: str, mode: int) -> None:
    if stat.S_ISLNK(mode):
        raise UnsafeFileError(f"'{relative}' is a symbolic link", hint=_LINK_HINT)
    if not stat.S_ISREG(mode):
        raise UnsafeFileError(
            f"'{relative}' is not a regular file ({_kind(mode)})", hint="replace it with a real file"
        )


def _require_opened_at(fd: int, full: str, relative: str) -> None:
    """On Linux, what `fd` opened must be `full` itself, not something a link led to.

    Defence in depth: a folder swapped for a link after `_check_folders` (or while a
    tree remembered it as real) sends the open elsewhere, and the kernel's name for the
    descriptor says so. Without /proc this check is skipped and the folder checks stand alone.
    """
    try:
        opened = os.readlink(f"{_FD_PATHS}/{fd}")
    except OSError:
        return
    if opened != full:
        raise UnsafeFileError(
            f"'{relative}' was reached through a symbolic link (a folder changed while it was opened)",
            hint=_LINK_HINT,
        )


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _unreadable(relative: str, exc: OSError) -> UnreadableError:
    """The OSError of a read as the contract's error, by what it means for the caller."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return MissingFileError(f"'{relative}' does not exist", hint="it may have been deleted")
    if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link swapped in after the lstat
        return UnsafeFileError(f"'{relative}' is a symbolic link", hint=_LINK_HINT)
    return UnreadableError(f"cannot read '{relative}': {exc.strerror or exc}")


def _too_large(relative: str, max_bytes: int) -> UnreadableError:
    return UnreadableError(f"'{relative}' is larger than {max_bytes:,} bytes, the most read here")
