"""The CLI's service commands: status, pack, validate, pr and doctor, printed for people or as JSON."""

from __future__ import annotations

import argparse
import sys

from codecot_mcp.cli import render
from codecot_mcp.services.context import context_pack
from codecot_mcp.services.doctor import diagnose
from codecot_mcp.services.pr import draft_pr
from codecot_mcp.services.status import workflow_status
from codecot_mcp.services.validation import validate_change
from codecot_mcp.services.workspace import Workspace


def run_service(command: str, args: argparse.Namespace) -> int:
    if command == "doctor":  # before the Workspace: the doctor must also run where no repository is found
        report = diagnose(args.repo)
        print(report.model_dump_json(indent=2) if args.format == "json" else render.doctor_text(report))
        return 0 if report.ok else 1
    ws = Workspace(args.repo)
    try:
        return _run(ws, command, args)
    finally:
        ws.close()


def _run(ws: Workspace, command: str, args: argparse.Namespace) -> int:
    if command == "status":
        status = workflow_status(ws)
        print(status.model_dump_json(indent=2) if args.format == "json" else render.status_text(status))
        return 0
    if command == "pack":
        pack = context_pack(
            ws,
            task_id=args.task,
            query=args.query,
            token_budget=args.budget,
            progress=render.progress_bar() if sys.stderr.isatty() else None,
        )
        print(pack.model_dump_json(indent=2) if args.format == "json" else render.pack_text(pack))
        return 0
    if command == "validate":
        result = validate_change(
            ws,
            args.task,
            base=args.base,
            head=args.head,
            rationale=args.rationale,
            progress=render.progress_bar() if sys.stderr.isatty() else None,
        )
        if args.format == "json":
            print(result.model_dump_json(indent=2))
        elif args.format == "markdown":
            print(render.validation_markdown(result))
        else:
            print(render.validation_text(result))
        return 1 if result.validation.verdict == "fail" else 0
    if command == "pr":
        draft = draft_pr(ws, args.task)
        print(
            draft.model_dump_json(indent=2) if args.format == "json" else f"# {draft.title}\n\n{draft.body}"
        )
        return 0
    raise AssertionError(f"unhandled command {command}")
