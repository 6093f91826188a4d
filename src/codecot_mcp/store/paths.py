"""Where the store lives, and how much of one of its files is read.

Path safety for the store (no link at any part of `.codecot/`, nothing outside the
repository) lives in `codecot_mcp.repofiles`, with every other read of the repository.
"""

from __future__ import annotations

import errno
from pathlib import Path

from codecot_mcp.repofiles import MissingFileError, RepoTree

CODECOT_DIR = ".codecot"
# An artifact is a few KB and the event log grows by a line per write; a file far past
# this is not Codecot's, and is refused rather than read into memory.
MAX_STORE_FILE_BYTES = 64 << 20


# compatibility alias: remove when validation.py/config.py import repofiles
def read_regular_text(root: Path, path: Path) -> str:
    """The old contract, for store/config.py: FileNotFoundError when missing.

    Otherwise as `RepoTree.read_text`: UnsafePathError for a link, FIFO or device,
    UnicodeDecodeError for text that is not UTF-8.
    """
    try:
        return RepoTree(root).read_text(path.relative_to(root).as_posix(), MAX_STORE_FILE_BYTES)
    except MissingFileError as exc:
        raise FileNotFoundError(errno.ENOENT, exc.message, str(path)) from None
