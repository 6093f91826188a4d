"""The workflow benchmark: can an agent that knows only the issue and the hints reach a PR?

`bench localize` scores the ranking alone. This plays the whole path the way an
agent meets it: a real MCP client starts Codecot over stdio on a throwaway copy
of each task's tree, sends the issue text to `capture_intent`, then makes only
the calls the results suggest (`next_call`) until a task exists. It reads the
task's context pack (and, for comparison only, a pack for the issue text), applies
the gold patch and its tests as the agent's change, validates and drafts the PR.

It counts what the agent pays (calls, tokens, bytes on the wire) and where the
hints lead nowhere (dead ends), and scores what the artifacts got right against
the gold patch: goals found, titles that are only a template heading, gold files
among the spec's affected code and inside the task's scope, how wide the scope
is, whether the packs find and show the lines the fix changed, and the verdict.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult

import codecot_mcp
from codecot_mcp.bench.localize import BenchTask, all_gold_in_top, code_spans, load_tasks
from codecot_mcp.domain.models import ContextPack
from codecot_mcp.domain.scope import classify_path
from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel.gitrepo import init_and_commit
from codecot_mcp.intel.tokens import estimate_tokens
from codecot_mcp.services.operations import OPERATIONS

PACK_BUDGET = 8000
MAX_CALLS_BEFORE_TASK = 12
TASK_TIMEOUT_S = 600.0
TOOLS = tuple(operation.name for operation in OPERATIONS)
# Headings issue templates put first; a title that is only one of them says nothing.
TEMPLATE_HEADINGS = frozenset(
    {
        "description",
        "bug description",
        "describe the bug",
        "describe your issue",
        "summary",
        "bug",
        "bug report",
        "issue",
        "problem",
        "problem description",
        "context",
        "overview",
        "details",
        "motivation",
        "feature request",
        "expected behavior",
        "expected behaviour",
        "actual behavior",
        "actual behaviour",
        "current behavior",
        "current behaviour",
        "steps to reproduce",
        "to reproduce",
        "reproduction",
        "minimal example",
        "code example",
        "code sample",
        "environment",
        "versions",
        "what happened",
        "untitled intent",
    }
)


# ------------------------------------------------------------------ tasks


@dataclass(frozen=True)
class WorkflowTask:
    task: BenchTask
    patch: str
    test_patch: str
    fail_to_pass: tuple[str, ...] = ()
    pass_to_pass: tuple[str, ...] = ()

    @property
    def test_files(self) -> list[str]:
        return changed_files(self.test_patch)


def load_workflow_tasks(
    path: Path, ids: Sequence[str] = (), repos: Sequence[str] = (), limit: int | None = None
) -> list[WorkflowTask]:
    """The localize tasks, with the gold patch and test patch each task's change is made of."""
    tasks = load_tasks(path, ids=ids, repos=repos, limit=limit)
    wanted = {t.instance_id for t in tasks}
    found: dict[str, WorkflowTask] = {}
    by_id = {t.instance_id: t for t in tasks}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            if raw["instance_id"] in wanted:
                found[raw["instance_id"]] = WorkflowTask(
                    by_id[raw["instance_id"]],
                    raw.get("patch", ""),
                    raw.get("test_patch", ""),
                    tuple(_ids(raw.get("FAIL_TO_PASS"))),
                    tuple(_ids(raw.get("PASS_TO_PASS"))),
                )
    return [found[t.instance_id] for t in tasks]


def _ids(value: Any) -> list[str]:
    """Test ids as the dataset stores them: a list, or a JSON string of one."""
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else [value]
    return [str(v) for v in value or []]


def changed_files(patch: str) -> list[str]:
    """The files a unified git diff writes (the `b/` side)."""
    return [m.group(2) for m in re.finditer(r"^diff --git a/(\S+) b/(\S+)$", patch, re.MULTILINE)]


# ------------------------------------------------------------------ results


@dataclass
class PackResult:
    ranked: list[str]
    shown_lines: int  # gold hunk lines inside spans that show code (not outlines)
    tokens: int


@dataclass
class WorkflowResult:
    instance_id: str
    repo: str
    gold_files: list[str]
    test_files: list[str]
    hunk_lines: int
    calls: int = 0
    request_tokens: int = 0
    result_tokens: int = 0
    wire_bytes: int = 0
    trail: list[str] = field(default_factory=list)
    dead_end: str | None = None
    error: str | None = None
    intent_title: str = ""
    intent_goals: int = 0
    affected_paths: list[str] = field(default_factory=list)
    task_id: str | None = None
    allowed_paths: list[str] = field(default_factory=list)
    forbidden_paths: list[str] = field(default_factory=list)
    new_file_folders: list[str] = field(default_factory=list)
    nearby_paths: list[str] = field(default_factory=list)
    new_files: list[str] = field(default_factory=list)  # gold and test files the tree lacks at the base
    allowed_files: int | None = None
    task_pack: PackResult | None = None
    query_pack: PackResult | None = None
    verdict: str | None = None
    reason_codes: list[str] = field(default_factory=list)
    reason_subjects: dict[str, list[str]] = field(default_factory=dict)  # code -> its first subjects
    checks: list[str] = field(default_factory=list)  # e.g. "tests: failed, exit 2, 3.1s"
    pr_ready: bool | None = None
    env: str | None = None  # with --envs: the test environment's key, or None when none was built
    fail_to_pass: list[str] = field(default_factory=list)  # as the validation found them
    attacks: dict[str, str] = field(default_factory=dict)  # attack -> verdict (with --attacks)
    # a gold change held for a person (base tests it rewrites, a widened scope): the verdict
    # after `codecot-mcp approve`, run as a person would; None when nothing was held
    approved_verdict: str | None = None
    server_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


# ------------------------------------------------------------------ calls


@dataclass(frozen=True)
class Call:
    tool: str
    arguments: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, tool: str, arguments: dict[str, Any]) -> Call:
        return cls(tool, tuple(sorted(arguments.items())))

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.arguments if k in ("intent_id", "spec_id", "task_id"))
        return f"{self.tool}({args})"


@dataclass
class Outcome:
    call: Call
    error: bool
    data: dict[str, Any]
    text: str


_HINTED_CALL = re.compile(r"\b(" + "|".join(TOOLS) + r")\(([^()]*)\)")
_STRING_ARG = re.compile(r"(\w+)='([^']*)'")


def suggested_call(outcome: Outcome) -> Call | None:
    """The call a result suggests: its `next_call`, else the first call its words name."""
    if "next_call" in outcome.data:
        hinted = outcome.data["next_call"]
        return Call.of(hinted["tool"], dict(hinted.get("arguments") or {})) if hinted else None
    # TEMPORARY: results without a structured `next_call` (a server older than the field,
    # and tool errors, whose only channel is text) are read for a call like
    # draft_spec(intent_id='INT-1') in `next_step` or in the error's hint.
    text = outcome.text if outcome.error else str(outcome.data.get("next_step", ""))
    match = _HINTED_CALL.search(text)
    if not match:
        return None
    return Call.of(match.group(1), dict(_STRING_ARG.findall(match.group(2))))


class ToolCaller(Protocol):
    """What the agent needs of an MCP client (`mcp.Client`, or a scripted one in tests)."""

    async def call_tool(self, name: str, arguments: dict[str, Any] | None = None) -> CallToolResult: ...


class Session:
    """An MCP client session that counts what each call costs on the way in and out."""

    def __init__(self, client: ToolCaller, result: WorkflowResult) -> None:
        self.client = client
        self.result = result

    async def call(self, call: Call, counted: bool = True) -> Outcome:
        arguments = dict(call.arguments)
        reply = await self.client.call_tool(call.tool, arguments)
        text = "".join(getattr(part, "text", "") for part in reply.content)
        if counted:
            self._count(call, arguments, reply, text)
        return Outcome(call, bool(reply.is_error), dict(reply.structured_content or {}), text)

    def _count(self, call: Call, arguments: dict[str, Any], reply: CallToolResult, text: str) -> None:
        request = json.dumps({"name": call.tool, "arguments": arguments})
        result = self.result
        result.calls += 1
        result.request_tokens += estimate_tokens(json.dumps(arguments))
        result.result_tokens += estimate_tokens(text)
        result.wire_bytes += len(request.encode()) + len(reply.model_dump_json(by_alias=True).encode())
        result.trail.append(str(call) + (" -> error" if reply.is_error else ""))


# ------------------------------------------------------------------ the agent


async def follow_hints(session: Session, problem: str) -> str | None:
    """From the issue text to a task by suggested calls only; the task ID, or None at a dead end."""
    call = Call.of("capture_intent", {"discussion": problem, "ask_user": False})
    made: set[Call] = set()
    result = session.result
    while True:
        if result.calls >= MAX_CALLS_BEFORE_TASK:
            result.dead_end = "too-many-calls"
            return None
        outcome = await session.call(call)
        made.add(call)
        record_artifacts(result, outcome.data)
        if result.task_id:
            return result.task_id
        hinted = suggested_call(outcome)
        if hinted and hinted.tool == "context_pack" and dict(hinted.arguments).get("task_id"):
            return str(dict(hinted.arguments)["task_id"])
        result.dead_end = _dead_end(outcome, hinted, made)
        if result.dead_end or hinted is None:
            return None
        call = hinted


def _dead_end(outcome: Outcome, hinted: Call | None, made: set[Call]) -> str | None:
    if hinted is None:
        return "error-without-hint" if outcome.error else "no-next-call"
    if hinted == outcome.call:
        return "same-call-twice"
    if outcome.error and hinted in made:
        return "error-hint-goes-back"
    return None


def record_artifacts(result: WorkflowResult, data: dict[str, Any]) -> None:
    """Keep what the bench scores from an intent, spec or task result."""
    if "intent" in data:
        result.intent_title = data["intent"]["title"]
        result.intent_goals = len(data["intent"]["goals"])
    if "spec" in data:
        result.affected_paths = [a["path"] for a in data["spec"]["affected_code"]]
    if data.get("tasks"):
        task = data["tasks"][0]
        result.task_id = task["id"]
        result.allowed_paths = list(task["allowed_paths"])
        result.forbidden_paths = list(task["forbidden_paths"])
        result.new_file_folders = list(task.get("new_file_folders", []))
        result.nearby_paths = list(task.get("nearby_paths", []))


def _package_root() -> str:
    """Where this bench's own Codecot is imported from: what the processes it starts must run."""
    return str(Path(codecot_mcp.__file__).resolve().parents[1])


def server_params(repo: Path) -> StdioServerParameters:
    """Codecot as a host starts it, running the same code as this bench (not whatever is installed)."""
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "codecot_mcp", "--repo", str(repo)],
        cwd=str(repo),
        env={"PYTHONPATH": _package_root()},
    )


async def play(
    work: WorkflowTask, repo: Path, result: WorkflowResult, errlog: TextIO, attacks: bool = False
) -> None:
    """One task, start to end, through one stdio session; the server's log goes to `errlog`."""
    problem = work.task.problem
    hunks = work.task.gold_hunks
    async with Client(stdio_client(server_params(repo), errlog=errlog)) as client:
        session = Session(client, result)
        task_id = await follow_hints(session, problem)
        query = await session.call(
            Call.of("context_pack", {"query": problem, "token_budget": PACK_BUDGET}), counted=False
        )
        result.query_pack = score_pack(query.data, hunks)
        if task_id is None:
            return
        pack = await session.call(Call.of("context_pack", {"task_id": task_id, "token_budget": PACK_BUDGET}))
        result.task_pack = score_pack(pack.data, hunks)
        apply_patch(repo, work.patch)
        apply_patch(repo, work.test_patch)
        checked = await session.call(Call.of("validate_change", {"task_id": task_id}))
        validation = checked.data.get("validation") or {}
        result.verdict = validation.get("verdict", "error" if checked.error else None)
        result.reason_codes = [r["code"] for r in validation.get("reasons", [])]
        reasons = validation.get("reasons", [])
        result.reason_subjects = {r["code"]: list(r["subjects"])[:8] for r in reasons if r.get("subjects")}
        result.checks = [check_note(c) for c in validation.get("checks", [])]
        result.fail_to_pass = list((validation.get("tests") or {}).get("fail_to_pass", []))
        draft = await session.call(Call.of("draft_pr", {"task_id": task_id}))
        result.pr_ready = bool(draft.data.get("ready")) if not draft.error else None
        if attacks:
            await _attack(session, work, repo, task_id, result)
        held = set(result.reason_codes)
        if result.verdict != "pass" and "out-of-scope" in held:
            held |= await _justify(session, task_id, result)
        if result.verdict != "pass" and HELD_FOR_A_PERSON & held:
            await _approve_as_a_person(session, repo, task_id, result, again="out-of-scope" not in held)


# What `codecot-mcp approve` accepts: base tests the change removed, skipped or rewrote, a
# justified out-of-scope edit, a scope widened when it was scoped, a change over its budget.
HELD_FOR_A_PERSON = frozenset(
    {
        "tests-removed",
        "tests-skipped",
        "base-tests-fail",
        "expectation-changed",
        "out-of-scope-justified",
        "awaiting-approval",
        "over-budget",
    }
)


async def _justify(session: Session, task_id: str, result: WorkflowResult) -> set[str]:
    """What validate_change's hint says to do about out-of-scope edits the fix needs: explain
    them with `rationale` (a call of the agent's, counted); the reason codes it answers with."""
    files = result.reason_subjects.get("out-of-scope", [])
    rationale = "the fix for this issue needs these files too: " + ", ".join(files)
    checked = await session.call(Call.of("validate_change", {"task_id": task_id, "rationale": rationale}))
    return {r["code"] for r in (checked.data.get("validation") or {}).get("reasons", [])}


async def _approve_as_a_person(
    session: Session, repo: Path, task_id: str, result: WorkflowResult, again: bool = True
) -> None:
    """After the attacks (an approval would also accept what they do to the same tests): the
    honest change is validated again (unless `again` is False: its last validation already
    was), so the person reads its verdict (an approval accepts what the task's last
    validation named), approves at the terminal, and it is validated once more."""
    if result.attacks and again:
        await session.call(Call.of("validate_change", {"task_id": task_id}), counted=False)
    command = [sys.executable, "-m", "codecot_mcp", "--repo", str(repo), "approve", task_id, "--yes"]
    done = await anyio.to_thread.run_sync(
        lambda: subprocess.run(  # noqa: S603 (this interpreter, Codecot's own command)
            command,
            cwd=repo,
            env={**os.environ, "PYTHONPATH": _package_root()},
            capture_output=True,
            check=False,
        )
    )
    if done.returncode != 0:
        result.approved_verdict = f"not approved: exit {done.returncode}"
        return
    checked = await session.call(Call.of("validate_change", {"task_id": task_id}), counted=False)
    result.approved_verdict = (checked.data.get("validation") or {}).get("verdict", "error")


# The dishonest changes tried on each task after its honest one (--attacks): each must not pass.
ATTACKS = ("skip the fail-to-pass tests", "delete the fail-to-pass tests", "revert the fix")


async def _attack(
    session: Session, work: WorkflowTask, repo: Path, task_id: str, result: WorkflowResult
) -> None:
    """Each attack on top of the honest change, validated, then undone."""
    for attack in ATTACKS:
        saved = {
            name: (repo / name).read_bytes()
            for name in {*work.test_files, *changed_files(work.patch)}
            if (repo / name).is_file()
        }
        try:
            if attack == "revert the fix":
                apply_patch(repo, work.patch, reverse=True)
            else:
                _disable_tests(repo, work.fail_to_pass, skip=attack.startswith("skip"))
        except (InvalidInputError, OSError) as exc:
            result.attacks[attack] = f"not made: {exc}"[:120]
            continue
        checked = await session.call(Call.of("validate_change", {"task_id": task_id}), counted=False)
        result.attacks[attack] = (checked.data.get("validation") or {}).get("verdict", "error")
        for name, data in saved.items():
            (repo / name).write_bytes(data)


def _disable_tests(repo: Path, ids: Sequence[str], *, skip: bool) -> None:
    """Skip each test (a decorator) or delete it (renamed so it is not collected), by its id."""
    by_file: dict[str, set[str]] = {}
    for test_id in ids:
        path, _, rest = test_id.partition("::")
        by_file.setdefault(path, set()).add(rest.rsplit("::", 1)[-1].split("[", 1)[0])
    changed = 0
    for path, names in by_file.items():
        target = repo / path
        if not target.is_file():
            continue
        lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
        out: list[str] = []
        for line in lines:
            match = re.match(r"^(\s*)(async\s+)?def\s+(\w+)\s*\(", line)
            if match and match[3] in names:
                changed += 1
                if skip:
                    out.append(f'{match[1]}@__import__("pytest").mark.skip(reason="disabled")\n')
                else:
                    line = line.replace(f"def {match[3]}", f"def _removed_{match[3]}", 1)
            out.append(line)
        target.write_text("".join(out), encoding="utf-8")
    if not changed:
        raise InvalidInputError("no fail-to-pass test found to disable")


def check_note(check: dict[str, Any]) -> str:
    outcome = "passed" if check["passed"] else "timed out" if check.get("timed_out") else "failed"
    return f"{check['name']}: {outcome}, exit {check.get('exit_code')}, {check['duration_s']:.1f}s"


def apply_patch(repo: Path, patch: str, reverse: bool = False) -> None:
    if not patch.strip():
        return
    argv = ["git", "apply", "--whitespace=nowarn", *(["-R"] if reverse else []), "-"]
    done = subprocess.run(  # noqa: S603 (git by name, a fixed argument list)
        argv,
        cwd=repo,
        input=patch,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode:
        raise InvalidInputError(f"git apply failed: {done.stderr.strip()[:300]}")


def tree_files(repo: Path) -> list[str]:
    done = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607 (git on PATH, as the user runs it)
        cwd=repo,
        capture_output=True,
        check=True,
        timeout=120,
    )
    return [p for p in done.stdout.decode(errors="replace").split("\0") if p]


# The config a person writes before any check is set up: the workflow is judged on scope,
# evidence and hints, not on whether the repository's own test environment happens to be
# installed here (running a dev task's tests is the --checks mode of the verdict issue).
NO_CHECKS_CONFIG = "[checks]\n"


def copy_tree(tree: Path, dest: Path, check: Sequence[str] = ()) -> None:
    """A throwaway git copy of the tree at its base, so the shared tree stays clean; with `check`,
    the one check a person would configure for the task: its test files in its environment."""
    shutil.copytree(tree, dest, symlinks=True, ignore=shutil.ignore_patterns(".git", ".codecot"))
    (dest / ".codecot").mkdir()
    config = NO_CHECKS_CONFIG
    if check:
        config += (
            f"tests = {json.dumps(list(check))}\n\n[limits]\ncheck_timeout_seconds = {CHECK_TIMEOUT_S}\n"
        )
    (dest / ".codecot" / "config.toml").write_text(config, encoding="utf-8")
    init_and_commit(dest, "base", everything=True)


CHECK_TIMEOUT_S = 900


@dataclass(frozen=True)
class TestEnv:
    """A task's test environment (from `scripts/bench_envs.py`): its Python, and where its package is."""

    __test__ = False
    key: str
    python: str
    import_root: str = "."


def load_envs(path: Path) -> dict[str, TestEnv]:
    """instance_id -> its built environment; tasks whose environment did not build are left out."""
    data = json.loads(path.read_text(encoding="utf-8"))
    envs = data.get("envs", {})
    found: dict[str, TestEnv] = {}
    for instance_id, key in data.get("tasks", {}).items():
        env = envs.get(key) or {}
        if env.get("built"):
            found[instance_id] = TestEnv(key, str(env["python"]), str(env.get("import_root") or "."))
    return found


def task_check(work: WorkflowTask, env: TestEnv, selection: Path) -> list[str]:
    """pytest on the task's own tests: the files its FAIL_TO_PASS and PASS_TO_PASS name, and of
    them only those ids (as the SWE-bench harness judges), listed in `selection` outside the tree."""
    ids = [*work.fail_to_pass, *work.pass_to_pass]
    files = dict.fromkeys(i.split("::", 1)[0] for i in ids) or dict.fromkeys(work.test_files)
    selection.write_text("\n".join(ids) + "\n", encoding="utf-8")
    prepare_env(env)
    chosen = ["-p", SELECT_PLUGIN, f"--codecot-select={selection}"] if ids else []
    return [env.python, "-m", "pytest", "-rA", "-p", "no:cacheprovider", *chosen, *files]


SELECT_PLUGIN = "codecot_bench_select"
# A pytest plugin installed into each bench environment: runs only the ids a file lists (a
# dataset id cut at a space in a parameter matches by prefix); an unknown id selects nothing
# instead of stopping the run, as passing ids on the command line would.
_SELECT_SOURCE = """
def pytest_addoption(parser):
    parser.addoption("--codecot-select", default=None)


def pytest_collection_modifyitems(config, items):
    path = config.getoption("--codecot-select")
    if not path:
        return
    with open(path, encoding="utf-8") as listed:
        wanted = [line.strip() for line in listed if line.strip()]
    exact = set(wanted)
    cut = [w for w in wanted if w.count("[") > w.count("]")]  # cut at a space inside a parameter
    keep = [i for i in items if i.nodeid in exact or any(i.nodeid.startswith(w) for w in cut)]
    kept = {id(i) for i in keep}
    drop = [i for i in items if id(i) not in kept]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
"""
# Puts the copy's `src/` on the path for a package kept there (the check's environment is an
# allowlist, so PYTHONPATH cannot carry it).
_SRC_PATH_LINE = "import os, sys; sys.path.insert(0, os.path.join(os.getcwd(), 'src'))\n"


def prepare_env(env: TestEnv) -> None:
    """Install the selection plugin (and the `src/` path line where the package lives there)."""
    done = subprocess.run(  # noqa: S603 (the environment's own Python, a fixed script)
        [env.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    site = Path(done.stdout.strip())
    plugin = site / f"{SELECT_PLUGIN}.py"
    if not plugin.exists() or plugin.read_text(encoding="utf-8") != _SELECT_SOURCE:
        plugin.write_text(_SELECT_SOURCE, encoding="utf-8")
    if env.import_root == "src":
        (site / "zz_bench_cwd_src.pth").write_text(_SRC_PATH_LINE, encoding="utf-8")


def run_task(
    work: WorkflowTask,
    trees: Path,
    timeout: float = TASK_TIMEOUT_S,
    envs: dict[str, TestEnv] | None = None,
    attacks: bool = False,
) -> WorkflowResult:
    task = work.task
    hunk_lines = len(gold_lines(task.gold_hunks))
    result = WorkflowResult(task.instance_id, task.repo, list(task.gold_files), work.test_files, hunk_lines)
    tree = trees / task.instance_id
    if not tree.is_dir():
        raise InvalidInputError(
            f"no tree for {task.instance_id} under {trees}", hint="make the trees with materialize.py first"
        )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="codecot-workflow-") as tmp:
        repo = Path(tmp) / "repo"
        env = envs.get(task.instance_id) if envs is not None else None
        result.env = env.key if env else None
        copy_tree(tree, repo, task_check(work, env, Path(tmp) / "selected-tests.txt") if env else ())
        files = tree_files(repo)
        existing = set(files)
        result.new_files = [
            p for p in dict.fromkeys([*result.gold_files, *result.test_files]) if p not in existing
        ]
        log = Path(tmp) / "server.log"
        with log.open("w", encoding="utf-8") as errlog:
            try:
                anyio.run(
                    _play_with_timeout, work, repo, result, errlog, timeout, attacks and env is not None
                )
            except TimeoutError:
                result.error = f"timeout after {timeout:.0f}s"
            except Exception as exc:  # one task's failure is recorded, the run goes on
                result.error = f"{type(exc).__name__}: {exc}"[:300]
        result.server_errors = server_errors(log.read_text(encoding="utf-8", errors="replace"))
        if result.task_id:
            result.allowed_files = count_allowed_files(files, result.allowed_paths, result.forbidden_paths)
    result.seconds = round(time.perf_counter() - started, 2)
    return result


async def _play_with_timeout(
    work: WorkflowTask, repo: Path, result: WorkflowResult, errlog: TextIO, timeout: float, attacks: bool
) -> None:
    with anyio.fail_after(timeout):
        await play(work, repo, result, errlog, attacks)


def server_errors(log: str) -> list[str]:
    """The last line of each traceback the server logged: a crash, not a tool error it meant."""
    lines = log.splitlines()
    ends = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    found = []
    for start in ends:
        tail = next((line for line in lines[start + 1 :] if line and not line.startswith((" ", "\t"))), "")
        found.append(tail[:300])
    return list(dict.fromkeys(found))


def run_workflow_bench(
    tasks: Sequence[WorkflowTask],
    trees: Path,
    timeout: float = TASK_TIMEOUT_S,
    progress: Callable[[int, int, WorkflowResult], None] | None = None,
    envs: dict[str, TestEnv] | None = None,
    attacks: bool = False,
) -> list[WorkflowResult]:
    results: list[WorkflowResult] = []
    for number, work in enumerate(tasks, start=1):
        results.append(run_task(work, trees, timeout, envs, attacks))
        if progress:
            progress(number, len(tasks), results[-1])
    return results


# ------------------------------------------------------------------ scoring (pure)


def score_pack(data: dict[str, Any], hunks: dict[str, list[tuple[int, int]]]) -> PackResult | None:
    """The pack's ranking and the gold lines it shows; None when the call returned no pack."""
    if "files" not in data:
        return None
    pack = ContextPack.model_validate(data)
    shown = hunk_lines_shown(code_spans(pack), hunks)
    return PackResult([f.path for f in pack.files], shown, pack.tokens_used)


def gold_lines(hunks: dict[str, list[tuple[int, int]]]) -> set[tuple[str, int]]:
    """Every base line a gold hunk removes; a pure insertion is its one anchor line."""
    return {
        (path, n) for path, ranges in hunks.items() for start, end in ranges for n in range(start, end + 1)
    }


def hunk_lines_shown(spans: Sequence[tuple[str, int, int]], hunks: dict[str, list[tuple[int, int]]]) -> int:
    """How many gold hunk lines lie inside one of the spans."""
    return sum(1 for path, n in gold_lines(hunks) if any(p == path and s <= n <= e for p, s, e in spans))


def in_scope(paths: Sequence[str], r: WorkflowResult) -> int:
    """How many of `paths` the task admits; a file the tree lacks is judged as one the change adds."""
    new, nearby = set(r.new_files), set(r.nearby_paths)
    scope = (r.allowed_paths, r.forbidden_paths, r.new_file_folders, nearby)
    return sum(1 for path in paths if classify_path(path, *scope, new=path in new)[0])


def count_allowed_files(files: Sequence[str], allowed: Sequence[str], forbidden: Sequence[str]) -> int:
    """Tree files the task may touch, plus each allowed literal path that names no file yet."""
    existing = set(files)
    matched = sum(1 for path in files if classify_path(path, allowed, forbidden)[0])
    new = {p for p in allowed if not any(c in p for c in "*?") and not p.endswith("/") and p not in existing}
    return matched + len(new)


def is_template_title(title: str) -> bool:
    words = re.sub(r"[^a-z' ]+", " ", title.lower()).split()
    return " ".join(words) in TEMPLATE_HEADINGS


# ------------------------------------------------------------------ summary


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def quartiles(values: Sequence[int]) -> tuple[float, float, float, float]:
    """(p25, p50, p75, max); zeros when there is nothing to measure."""
    if not values:
        return (0.0, 0.0, 0.0, 0.0)
    if len(values) == 1:
        return (values[0], values[0], values[0], values[0])
    p25, p50, p75 = statistics.quantiles(values, n=4, method="inclusive")
    return (p25, p50, p75, max(values))


def recall(results: Sequence[WorkflowResult], found: Callable[[WorkflowResult], tuple[int, int]]) -> float:
    """Found gold files over all gold files, summed over tasks."""
    pairs = [found(r) for r in results]
    return _share(sum(f for f, _ in pairs), sum(t for _, t in pairs))


def affected_found(r: WorkflowResult) -> tuple[int, int]:
    return sum(1 for p in r.gold_files if p in set(r.affected_paths)), len(r.gold_files)


def scope_found(r: WorkflowResult) -> tuple[int, int]:
    return in_scope(r.gold_files, r), len(r.gold_files)


def scope_with_tests_found(r: WorkflowResult) -> tuple[int, int]:
    paths = list(dict.fromkeys([*r.gold_files, *r.test_files]))
    return in_scope(paths, r), len(paths)


def pack_cells(results: Sequence[WorkflowResult], which: str) -> list[str]:
    """Acc@1, Acc@5 and mean edit coverage of one kind of pack; a missing pack scores nothing."""
    packs = [(r, getattr(r, which)) for r in results]
    acc = [
        _share(sum(1 for r, p in packs if p and all_gold_in_top(p.ranked, r.gold_files, k)), len(packs))
        for k in (1, 5)
    ]
    # tasks whose fix only creates files have no gold lines to show and are left out
    shares = [_share(p.shown_lines, r.hunk_lines) if p else 0.0 for r, p in packs if r.hunk_lines]
    return [f"{acc[0]:.1%}", f"{acc[1]:.1%}", f"{_mean(shares):.1%}"]


def workflow_cells(name: str, results: Sequence[WorkflowResult]) -> list[str]:
    n = len(results)
    allowed = quartiles([r.allowed_files for r in results if r.allowed_files is not None])
    nearby = quartiles([len(r.nearby_paths) for r in results if r.task_id])
    return [
        name,
        str(n),
        str(sum(1 for r in results if r.error)),
        f"{_mean([r.calls for r in results]):.1f}",
        f"{_mean([r.request_tokens for r in results]):.0f}",
        f"{_mean([r.result_tokens for r in results]):.0f}",
        f"{_mean([r.wire_bytes for r in results]) / 1024:.1f}",
        str(sum(1 for r in results if r.dead_end)),
        f"{_share(sum(1 for r in results if r.intent_goals), n):.1%}",
        f"{_share(sum(1 for r in results if is_template_title(r.intent_title)), n):.1%}",
        f"{recall(results, affected_found):.1%}",
        f"{recall(results, scope_found):.1%}",
        f"{recall(results, scope_with_tests_found):.1%}",
        "/".join(f"{v:g}" for v in allowed),
        "/".join(f"{v:g}" for v in nearby),
    ]


def verdict_cells(name: str, results: Sequence[WorkflowResult]) -> list[str]:
    verdicts = Counter(r.verdict or "none" for r in results)
    codes = Counter(code for r in results for code in set(r.reason_codes))  # tasks, not reasons
    ends = Counter(r.dead_end for r in results if r.dead_end)
    return [
        name,
        *(str(verdicts.get(v, 0)) for v in ("pass", "warn", "fail", "none")),
        _counts(codes),
        _counts(ends),
    ]


def _counts(counter: Counter[str]) -> str:
    """'a 3, b 1', most first, ties by name."""
    ordered = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{key} {n}" for key, n in ordered) or "-"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(results: Sequence[WorkflowResult]) -> str:
    groups = [(repo, [r for r in results if r.repo == repo]) for repo in sorted({r.repo for r in results})]
    groups.append(("ALL", list(results)))
    workflow = _table(
        [
            "rows", "tasks", "errors", "calls", "request tok", "result tok", "wire KiB", "dead ends",
            "goals ≥1", "template titles", "affected recall", "scope recall", "scope+tests recall",
            "allowed files p25/p50/p75/max", "nearby files p25/p50/p75/max",
        ],
        [workflow_cells(name, group) for name, group in groups],
    )  # fmt: skip
    packs = _table(
        ["rows", "task Acc@1", "task Acc@5", "task edit cov", "query Acc@1", "query Acc@5", "query edit cov"],
        [[name, *pack_cells(group, "task_pack"), *pack_cells(group, "query_pack")] for name, group in groups],
    )
    verdicts = _table(
        ["rows", "pass", "warn", "fail", "none", "tasks per reason code", "dead ends"],
        [verdict_cells(name, group) for name, group in groups],
    )
    tables = [workflow, packs, verdicts]
    if any(r.env is not None for r in results):
        tables.append(
            _table(
                [
                    "rows",
                    "env built",
                    "gold passes",
                    "with fail-to-pass",
                    "PR ready",
                    "passes once a person approves",
                    *ATTACKS,
                ],
                [evidence_cells(name, group) for name, group in groups],
            )
        )
    return "\n\n".join(tables)


def evidence_cells(name: str, results: Sequence[WorkflowResult]) -> list[str]:
    """With --envs: of the tasks whose environment built, how often the gold change passes on
    fail-to-pass evidence, and how often each attack is caught (any verdict but pass)."""
    built = [r for r in results if r.env is not None]
    passed = [r for r in built if r.verdict == "pass"]
    cells = [
        name,
        f"{len(built)}/{len(results)}",
        f"{_share(len(passed), len(built)):.1%}",
        f"{_share(sum(1 for r in passed if r.fail_to_pass), len(built)):.1%}",
        f"{_share(sum(1 for r in built if r.pr_ready), len(built)):.1%}",
        f"{_share(len(passed) + sum(1 for r in built if r.approved_verdict == 'pass'), len(built)):.1%}",
    ]
    for attack in ATTACKS:
        tried = [
            r.attacks[attack]
            for r in built
            if attack in r.attacks and not r.attacks[attack].startswith("not")
        ]
        caught = sum(1 for verdict in tried if verdict != "pass")
        cells.append(f"{caught}/{len(tried)}" if tried else "-")
    return cells
