"""`codecot-mcp demo`: the whole workflow on a sample repository, through a real MCP client.

The sample repository from `examples/sample-repo` is copied to a temp folder and
committed; a Codecot server is started over stdio as a host would start it; the
demo then plays the agent: discussion -> intent -> spec -> task -> context pack
-> the prepared change (`examples/demo/change.patch`) -> validation -> PR draft.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from codecot_mcp.data import data_dir
from codecot_mcp.domain.models import SECTION_FIELDS
from codecot_mcp.errors import CodecotError
from codecot_mcp.intel.gitrepo import init_and_commit


def run_demo(keep: bool = False, out: Any = None) -> int:
    stream = out or sys.stdout
    examples = data_dir("examples")
    tmp = Path(tempfile.mkdtemp(prefix="codecot-demo-"))
    repo = tmp / "inventory"
    try:
        prepare_sample_repo(examples / "sample-repo", repo)
        ok = anyio.run(_drive, repo, examples / "demo", stream)
    finally:
        if keep:
            print(f"\nThe sample repository is kept at {repo}", file=stream)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


def prepare_sample_repo(source: Path, repo: Path) -> None:
    shutil.copytree(source, repo)
    init_and_commit(repo, "Sample repo")


def _git(repo: Path, args: list[str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
            ["git", *args],  # noqa: S607 (git found on PATH, as the user runs it)
            cwd=repo,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise CodecotError(
            f"git {' '.join(args)} failed: {detail.strip()}", hint="is git installed?"
        ) from None
    return done.stdout


class _Printer:
    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.step = 0
        self.started = time.perf_counter()

    def head(self, title: str) -> None:
        self.step += 1
        print(f"\n== {self.step}. {title}", file=self.stream)

    def line(self, text: str = "", indent: int = 3) -> None:
        for part in text.splitlines() or [""]:
            print(" " * indent + part, file=self.stream)

    def wrap(self, text: str, indent: int = 5) -> None:
        self.line(textwrap.fill(text, width=100 - indent, subsequent_indent="  "), indent)


async def _call(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    if result.is_error or result.structured_content is None:
        text = (
            result.content[0].text if result.content and hasattr(result.content[0], "text") else "no content"
        )
        raise CodecotError(f"{name} failed: {text}")
    return dict(result.structured_content)


async def _drive(repo: Path, demo: Path, stream: Any) -> bool:
    p = _Printer(stream)
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "codecot_mcp", "--repo", str(repo)], cwd=str(repo)
    )
    async with Client(params) as client:
        tools = await client.list_tools()
        p.head(f"Connected to Codecot over stdio (protocol {client.protocol_version})")
        p.line(f"tools: {', '.join(t.name for t in tools.tools)}")
        intent = await _intent(client, p, (demo / "discussion.txt").read_text(encoding="utf-8"))
        spec = await _spec(client, p, intent["id"])
        task = await _task(client, p, spec["id"])
        await _pack(client, p, task["id"])
        p.head("The agent changes the code (examples/demo/change.patch)")
        _git(repo, ["apply", str(demo / "change.patch")])
        p.line(_git(repo, ["status", "--short"]).rstrip(), indent=5)
        validation = await _validation(client, p, task["id"])
        p.head("Validation -> PR draft (draft_pr)")
        draft = await _call(client, "draft_pr", {"task_id": task["id"]})
        p.line(f"title: {draft['title']}  (ready: {draft['ready']})")
        p.line(draft["body"].rstrip(), indent=5)
        status = await _call(client, "workflow_status", {})
        p.head("Workflow status")
        for item in status["intents"] + status["specs"] + status["tasks"]:
            p.line(f"{item['id']:<8} {item['state']}")
        p.line(f"next: {status['next_action']}")
        elapsed = time.perf_counter() - p.started
        p.head(f"Done in {elapsed:.1f}s: verdict {validation['verdict']}, PR ready: {draft['ready']}")
        summary = {"verdict": validation["verdict"], "ready": draft["ready"], "seconds": round(elapsed, 2)}
        p.line(json.dumps(summary))
        return bool(draft["ready"])


async def _intent(client: Client, p: _Printer, discussion: str) -> dict[str, Any]:
    p.head("Discussion -> intent (capture_intent)")
    p.line(discussion.strip(), indent=5)
    result = await _call(
        client, "capture_intent", {"discussion": discussion, "source": "team chat", "ask_user": False}
    )
    intent: dict[str, Any] = result["intent"]
    p.line(f"{intent['id']} '{intent['title']}' stored in {result['path']}")
    for section in SECTION_FIELDS:
        for item in intent[section]:
            src = item.get("source") or {}
            p.wrap(f"{item['id']:<4} {section:<18} {item['text']}  [L{src.get('start_line', '?')}]")
    for link in intent["links"]:
        symbol = f" ({link['symbol']})" if link["symbol"] else ""
        p.line(f"link: '{link['text']}' -> {link['path']}{symbol}", 5)
    return intent


async def _spec(client: Client, p: _Printer, intent_id: str) -> dict[str, Any]:
    p.head("Intent -> spec (draft_spec)")
    result = await _call(client, "draft_spec", {"intent_id": intent_id})
    spec: dict[str, Any] = result["spec"]
    p.line(f"{spec['id']} revision {spec['revision']} stored in {result['path']}")
    for req in spec["requirements"]:
        p.wrap(f"{req['id']} {req['title']}")
        for criterion in req["criteria"]:
            p.wrap(f"  {criterion['id']}: {criterion['text']}", indent=7)
    for affected in spec["affected_code"]:
        p.line(f"affected: {affected['path']} {affected.get('symbol') or ''} — {affected['reason']}", 5)
    for finding in result["findings"]:
        p.wrap(f"lint {finding['level']}: {finding['path']}: {finding['message']}")
    return spec


async def _task(client: Client, p: _Printer, spec_id: str) -> dict[str, Any]:
    p.head("Spec -> scoped task (scope_task)")
    result = await _call(client, "scope_task", {"spec_id": spec_id})
    task: dict[str, Any] = result["tasks"][0]
    p.line(f"{task['id']} '{task['title']}' requirements {', '.join(task['requirement_ids'])}")
    p.line(f"allowed: {', '.join(task['allowed_paths'])}", 5)
    budget = task["budget"]
    p.line(
        f"checks: {', '.join(task['checks'])}; budget {budget['max_files']} files, "
        f"{budget['max_lines']} lines; base {task['base_commit'][:10]}",
        5,
    )
    return task


async def _pack(client: Client, p: _Printer, task_id: str) -> None:
    p.head("Task -> context pack (context_pack)")
    pack = await _call(client, "context_pack", {"task_id": task_id, "token_budget": 1500})
    p.line(f"{len(pack['spans'])} spans, {pack['tokens_used']}/{pack['token_budget']} tokens")
    for ranked in pack["files"][:4]:
        p.wrap(f"{ranked['score']:.2f} {ranked['path']} — {'; '.join(ranked['reasons'][:2])}")


async def _validation(client: Client, p: _Printer, task_id: str) -> dict[str, Any]:
    p.head("Change -> validation (validate_change: real diff, checks run by Codecot)")
    result = await _call(client, "validate_change", {"task_id": task_id})
    validation: dict[str, Any] = result["validation"]
    p.line(
        f"{validation['id']}: verdict {validation['verdict'].upper()}, task is now {result['task_status']}"
    )
    for reason in validation["reasons"]:
        p.wrap(f"- {reason['message']}")
    for changed in validation["files"]:
        scope = "in scope" if changed["in_scope"] else "OUT OF SCOPE"
        p.line(
            f"{changed['status']:<9} {changed['path']} +{changed['added']}/-{changed['deleted']} "
            f"{scope} {changed['symbols']}",
            5,
        )
    for check in validation["checks"]:
        outcome = "passed" if check["passed"] else "FAILED"
        p.line(f"check {check['name']}: {outcome} ({check['duration_s']:.2f}s)", 5)
    return validation
