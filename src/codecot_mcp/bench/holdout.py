"""Leave one repository out: tune the ranking's weights on the others, measure the one held out.

The shipped weights were chosen on every dev repository, so a figure on any of them is a
figure on tuning data. For each repository in turn, a coordinate search over `Weights` (each
weight scaled by `STEPS`, best first, for `sweeps` rounds) picks the weights that score best
on the other repositories; the held-out repository is then measured with them, beside its
figures with the shipped weights. When the weights tuned without a repository do no better on
it than the shipped ones, the shipped ones are not fitted to it; when they do worse, tuning
there would have fitted the others. A last row tunes on every repository: what in-sample
tuning would gain, the size of the gap an honest protocol does not see.

Ranking only (the pack is built from the ranking): one-file Acc@1 and Acc@5 (the published
file-level measure), and Acc@5 over all tasks (every changed file in the top five).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from codecot_mcp.bench.localize import BenchTask, all_gold_in_top, task_tree
from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.ranking import WEIGHTS, PreparedQuery, Weights, prepare_query, score_files

STEPS = (0.5, 0.75, 1.25, 1.5)  # each weight times these; relative, so no weight is favoured
# Factors and shares that mean "at most all of it": scaling them past 1 changes what they are.
AT_MOST_ONE = frozenset(
    {
        "bm25_b",
        "definition_decay",
        "normalized_name",
        "plain_word",
        "capitalized_word",
        "pasted_term",
        "traceback_outer",
        "test_file",
        "non_code",
        "generated",
        "sample",
    }
)
DEPTH = 5


@dataclass(frozen=True)
class RepoScore:
    """One repository's counts under one set of weights."""

    tasks: int = 0
    hit5: int = 0  # every changed file in the top five
    one_file: int = 0
    one_hit1: int = 0
    one_hit5: int = 0

    def value(self) -> float:
        """What the search maximizes: one-file Acc@1, one-file Acc@5 and Acc@5, averaged."""
        if not self.tasks:
            return 0.0
        one = max(1, self.one_file)
        return (self.one_hit1 / one + self.one_hit5 / one + self.hit5 / self.tasks) / 3


Scores = Mapping[str, RepoScore]
Evaluate = Callable[[Weights], Scores]


@dataclass(frozen=True)
class Fold:
    held_out: str | None  # None: tuned on every repository, figures over all of them
    weights: Weights
    shipped: RepoScore
    tuned: RepoScore
    moved: dict[str, tuple[float, float]]  # weight -> (shipped, tuned)


def candidates(weights: Weights, name: str) -> list[Weights]:
    value = getattr(weights, name)
    values = [value * step for step in STEPS]
    if name in AT_MOST_ONE:
        values = [min(1.0, v) for v in values]
    return [dataclasses.replace(weights, **{name: v}) for v in dict.fromkeys(values) if v != value]


def objective(scores: Scores, repos: Sequence[str]) -> float:
    """Repositories weigh the same, however many tasks each has: no one repository sets the weights."""
    return sum(scores[repo].value() for repo in repos) / max(1, len(repos))


def search(evaluate: Evaluate, repos: Sequence[str], start: Weights = WEIGHTS, sweeps: int = 2) -> Weights:
    """Coordinate ascent on `repos` only; a move must gain, so ties keep the weights as they were."""
    best, best_value = start, objective(evaluate(start), repos)
    names = [f.name for f in dataclasses.fields(Weights)]
    for _ in range(sweeps):
        moved = False
        for name in names:
            for candidate in candidates(best, name):
                value = objective(evaluate(candidate), repos)
                if value > best_value + 1e-12:
                    best, best_value, moved = candidate, value, True
        if not moved:
            break
    return best


def folds(evaluate: Evaluate, repos: Sequence[str], sweeps: int = 2) -> list[Fold]:
    shipped = evaluate(WEIGHTS)
    out: list[Fold] = []
    for held in [*repos, None]:
        train = [repo for repo in repos if repo != held]
        weights = search(evaluate, train, sweeps=sweeps)
        moved = {
            f.name: (getattr(WEIGHTS, f.name), getattr(weights, f.name))
            for f in dataclasses.fields(Weights)
            if getattr(weights, f.name) != getattr(WEIGHTS, f.name)
        }
        tuned = evaluate(weights)
        if held is None:
            out.append(Fold(None, weights, _total(shipped), _total(tuned), moved))
        else:
            out.append(Fold(held, weights, shipped[held], tuned[held], moved))
    return out


def _total(scores: Scores) -> RepoScore:
    rows = list(scores.values())
    return RepoScore(*(sum(getattr(row, f.name) for row in rows) for f in dataclasses.fields(RepoScore)))


class RankingEvaluator:
    """Every task's index opened and query read once; an evaluation only ranks, cached by weights."""

    def __init__(self, tasks: Sequence[BenchTask], trees: Path) -> None:
        self.tasks = list(tasks)
        self.indexes: dict[str, CodeIndex] = {}
        self.queries: dict[str, PreparedQuery] = {}
        for task in self.tasks:
            index = CodeIndex.open(task_tree(trees, task))
            self.indexes[task.instance_id] = index
            self.queries[task.instance_id] = prepare_query(index, task.problem)
        self.cache: dict[Weights, dict[str, RepoScore]] = {}

    def __call__(self, weights: Weights) -> dict[str, RepoScore]:
        if weights not in self.cache:
            counts: dict[str, list[int]] = {}
            for task in self.tasks:
                index, query = self.indexes[task.instance_id], self.queries[task.instance_id]
                ranked = [f.path for f in score_files(index, query, limit=DEPTH, weights=weights)]
                row = counts.setdefault(task.repo, [0, 0, 0, 0, 0])
                row[0] += 1
                row[1] += all_gold_in_top(ranked, task.gold_files, DEPTH)
                if len(task.gold_files) == 1:
                    row[2] += 1
                    row[3] += ranked[:1] == list(task.gold_files)
                    row[4] += task.gold_files[0] in ranked
            self.cache[weights] = {repo: RepoScore(*row) for repo, row in counts.items()}
        return self.cache[weights]

    def close(self) -> None:
        for index in self.indexes.values():
            index.close()


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _cells(score: RepoScore) -> str:
    one = f"{_pct(score.one_hit1, score.one_file)} / {_pct(score.one_hit5, score.one_file)}"
    return f"{one} | {_pct(score.hit5, score.tasks)}"


def render(result: Sequence[Fold]) -> str:
    lines = [
        "| held out | one-file tasks | shipped: one-file Acc@1 / Acc@5 | shipped: Acc@5 "
        "| tuned on the others: one-file Acc@1 / Acc@5 | tuned: Acc@5 | weights the others moved |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for fold in result:
        moved = ", ".join(f"{name} {a:g} -> {b:g}" for name, (a, b) in fold.moved.items()) or "none"
        name = fold.held_out or "none: all tuned on all (in sample)"
        cells = f"{fold.shipped.one_file} | {_cells(fold.shipped)} | {_cells(fold.tuned)}"
        lines.append(f"| {name} | {cells} | {moved} |")
    return "\n".join(lines)


def run(tasks: Sequence[BenchTask], trees: Path, sweeps: int = 2) -> str:
    repos = sorted({task.repo for task in tasks})
    if len(repos) < 2:
        raise InvalidInputError(
            "holding a repository out needs tasks from at least two", hint="pass more --repos, or none"
        )
    evaluator = RankingEvaluator(tasks, trees)
    try:
        return render(folds(evaluator, repos, sweeps))
    finally:
        evaluator.close()
