"""Index speed against its floor: tree-sitter alone parsing and tagging the same files on one core.

The index must not cost much more than the parsing it cannot avoid: the target is
a cold index within 2x of `floor` (parse + tags query, one core, no I/O beyond
reading the files). Warm opens and a re-index after one edit are timed too.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from codecot_mcp.intel.gitfiles import list_files
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.languages import language_for, load
from codecot_mcp.intel.parsing import MAX_FILE_BYTES
from codecot_mcp.intel.tags import extract_tags

REPEATS = 3


@dataclass
class IndexTimes:
    tree: str
    files: int
    parsed_files: int
    floor_s: float
    cold_s: float
    warm_s: float
    reindex_one_s: float

    @property
    def cold_over_floor(self) -> float:
        return self.cold_s / self.floor_s if self.floor_s else 0.0


def tree_sitter_floor(root: Path) -> tuple[float, int]:
    """Seconds to parse and tag every indexable file once, on this one core; and how many."""
    paths = list_files(root).paths
    sources: list[tuple[str, bytes]] = []
    for path in paths:
        file = root / path
        if not file.is_file() or file.stat().st_size > MAX_FILE_BYTES:
            continue
        data = file.read_bytes()
        language = language_for(path, data)  # as the index decides: a .h by its content
        if language is not None:
            sources.append((language, data))
    loaded = {name: load(name) for name in {language for language, _ in sources}}
    started = time.perf_counter()
    for language, data in sources:
        grammar = loaded[language]
        if grammar is not None and b"\0" not in data[:8192]:
            extract_tags(grammar, data)
    return time.perf_counter() - started, len(sources)


def measure(root: Path) -> IndexTimes:
    floor, parsed = min((tree_sitter_floor(root) for _ in range(REPEATS)), key=lambda pair: pair[0])
    colds: list[float] = []
    for _ in range(REPEATS):
        shutil.rmtree(root / ".codecot" / "cache", ignore_errors=True)
        started = time.perf_counter()
        CodeIndex.open(root).close()
        colds.append(time.perf_counter() - started)
    warms: list[float] = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        CodeIndex.open(root).close()
        warms.append(time.perf_counter() - started)
    index = CodeIndex.open(root)
    try:
        # a file of code in any language (a Go or Rust tree has no .py); blank lines change
        # its content in every language alike
        code = [p for p in index.files() if (info := index.file_info(p)) and info.language]
        target = root / (code or index.files())[0]
        original = target.read_bytes()
        reindex: list[float] = []
        try:
            for number in range(REPEATS):
                target.write_bytes(original + b"\n" * (number + 1))
                started = time.perf_counter()
                index.refresh()
                reindex.append(time.perf_counter() - started)
        finally:
            target.write_bytes(original)
            index.refresh()
        files = len(index.files())
    finally:
        index.close()
    return IndexTimes(
        root.name,
        files,
        parsed,
        floor,
        statistics.median(colds),
        statistics.median(warms),
        statistics.median(reindex),
    )


def render(rows: list[IndexTimes]) -> str:
    lines = [
        "| tree | files | parsed | tree-sitter alone s | cold index s | cold / alone | warm open s "
        "| re-index one file ms |",
        "|" + " --- |" * 8,
    ]
    for r in rows:
        lines.append(
            f"| {r.tree} | {r.files} | {r.parsed_files} | {r.floor_s:.2f} | {r.cold_s:.2f} | "
            f"{r.cold_over_floor:.2f}x | {r.warm_s:.3f} | {r.reindex_one_s * 1000:.0f} |"
        )
    return "\n".join(lines)


def measure_synthetic(files: int) -> IndexTimes:
    """`measure` on a generated repository (six languages, see bench/validate.py), then removed."""
    from codecot_mcp.bench.validate import build_base

    workdir = Path(tempfile.mkdtemp(prefix="codecot-index-bench-"))
    try:
        repo = workdir / f"synthetic-{files}"
        repo.mkdir()
        build_base(repo, files)
        return measure(repo)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
