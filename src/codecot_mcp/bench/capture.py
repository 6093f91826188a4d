"""Capture quality: precision and recall of `extract_intent` on hand-labelled discussions.

Each labelled discussion lists, per field, short key phrases a careful reader takes from it.
An extracted item matches an expected one when the key phrase appears in it (case-insensitive,
whitespace folded); each expected item is counted once, so two extracted items holding the
same phrase give one hit and one false positive. Title accuracy: the expected title phrase
appears in `title_guess` (items without an expected title are not counted).

The shipped set (``data/discussions.jsonl``) marks a third of its items ``"split": "holdout"``:
they were not looked at while tuning the extractor, so their figures are the honest ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from codecot_mcp.domain.extraction import extract_intent

FIELDS = ("goals", "non_goals", "constraints", "open_questions", "decisions")


@dataclass(frozen=True)
class Labelled:
    id: str
    shape: str
    text: str
    expected: dict[str, Any]
    split: str = "tune"


@dataclass
class Score:
    """Counts for one field: expected phrases found, extracted items matching one, totals."""

    found: int = 0
    expected: int = 0
    matching: int = 0
    extracted: int = 0

    @property
    def precision(self) -> float:
        return self.matching / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


@dataclass
class Report:
    scores: dict[str, Score] = field(default_factory=lambda: {name: Score() for name in FIELDS})
    titles_right: int = 0
    titles: int = 0
    items: int = 0
    misses: list[str] = field(default_factory=list)


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def load(path: Path | None = None) -> list[Labelled]:
    """The labelled set at `path`, or the one shipped with the package."""
    if path is None:
        raw = resources.files("codecot_mcp.bench").joinpath("data/discussions.jsonl").read_text("utf-8")
    else:
        raw = path.read_text(encoding="utf-8")
    rows = (json.loads(line) for line in raw.splitlines() if line.strip())
    return [
        Labelled(r["id"], r.get("shape", ""), r["text"], r["expected"], r.get("split", "tune")) for r in rows
    ]


def score_field(expected: Sequence[str], extracted: Sequence[str], score: Score) -> list[str]:
    """Add one field's counts to `score`; return the expected phrases that were not found."""
    phrases = [fold(p) for p in expected]
    items = [fold(t) for t in extracted]
    score.expected += len(phrases)
    score.extracted += len(items)
    missed = [p for p in phrases if not any(p in item for item in items)]
    score.found += len(phrases) - len(missed)
    # An extracted item is right when it holds an expected phrase not already credited to another item.
    unused = list(phrases)
    for item in items:
        hit = next((p for p in unused if p in item), None)
        if hit is not None:
            unused.remove(hit)
            score.matching += 1
    return missed


def evaluate(items: Iterable[Labelled]) -> Report:
    report = Report()
    for item in items:
        report.items += 1
        intent = extract_intent(item.text)
        for name in FIELDS:
            texts = [i.text for i in getattr(intent, name)]
            missed = score_field(item.expected.get(name) or [], texts, report.scores[name])
            report.misses.extend(f"{item.id} {name}: {phrase!r}" for phrase in missed)
        title = item.expected.get("title")
        if title:
            report.titles += 1
            if fold(title) in fold(intent.title_guess):
                report.titles_right += 1
            else:
                report.misses.append(f"{item.id} title: {title!r} not in {intent.title_guess!r}")
    return report


def render(report: Report, label: str) -> str:
    lines = [f"{label}: {report.items} discussions", f"{'field':<16}{'precision':>10}{'recall':>8}"]
    for name, s in report.scores.items():
        counts = f"({s.matching}/{s.extracted}, {s.found}/{s.expected})"
        lines.append(f"{name:<16}{s.precision:>10.2f}{s.recall:>8.2f}   {counts}")
    accuracy = report.titles_right / report.titles if report.titles else 1.0
    lines.append(f"{'title accuracy':<16}{accuracy:>10.2f}   ({report.titles_right}/{report.titles})")
    return "\n".join(lines)


def run(path: Path | None = None, split: str = "all", verbose: bool = False) -> str:
    """The table for each split of the set (tune, holdout) and for all of it."""
    items = load(path)
    groups = [("all", items)]
    splits = sorted({i.split for i in items})
    if len(splits) > 1:
        groups += [(name, [i for i in items if i.split == name]) for name in splits]
    chosen = [(name, group) for name, group in groups if split in ("all", name)]
    out: list[str] = []
    for name, group in chosen:
        report = evaluate(group)
        out.append(render(report, name))
        if verbose and report.misses:
            out.append("\n".join(f"  miss {m}" for m in report.misses))
    return "\n\n".join(out)
