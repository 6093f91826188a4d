"""Where the store lives, and how much of one of its files is read.

Path safety for the store (no link at any part of `.codecot/`, nothing outside the
repository) lives in `codecot_mcp.repofiles`, with every other read of the repository.
"""

from __future__ import annotations

CODECOT_DIR = ".codecot"
# An artifact is a few KB and the event log grows by a line per write; a file far past
# this is not Codecot's, and is refused rather than read into memory.
MAX_STORE_FILE_BYTES = 64 << 20
