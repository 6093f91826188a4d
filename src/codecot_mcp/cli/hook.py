"""`codecot-mcp hook EVENT`: a host's hook (Claude Code, Codex), answered in its contract.

The host's JSON comes on stdin. A block exits 2 with the reason on stderr, which both
hosts hand to the model; a note goes to stdout as `{"systemMessage": ...}`, and nothing
else is ever written there. Before an edit and before a stop the hook fails closed: an
unreadable payload or a crash blocks (exit 2) and says what went wrong. After an edit it
cannot undo anything, so a failure there is a warning (exit 1).
"""

from __future__ import annotations

import json
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Host event names, and the short ones a person may type.
EVENTS = {
    "PreToolUse": "edit",
    "pre-edit": "edit",
    "PostToolUse": "edited",
    "post-edit": "edited",
    "Stop": "stop",
    "SubagentStop": "stop",
    "stop": "stop",
}


def add_hook_command(sub: Any) -> None:
    hook = sub.add_parser(
        "hook", help="answer a host's hook (JSON on stdin): hold the agent to its active task"
    )
    hook.add_argument("event", choices=sorted(EVENTS), metavar="EVENT", help="PreToolUse, PostToolUse, Stop")


def run_hook(event: str, repo: str) -> int:
    kind = EVENTS[event]
    try:
        payload = json.loads(sys.stdin.read() or "{}")
        if not isinstance(payload, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        return _failed(kind, f"could not read the host's hook payload ({exc})")
    try:
        return _answer(kind, payload, repo)
    except Exception as exc:  # fail closed: any crash blocks, with what went wrong
        return _failed(kind, f"{type(exc).__name__}: {exc}")


def _answer(kind: str, payload: dict[str, Any], repo: str) -> int:
    from codecot_mcp.services import hooks

    cwd = payload.get("cwd")
    start = cwd if isinstance(cwd, str) and cwd else repo
    root = hooks.find_root(start)
    if root is None:
        return 0  # not in a git work tree: nothing of Codecot's to hold
    session = str(payload.get("session_id") or "")
    if kind == "edited":
        hooks.refresh_index(root)
        return 0
    if kind == "stop":
        decision = hooks.check_stop(root, continued=bool(payload.get("stop_hook_active")), session=session)
    else:
        paths = hooks.edited_paths(payload.get("tool_input"))
        if not paths:
            return 0
        decision = hooks.check_edit(root, paths, session)
    if decision.block:
        print(decision.reason, file=sys.stderr)
        return 2
    if decision.note:
        print(json.dumps({"systemMessage": decision.note}))
    return 0


def _failed(kind: str, what: str) -> int:
    if kind == "edited":
        print(f"Codecot's hook failed after the edit: {what}", file=sys.stderr)
        return 1
    print(
        f"Codecot's hook failed, so it blocks: {what}. Tell the user; `codecot-mcp doctor` checks the "
        "setup, and removing the hook from the host's settings turns it off.",
        file=sys.stderr,
    )
    return 2
