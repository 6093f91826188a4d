"""`codecot-mcp ci`: the pull-request gate, judged with the base's config and task.

Prints a Markdown report (also appended to `--summary`, e.g. `$GITHUB_STEP_SUMMARY`) and
exits 0 on pass (or warn under policy `warn`), 1 otherwise, 2 when it cannot judge.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from codecot_mcp.domain.untrusted import escape_controls as one_line
from codecot_mcp.domain.untrusted import inline_code
from codecot_mcp.errors import CodecotError
from codecot_mcp.services.gate import GateResult, run_gate, task_from_branch
from codecot_mcp.services.workspace import Workspace


def add_ci_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ci = sub.add_parser(
        "ci", help="gate a pull request with its base's config and task (exit 1 unless it passes)"
    )
    ci.add_argument("--base", required=True, help="the PR's base branch or commit, e.g. origin/main")
    ci.add_argument("--head", default="HEAD", help="the PR's head commit (default HEAD)")
    ci.add_argument("--task", help="the task ID; default: from --branch")
    ci.add_argument(
        "--branch",
        default=os.environ.get("GITHUB_HEAD_REF", ""),
        help="the PR's branch, naming its task as task-<n> (default: $GITHUB_HEAD_REF)",
    )
    ci.add_argument("--summary", type=Path, help="also append the report to this file")


def run_ci(args: argparse.Namespace) -> int:
    ws = Workspace(args.repo)
    try:
        result = run_gate(ws, args.base, args.task or task_from_branch(args.branch), args.head)
    except CodecotError as exc:
        print(f"codecot-mcp: error: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""), file=sys.stderr)
        return 2
    finally:
        ws.close()
    text = render(result)
    print(text)
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as out:
            out.write(text + "\n")
    return result.exit_code


def render(result: GateResult) -> str:
    """The gate's report as Markdown: verdict, what was judged, reasons, and each check's command."""
    lines = [
        f"## Codecot: {result.verdict.upper()}" + (f" for {result.task_id}" if result.task_id else ""),
        "",
        f"Judged with the config and task of the merge base `{result.merge_base[:12]}`; "
        f"head `{result.head[:12]}`; policy `{result.policy}`.",
        "",
    ]
    lines += [f"- **{r.level}** {one_line(r.message)}" for r in result.reasons]
    found = result.assessment
    if found is not None and found.ran.checks:
        lines += ["", "| check | command | outcome |", "| --- | --- | --- |"]
        for check in found.ran.checks:
            outcome = "passed" if check.passed else "timed out" if check.timed_out else "failed"
            command = inline_code(one_line(shlex.join(check.argv))).replace("|", "\\|")
            lines.append(f"| {one_line(check.name)} | {command} | {outcome} |")
    if found is not None and found.ran.tests is not None and found.ran.tests.fail_to_pass:
        shown = found.ran.tests.fail_to_pass[:20]
        lines += ["", "Fail-to-pass: " + ", ".join(inline_code(one_line(i)) for i in shown)]
    return "\n".join(lines)
