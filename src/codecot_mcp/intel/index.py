"""`CodeIndex`: the repository's files, words, definitions, references and imports.

Opening an index asks git which files exist and what their blob ids are, reuses
the cached rows of every unchanged file, parses only new or changed ones (on two
cores when there are many) and forgets files that are gone. Everything after
that is a read from SQLite, so queries stay cheap however large the repository.

All paths in and out are repo-relative POSIX strings.

Symlinks are never followed: a symlinked file is not indexed (git records only its
link text, which says nothing about code), and a file in a folder reached through
a link is neither hashed, parsed nor read back, so nothing outside the repository
can reach a context pack or the repository map. Every read is `codecot_mcp.repofiles`'s.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from types import TracebackType
from typing import Self

from codecot_mcp.errors import CodecotError, ConflictError, NotFoundError, RepositoryError, UnsafePathError
from codecot_mcp.intel.batch import StoreBatch, parse_to_batch
from codecot_mcp.intel.cache import IndexCache, StoredState, sql_chunks
from codecot_mcp.intel.gitfiles import CODECOT_FOLDER, GitListing, list_files
from codecot_mcp.intel.gitrepo import find_repo_root, head_commit, head_from_files
from codecot_mcp.intel.history import CoChange, parse_log, read_log
from codecot_mcp.intel.imports import ImportResolver
from codecot_mcp.intel.languages import queries_fingerprint
from codecot_mcp.intel.parsing import MAX_FILE_BYTES, PARSER_VERSION, git_blob_id
from codecot_mcp.intel.symbols import FileInfo, IndexStats, Reference, Symbol, render_outline
from codecot_mcp.repofiles import RepoTree, UnreadableError, refuse_links, resolve

__all__ = ["CodeIndex", "FileInfo", "IndexStats", "ProgressCallback", "Reference", "Symbol"]

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], None]

CACHE_FOLDER = f"{CODECOT_FOLDER}/cache"
CACHE_FILE = "index.sqlite"
PARALLEL_THRESHOLD = 100  # files; below this, starting a worker process costs more than it saves
MAX_WORKERS = 7  # besides this process, which parses too
PARSE_CHUNK = 50  # files per task: small enough to keep progress moving and the cores balanced

_HISTORY_HEAD = "history_head"  # meta keys: the HEAD the kept `git log` was read at, and the log
_HISTORY_LOG = "history_log"
_INDEX_PATH_HINT = "pass a repo-relative path from the index, e.g. src/app.py"
_SYMBOL_COLUMNS = "d.name, d.kind, f.path, d.start_line, d.end_line, d.parent, d.signature"
_SYMBOLS = f"SELECT {_SYMBOL_COLUMNS} FROM defs d JOIN files f ON f.id = d.file_id"  # noqa: S608 (only '?' placeholders and constant column names are formatted in)
_REFERENCES = "SELECT r.name, r.kind, f.path, r.line FROM refs r JOIN files f ON f.id = r.file_id"


class CodeIndex:
    """A cached, incrementally refreshed index of one git work tree."""

    def __init__(self, root: Path, cache: IndexCache) -> None:
        self.root = root
        self._cache = cache
        self._files: dict[str, FileInfo] = {}
        self._paths_by_id: dict[int, str] = {}
        self.last_stats: IndexStats | None = None  # what the latest refresh (or open) did
        self._history: tuple[str | None, CoChange] | None = None  # (HEAD it was read at, co-change)

    @classmethod
    def open(cls, root: Path, progress: ProgressCallback | None = None) -> CodeIndex:
        """Open (creating if needed) the index of the work tree containing `root`, refreshed."""
        top = find_repo_root(Path(root))
        folder = top / CACHE_FOLDER
        _refuse_linked_cache(top)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
            cache = IndexCache(folder / CACHE_FILE, f"{PARSER_VERSION}:{queries_fingerprint()}")
        except (OSError, sqlite3.Error) as exc:
            raise RepositoryError(
                f"cannot open the index cache in {folder}: {exc}", hint="check that the folder is writable"
            ) from None
        index = cls(top, cache)
        try:
            index.refresh(progress)
        except BaseException:
            index.close()
            raise
        return index

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------ refresh

    def refresh(self, progress: ProgressCallback | None = None) -> IndexStats:
        """Bring the index in line with the work tree; parse only what changed."""
        started = time.perf_counter()
        listing = list_files(self.root)
        stored = self._cache.states()
        plan = _plan(self.root, listing, stored)
        done: dict[str, bool] = {}
        removed: list[str] = []
        try:
            if plan.to_parse or plan.touched or any(path not in plan.reused for path in stored):
                # One transaction for the whole update: readers never see half of it, and a
                # second process that waited for the lock finds the work done when it re-plans.
                with self._cache.write():
                    fresh = self._cache.states()
                    if fresh != stored:  # another process wrote while this one waited for the lock
                        stored, plan = fresh, _plan(self.root, listing, fresh)
                    done = self._parse(plan.to_parse, progress) if plan.to_parse else {}
                    removed = sorted(path for path in stored if path not in plan.reused and path not in done)
                    self._cache.remove(removed)
                    self._cache.touch(plan.touched)
                    if done or removed:
                        self._update_edges(done, removed, stored)
        except sqlite3.DatabaseError as exc:
            raise RepositoryError(
                f"the index cache could not be written: {exc}", hint=f"delete {CACHE_FOLDER}/ and retry"
            ) from None
        self._load_files()
        self._history_log(_head(self.root))  # read the history now, not on the first query
        self.last_stats = IndexStats(
            files=len(self._files),
            parsed=len(done),
            reused=len(plan.reused),
            removed=len(removed),
            skipped=sum(1 for path in [*plan.reused, *done] if path not in self._files),
            seconds=round(time.perf_counter() - started, 3),
        )
        return self.last_stats

    def _parse(
        self, items: list[tuple[str, str | None]], progress: ProgressCallback | None
    ) -> dict[str, bool]:
        """Parse and store `items` (inside the write transaction); {path: indexed} of files read."""
        total = len(items)
        chunks = [items[start : start + PARSE_CHUNK] for start in range(0, total, PARSE_CHUNK)]
        done: dict[str, bool] = {}
        finished = 0

        def stored(batch: StoreBatch, files: int) -> None:
            nonlocal finished
            self._cache.store(batch)
            done.update(batch.indexed())
            finished += files
            if progress:
                progress(finished, total, f"parsed {finished}/{total} files")

        if progress:
            progress(0, total, f"indexing {total} files")
        workers = _worker_count() if total > PARALLEL_THRESHOLD else 0
        if workers:
            self._parse_shared(chunks, workers, stored)
        else:
            for chunk in chunks:
                stored(parse_to_batch(str(self.root), chunk), len(chunk))
        return done

    def _parse_shared(
        self,
        chunks: list[list[tuple[str, str | None]]],
        workers: int,
        stored: Callable[[StoreBatch, int], None],
    ) -> None:
        """Parse with worker processes taking chunks from the front and this one from the back.

        This process also stores every result, so it parses only while no result is waiting:
        the work balances itself, and nothing idles while the workers start. If the pool
        fails (no /dev/shm, process limits, a crashed worker), the rest is parsed here.
        """
        root = str(self.root)
        queue = deque(chunks)
        running: dict[Future[StoreBatch], list[tuple[str, str | None]]] = {}
        try:
            # spawn, not fork: the MCP server runs threads, and forking a threaded process can deadlock
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                while queue or running:
                    while queue and len(running) < 2 * workers:
                        chunk = queue.popleft()
                        running[pool.submit(parse_to_batch, root, chunk)] = chunk
                    ready = [future for future in running if future.done()]
                    if not ready and queue:
                        chunk = queue.pop()
                        stored(parse_to_batch(root, chunk), len(chunk))
                        continue
                    if not ready:
                        ready = list(wait(running, return_when=FIRST_COMPLETED).done)
                    for future in ready:
                        batch = future.result()
                        stored(batch, len(running.pop(future)))
        except (OSError, RuntimeError) as exc:  # RuntimeError: BrokenProcessPool and kin
            logger.warning("codecot: parallel parsing failed, parsing in-process (%s)", exc)
            for chunk in [*running.values(), *queue]:
                stored(parse_to_batch(root, chunk), len(chunk))

    def _update_edges(
        self, done: dict[str, bool], removed: Sequence[str], stored: dict[str, StoredState]
    ) -> None:
        """Re-resolve imports: all of them if the file set changed, else only the re-parsed files'."""
        indexed = [str(row[0]) for row in self._cache.db.execute("SELECT path FROM files WHERE indexed = 1")]
        set_changed = bool(removed) or any(
            path not in stored or stored[path].indexed != indexed_now for path, indexed_now in done.items()
        )
        sources = None if set_changed else sorted(done)
        resolver = ImportResolver(indexed)
        edges = [
            (path, target)
            for path, language, module in self._cache.import_rows(sources)
            for target in resolver.resolve(language, module, path)
        ]
        self._cache.replace_edges(edges, sources)

    def _load_files(self) -> None:
        rows = self._cache.query(
            "SELECT id, path, language, blob, lines, size, n_tokens FROM files"
            " WHERE indexed = 1 ORDER BY path"
        )
        self._files = {row[1]: FileInfo(*row[1:]) for row in rows}
        self._paths_by_id = {row[0]: row[1] for row in rows}

    # ------------------------------------------------------------ files

    def co_change(self) -> CoChange:
        """Which files changed together in the recent history, read again when HEAD moves."""
        head = _head(self.root)
        if self._history is None or self._history[0] != head:
            self._history = (head, parse_log(self._history_log(head)))
        return self._history[1]

    def _history_log(self, head: str | None) -> str:
        """The `git log` co-change is counted from, kept in the cache with the HEAD it was
        read at: a new process (a CLI call, a restarted server) does not run git again."""
        if head is None:
            return ""
        if self._cache.meta(_HISTORY_HEAD) == head:
            return self._cache.meta(_HISTORY_LOG) or ""
        log = read_log(self.root, head)
        try:
            with self._cache.write():
                self._cache.set_meta({_HISTORY_HEAD: head, _HISTORY_LOG: log})
        except (ConflictError, sqlite3.DatabaseError):
            pass  # another writer holds the cache: the next process reads git itself
        return log

    def files(self) -> list[str]:
        """Every indexed file (text files under 1 MB), sorted."""
        return list(self._files)

    def has_file(self, path: str) -> bool:
        return path in self._files

    def file_info(self, path: str) -> FileInfo | None:
        return self._files.get(path)

    def read_text(self, path: str) -> str:
        """The file's current text in the work tree (UTF-8, undecodable bytes replaced).

        A path the index does not hold: UnsafePathError if it is not one git could list
        (absolute, `..`, `.git/`, backslashes), else NotFoundError. A file it holds:
        UnreadableError as `repofiles` raises it (an UnsafePathError for a link, a
        NotFoundError if it is gone).
        """
        if path not in self._files:
            if resolve(self.root, path) != path:  # a hostile path is refused as one
                raise UnsafePathError(f"'{path}' is not a repo-relative POSIX path", hint=_INDEX_PATH_HINT)
            raise NotFoundError(f"'{path}' is not an indexed file", hint=_INDEX_PATH_HINT)
        # A fresh tree: folders may have become links since the refresh.
        return RepoTree(self.root).read_text(path, MAX_FILE_BYTES, errors="replace")

    def read_head(self, path: str, size: int) -> str:
        """The first `size` bytes of an indexed file as text, "" when it is not indexed or unreadable."""
        if path not in self._files:
            return ""
        blocks = RepoTree(self.root).blocks(path, size)
        try:
            return next(blocks, b"").decode("utf-8", errors="replace")
        except CodecotError:  # gone, or a link since the refresh
            return ""
        finally:
            blocks.close()

    # ------------------------------------------------------------ symbols

    def definitions(self, name: str) -> list[Symbol]:
        """Definitions named exactly `name` (case-sensitive), by path then line."""
        return self._symbols(f"{_SYMBOLS} WHERE d.name = ? ORDER BY f.path, d.start_line", (name,))

    def definitions_in(self, path: str) -> list[Symbol]:
        return self._symbols(f"{_SYMBOLS} WHERE f.path = ? ORDER BY d.start_line, d.end_line DESC", (path,))

    def enclosing_definitions(self, path: str, start_line: int, end_line: int) -> list[Symbol]:
        """Definitions whose span overlaps the lines, innermost (shortest span) first."""
        overlapping = [
            s for s in self.definitions_in(path) if s.start_line <= end_line and s.end_line >= start_line
        ]
        return sorted(overlapping, key=lambda s: (s.end_line - s.start_line, -s.start_line, s.name))

    def search_identifier(self, token: str) -> list[Symbol]:
        """Definitions whose name equals `token` ignoring case."""
        return self._symbols(
            f"{_SYMBOLS} WHERE d.name = ? COLLATE NOCASE ORDER BY f.path, d.start_line", (token,)
        )

    def definitions_by_norm(self, norms: Iterable[str]) -> dict[str, list[Symbol]]:
        """Definitions grouped by normalized name (`parse_args` for parseArgs/ParseArgs/parse_args)."""
        found: dict[str, list[Symbol]] = {}
        for chunk in sql_chunks(sorted(set(norms))):
            marks = ",".join("?" * len(chunk))
            rows = self._cache.query(
                f"SELECT d.norm, {_SYMBOL_COLUMNS} FROM defs d JOIN files f ON f.id = d.file_id"  # noqa: S608 (only '?' placeholders and constant column names are formatted in)
                f" WHERE d.norm IN ({marks}) ORDER BY f.path, d.start_line",
                chunk,
            )
            for norm, *rest in rows:
                found.setdefault(norm, []).append(Symbol(*rest))
        return found

    def outline(self, path: str) -> str:
        """Signatures of top-level definitions and their members, each prefixed by its line."""
        return render_outline(self.definitions_in(path))

    def references(self, name: str) -> list[Reference]:
        return self._references(f"{_REFERENCES} WHERE r.name = ? ORDER BY f.path, r.line", (name,))

    def references_in(self, path: str) -> list[Reference]:
        return self._references(f"{_REFERENCES} WHERE f.path = ? ORDER BY r.line, r.name", (path,))

    def imports_of(self, path: str) -> list[str]:
        """Repo files that `path` imports (resolved where the language allows)."""
        return [
            row[0] for row in self._cache.query("SELECT dst FROM edges WHERE src = ? ORDER BY dst", (path,))
        ]

    def importers_of(self, path: str) -> list[str]:
        """Repo files that import `path`."""
        return [
            row[0] for row in self._cache.query("SELECT src FROM edges WHERE dst = ? ORDER BY src", (path,))
        ]

    def postings(self, tokens: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
        """For each token, the (path, term frequency) of every file containing it."""
        paths = self._paths_by_id
        found: dict[str, list[tuple[str, int]]] = {}
        for token, hits in self._cache.postings(sorted(set(tokens))).items():
            found[token] = [(paths[file_id], tf) for file_id, tf in hits if file_id in paths]
        return found

    def _symbols(self, sql: str, params: Sequence[object]) -> list[Symbol]:
        return [Symbol(*row) for row in self._cache.query(sql, params)]

    def _references(self, sql: str, params: Sequence[object]) -> list[Reference]:
        return [Reference(*row) for row in self._cache.query(sql, params)]


class _Plan:
    """What a refresh must do: files to parse, files whose rows stay, stat-only updates."""

    def __init__(self) -> None:
        self.to_parse: list[tuple[str, str | None]] = []
        self.reused: set[str] = set()
        self.touched: list[tuple[str, int, int]] = []


def _plan(root: Path, listing: GitListing, stored: dict[str, StoredState]) -> _Plan:
    plan = _Plan()
    tree = RepoTree(root)
    for path, blob in listing.clean.items():
        old = stored.get(path)
        if old is not None and old.blob == blob:
            plan.reused.add(path)
        else:
            plan.to_parse.append((path, blob))
    for path in listing.dirty:
        _plan_dirty(tree, path, stored.get(path), plan)
    plan.to_parse.sort()
    return plan


def _plan_dirty(tree: RepoTree, path: str, old: StoredState | None, plan: _Plan) -> None:
    """A modified or untracked file: unchanged size+mtime, or same content hash, means reuse.

    A symlink, a special file or a file below a symlinked folder is left out (and so
    dropped from the index), like a deleted one.
    """
    try:
        info = tree.lstat(path)
    except UnreadableError:
        return  # deleted from the work tree, or below a link
    if not stat.S_ISREG(info.st_mode):
        return
    if old is not None and (old.size, old.mtime_ns) == (info.st_size, info.st_mtime_ns):
        plan.reused.add(path)
        return
    if info.st_size > MAX_FILE_BYTES:
        plan.to_parse.append((path, None))
        return
    try:
        blob = git_blob_id(tree.read_bytes(path, MAX_FILE_BYTES))
    except UnreadableError:
        return  # gone, swapped for a link or grown past the cap since the lstat: next refresh
    if old is not None and old.blob == blob:
        plan.reused.add(path)
        plan.touched.append((path, info.st_size, info.st_mtime_ns))
    else:
        plan.to_parse.append((path, blob))


def _worker_count() -> int:
    """Worker processes to start: one per usable core beyond this process's own."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(MAX_WORKERS, cores - 1))


def _refuse_linked_cache(top: Path) -> None:
    """The cache is written under `.codecot/cache`: never through a link to somewhere else.

    SQLite creates the `-wal` and `-shm` files itself, following a link planted there.
    """
    folder = top / CACHE_FOLDER
    for name in (".gitignore", CACHE_FILE, f"{CACHE_FILE}-wal", f"{CACHE_FILE}-shm"):
        refuse_links(top, folder / name)


def _head(root: Path) -> str | None:
    """HEAD's commit, or None (no commit yet, or git cannot say): no history is no error here."""
    try:
        return head_from_files(root) or head_commit(root)
    except (CodecotError, ValueError, OSError):
        return None
