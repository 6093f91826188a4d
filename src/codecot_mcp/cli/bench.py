"""`codecot-mcp bench ...`: print a benchmark's table; localize and workflow can also dump JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codecot_mcp.bench.localize import load_tasks, report, run_benchmark
from codecot_mcp.cli.render import progress_reporter


def add_bench_command(sub: Any) -> None:
    bench = sub.add_parser("bench", help="benchmarks the project ships")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="BENCH", required=True)
    bench_sub.add_parser(
        "integrity",
        help="dishonest changes an agent can make, and the honest ones they imitate: caught / passed",
    )
    localize = bench_sub.add_parser(
        "localize", help="context pack vs BM25 on SWE-bench-style localization tasks"
    )
    localize.add_argument("--tasks", type=Path, required=True, help="JSONL tasks (swebench_dev.jsonl format)")
    localize.add_argument("--trees", type=Path, required=True, help="folder of trees, one per instance_id")
    localize.add_argument("--ids", nargs="*", default=[], help="only these instance IDs")
    localize.add_argument("--repos", nargs="*", default=[], help="only these repos (OWNER/NAME)")
    localize.add_argument("--limit", type=int, help="at most this many tasks")
    localize.add_argument("--json", type=Path, help="also write per-task results here")

    holdout = bench_sub.add_parser(
        "holdout", help="ranking weights tuned on all repositories but one, measured on the one left out"
    )
    holdout.add_argument("--tasks", type=Path, required=True, help="JSONL tasks (swebench_dev.jsonl format)")
    holdout.add_argument("--trees", type=Path, required=True, help="folder of trees, one per instance_id")
    holdout.add_argument("--repos", nargs="*", default=[], help="only these repos (OWNER/NAME), two or more")
    holdout.add_argument("--sweeps", type=int, default=2, help="rounds of the search over every weight (2)")

    workflow = bench_sub.add_parser(
        "workflow", help="an agent that follows the hints from issue to PR, over stdio, per task"
    )
    workflow.add_argument("--tasks", type=Path, required=True, help="JSONL tasks (swebench_dev.jsonl format)")
    workflow.add_argument("--trees", type=Path, required=True, help="folder of trees, one per instance_id")
    workflow.add_argument("--ids", nargs="*", default=[], help="only these instance IDs")
    workflow.add_argument("--repos", nargs="*", default=[], help="only these repos (OWNER/NAME)")
    workflow.add_argument("--limit", type=int, help="at most this many tasks")
    workflow.add_argument("--timeout", type=float, default=600.0, help="seconds per task (600)")
    workflow.add_argument("--json", type=Path, help="also write per-task results here, after each task")
    workflow.add_argument(
        "--envs",
        type=Path,
        help="envs.json from scripts/bench_envs.py: each task's own tests are its check, in its env",
    )
    workflow.add_argument(
        "--attacks", action="store_true", help="with --envs: also skip, delete and revert, each must not pass"
    )

    index_bench = bench_sub.add_parser("index", help="index speed vs tree-sitter alone on one core")
    index_bench.add_argument("trees", type=Path, nargs="*", help="git work trees to index")
    index_bench.add_argument(
        "--synthetic", type=int, metavar="N", help="also a generated repository of N files in six languages"
    )

    validate_bench = bench_sub.add_parser(
        "validate", help="time to classify a large and a small change with validate_change"
    )
    validate_bench.add_argument("--files", type=int, default=1000, help="base files and files edited (1000)")
    validate_bench.add_argument("--small", type=int, default=20, help="files in the small change (20)")
    validate_bench.add_argument("--repeat", type=int, default=5, help="warm calls per change (5)")
    validate_bench.add_argument(
        "--keep", action="store_true", help="keep the temporary repository and print its path"
    )

    soak = bench_sub.add_parser(
        "soak", help="thousands of mixed calls over one stdio session: latency, memory"
    )
    soak.add_argument("--calls", type=int, default=2000, help="tool calls in the session (2000)")
    soak.add_argument("--seed", type=int, default=7, help="seed of the call mix (7)")
    soak.add_argument("--keep", action="store_true", help="keep the temporary repository and print its path")

    hooks = bench_sub.add_parser("hooks", help="how long a host waits for a hook's decision (p50, p99)")
    hooks.add_argument("--runs", type=int, default=50, help="warm runs per case (50)")

    capture = bench_sub.add_parser(
        "capture", help="precision and recall of intent capture on labelled discussions"
    )
    capture.add_argument("--data", type=Path, help="labelled JSONL (default: the set shipped with Codecot)")
    capture.add_argument("--split", default="all", help="all, tune or holdout (all)")
    capture.add_argument("--verbose", action="store_true", help="also list the expected items missed")


def run_bench(args: argparse.Namespace) -> int:
    return _BENCHES.get(args.bench_command, _run_localize)(args)


def _run_index(args: argparse.Namespace) -> int:
    from codecot_mcp.bench.indexing import measure, measure_synthetic, render

    if not args.trees and not args.synthetic:
        print("codecot-mcp: error: give trees to index or --synthetic N", file=sys.stderr)
        return 2
    rows = [measure(tree.resolve()) for tree in args.trees]
    if args.synthetic:
        rows.append(measure_synthetic(args.synthetic))
    print(render(rows))
    return 0


def _run_validate(args: argparse.Namespace) -> int:
    from codecot_mcp.bench import validate

    result = validate.run(args.files, args.small, args.repeat, keep=args.keep)
    print(validate.render(result))
    miscounted = [r.label for r in result.rows if r.classified != r.planned]
    if miscounted:
        print(f"codecot-mcp: error: the {' and '.join(miscounted)} change was miscounted", file=sys.stderr)
        return 1
    return 0


def _run_soak(args: argparse.Namespace) -> int:
    from codecot_mcp.bench import soak

    if args.calls < 1:
        print("codecot-mcp: error: --calls must be at least 1", file=sys.stderr)
        return 2
    outcome = soak.run(args.calls, args.seed, keep=args.keep)
    print(soak.render(outcome))
    return 1 if outcome.errors else 0


def _run_holdout(args: argparse.Namespace) -> int:
    from codecot_mcp.bench import holdout

    if args.sweeps < 1:
        print("codecot-mcp: error: --sweeps must be at least 1", file=sys.stderr)
        return 2
    print(holdout.run(load_tasks(args.tasks, repos=args.repos), args.trees, args.sweeps))
    return 0


def _run_capture(args: argparse.Namespace) -> int:
    from codecot_mcp.bench import capture as capture_bench

    print(capture_bench.run(args.data, args.split, verbose=args.verbose))
    return 0


def _run_hooks(args: argparse.Namespace) -> int:
    from codecot_mcp.bench import hooks

    if args.runs < 1:
        print("codecot-mcp: error: --runs must be at least 1", file=sys.stderr)
        return 2
    print(hooks.render(hooks.run(args.runs)))
    return 0


def _run_integrity(args: argparse.Namespace) -> int:
    from codecot_mcp.bench import integrity

    outcomes = integrity.run_integrity()
    print(integrity.report(outcomes))
    return 0 if all(o.right for o in outcomes) else 1


def _run_localize(args: argparse.Namespace) -> int:
    tasks = load_tasks(args.tasks, ids=args.ids, repos=args.repos, limit=args.limit)
    if not tasks:
        print("codecot-mcp: error: no tasks matched", file=sys.stderr)
        return 2
    ours, theirs = run_benchmark(
        tasks, args.trees, progress=progress_reporter() if sys.stderr.isatty() else None
    )
    print(report(ours, theirs))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in [*ours, *theirs]], indent=1), encoding="utf-8")
    return 0


def _run_workflow(args: argparse.Namespace) -> int:
    from codecot_mcp.bench import workflow

    tasks = workflow.load_workflow_tasks(args.tasks, ids=args.ids, repos=args.repos, limit=args.limit)
    if not tasks:
        print("codecot-mcp: error: no tasks matched", file=sys.stderr)
        return 2
    done: list[workflow.WorkflowResult] = []

    def progress(number: int, total: int, result: workflow.WorkflowResult) -> None:
        done.append(result)
        outcome = result.error or result.dead_end or f"{result.verdict}, PR ready {result.pr_ready}"
        head = f"[{number}/{total}] {result.instance_id}: {result.calls} calls"
        print(f"{head}, {outcome}, {result.seconds:.0f}s", file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps([asdict(r) for r in done], indent=1), encoding="utf-8")

    envs = workflow.load_envs(args.envs) if args.envs else None
    results = workflow.run_workflow_bench(
        tasks, args.trees.resolve(), args.timeout, progress, envs=envs, attacks=args.attacks
    )
    print(workflow.report(results))
    return 0


_BENCHES: dict[str, Callable[[argparse.Namespace], int]] = {
    "index": _run_index,
    "validate": _run_validate,
    "soak": _run_soak,
    "capture": _run_capture,
    "holdout": _run_holdout,
    "hooks": _run_hooks,
    "workflow": _run_workflow,
    "integrity": _run_integrity,
}
