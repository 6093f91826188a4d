"""The baseline the context pack must beat: BM25 over whole source files, whole-file packing.

Source files are those of every language the index reads (by extension), so the
baseline is fair on a Go or PHP repository as on a Python one.

Deliberately plain (as in the SWE-bench paper's retrieval baseline): words are
identifier-like runs, lowercased, also split on snake_case and camelCase; no
code structure, no graph, no mentions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from codecot_mcp.intel.languages import language_for_path
from codecot_mcp.intel.tokens import estimate_tokens

K1 = 1.2
B = 0.75
MAX_FILE_BYTES = 1_000_000
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def words(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text):
        lower = word.lower()
        out.append(lower)
        parts = [p.lower() for chunk in word.split("_") for p in _CAMEL.findall(chunk)]
        if len(parts) > 1:
            out.extend(parts)
    return out


@dataclass
class Bm25Baseline:
    root: Path
    paths: list[str]
    counts: list[Counter[str]]
    lengths: list[int]
    sizes: dict[str, int]
    document_frequency: Counter[str]

    @classmethod
    def build(cls, root: Path) -> Bm25Baseline:
        paths: list[str] = []
        counts: list[Counter[str]] = []
        sizes: dict[str, int] = {}
        frequency: Counter[str] = Counter()
        for file in sorted(root.rglob("*")):
            relative = file.relative_to(root).as_posix()
            if language_for_path(relative) is None or relative.startswith((".git/", ".codecot/")):
                continue
            if not file.is_file() or file.stat().st_size > MAX_FILE_BYTES:
                continue
            text = file.read_text(encoding="utf-8", errors="replace")
            bag = Counter(words(text) + words(relative))
            paths.append(relative)
            counts.append(bag)
            sizes[relative] = estimate_tokens(text)
            frequency.update(bag.keys())
        return cls(root, paths, counts, [sum(c.values()) for c in counts], sizes, frequency)

    def rank(self, query: str, limit: int) -> list[str]:
        n = len(self.paths)
        if n == 0:
            return []
        average = sum(self.lengths) / n
        terms = set(words(query))
        scored: list[tuple[float, str]] = []
        for path, bag, length in zip(self.paths, self.counts, self.lengths, strict=True):
            score = 0.0
            for term in terms:
                tf = bag.get(term, 0)
                if tf:
                    df = self.document_frequency[term]
                    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                    score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
            if score > 0:
                scored.append((score, path))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [path for _, path in scored[:limit]]

    def pack_whole_files(self, ranked: list[str], budget: int) -> list[tuple[str, int, int]]:
        """Whole files in rank order while they fit; one that does not fit is passed over."""
        spans: list[tuple[str, int, int]] = []
        used = 0
        for path in ranked:
            cost = self.sizes[path]
            if used + cost > budget:
                continue
            used += cost
            lines = (self.root / path).read_text(encoding="utf-8", errors="replace").count("\n") + 1
            spans.append((path, 1, lines))
        return spans
