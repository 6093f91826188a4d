"""Parsed files turned into the cache's rows, built where they were parsed.

A cold index is bound by the one process that writes SQLite, so everything that
can happen before the write happens in the parsing workers: each file gets an id
derived from its path (no round trip to the database to allocate one), and each
batch inverts its own words into packed posting arrays. The writer then inserts
ready rows and concatenates a few arrays per word.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from codecot_mcp.intel.parsing import ParsedFile, parse_batch
from codecot_mcp.intel.words import normalize_name

POSTING_INT = "q"  # packed posting arrays: 64-bit ints in native order; the cache never leaves this machine

FileRow = tuple[int, str, str, int, int, str | None, bool, int, int, str]
DefRow = tuple[int, str, str, str, int, int, str | None, str]
RefRow = tuple[int, str, str, int]
ImportRow = tuple[int, str, int]


def file_id(path: str) -> int:
    """A stable 63-bit id for a path: two paths collide with odds of about n^2 / 2^64."""
    digest = hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@dataclass
class StoreBatch:
    """Rows for some files, plus word -> (packed file ids, packed term frequencies)."""

    files: list[FileRow] = field(default_factory=list)
    defs: list[DefRow] = field(default_factory=list)
    refs: list[RefRow] = field(default_factory=list)
    imports: list[ImportRow] = field(default_factory=list)
    postings: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)

    def paths(self) -> list[str]:
        return [row[1] for row in self.files]

    def indexed(self) -> dict[str, bool]:
        return {row[1]: bool(row[6]) for row in self.files}


def build_batch(parsed: Sequence[ParsedFile]) -> StoreBatch:
    batch = StoreBatch()
    inverted: dict[str, tuple[list[int], list[int]]] = {}
    for item in parsed:
        fid = file_id(item.path)
        batch.files.append(
            (
                fid,
                item.path,
                item.blob,
                item.size,
                item.mtime_ns,
                item.language,
                item.indexed,
                item.lines,
                item.n_tokens,
                " ".join(item.tokens),
            )
        )
        for word, tf in item.tokens.items():
            lists = inverted.get(word)
            if lists is None:
                inverted[word] = ([fid], [tf])
            else:
                lists[0].append(fid)
                lists[1].append(tf)
        batch.defs.extend(
            (fid, d.name, normalize_name(d.name), d.kind, d.start_line, d.end_line, d.parent, d.signature)
            for d in item.definitions
        )
        batch.refs.extend((fid, r.name, r.kind, r.line) for r in item.references)
        batch.imports.extend((fid, i.module, i.line) for i in item.imports)
    batch.postings = {
        word: (array(POSTING_INT, ids).tobytes(), array(POSTING_INT, tfs).tobytes())
        for word, (ids, tfs) in inverted.items()
    }
    return batch


def parse_to_batch(root: str, items: Sequence[tuple[str, str | None]]) -> StoreBatch:
    """Pool worker entry: parse (path, known blob id or None) pairs into ready rows."""
    return build_batch(parse_batch(root, items))
