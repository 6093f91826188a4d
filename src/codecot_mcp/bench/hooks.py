"""How long a host waits for a hook: the decision before an edit and before a stop.

The hook runs as its own process on every edit, so the figure that matters is the
whole process, started as a host starts it (the console script), on a copy of the
sample repository with an active task. Warm: the first run of each case is dropped.
A stop is timed twice: before the task's change is validated, and once the demo's
change has a current `pass` (every record checked against the event log, the diff
digest taken again), which is the stop a finished agent makes.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from codecot_mcp.cli.demo import prepare_sample_repo
from codecot_mcp.data import data_dir

LONG_LOG_EVENTS = 20_000  # about 4 MB of log


@dataclass
class HookTimes:
    runs: int
    ms: dict[str, list[float]] = field(default_factory=dict)  # case -> wall times of the warm runs
    exits: dict[str, set[int]] = field(default_factory=dict)


def hook_command() -> list[str]:
    """The console script beside this Python (what `codecot-mcp` on PATH is), else the module."""
    script = Path(sys.executable).with_name("codecot-mcp")
    return [str(script)] if script.exists() else [sys.executable, "-m", "codecot_mcp"]


def run(runs: int) -> HookTimes:
    from codecot_mcp.services.hooks import set_active_task
    from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC, SCOPE_TASK
    from codecot_mcp.services.workspace import Workspace

    demo = data_dir("examples") / "demo"
    with tempfile.TemporaryDirectory(prefix="codecot-hooks-") as tmp:
        repo = Path(tmp) / "repo"
        prepare_sample_repo(data_dir("examples") / "sample-repo", repo)
        ws = Workspace(repo)
        try:
            discussion = (demo / "discussion.txt").read_text(encoding="utf-8")
            intent = CAPTURE_INTENT.invoke(ws, discussion=discussion).intent
            spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
            task = SCOPE_TASK.invoke(ws, spec_id=spec.id).tasks[0]
            ws.index()
        finally:
            ws.close()
        set_active_task(repo, task.id)
        inside = next(p for p in task.allowed_paths if (repo / p).is_file())
        cases: dict[str, dict[str, object]] = {
            "edit in scope": _edit(repo, inside),
            "edit out of scope": _edit(repo, "README.md"),
            "shell command": {"cwd": str(repo), "tool_input": {"command": "python -m pytest -q > out.txt"}},
        }
        times = HookTimes(runs)
        for name, payload in cases.items():
            _time(times, name, "PreToolUse", [payload] * (runs + 1))
        stops: list[dict[str, object]] = [{"cwd": str(repo), "session_id": f"s{n}"} for n in range(runs + 1)]
        _time(times, "stop (no pass yet)", "Stop", stops)  # each session's first stop: judged in full
        _pass(repo, demo / "change.patch", task.id)
        passed = [{**stop, "session_id": f"p{n}"} for n, stop in enumerate(stops)]
        _time(times, "stop (current pass)", "Stop", passed)  # the full check: records, then the diff
        _lengthen_log(repo, LONG_LOG_EVENTS)
        long_log = f"{LONG_LOG_EVENTS:,} earlier events"
        _time(times, f"edit in scope ({long_log})", "PreToolUse", [cases["edit in scope"]] * (runs + 1))
        passed = [{**stop, "session_id": f"l{n}"} for n, stop in enumerate(stops)]
        _time(times, f"stop (current pass, {long_log})", "Stop", passed)
        shutil.rmtree(repo, ignore_errors=True)
    return times


def _lengthen_log(repo: Path, events: int) -> None:
    """Put `events` older events (other tasks' validations) before the log's own, chained anew:
    the log of a repository that has seen a few thousand tasks."""
    from codecot_mcp.store.ledger import line_hash

    log = repo / ".codecot" / "events.jsonl"
    older = [
        {
            "ts": "2026-01-01T00:00:00Z",
            "kind": "validation.created",
            "id": f"VAL-{10_000 + n}",
            "detail": {"task": f"TASK-{1_000 + n // 4}", "verdict": "pass", "digest": f"{n:016x}"},
        }
        for n in range(events)
    ]
    lines, prev = [], ""
    for event in [*older, *(json.loads(line) for line in log.read_text(encoding="utf-8").splitlines())]:
        line = json.dumps({**event, "prev": prev}, separators=(",", ":"))
        lines.append(line)
        prev = line_hash(line)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pass(repo: Path, patch: Path, task_id: str) -> None:
    """Apply the demo's change and validate it: the task then has a current `pass`."""
    from codecot_mcp.services.operations import VALIDATE_CHANGE
    from codecot_mcp.services.workspace import Workspace

    subprocess.run(["git", "apply", str(patch)], cwd=repo, check=True, capture_output=True)  # noqa: S603, S607
    ws = Workspace(repo)
    try:
        verdict = VALIDATE_CHANGE.invoke(ws, task_id=task_id).validation.verdict
    finally:
        ws.close()
    if verdict != "pass":
        raise RuntimeError(f"the demo's change should pass its task, got {verdict}")


def _edit(repo: Path, path: str) -> dict[str, object]:
    return {"cwd": str(repo), "tool_name": "Edit", "tool_input": {"file_path": str(repo / path)}}


def hook_env() -> dict[str, str]:
    """The environment a host gives the hook: this one, but with bytecode caching on, as in a
    normal install (with PYTHONDONTWRITEBYTECODE set, every run would compile Codecot's modules
    from source again, a cost no installed copy pays after its first run)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(times: HookTimes, name: str, event: str, payloads: list[dict[str, object]]) -> None:
    command = [*hook_command(), "hook", event]
    env = hook_env()
    for n, payload in enumerate(payloads):
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 (a fixed argument list)
            command,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env=env,
        )
        elapsed = (time.perf_counter() - started) * 1000
        times.exits.setdefault(name, set()).add(done.returncode)
        if n:  # the first run warms the file cache
            times.ms.setdefault(name, []).append(elapsed)


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98] if len(values) > 1 else values[0]


def render(times: HookTimes) -> str:
    lines = [
        f"Hook decisions, {times.runs} warm runs each, the whole process as a host starts it:",
        "",
        "| case | exit codes | p50 ms | p99 ms |",
        "| --- | --- | --- | --- |",
    ]
    for name, values in times.ms.items():
        codes = ", ".join(map(str, sorted(times.exits[name])))
        lines.append(f"| {name} | {codes} | {statistics.median(values):.0f} | {_p99(values):.0f} |")
    return "\n".join(lines)
