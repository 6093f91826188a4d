"""The SQLite file behind the index: rows per file, keyed by the file's blob id.

One database per repository at `.codecot/cache/index.sqlite`, in WAL mode so
readers never block and two processes can share it (a writer waits for the
other's transaction). An index update is one transaction, parsing included, so
a reader sees the whole update or none of it. The schema carries a fingerprint
(schema version, parser version, query texts): any difference rebuilds it.

Postings are one row per token holding two packed arrays (file ids, term
frequencies), not one row per (token, file): a few hundred thousand small
inserts cost more than parsing the files, while a query reads only the few
dozen rows of its own words. Each file row keeps its own word list, so a
changed file rewrites just the rows of the words it had and has.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codecot_mcp.errors import ConflictError
from codecot_mcp.intel.batch import POSTING_INT, StoreBatch

SCHEMA_VERSION = "3"
BUSY_TIMEOUT_S = 60.0  # a writer holds the lock for one index update: seconds even on a large first build
CACHE_KIB = 32768  # page cache per connection; the default 2 MB makes bulk index inserts thrash
SQL_VARIABLES = 500  # stay well under SQLite's limit on '?' placeholders per statement
FEW_GONE = 16  # below this many removed files, find each in the arrays rather than filter them
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
    n_tokens INTEGER NOT NULL,
    words TEXT NOT NULL
);
CREATE TABLE postings(token TEXT PRIMARY KEY, file_ids BLOB NOT NULL, tfs BLOB NOT NULL) WITHOUT ROWID;
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


class _PendingPostings:
    """What the open write transaction did to postings: files gone, and words of files added."""

    def __init__(self) -> None:
        self.gone_ids: set[int] = set()
        self.gone_words: set[str] = set()
        self.added: dict[str, tuple[list[bytes], list[bytes]]] = {}

    def add(self, postings: dict[str, tuple[bytes, bytes]]) -> None:
        added = self.added
        for word, (ids, tfs) in postings.items():
            mine = added.get(word)
            if mine is None:
                added[word] = ([ids], [tfs])
            else:
                mine[0].append(ids)
                mine[1].append(tfs)


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
        self._pending = _PendingPostings()
        try:
            self.db = self._connect_when_free()
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or self.fingerprint is None:
                raise
            # a corrupt or foreign file: it is only a cache, so start over
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self.db = self._connect()

    def _connect_when_free(self) -> sqlite3.Connection:
        """Connect, waiting while another process holds the lock that switching to WAL needs.

        That switch fails at once with "database is locked" rather than waiting on the busy
        timeout, so two servers opening a new cache together would otherwise fail.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                return self._connect()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

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
                self._write_postings()
            except BaseException:
                self._pending = _PendingPostings()
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

    def store(self, batch: StoreBatch) -> None:
        """Replace the rows of the batch's files (call inside `write()`; postings land at commit)."""
        self._delete_files(batch.paths())
        self.db.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch.files)
        self.db.executemany("INSERT INTO defs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch.defs)
        self.db.executemany("INSERT INTO refs VALUES (?, ?, ?, ?)", batch.refs)
        self.db.executemany("INSERT INTO imports VALUES (?, ?, ?)", batch.imports)
        self._pending.add(batch.postings)

    def remove(self, paths: Sequence[str]) -> None:
        """Forget these files (call inside `write()`; their postings go at commit)."""
        self._delete_files(paths)

    def _delete_files(self, paths: Sequence[str]) -> None:
        """Delete the rows of `paths`, noting their ids and words for the postings rewrite."""
        ids, words = self._pending.gone_ids, self._pending.gone_words
        for chunk in sql_chunks(paths):
            marks = ",".join("?" * len(chunk))
            for file_id, text in self.db.execute(
                f"SELECT id, words FROM files WHERE path IN ({marks})",  # noqa: S608 (only '?' placeholders and constant column names are formatted in)
                chunk,
            ):
                ids.add(int(file_id))
                words.update(str(text).split())
            self.db.execute(f"DELETE FROM files WHERE path IN ({marks})", chunk)  # noqa: S608 (only '?' placeholders and constant column names are formatted in)

    def _write_postings(self) -> None:
        """Rewrite, once per transaction, the posting row of every word that lost or gained a file."""
        gone_ids, gone_words, added = self._pending.gone_ids, self._pending.gone_words, self._pending.added
        self._pending = _PendingPostings()
        if not gone_words and not added:
            return
        words = sorted(gone_words.union(added))
        stored = self._read_postings(words) if self._has_postings() else {}
        rows: list[tuple[str, bytes, bytes]] = []
        emptied: list[tuple[str]] = []
        for word in words:
            new = added.get(word)
            old = stored.get(word)
            if old is None:
                if new is not None:  # the common case, and the only one in a first build
                    rows.append((word, b"".join(new[0]), b"".join(new[1])))
                continue
            ids, tfs = old
            if word in gone_words:
                ids, tfs = _without(ids, tfs, gone_ids)
            ids_bytes, tfs_bytes = ids.tobytes(), tfs.tobytes()
            if new is not None:
                ids_bytes, tfs_bytes = ids_bytes + b"".join(new[0]), tfs_bytes + b"".join(new[1])
            if ids_bytes:
                rows.append((word, ids_bytes, tfs_bytes))
            else:
                emptied.append((word,))
        self.db.executemany("INSERT OR REPLACE INTO postings(token, file_ids, tfs) VALUES (?, ?, ?)", rows)
        self.db.executemany("DELETE FROM postings WHERE token = ?", emptied)

    def _has_postings(self) -> bool:
        return self.db.execute("SELECT 1 FROM postings LIMIT 1").fetchone() is not None

    def _read_postings(self, words: Sequence[str]) -> dict[str, tuple[array[int], array[int]]]:
        found: dict[str, tuple[array[int], array[int]]] = {}
        for chunk in sql_chunks(words):
            marks = ",".join("?" * len(chunk))
            for word, ids, tfs in self.db.execute(
                f"SELECT token, file_ids, tfs FROM postings WHERE token IN ({marks})",  # noqa: S608 (only '?' placeholders and constant column names are formatted in)
                chunk,
            ):
                found[word] = (_unpack(ids), _unpack(tfs))
        return found

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

    def meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, values: dict[str, str]) -> None:
        """Store derived values beside the index (call inside `write()`)."""
        self.db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", values.items())

    def postings(self, words: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
        """For each stored word, the (file id, term frequency) of every file containing it."""
        with self.lock:
            stored = self._read_postings(words)
        return {word: list(zip(ids, tfs, strict=True)) for word, (ids, tfs) in stored.items()}


def _without(ids: array[int], tfs: array[int], gone: set[int]) -> tuple[array[int], array[int]]:
    """The postings minus the files in `gone` (a few: searched in C; many: one filtering pass)."""
    if len(gone) <= FEW_GONE:
        for file_id in gone:
            try:
                at = ids.index(file_id)
            except ValueError:
                continue
            del ids[at]
            del tfs[at]
        return ids, tfs
    kept = [(i, tf) for i, tf in zip(ids, tfs, strict=True) if i not in gone]
    return array(POSTING_INT, (i for i, _ in kept)), array(POSTING_INT, (tf for _, tf in kept))


def sql_chunks(items: Sequence[str]) -> list[list[str]]:
    """`items` in slices small enough for one `IN (?, ...)` each."""
    return [list(items[start : start + SQL_VARIABLES]) for start in range(0, len(items), SQL_VARIABLES)]


def _unpack(data: bytes) -> array[int]:
    values = array(POSTING_INT)
    values.frombytes(data)
    return values
