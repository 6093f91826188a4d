"""`codecot-mcp`: serve MCP (stdio by default, or HTTP), or run the workflow for people and CI.

The workflow subcommands (capture, spec, scope, pack, validate, status, pr) are
generated from the table of operations (cli/operations.py); serve, doctor,
demo and bench are the CLI's own.

Exit codes: 0 success (for `validate`: pass or warn), 1 a failing verdict or a
failing doctor check, 2 a usage or repository error, 130 interrupted. Results go
to stdout, diagnostics to stderr; when serving, stdout belongs to the protocol alone.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import codecot_mcp
from codecot_mcp.errors import CodecotError

TYPE_CHECKING = False  # neither typing nor argparse at run time: a host hook starts this module on every edit
if TYPE_CHECKING:
    import argparse
    from typing import Any

EPILOG = """examples:
  codecot-mcp --repo .                      serve MCP over stdio (what an MCP host runs)
  codecot-mcp serve --transport http --port 8765   Streamable HTTP at http://127.0.0.1:8765/mcp
  codecot-mcp capture issue.md              an intent from a discussion file ('-' reads stdin)
  codecot-mcp spec INT-1                    a spec from the intent
  codecot-mcp scope SPEC-1                  scoped tasks from the spec
  codecot-mcp pack --task TASK-1            the code to read for the task
  codecot-mcp validate TASK-1               judge the change; exit 1 when the verdict is 'fail'
  codecot-mcp pr TASK-1                     a pull request title and body
  codecot-mcp ci --base origin/main         the pull-request gate, with the base's config and task
  codecot-mcp status                        where every intent, spec and task stands
  codecot-mcp demo                          the whole workflow on a sample repository
  codecot-mcp index                         build the code index now, so the first tool call is fast
  codecot-mcp init --host claude-code       install the host's hooks and MCP config for this repository
  codecot-mcp task use TASK-1               the task the hooks hold the agent to in this work tree
  codecot-mcp run TASK-1 --profile claude   a headless agent implements it, validated each round
  codecot-mcp doctor                        check Python, git, grammars and config; say what to fix
"""


def build_parser() -> argparse.ArgumentParser:
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(
        prog="codecot-mcp",
        description="Codecot: a deterministic MCP server for the discussion-to-PR workflow.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--repo", type=Path, default=Path("."), help="repository (default: current directory)"
    )
    parser.add_argument("--version", action="version", version=f"codecot-mcp {codecot_mcp.__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    _add_serve_command(sub)
    from codecot_mcp.cli.operations import add_operation_commands

    add_operation_commands(sub)

    from codecot_mcp.cli.bench import add_bench_command
    from codecot_mcp.cli.ci import add_ci_command

    add_bench_command(sub)
    add_ci_command(sub)

    from codecot_mcp.cli.hook import add_hook_command
    from codecot_mcp.cli.hosts import add_host_commands

    add_hook_command(sub)
    add_host_commands(sub)

    from codecot_mcp.cli.runner import add_run_command

    add_run_command(sub)

    sub.add_parser("index", help="build or refresh the code index now, so the first tool call is fast")

    approve = sub.add_parser(
        "approve", help="a person accepts a task's edited scope or a changed config (seals them for it)"
    )
    approve.add_argument("task", help="a task ID, e.g. TASK-1")
    approve.add_argument("--yes", action="store_true", help="approve without asking (for a person's script)")

    doctor = sub.add_parser("doctor", help="check the environment and say what to fix; exit 1 on a failure")
    doctor.add_argument("--format", choices=("text", "json"), default="text")

    demo = sub.add_parser("demo", help="run the whole workflow on a sample repository over stdio")
    demo.add_argument("--keep", action="store_true", help="keep the temporary repository and print its path")
    return parser


def _add_serve_command(sub: Any) -> None:
    serve = sub.add_parser("serve", help="serve MCP over stdio (the default) or Streamable HTTP")
    serve.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="HTTP port (default: 8000)")
    serve.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (the repo is then reachable)"
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another Host/Origin name clients use to reach the server (repeatable)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    hook = _hook_call(words)
    if hook is not None:  # a host runs this on every edit: no parser of every command, no services
        from codecot_mcp.cli.hook import run_hook

        return run_hook(*hook)
    import logging

    args = build_parser().parse_args(words)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="codecot: %(levelname)s %(message)s",
    )
    try:
        return _dispatch(args)
    except CodecotError as exc:
        print(f"codecot-mcp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _hook_call(words: list[str]) -> tuple[str, str] | None:
    """`[--repo R] [-v] hook EVENT` read without building the whole parser, or None."""
    repo, rest = ".", list(words)
    while rest and rest[0] != "hook":
        flag = rest.pop(0)
        if flag in ("-v", "--verbose"):
            continue
        if flag == "--repo" and rest:
            repo = rest.pop(0)
        elif flag.startswith("--repo="):
            repo = flag.removeprefix("--repo=")
        else:
            return None
    if len(rest) != 2:
        return None
    from codecot_mcp.cli.hook import EVENTS

    return (rest[1], repo) if rest[1] in EVENTS else None


def _dispatch(args: argparse.Namespace) -> int:
    # Commands import what they need when they run: this module is also what every index
    # worker process imports first (spawn re-imports the entry script), so it stays light.
    command = args.command or "serve"
    if command == "demo":
        from codecot_mcp.cli.demo import run_demo

        return run_demo(keep=args.keep)
    if command == "bench":
        from codecot_mcp.cli.bench import run_bench

        return run_bench(args)
    if command == "serve":
        from codecot_mcp.server.transport import serve

        serve(
            args.repo,
            getattr(args, "transport", "stdio"),
            host=getattr(args, "host", "127.0.0.1"),
            port=getattr(args, "port", 8000),
            allow_remote=getattr(args, "allow_remote", False),
            allowed_hosts=getattr(args, "allowed_host", []),
        )
        return 0
    if command == "doctor":
        return _doctor(args)
    if command == "index":
        return _index(args)
    if command == "approve":
        from codecot_mcp.cli.approve import run_approve

        return run_approve(args)
    if command == "ci":
        from codecot_mcp.cli.ci import run_ci

        return run_ci(args)
    if command == "hook":
        from codecot_mcp.cli.hook import run_hook

        return run_hook(args.event, args.repo)
    if command == "run":
        from codecot_mcp.cli.runner import run_runner

        return run_runner(args)
    if command in ("init", "task"):
        from codecot_mcp.cli.hosts import run_init, run_task

        return run_init(args) if command == "init" else run_task(args)
    from codecot_mcp.cli.operations import run_operation

    return run_operation(args)


def _index(args: argparse.Namespace) -> int:
    """Warm the index cache ahead of the first tool call (a cold index of a large repo takes seconds)."""
    from codecot_mcp.cli.render import progress_reporter
    from codecot_mcp.services.run import Run
    from codecot_mcp.services.workspace import Workspace

    ws = Workspace(args.repo)
    try:
        stats = ws.index(Run(progress_reporter() if sys.stderr.isatty() else None)).last_stats
    finally:
        ws.close()
    if stats is not None:
        print(
            f"indexed {stats.files:,} files: {stats.parsed:,} parsed, {stats.reused:,} reused, "
            f"{stats.removed:,} removed, in {stats.seconds:.2f} s"
        )
    return 0


def _doctor(args: argparse.Namespace) -> int:
    """The doctor runs before any Workspace: it must also work where no repository is found."""
    import shutil

    if shutil.which("git") is None:
        # GitPython refuses to import without git; let the doctor say so instead of a traceback.
        os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    from codecot_mcp.cli.render import doctor_text
    from codecot_mcp.services.doctor import diagnose

    report = diagnose(args.repo)
    print(report.model_dump_json(indent=2) if args.format == "json" else doctor_text(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
