"""Turn one file on disk into the rows the index stores (runs in pool workers too).

Everything here is a pure function of the file's bytes and its path, so the
result can be cached against the git blob id and recomputed anywhere. Files that
are too large or binary are still recorded (as skipped) so that a warm open does
not read them again.

Nothing is read through a symbolic link: a file that is a link, or that sits in a
folder reached through one (a committed `lib/` later replaced by a link to
elsewhere), is left out of the index, so the index can never show a file from
outside the repository. FIFOs, devices and sockets are never opened. Every read
is `codecot_mcp.repofiles`'s, whose contract this relies on.
"""

from __future__ import annotations

import hashlib
import logging
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field

from codecot_mcp.intel.languages import language_for, load
from codecot_mcp.intel.tags import Definition, RawImport, RawReference, extract_tags
from codecot_mcp.intel.words import path_tokens, text_token_counts
from codecot_mcp.repofiles import RepoTree, UnreadableError

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000  # larger files are generated data, lock files or vendored bundles
BINARY_SNIFF_BYTES = 8192  # git's own heuristic: a NUL byte in the first 8 KB means binary
PATH_TOKEN_WEIGHT = 2  # a word in the path says more about a file than one more use in its text
NON_CODE_WORD_CHARS = 65_536
# Base64 and hex runs (images in notebooks, hashes in lock files) split into thousands of junk words.
# Only texts above ENCODED_CHECK_CHARS are cleaned: a smaller one cannot hold many, and the scan costs.
ENCODED_RUN = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{80,}=*")
ENCODED_CHECK_CHARS = 16_384
PARSER_VERSION = "4"  # bump when extraction changes, so cached rows are rebuilt


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
    tree = RepoTree(root)  # one per batch: each folder is checked once
    for path, blob in items:
        parsed = parse_file(root, path, blob, tree)
        if parsed is not None:
            results.append(parsed)
    return results


def parse_file(root: str, path: str, blob: str | None, tree: RepoTree | None = None) -> ParsedFile | None:
    """Read and index one file; None if it disappeared, cannot be read or is reached through a link.

    The status is taken before the read: if the file changes in between, the stored
    mtime is older than the content, and the next refresh looks at it again.
    """
    tree = tree or RepoTree(root)
    try:
        info = tree.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > MAX_FILE_BYTES:
            return ParsedFile(path, blob or "", info.st_size, info.st_mtime_ns, None, indexed=False)
        data = tree.read_bytes(path, MAX_FILE_BYTES)
    except UnreadableError:
        return None
    blob = blob or git_blob_id(data)
    language = language_for(path, data)  # a .h is C or C++ by its content
    if is_binary(data):
        return ParsedFile(path, blob, len(data), info.st_mtime_ns, language, indexed=False)
    text = data.decode("utf-8", "replace")
    # Code is indexed whole; for other text (docs, data, fixtures) the opening is what describes it,
    # and a megabyte of CSV numbers would cost more to index than all the code.
    tokens = text_token_counts(text if language else _words_window(text))
    for token in path_tokens(path):
        tokens[token] = tokens.get(token, 0) + PATH_TOKEN_WEIGHT
    parsed = ParsedFile(path, blob, len(data), info.st_mtime_ns, language, True, count_lines(data), tokens)
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
