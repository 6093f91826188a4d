"""`codecot-mcp bench localize|index|validate|soak`: print a benchmark table; localize can also dump JSON."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from codecot_mcp.bench.localize import load_tasks, report, run_benchmark
from codecot_mcp.cli.render import progress_bar


def run_bench(args: argparse.Namespace) -> int:
    if args.bench_command == "index":
        from codecot_mcp.bench.indexing import measure, measure_synthetic, render

        if not args.trees and not args.synthetic:
            print("codecot-mcp: error: give trees to index or --synthetic N", file=sys.stderr)
            return 2
        rows = [measure(tree.resolve()) for tree in args.trees]
        if args.synthetic:
            rows.append(measure_synthetic(args.synthetic))
        print(render(rows))
        return 0
    if args.bench_command == "validate":
        from codecot_mcp.bench import validate

        result = validate.run(args.files, args.small, args.repeat, keep=args.keep)
        print(validate.render(result))
        miscounted = [r.label for r in result.rows if r.classified != r.planned]
        if miscounted:
            print(
                f"codecot-mcp: error: the {' and '.join(miscounted)} change was miscounted", file=sys.stderr
            )
            return 1
        return 0
    if args.bench_command == "soak":
        from codecot_mcp.bench import soak

        if args.calls < 1:
            print("codecot-mcp: error: --calls must be at least 1", file=sys.stderr)
            return 2
        outcome = soak.run(args.calls, args.seed, keep=args.keep)
        print(soak.render(outcome))
        return 1 if outcome.errors else 0
    tasks = load_tasks(args.tasks, ids=args.ids, repos=args.repos, limit=args.limit)
    if not tasks:
        print("codecot-mcp: error: no tasks matched", file=sys.stderr)
        return 2
    ours, theirs = run_benchmark(tasks, args.trees, progress=progress_bar() if sys.stderr.isatty() else None)
    print(report(ours, theirs))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in [*ours, *theirs]], indent=1), encoding="utf-8")
    return 0
