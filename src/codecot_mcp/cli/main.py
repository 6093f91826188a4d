"""`codecot-mcp`: serve MCP (stdio by default, or HTTP), or run a service for people and CI.

Exit codes: 0 success (for `validate`: pass or warn), 1 a failing verdict or a
failing doctor check, 2 a usage or repository error. Results go to stdout,
diagnostics to stderr; when serving, stdout belongs to the protocol alone.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from codecot_mcp import __version__
from codecot_mcp.errors import CodecotError

EPILOG = """examples:
  codecot-mcp --repo .                      serve MCP over stdio (what an MCP host runs)
  codecot-mcp serve --transport http --port 8765   Streamable HTTP at http://127.0.0.1:8765/mcp
  codecot-mcp status                        where every intent, spec and task stands
  codecot-mcp pack "csv export times out"   the code to read for a question
  codecot-mcp --repo . validate TASK-1      exit 1 when the verdict is 'fail'
  codecot-mcp demo                          the whole workflow on a sample repository
  codecot-mcp doctor                        check Python, git, grammars and config; say what to fix
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codecot-mcp",
        description="Codecot: a deterministic MCP server for the discussion-to-PR workflow.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--repo", type=Path, default=Path("."), help="repository (default: current directory)"
    )
    parser.add_argument("--version", action="version", version=f"codecot-mcp {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

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

    status = sub.add_parser("status", help="where every intent, spec and task stands, and the next action")
    status.add_argument("--format", choices=("text", "json"), default="text")

    pack = sub.add_parser("pack", help="a context pack for a free-text query or a task")
    pack.add_argument("query", nargs="?", help="free text, e.g. an issue title or a stack trace")
    pack.add_argument("--task", help="a task ID, e.g. TASK-1")
    pack.add_argument("--budget", type=int, help="token budget (default from config)")
    pack.add_argument("--format", choices=("text", "json"), default="text")

    validate = sub.add_parser("validate", help="validate the change of a task; exit 1 on 'fail'")
    validate.add_argument("task", help="a task ID, e.g. TASK-1")
    validate.add_argument("--base", help="base revision (default: the task's base commit)")
    validate.add_argument("--head", help="head revision (default: the working tree)")
    validate.add_argument("--rationale", help="why out-of-scope edits were needed")
    validate.add_argument("--format", choices=("text", "json", "markdown"), default="text")

    pr = sub.add_parser("pr", help="draft a pull request title and body for a task")
    pr.add_argument("task", help="a task ID, e.g. TASK-1")
    pr.add_argument("--format", choices=("markdown", "json"), default="markdown")

    bench = sub.add_parser("bench", help="benchmarks the project ships")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="BENCH", required=True)
    localize = bench_sub.add_parser(
        "localize", help="context pack vs BM25 on SWE-bench-style localization tasks"
    )
    localize.add_argument("--tasks", type=Path, required=True, help="JSONL tasks (swebench_dev.jsonl format)")
    localize.add_argument("--trees", type=Path, required=True, help="folder of trees, one per instance_id")
    localize.add_argument("--ids", nargs="*", default=[], help="only these instance IDs")
    localize.add_argument("--repos", nargs="*", default=[], help="only these repos (OWNER/NAME)")
    localize.add_argument("--limit", type=int, help="at most this many tasks")
    localize.add_argument("--json", type=Path, help="also write per-task results here")

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

    doctor = sub.add_parser("doctor", help="check the environment and say what to fix; exit 1 on a failure")
    doctor.add_argument("--format", choices=("text", "json"), default="text")

    demo = sub.add_parser("demo", help="run the whole workflow on a sample repository over stdio")
    demo.add_argument("--keep", action="store_true", help="keep the temporary repository and print its path")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
    if command == "doctor" and shutil.which("git") is None:
        # GitPython refuses to import without git; let the doctor say so instead of a traceback.
        os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

    from codecot_mcp.cli.commands import run_service

    return run_service(command, args)


if __name__ == "__main__":
    sys.exit(main())
