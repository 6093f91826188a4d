"""Turn one file on disk into the rows the index stores (runs in pool workers too).

Everything here is a pure function of the file's bytes and its path, so the
result can be cached against the git blob id and recomputed anywhere. Files that
are too large or binary are still recorded (as skipped) so that a warm open does
not read them again.

Nothing is read through a symbolic link: a file that is a link, or that sits in a
folder reached through one (a committed `lib/` later replaced by a link to
elsewhere), is left out of the index, so the index can never show a file from
outside the repository. FIFOs, devices and sockets are never opened.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from codecot_mcp.intel.languages import language_for_path, load
from codecot_mcp.intel.tags import Definition, RawImport, RawReference, extract_tags
from codecot_mcp.intel.words import path_tokens, text_token_counts

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000  # larger files are generated data, lock files or vendored bundles
BINARY_SNIFF_BYTES = 8192  # git's own heuristic: a NUL byte in the first 8 KB means binary
PATH_TOKEN_WEIGHT = 2  # a word in the path says more about a file than one more use in its text
NON_CODE_WORD_CHARS = 65_536
# Base64 and hex runs (images in notebooks, hashes in lock files) split into thousands of junk words.
# Only texts above ENCODED_CHECK_CHARS are cleaned: a smaller one cannot hold many, and the scan costs.
ENCODED_RUN = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{80,}=*")
ENCODED_CHECK_CHARS = 16_384
PARSER_VERSION = "3"  # bump when extraction changes, so cached rows are rebuilt
# No link in the last part of the name; a FIFO opened by mistake must not block the open.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


@dataclass
class ParsedFile:
    path: str
    blob: str
    size: int
    mtime_ns: int
    language: str | None
    indexed: bool  # False: binary or too large, kept only so it is not read again
    lines: int = 0
    tokens: dict[str, int] = field(default_factory=dict)
    definitions: list[Definition] = field(default_factory=list)
    references: list[RawReference] = field(default_factory=list)
    imports: list[RawImport] = field(default_factory=list)

    @property
    def n_tokens(self) -> int:
        return sum(self.tokens.values())


def git_blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob: sha1 of 'blob <len>\\0' + data."""
    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.hexdigest()


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a regular file for reading; OSError for a symlink, FIFO, device, socket or folder.

    The lstat keeps anything else from being opened at all (opening some devices has
    effects); O_NOFOLLOW and the fstat on the open descriptor close the race with a
    file swapped for a link or a pipe in between.
    """
    if not stat.S_ISREG(os.lstat(path).st_mode):
        raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
    fd = os.open(path, _READ_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class TreeGuard:
    """Which repo-relative paths lie in folders reached without a symlink (one lstat per folder).

    Git never lists a file below a symlinked folder, but the work tree can change after
    git looked: a folder replaced by a link would otherwise lead the index outside the
    repository. A guard caches its answers, so make one per pass over the tree.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.realpath(root)
        self._folders: dict[str, bool] = {"": True}

    def full_path(self, path: str) -> str | None:
        """The absolute path to open, or None if a folder on the way is a link (or missing)."""
        folder, _, name = path.rpartition("/")
        if not name or not self._folder_ok(folder):
            return None
        return os.path.join(self.root, path)

    def _folder_ok(self, folder: str) -> bool:
        known = self._folders.get(folder)
        if known is None:
            parent = folder.rpartition("/")[0]
            try:
                known = self._folder_ok(parent) and stat.S_ISDIR(
                    os.lstat(os.path.join(self.root, folder)).st_mode
                )
            except OSError:
                known = False
            self._folders[folder] = known
        return known


def read_in_tree(guard: TreeGuard, path: str, max_bytes: int) -> bytes | None:
    """A work-tree file's bytes; None for a link on the way, a special file, an unreadable
    one or one over `max_bytes`, so nothing outside the tree is read and nothing blocks."""
    full = guard.full_path(path)
    if full is None:
        return None
    try:
        with open_regular(full) as handle:
            if os.fstat(handle.fileno()).st_size > max_bytes:
                return None
            data = handle.read(max_bytes + 1)
    except OSError:
        return None
    return data if len(data) <= max_bytes else None


def is_binary(head: bytes) -> bool:
    return b"\0" in head[:BINARY_SNIFF_BYTES]


def count_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _words_window(text: str) -> str:
    window = text[:NON_CODE_WORD_CHARS]
    return ENCODED_RUN.sub(" ", window) if len(window) > ENCODED_CHECK_CHARS else window


def parse_batch(root: str, items: Sequence[tuple[str, str | None]]) -> list[ParsedFile]:
    """Parse several (path, known blob id or None) pairs; vanished files are left out."""
    results: list[ParsedFile] = []
    guard = TreeGuard(root)
    for path, blob in items:
        parsed = parse_file(root, path, blob, guard)
        if parsed is not None:
            results.append(parsed)
    return results


def parse_file(root: str, path: str, blob: str | None, guard: TreeGuard | None = None) -> ParsedFile | None:
    """Read and index one file; None if it disappeared, cannot be read or is reached through a link."""
    full = (guard or TreeGuard(root)).full_path(path)
    if full is None:
        return None
    try:
        with open_regular(full) as handle:
            info = os.fstat(handle.fileno())
            if info.st_size > MAX_FILE_BYTES:
                return ParsedFile(path, blob or "", info.st_size, info.st_mtime_ns, None, indexed=False)
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    blob = blob or git_blob_id(data)
    language = language_for_path(path)
    if len(data) > MAX_FILE_BYTES or is_binary(data):
        return ParsedFile(path, blob, len(data), info.st_mtime_ns, language, indexed=False)
    text = data.decode("utf-8", "replace")
    # Code is indexed whole; for other text (docs, data, fixtures) the opening is what describes it,
    # and a megabyte of CSV numbers would cost more to index than all the code.
    tokens = text_token_counts(text if language else _words_window(text))
    for token in path_tokens(path):
        tokens[token] += PATH_TOKEN_WEIGHT
    parsed = ParsedFile(
        path, blob, len(data), info.st_mtime_ns, language, True, count_lines(data), dict(tokens)
    )
    loaded = load(language) if language else None
    if loaded is not None:
        try:
            tags = extract_tags(loaded, data)
        except Exception as exc:  # a grammar bug on one file must not cost the whole index
            logger.warning("codecot: %s indexed as text only (%s: %s)", path, type(exc).__name__, exc)
            return parsed
        parsed.definitions, parsed.references, parsed.imports = (
            tags.definitions,
            tags.references,
            tags.imports,
        )
    return parsed
