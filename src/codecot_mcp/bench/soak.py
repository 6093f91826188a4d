"""A long session: thousands of mixed calls over one stdio connection, as an agent makes them.

The server runs as a real subprocess (the console script, as a host starts it) on a
copy of the sample repository. Every call must succeed or fail as a tool error the
model can act on; latency is reported per call kind (p50, p99) and the server's
resident memory is read from /proc at the start, after a warm-up and at the end, so
growth beyond the bounded caches shows. Linux only, for /proc.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from codecot_mcp.cli.demo import prepare_sample_repo
from codecot_mcp.data import data_dir

WARM_UP_SHARE = 0.1  # memory "after warm-up" is read once this share of calls is done
QUERIES = (
    "csv export of the report times out",
    "low stock items are missing from the report",
    "Traceback: KeyError 'quantity' in inventory/report.py",
    "add a total row",
    "stock levels",
)


@dataclass
class SoakResult:
    calls: int
    errors: list[str] = field(default_factory=list)
    tool_errors: int = 0
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    rss_kib: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def server_pid(command: str) -> int | None:
    """The pid of our child process running `command` (the MCP SDK does not expose it)."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields[1] == me and command.encode() in cmdline:
            return int(stat.parent.name)
    return None


def rss_kib(pid: int | None) -> int:
    if pid is None:
        return 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _plan(calls: int, seed: int) -> list[str]:
    """The call mix: mostly reads, as an agent's session is, with writes spread through."""
    kinds = {
        "context_pack": 30,
        "workflow_status": 20,
        "read_resource": 15,
        "list_tools": 5,
        "list_resources": 5,
        "capture_intent": 10,
        "draft_spec": 5,
        "draft_pr": 5,
        "validate_change": 3,
        "bad_arguments": 2,
    }
    rng = random.Random(seed)  # noqa: S311 (seeded for a reproducible workload, not for secrets)
    return rng.choices(list(kinds), weights=list(kinds.values()), k=calls)


async def _session(repo: Path, calls: int, seed: int, result: SoakResult) -> None:
    command = str(Path(sys.executable).parent / "codecot-mcp")
    params = StdioServerParameters(command=command, args=["--repo", str(repo)])
    rng = random.Random(seed)  # noqa: S311 (seeded for a reproducible workload, not for secrets)
    discussion = (data_dir("examples") / "demo" / "discussion.txt").read_text(encoding="utf-8")
    async with Client(params) as client:
        pid = server_pid(command)
        result.rss_kib["start"] = rss_kib(pid)
        intent = await client.call_tool("capture_intent", {"discussion": discussion, "ask_user": False})
        spec = await client.call_tool("draft_spec", {"intent_id": "INT-1"})
        task = await client.call_tool("scope_task", {"spec_id": "SPEC-1"})
        for setup in (intent, spec, task):
            if setup.is_error:
                result.errors.append(f"setup failed: {setup.content}")
                return

        def tool(name: str, args: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
            return lambda: client.call_tool(name, args)

        actions: dict[str, Callable[[], Callable[[], Awaitable[Any]]]] = {
            "context_pack": lambda: tool(
                "context_pack", {"query": rng.choice(QUERIES), "token_budget": 2000}
            ),
            "workflow_status": lambda: tool("workflow_status", {}),
            "read_resource": lambda: (
                lambda: client.read_resource(
                    rng.choice(["codecot://status", "codecot://tasks/TASK-1", "codecot://intents/INT-1"])
                )
            ),
            "list_tools": lambda: client.list_tools,
            "list_resources": lambda: client.list_resources,
            "capture_intent": lambda: tool("capture_intent", {"discussion": discussion, "ask_user": False}),
            "draft_spec": lambda: tool("draft_spec", {"intent_id": "INT-1"}),
            "draft_pr": lambda: tool("draft_pr", {"task_id": "TASK-1"}),
            "validate_change": lambda: tool("validate_change", {"task_id": "TASK-1"}),
            "bad_arguments": lambda: tool("draft_pr", {"task_id": "../../etc/passwd"}),
        }
        plan = _plan(calls, seed)
        for number, kind in enumerate(plan, start=1):
            started = time.perf_counter()
            try:
                outcome = await actions[kind]()()
            except Exception as exc:  # the soak records every failure, whatever it is
                result.errors.append(f"call {number} ({kind}): {type(exc).__name__}: {exc}")
                continue
            result.latencies_ms.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            if getattr(outcome, "is_error", False):
                result.tool_errors += 1
                if kind != "bad_arguments" and kind != "draft_pr":
                    result.errors.append(f"call {number} ({kind}): tool error {outcome.content}")
            if number == int(calls * WARM_UP_SHARE):
                result.rss_kib["after warm-up"] = rss_kib(pid)
        result.rss_kib["end"] = rss_kib(pid)


def run(calls: int = 2000, seed: int = 7, keep: bool = False) -> SoakResult:
    workdir = Path(tempfile.mkdtemp(prefix="codecot-soak-"))
    repo = workdir / "inventory"
    prepare_sample_repo(data_dir("examples") / "sample-repo", repo)
    result = SoakResult(calls=calls)
    started = time.perf_counter()
    try:
        anyio.run(_session, repo, calls, seed, result)
    finally:
        result.seconds = time.perf_counter() - started
        if keep:
            print(f"soak repository kept at {repo}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def render(result: SoakResult) -> str:
    every = [v for values in result.latencies_ms.values() for v in values]
    lines = [
        f"{result.calls} calls over one stdio session in {result.seconds:.1f} s; "
        f"{len(result.errors)} errors; {result.tool_errors} tool errors (expected: the bad-argument "
        "calls and draft_pr before a validation)",
        "",
        "| call | n | p50 ms | p99 ms | max ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind, values in sorted(result.latencies_ms.items()):
        lines.append(
            f"| {kind} | {len(values)} | {statistics.median(values):.1f} | {_percentile(values, 0.99):.1f} "
            f"| {max(values):.1f} |"
        )
    if every:
        lines.append(
            f"| all | {len(every)} | {statistics.median(every):.1f} | {_percentile(every, 0.99):.1f} "
            f"| {max(every):.1f} |"
        )
    lines += [
        "",
        "server memory (RSS): " + ", ".join(f"{k} {v / 1024:.1f} MB" for k, v in result.rss_kib.items()),
    ]
    lines += [f"error: {e}" for e in result.errors[:20]]
    return "\n".join(lines)
