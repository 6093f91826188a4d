"""The SQLite file behind the index: rows per file, keyed by the file's blob id.

One database per repository at `.codecot/cache/index.sqlite`, in WAL mode so
readers never block and two processes can share it (a writer waits for the
other's short write transaction). Parsing happens outside transactions; only
storing the results takes the write lock. The schema carries a fingerprint
(schema version, parser version, query texts): any difference rebuilds it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codecot_mcp.errors import ConflictError
from codecot_mcp.intel.parsing import ParsedFile, parse_batch
from codecot_mcp.intel.words import normalize_name

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_S = 60.0  # writers hold the lock for one batch of files: well under a second
CACHE_KIB = 32768  # page cache per connection; the default 2 MB makes bulk index inserts thrash
_TABLES = ("edges", "imports", "refs", "defs", "postings", "files", "meta")

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files(
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    language TEXT,
    indexed INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    n_tokens INTEGER NOT NULL
);
CREATE TABLE postings(
    token TEXT NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    tf INTEGER NOT NULL,
    PRIMARY KEY(token, file_id)
) WITHOUT ROWID;
CREATE INDEX postings_file ON postings(file_id);
CREATE TABLE defs(
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    norm TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    parent TEXT,
    signature TEXT NOT NULL
);
CREATE INDEX defs_file ON defs(file_id);
CREATE INDEX defs_name ON defs(name);
CREATE INDEX defs_name_nocase ON defs(name COLLATE NOCASE);
CREATE INDEX defs_norm ON defs(norm);
CREATE TABLE refs(
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    line INTEGER NOT NULL
);
CREATE INDEX refs_file ON refs(file_id);
CREATE INDEX refs_name ON refs(name);
CREATE TABLE imports(
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    module TEXT NOT NULL,
    line INTEGER NOT NULL
);
CREATE INDEX imports_file ON imports(file_id);
CREATE TABLE edges(src TEXT NOT NULL, dst TEXT NOT NULL, PRIMARY KEY(src, dst)) WITHOUT ROWID;
CREATE INDEX edges_dst ON edges(dst);
"""


def parse_and_store(
    db_path: str, root: str, items: Sequence[tuple[str, str | None]]
) -> list[tuple[str, bool]]:
    """Pool worker entry: parse a batch and store it in one short transaction of its own.

    Writing from the worker avoids pickling every parsed file back to the parent, which
    costs about as much as the parsing it parallelizes. Returns (path, indexed) per file.
    """
    parsed = parse_batch(root, items)
    cache = IndexCache(Path(db_path), None)
    try:
        with cache.write():
            cache.store(parsed)
    finally:
        cache.close()
    return [(item.path, item.indexed) for item in parsed]


@dataclass(frozen=True)
class StoredState:
    blob: str
    size: int
    mtime_ns: int
    indexed: bool


class IndexCache:
    """A connection to the cache database; every method is safe to call from several threads."""

    def __init__(self, path: Path, fingerprint: str | None) -> None:
        """Open `path`; with a fingerprint, (re)build the schema if it differs; None trusts the file."""
        self.path = path
        self.fingerprint = None if fingerprint is None else f"{SCHEMA_VERSION}:{fingerprint}"
        self.lock = threading.RLock()
        try:
            self.db = self._connect()
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or self.fingerprint is None:
                raise
            # a corrupt or foreign file: it is only a cache, so start over
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self.db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # A rebuildable cache: no fsync per commit. A file torn by a power cut fails to open
            # as a database and is rebuilt (see __init__).
            db.execute("PRAGMA synchronous=OFF")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA temp_store=MEMORY")
            db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self.db = db
            if self.fingerprint is not None:
                self._ensure_schema()
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def _ensure_schema(self) -> None:
        if self._stored_fingerprint() == self.fingerprint:
            return
        with self.write():
            if self._stored_fingerprint() == self.fingerprint:  # another process just built it
                return
            for table in _TABLES:
                self.db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.execute("INSERT INTO meta(key, value) VALUES ('fingerprint', ?)", (self.fingerprint,))

    def _stored_fingerprint(self) -> str | None:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        except sqlite3.OperationalError:  # no meta table yet
            return None
        return str(row[0]) if row else None

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction; waits for another writer, then gives up with ConflictError."""
        with self.lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise ConflictError(
                    f"the index cache is locked by another process ({exc})",
                    hint="retry in a moment; delete .codecot/cache/ if no other Codecot is running",
                ) from None
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # ------------------------------------------------------------ writing

    def states(self) -> dict[str, StoredState]:
        with self.lock:
            rows = self.db.execute("SELECT path, blob, size, mtime_ns, indexed FROM files").fetchall()
        return {
            path: StoredState(blob, size, mtime, bool(indexed)) for path, blob, size, mtime, indexed in rows
        }

    def store(self, parsed: Sequence[ParsedFile]) -> None:
        """Replace the rows of these files (call inside `write()`)."""
        postings: list[tuple[str, int, int]] = []
        defs: list[tuple[int, str, str, str, int, int, str | None, str]] = []
        refs: list[tuple[int, str, str, int]] = []
        imports: list[tuple[int, str, int]] = []
        paths = [item.path for item in parsed]
        for start in range(0, len(paths), 500):
            chunk = paths[start : start + 500]
            self.db.execute(f"DELETE FROM files WHERE path IN ({','.join('?' * len(chunk))})", chunk)
        next_id = int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM files").fetchone()[0]) + 1
        files: list[tuple[int, str, str, int, int, str | None, bool, int, int]] = []
        for file_id, item in enumerate(parsed, start=next_id):
            files.append(
                (
                    file_id,
                    item.path,
                    item.blob,
                    item.size,
                    item.mtime_ns,
                    item.language,
                    item.indexed,
                    item.lines,
                    item.n_tokens,
                )
            )
            postings.extend((token, file_id, tf) for token, tf in item.tokens.items())
            defs.extend(
                (
                    file_id,
                    d.name,
                    normalize_name(d.name),
                    d.kind,
                    d.start_line,
                    d.end_line,
                    d.parent,
                    d.signature,
                )
                for d in item.definitions
            )
            refs.extend((file_id, r.name, r.kind, r.line) for r in item.references)
            imports.extend((file_id, i.module, i.line) for i in item.imports)
        self.db.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", files)
        postings.sort()  # in key order, so the B-tree fills page by page
        self.db.executemany("INSERT INTO postings(token, file_id, tf) VALUES (?, ?, ?)", postings)
        self.db.executemany("INSERT INTO defs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", defs)
        self.db.executemany("INSERT INTO refs VALUES (?, ?, ?, ?)", refs)
        self.db.executemany("INSERT INTO imports VALUES (?, ?, ?)", imports)

    def remove(self, paths: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM files WHERE path = ?", [(path,) for path in paths])

    def touch(self, rows: Iterable[tuple[str, int, int]]) -> None:
        """Record a new (size, mtime) for files whose content did not change."""
        self.db.executemany(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?",
            [(size, mtime, path) for path, size, mtime in rows],
        )

    def import_rows(self, paths: Sequence[str] | None = None) -> list[tuple[str, str, str]]:
        """(path, language, module) of every import, or only of `paths`."""
        sql = "SELECT f.path, f.language, i.module FROM imports i JOIN files f ON f.id = i.file_id"
        if paths is None:
            return [(p, lang or "", m) for p, lang, m in self.db.execute(sql)]
        rows: list[tuple[str, str, str]] = []
        for path in paths:
            rows.extend(
                (p, lang or "", m) for p, lang, m in self.db.execute(sql + " WHERE f.path = ?", (path,))
            )
        return rows

    def replace_edges(self, edges: Iterable[tuple[str, str]], sources: Sequence[str] | None) -> None:
        """Store import edges, replacing all of them (`sources` None) or those of `sources`."""
        if sources is None:
            self.db.execute("DELETE FROM edges")
        else:
            self.db.executemany("DELETE FROM edges WHERE src = ?", [(src,) for src in sources])
        self.db.executemany("INSERT OR IGNORE INTO edges(src, dst) VALUES (?, ?)", edges)

    # ------------------------------------------------------------ reading

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only statement (the index shapes them into its own types)."""
        with self.lock:
            return self.db.execute(sql, params).fetchall()
