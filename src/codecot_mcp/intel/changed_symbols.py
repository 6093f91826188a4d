"""The functions and classes a change touches, on both sides of the diff.

The new side of a working-tree change is read from the code index (already up to
date, so free). Everything else is parsed on the spot with tree-sitter: the base
version of every file with removed lines, so a deleted function is named too, and
the new version when the change is a commit range or lives in a task's worktree.
Versions at a revision come from one `git cat-file --batch` process per change.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from codecot_mcp.intel.diff import Change, ChangedFile
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.languages import language_for, load
from codecot_mcp.intel.parsing import MAX_FILE_BYTES
from codecot_mcp.intel.tags import Definition, extract_tags
from codecot_mcp.repofiles import RepoTree, UnreadableError

REMOVED = " (removed)"  # suffix of a symbol that exists only in the base version

Span = tuple[int, int]
Labeled = tuple[str | None, int, int]  # (parent, start, end) with a label


class BlobReader:
    """File contents at a revision, through one long-lived `git cat-file --batch`."""

    def __init__(self, workdir: Path) -> None:
        self._process = subprocess.Popen(
            ["git", "cat-file", "--batch"],  # noqa: S607 (git found on PATH, as the user runs it)
            cwd=workdir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def read(self, rev: str, raw_path: bytes) -> bytes | None:
        """The file's bytes, or None when it is missing, not a file, too big or unnameable."""
        if b"\n" in raw_path or self._process.stdin is None or self._process.stdout is None:
            return None
        self._process.stdin.write(rev.encode() + b":" + raw_path + b"\n")
        self._process.stdin.flush()
        header = self._process.stdout.readline().split()
        if len(header) != 3:  # "<name> missing" or "ambiguous"
            return None
        kind, size = header[1], int(header[2])
        data = _read_exactly(self._process.stdout, size + 1)[:-1]  # content, then a newline
        return data if kind == b"blob" and size <= MAX_FILE_BYTES else None

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def definitions_in(path: str, data: bytes | None) -> list[Definition]:
    language = language_for(path, data or b"")
    loaded = load(language) if language else None
    if loaded is None or data is None or b"\0" in data[:8192]:
        return []
    return extract_tags(loaded, data).definitions


def touched(definitions: Iterable[Definition], spans: Iterable[Span]) -> list[str]:
    """For each span, the innermost definition overlapping it, as `Parent.name`; in order, no repeats."""
    ordered = sorted(definitions, key=lambda d: (d.end_line - d.start_line, -d.start_line, d.name))
    names: list[str] = []
    for start, end in spans:
        for d in ordered:
            if d.start_line <= end and d.end_line >= start:
                label = f"{d.parent}.{d.name}" if d.parent else d.name
                if label not in names:
                    names.append(label)
                break
    return names


SymbolFinder = Callable[[ChangedFile], list[str]]


def symbol_finder(change: Change, workdir: Path, index: CodeIndex | None, reader: BlobReader) -> SymbolFinder:
    """Names of what each changed file's hunks touch: new-side symbols, then removed ones.

    `index` describes `workdir`'s working tree; pass None when the new side is a revision
    or another work tree, and it is parsed instead.
    """

    def new_side(changed: ChangedFile) -> list[str]:
        if changed.status == "deleted" or not changed.hunks:
            return []
        if index is not None:
            found: list[str] = []
            for start, end in changed.hunks:
                for symbol in index.enclosing_definitions(changed.path, start, end)[:1]:
                    label = f"{symbol.parent}.{symbol.name}" if symbol.parent else symbol.name
                    if label not in found:
                        found.append(label)
            return found
        if change.head is not None:
            data = reader.read(change.head, changed.raw_path)
        else:
            data = read_work_file(workdir, changed.raw_path)
        return touched(definitions_in(changed.path, data), changed.hunks)

    def old_side(changed: ChangedFile) -> list[str]:
        if not changed.old_hunks or not change.base or changed.status in ("added", "untracked"):
            return []
        source = changed.old_path.encode("utf-8", "surrogateescape") if changed.old_path else changed.raw_path
        data = reader.read(change.base, source)
        return touched(definitions_in(changed.old_path or changed.path, data), changed.old_hunks)

    def find(changed: ChangedFile) -> list[str]:
        if changed.binary or changed.submodule:
            return []
        names = new_side(changed)
        names += [f"{name}{REMOVED}" for name in old_side(changed) if name not in names]
        return names

    return find


def read_work_file(workdir: Path, raw_path: bytes) -> bytes | None:
    """A work-tree file's bytes; None (no symbols) if it is a link, special, gone or too large."""
    try:
        return RepoTree(workdir).read_bytes(raw_path.decode("utf-8", "surrogateescape"), MAX_FILE_BYTES)
    except UnreadableError:
        return None
