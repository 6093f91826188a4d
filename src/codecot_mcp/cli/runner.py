"""`codecot-mcp run TASK-3 --agent CMD`: a headless agent implements tasks until the verdict passes.

Progress goes to stderr, the summary to stdout. Exit 0 when every task passed, 1 when
one did not, 2 on a bad argument, 130 on Ctrl-C (the agents are killed, every record
written so far stays).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any


def add_run_command(sub: Any) -> None:
    from codecot_mcp.services.runner import PROFILES

    run = sub.add_parser("run", help="a headless coding agent implements a task, validated each round")
    run.add_argument("task", nargs="?", help="a task ID, e.g. TASK-3")
    run.add_argument("--all", metavar="SPEC", help="every open task of this spec, in dependency order")
    how = run.add_mutually_exclusive_group(required=True)
    how.add_argument("--agent", help="the agent's command; {prompt} stands for the prompt, else stdin has it")
    how.add_argument("--profile", choices=sorted(PROFILES), help="a known agent's headless command")
    run.add_argument("--rounds", type=int, default=3, help="agent rounds per task, at most (3)")
    run.add_argument("--timeout", type=float, default=1800.0, help="seconds per agent round (1800)")
    run.add_argument("--jobs", type=int, default=1, help="tasks at once with --all, each in a worktree (1)")


def run_runner(args: argparse.Namespace) -> int:
    from codecot_mcp.intel.gitrepo import find_repo_root
    from codecot_mcp.services.runner import PROFILES, TaskRun, run_spec, run_task
    from codecot_mcp.services.workspace import Workspace

    if bool(args.task) == bool(args.all) or args.rounds < 1 or args.jobs < 1:
        print("codecot-mcp: error: give a task or --all SPEC, with --rounds and --jobs >= 1", file=sys.stderr)
        return 2
    template = PROFILES[args.profile] if args.profile else shlex.split(args.agent)
    if not template:
        print("codecot-mcp: error: --agent is empty", file=sys.stderr)
        return 2

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    root = find_repo_root(Path(args.repo))
    runs: list[TaskRun]
    if args.all:
        runs = run_spec(root, args.all, template, args.rounds, args.timeout, args.jobs, say)
    else:
        ws = Workspace(root)
        try:
            runs = [run_task(ws, args.task, template, args.rounds, args.timeout, say)]
        finally:
            ws.close()
    for done in runs:
        if done.skipped:
            print(f"{done.task_id}: not started ({done.skipped})")
            continue
        verdicts = " -> ".join(r.verdict for r in done.rounds)
        pr = f"; PR drafted: {done.pr_title}" if done.pr_title else ""
        rounds = len(done.rounds)
        print(f"{done.task_id}: {done.verdict} after {rounds} rounds ({verdicts}){pr}; log {done.log}")
    return 0 if all(r.verdict == "pass" for r in runs) else 1
