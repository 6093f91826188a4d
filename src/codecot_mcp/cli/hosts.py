"""`codecot-mcp init --host claude-code|codex` and `codecot-mcp task use|clear|show`.

`init` writes the host's hook settings (and, for Claude Code, its project MCP config)
for the repository, merged into what is there: a person's own hooks and servers stay.
The settings come from `host_settings`, the one place they are written down; the
files under `examples/` are the same settings, and a test keeps them equal.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

HOOK_COMMAND = "codecot-mcp hook"
EDIT_TOOLS = "Edit|MultiEdit|Write|NotebookEdit|Bash"  # Claude Code's tools that write files
# Where each host reads its settings, relative to the repository.
SETTINGS_FILE = {"claude-code": ".claude/settings.json", "codex": ".codex/hooks.json"}
MCP_CONFIG = {"mcpServers": {"codecot": {"command": "codecot-mcp", "args": ["--repo", "."]}}}


def host_settings(host: str) -> dict[str, Any]:
    """The hook settings for `host`: before an edit, after it, and before a stop."""
    edit_matcher = EDIT_TOOLS if host == "claude-code" else ""  # Codex: every tool, the hook reads the input

    def command(event: str, timeout: int) -> list[dict[str, Any]]:
        return [{"type": "command", "command": f"{HOOK_COMMAND} {event}", "timeout": timeout}]

    return {
        "hooks": {
            "PreToolUse": [{"matcher": edit_matcher, "hooks": command("PreToolUse", 10)}],
            "PostToolUse": [{"matcher": edit_matcher, "hooks": command("PostToolUse", 60)}],
            "Stop": [{"hooks": command("Stop", 120)}],
        }
    }


def add_host_commands(sub: Any) -> None:
    init = sub.add_parser("init", help="install the host's hooks (and MCP config) for this repository")
    init.add_argument("--host", choices=sorted(SETTINGS_FILE), required=True)
    task = sub.add_parser("task", help="the active task of this work tree, which the hooks hold the agent to")
    task.add_argument("action", choices=("use", "clear", "show"))
    task.add_argument("task_id", nargs="?", help="with use: a task ID, e.g. TASK-3")


def run_init(args: argparse.Namespace) -> int:
    from codecot_mcp.intel.gitrepo import find_repo_root

    root = find_repo_root(Path(args.repo))
    written = [_merge(root / SETTINGS_FILE[args.host], host_settings(args.host))]
    if args.host == "claude-code":
        written.append(_merge(root / ".mcp.json", MCP_CONFIG))
    for path in written:
        print(f"wrote {path.relative_to(root).as_posix()}")
    if args.host == "codex":
        print("add the MCP server to Codex with: codex mcp add codecot -- codecot-mcp --repo .")
    if shutil.which("codecot-mcp") is None:
        print("codecot-mcp is not on PATH: the host cannot run the hooks until it is", file=sys.stderr)
    print("make a task active with: codecot-mcp task use TASK-N")
    return 0


def _merge(path: Path, wanted: dict[str, Any]) -> Path:
    """Add `wanted` to the JSON file at `path`: hook entries not yet there, servers by name."""
    from codecot_mcp.errors import InvalidInputError
    from codecot_mcp.store.fsio import atomic_write_text

    try:
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError as exc:
        raise InvalidInputError(f"{path.name} is not valid JSON ({exc}); fix it, run init again") from None
    if not isinstance(current, dict):
        raise InvalidInputError(f"{path.name} is not a JSON object; fix it, then run init again")
    for event, entries in wanted.get("hooks", {}).items():
        have = current.setdefault("hooks", {}).setdefault(event, [])
        have += [entry for entry in entries if entry not in have]
    for name, server in wanted.get("mcpServers", {}).items():
        current.setdefault("mcpServers", {})[name] = server
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(current, indent=2) + "\n")
    return path


def run_task(args: argparse.Namespace) -> int:
    from codecot_mcp.domain.ids import normalize_id
    from codecot_mcp.intel.gitrepo import find_repo_root
    from codecot_mcp.services.hooks import active_task, set_active_task
    from codecot_mcp.services.workspace import Workspace
    from codecot_mcp.store.artifacts import TASKS

    root = find_repo_root(Path(args.repo))
    if args.action == "show":
        active = active_task(root)
        print(active.task_id if active else "no active task")
        return 0
    if args.action == "clear":
        set_active_task(root, None)
        print("no active task")
        return 0
    if not args.task_id:
        print("codecot-mcp: error: name the task, e.g. codecot-mcp task use TASK-3", file=sys.stderr)
        return 2
    ws = Workspace(root)
    try:
        task = ws.store.load(TASKS, normalize_id(args.task_id, "task"))
    finally:
        ws.close()
    set_active_task(root, task.id)
    print(f"{task.id} is the active task of this work tree: {task.title}")
    return 0
