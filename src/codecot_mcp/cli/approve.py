"""`codecot-mcp approve TASK`: a person seals a task's edited scope, a changed config, or a bigger
change than its budget.

It shows what it would accept and asks at the terminal; without a terminal it
needs `--yes`, so a pipeline or an agent cannot approve by accident. Exit 0 when
approved, 1 when declined, 2 when there is nothing to ask with.
"""

from __future__ import annotations

import argparse
import sys

from codecot_mcp.services.approval import approve_task, preview_approval
from codecot_mcp.services.workspace import Workspace


def run_approve(args: argparse.Namespace) -> int:
    ws = Workspace(args.repo)
    try:
        preview = preview_approval(ws, args.task)
        changes = [
            *(["its task file was edited after scoping"] if preview.task_edited else []),
            *([".codecot/config.toml changed since it was sealed"] if preview.config_changed else []),
            *([f"out-of-scope edits justified: {', '.join(preview.pending)}"] if preview.pending else []),
            *preview.widened,
            *(
                [f"base tests removed, skipped or rewritten: {', '.join(preview.tests)}"]
                if preview.tests
                else []
            ),
            *(
                [
                    f"budget raised to the change's size: {preview.budget.max_files} files, "
                    f"{preview.budget.max_lines} lines"
                ]
                if preview.budget
                else []
            ),
        ]
        print(
            f"{preview.task_id}: "
            + ("; ".join(changes) if changes else "nothing changed since it was sealed")
        )
        if not args.yes:
            if not sys.stdin.isatty():
                print(
                    "codecot-mcp: error: approval needs a person: run it in a terminal, or pass --yes",
                    file=sys.stderr,
                )
                return 2
            if input("Approve and seal it as it is now? [y/N] ").strip().lower() not in ("y", "yes"):
                print("not approved")
                return 1
        approval = approve_task(ws, preview.task_id)
    finally:
        ws.close()
    print(f"{approval.task_id} approved; config sealed as {approval.sealed_config[:12]}")
    return 0
