"""The localization benchmark: does the context pack find the code a real fix changed?

Tasks come in the format of SWE-bench-style JSONL (`instance_id`, `repo`,
`problem_statement`, `gold_files`, `gold_hunks`); each task's tree sits at
`TREES/<instance_id>` (made by the shared `materialize.py`). For every task the
issue text is the query; Codecot's ranking and pack are scored beside a plain
BM25 ranking of whole files, in the same run, on the same trees.

Metrics: Acc@k (every gold file in the top k), MRR (of the first gold file),
edit coverage at a token budget (every gold hunk inside a packed span that shows
code; an outline of signatures covers nothing), query time, and index time cold
(no cache) and warm (nothing changed).
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codecot_mcp.bench.baseline import Bm25Baseline
from codecot_mcp.domain.models import ContextPack
from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel.gitrepo import init_and_commit
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.pack import build_pack
from codecot_mcp.intel.ranking import rank_files

ACC_KS = (1, 3, 5, 10)
BUDGETS = (4000, 8000, 16000)
QUERY_BUDGET = 8000  # the budget whose pack time is reported as query time
RANK_DEPTH = 50

Span = tuple[str, int, int]


@dataclass(frozen=True)
class BenchTask:
    instance_id: str
    repo: str
    problem: str
    gold_files: tuple[str, ...]
    gold_hunks: dict[str, list[tuple[int, int]]]


@dataclass
class TaskResult:
    instance_id: str
    repo: str
    method: str
    ranked: list[str]
    gold_files: tuple[str, ...]
    covered: dict[int, bool]
    query_seconds: float
    index_cold: float = 0.0
    index_warm: float = 0.0


@dataclass
class Row:
    name: str
    tasks: int
    acc: dict[int, float]
    mrr: float
    coverage: dict[int, float]
    query_p50_ms: float
    query_p95_ms: float
    index_cold_s: float = 0.0
    index_warm_s: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def load_tasks(
    path: Path, ids: Sequence[str] = (), repos: Sequence[str] = (), limit: int | None = None
) -> list[BenchTask]:
    tasks: list[BenchTask] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidInputError(f"cannot read tasks file {path}: {exc}") from None
    for line in lines:
        if not line.strip():
            continue
        raw = json.loads(line)
        if ids and raw["instance_id"] not in ids:
            continue
        if repos and raw["repo"] not in repos:
            continue
        hunks = {p: [(int(a), int(b)) for a, b in ranges] for p, ranges in raw["gold_hunks"].items()}
        tasks.append(
            BenchTask(
                raw["instance_id"], raw["repo"], raw["problem_statement"], tuple(raw["gold_files"]), hunks
            )
        )
    return tasks[:limit] if limit else tasks


def task_tree(trees: Path, task: BenchTask) -> Path:
    """The task's tree under `trees`, made a git work tree; a clear error when it was never made."""
    tree = trees / task.instance_id
    if not tree.is_dir():
        raise InvalidInputError(
            f"no tree for {task.instance_id} under {trees}", hint="make the trees with materialize.py first"
        )
    prepare_tree(tree)
    return tree


def prepare_tree(tree: Path) -> None:
    """Make a materialized tree a git work tree once, so the index can list its files (untimed)."""
    if (tree / ".git").exists():
        return
    init_and_commit(tree, "base")


# ------------------------------------------------------------------ scoring (pure)


def first_gold_rank(ranked: Sequence[str], gold: Iterable[str]) -> int | None:
    wanted = set(gold)
    return next((i for i, path in enumerate(ranked, start=1) if path in wanted), None)


def all_gold_in_top(ranked: Sequence[str], gold: Iterable[str], k: int) -> bool:
    return set(gold) <= set(ranked[:k])


def hunks_covered(spans: Sequence[Span], hunks: dict[str, list[tuple[int, int]]]) -> bool:
    """True when every gold hunk of an existing file lies inside one packed span."""
    by_path: dict[str, list[tuple[int, int]]] = {}
    for path, start, end in spans:
        by_path.setdefault(path, []).append((start, end))
    for path, ranges in hunks.items():
        for start, end in ranges:  # created files have no ranges: nothing to read beforehand
            if not any(s <= start and end <= e for s, e in by_path.get(path, [])):
                return False
    return True


def code_spans(pack: ContextPack) -> list[Span]:
    """The spans that show code; an outline lists signatures, so it covers no hunk."""
    return [(s.path, s.start_line, s.end_line) for s in pack.spans if s.kind != "outline"]


def summarize(name: str, results: Sequence[TaskResult]) -> Row:
    n = len(results)
    ranks = [first_gold_rank(r.ranked, r.gold_files) for r in results]
    times = sorted(r.query_seconds * 1000 for r in results)
    colds = [r.index_cold for r in results if r.index_cold]
    warms = [r.index_warm for r in results if r.index_warm]
    return Row(
        name=name,
        tasks=n,
        acc={k: sum(all_gold_in_top(r.ranked, r.gold_files, k) for r in results) / n for k in ACC_KS},
        mrr=sum(1 / rank for rank in ranks if rank) / n,
        coverage={b: sum(r.covered.get(b, False) for r in results) / n for b in BUDGETS},
        query_p50_ms=statistics.median(times),
        query_p95_ms=times[min(len(times) - 1, int(0.95 * len(times)))],
        index_cold_s=statistics.median(colds) if colds else 0.0,
        index_warm_s=statistics.median(warms) if warms else 0.0,
    )


def render_table(rows: Sequence[Row]) -> str:
    head = (
        "| rows | tasks | Acc@1 | Acc@3 | Acc@5 | Acc@10 | MRR | cov@4k | cov@8k | cov@16k | query p50 ms "
        "| query p95 ms | index cold s | index warm s |"
    )
    lines = [head, "|" + " --- |" * (head.count("|") - 1)]
    for row in rows:
        cells = [
            row.name,
            str(row.tasks),
            *(f"{row.acc[k]:.1%}" for k in ACC_KS),
            f"{row.mrr:.3f}",
            *(f"{row.coverage[b]:.1%}" for b in BUDGETS),
            f"{row.query_p50_ms:.0f}",
            f"{row.query_p95_ms:.0f}",
            f"{row.index_cold_s:.2f}",
            f"{row.index_warm_s:.3f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------ running


def run_codecot(task: BenchTask, tree: Path, cold: bool = True) -> TaskResult:
    cache = tree / ".codecot" / "cache"
    if cold and cache.exists():
        shutil.rmtree(cache)
    started = time.perf_counter()
    index = CodeIndex.open(tree)
    index_cold = time.perf_counter() - started
    index.close()
    started = time.perf_counter()
    index = CodeIndex.open(tree)
    index_warm = time.perf_counter() - started
    try:
        started = time.perf_counter()
        pack = build_pack(index, task.problem, QUERY_BUDGET)
        query_seconds = time.perf_counter() - started
        ranked = [f.path for f in rank_files(index, task.problem, limit=RANK_DEPTH)]
        covered = {QUERY_BUDGET: hunks_covered(code_spans(pack), task.gold_hunks)}
        for budget in BUDGETS:
            if budget != QUERY_BUDGET:
                other = build_pack(index, task.problem, budget)
                covered[budget] = hunks_covered(code_spans(other), task.gold_hunks)
    finally:
        index.close()
    return TaskResult(
        task.instance_id,
        task.repo,
        "codecot",
        ranked,
        task.gold_files,
        covered,
        query_seconds,
        index_cold,
        index_warm,
    )


def run_bm25(task: BenchTask, tree: Path) -> TaskResult:
    baseline = Bm25Baseline.build(tree)
    started = time.perf_counter()
    ranked = baseline.rank(task.problem, RANK_DEPTH)
    query_seconds = time.perf_counter() - started
    covered = {b: hunks_covered(baseline.pack_whole_files(ranked, b), task.gold_hunks) for b in BUDGETS}
    return TaskResult(task.instance_id, task.repo, "bm25", ranked, task.gold_files, covered, query_seconds)


def run_benchmark(
    tasks: Sequence[BenchTask], trees: Path, progress: Callable[[int, int, str], None] | None = None
) -> tuple[list[TaskResult], list[TaskResult]]:
    ours: list[TaskResult] = []
    theirs: list[TaskResult] = []
    for number, task in enumerate(tasks, start=1):
        tree = task_tree(trees, task)
        if progress:
            progress(number, len(tasks), task.instance_id)
        ours.append(run_codecot(task, tree))
        theirs.append(run_bm25(task, tree))
    return ours, theirs


def report(ours: Sequence[TaskResult], theirs: Sequence[TaskResult]) -> str:
    rows: list[Row] = []
    for repo in sorted({r.repo for r in ours}):
        rows.append(summarize(f"{repo} codecot", [r for r in ours if r.repo == repo]))
        rows.append(summarize(f"{repo} bm25", [r for r in theirs if r.repo == repo]))
    rows.append(summarize("ALL codecot", ours))
    rows.append(summarize("ALL bm25", theirs))
    # Published file-level figures (SWE-bench Lite) are for one gold file per task; Acc@k here
    # needs every gold file in the top k, so the split keeps the two comparable.
    for label, one_file in (("one-file", True), ("multi-file", False)):
        for method, results in (("codecot", ours), ("bm25", theirs)):
            group = [r for r in results if (len(r.gold_files) == 1) == one_file]
            if group:
                rows.append(summarize(f"{label} {method}", group))
    return render_table(rows)
