"""One repository as the services see it: its root, store, config and code index.

The MCP server keeps one Workspace for its lifetime, so the index is opened
once and refreshed incrementally; the CLI makes one per command.
"""

from __future__ import annotations

import threading
from pathlib import Path

from codecot_mcp.intel.gitrepo import find_repo_root
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.services.run import Run
from codecot_mcp.store.artifacts import ArtifactStore
from codecot_mcp.store.config import Config, load_config

# A refresh that parsed this many files took long enough for the caller to be told why.
NOTED_PARSES = 50


class Workspace:
    def __init__(self, path: Path) -> None:
        self.root = find_repo_root(path)
        self.store = ArtifactStore(self.root)
        self._index: CodeIndex | None = None
        self._index_lock = threading.Lock()

    @property
    def config(self) -> Config:
        """Read on every use, so a person's edit takes effect without a restart."""
        self.store.ensure_layout()
        return load_config(self.store.dir, self.root)

    def index(self, run: Run | None = None) -> CodeIndex:
        """The code index, brought up to date with the working tree; a first index reports progress."""
        progress = run.progress if run is not None else None
        with self._index_lock:
            if self._index is None:
                self.store.ensure_layout()
                self._index = CodeIndex.open(self.root, progress)
            else:
                self._index.refresh(progress=progress)
            stats = self._index.last_stats
            if run is not None and stats is not None and stats.parsed >= NOTED_PARSES:
                run.note(
                    f"Indexed {stats.files:,} files ({stats.parsed:,} parsed) in {stats.seconds:.1f} s; "
                    "later calls reuse the index (`codecot-mcp index` warms it ahead)."
                )
            return self._index

    def close(self) -> None:
        with self._index_lock:
            if self._index is not None:
                self._index.close()
                self._index = None
