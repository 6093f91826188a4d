"""The task runner: a headless coding agent implements a task, and the verdict says when it is done.

Each round hands the agent a prompt (the implement prompt first, then the review of the
last validation), waits for it, and validates the change. The agent's exit status and
whatever it prints count for nothing: only `pass` ends the run early, and then the PR
is drafted. The agent runs in the task's work tree (its worktree, if it has one) in a
process group of its own, killed with everything it started on a timeout or Ctrl-C;
every round's output goes to a log per task, and every verdict is a validation record.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from codecot_mcp.errors import InvalidInputError
from codecot_mcp.services.checks import kill_group
from codecot_mcp.services.drift import workdir_of
from codecot_mcp.services.prompts import render_prompt
from codecot_mcp.services.tasks import load_task
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import TASKS

PROMPT = "{prompt}"  # where a command template takes the prompt; without it the prompt goes to stdin
# Headless modes of the common agents; a plain command template works the same way.
PROFILES: dict[str, list[str]] = {
    "claude": ["claude", "-p", PROMPT],
    "codex": ["codex", "exec", PROMPT],
    "gemini": ["gemini", "-p", PROMPT],
    "aider": ["aider", "--yes-always", "--message", PROMPT],
    "opencode": ["opencode", "run", PROMPT],
}

Say = Callable[[str], None]


@dataclass
class Round:
    number: int
    agent_exit: int | None  # None: killed on the timeout
    seconds: float
    verdict: str
    validation_id: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class TaskRun:
    task_id: str
    log: str  # relative to the repository
    rounds: list[Round] = field(default_factory=list)
    verdict: str = "not run"
    pr_title: str | None = None
    skipped: str = ""  # why the task was not started


def agent_command(template: list[str], prompt: str) -> tuple[list[str], str | None]:
    """(argv, stdin): the prompt in place of `{prompt}`, or on stdin when the template has none."""
    if any(PROMPT in word for word in template):
        return [word.replace(PROMPT, prompt) for word in template], None
    return list(template), prompt


def run_task(
    ws: Workspace, task_id: str, template: list[str], rounds: int, timeout: float, say: Say
) -> TaskRun:
    """Up to `rounds` rounds of agent then validation; the PR draft on `pass`."""
    from codecot_mcp.services.operations import DRAFT_PR, VALIDATE_CHANGE

    task = load_task(ws, task_id)
    workdir = workdir_of(ws.root, task)
    log = ws.store.cache_dir / "runs" / f"{task.id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    outcome = TaskRun(task.id, log.relative_to(ws.root).as_posix())
    for number in range(1, rounds + 1):
        name = "implement_task" if number == 1 else "review_validation"
        argv, stdin = agent_command(template, render_prompt(ws, name, {"task_id": task.id}))
        say(f"{task.id} round {number}/{rounds}: {argv[0]} ({name})")
        started = time.monotonic()
        code = run_agent(argv, stdin, workdir, timeout, log, f"{task.id} round {number}")
        validation = VALIDATE_CHANGE.invoke(ws, task_id=task.id).validation
        held: list[str] = [r.code for r in validation.reasons if r.level != "note"]
        outcome.rounds.append(
            Round(number, code, round(time.monotonic() - started, 1), validation.verdict, validation.id, held)
        )
        outcome.verdict = validation.verdict
        say(f"{task.id} round {number}: {validation.verdict}" + (f" ({', '.join(held)})" if held else ""))
        if validation.verdict == "pass":
            outcome.pr_title = DRAFT_PR.invoke(ws, task_id=task.id).title
            break
    return outcome


def run_agent(
    argv: list[str], stdin: str | None, cwd: Path, timeout: float, log: Path, label: str
) -> int | None:
    """Run the agent to its end or the timeout, its output appended to `log`; None when killed.

    The agent gets a session of its own, so a timeout or Ctrl-C kills its whole process
    group; the exception (KeyboardInterrupt) goes on to the caller once it is dead.
    """
    with log.open("ab") as out:
        out.write(f"\n=== {label}: {argv[0]} in {cwd.name}\n".encode())
        out.flush()
        with _interrupt_deferred() as interrupted:
            try:
                process = subprocess.Popen(  # noqa: S603 (argv a person gave, no shell)
                    argv,
                    cwd=cwd,
                    stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                out.write(f"=== cannot start the agent: {exc}\n".encode())
                return -1
        try:
            if interrupted:
                raise KeyboardInterrupt
            if stdin is not None and process.stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.write(stdin.encode())
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            out.write(f"=== killed after {timeout:g}s\n".encode())
            return None
        except BaseException:
            out.write(b"=== interrupted: the agent was killed\n")
            raise
        finally:
            kill_group(process)  # on a timeout, Ctrl-C, or what the agent left running in its group
        out.write(f"=== exit {process.returncode}\n".encode())
        return process.returncode


@contextlib.contextmanager
def _interrupt_deferred() -> Iterator[list[int]]:
    """Ctrl-C held back while the agent starts: raised inside `Popen`, after the agent was
    forked but before its pid was returned, it left the agent running with nobody to kill it.
    The caller raises it once it holds the process. Only the main thread may set a handler
    (elsewhere Python delivers Ctrl-C to the main thread anyway), and only Python's own one is
    replaced: a runner started with Ctrl-C ignored (a shell's background job) keeps ignoring it."""
    caught: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield caught
        return
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)


def run_spec(
    root: Path, spec_id: str, template: list[str], rounds: int, timeout: float, jobs: int, say: Say
) -> list[TaskRun]:
    """Every open task of a spec, in dependency order, `jobs` at a time; a task whose dependency
    did not pass is not started. Parallel tasks need worktrees of their own."""
    ws = Workspace(root)
    try:
        tasks = [t for t in ws.store.load_all(TASKS)[0] if t.spec_id == spec_id and t.status != "done"]
    finally:
        ws.close()
    if not tasks:
        raise InvalidInputError(f"{spec_id} has no open task", hint=f"call scope_task(spec_id='{spec_id}')")
    if jobs > 1 and any(not t.worktree for t in tasks):
        raise InvalidInputError(
            "tasks run in parallel need a worktree each, or they would edit one working tree",
            hint=f"scope them with scope_task(spec_id='{spec_id}', worktree=true), or pass --jobs 1",
        )
    results: dict[str, TaskRun] = {}
    pending = {t.id: t for t in tasks}

    def one(task_id: str) -> TaskRun:
        local = Workspace(root)
        try:
            return run_task(local, task_id, template, rounds, timeout, say)
        finally:
            local.close()

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        while pending:
            ready = [t for t in pending.values() if not set(t.depends_on) & set(pending)]
            if not ready:  # depends_on only names earlier tasks; a hand-made cycle stops here
                for task_id in pending:
                    results[task_id] = TaskRun(task_id, "", skipped="its dependencies form a cycle")
                break
            for task in ready:
                failed = [d for d in task.depends_on if d in results and results[d].verdict != "pass"]
                if failed:
                    skipped = f"its dependency {failed[0]} did not pass"
                    results[task.id] = TaskRun(task.id, "", skipped=skipped)
                    say(f"{task.id}: not started, {results[task.id].skipped}")
                    del pending[task.id]
            ready = [t for t in ready if t.id in pending]
            if not ready:
                continue
            for task, done in zip(ready, pool.map(lambda t: one(t.id), ready), strict=True):
                results[task.id] = done
                del pending[task.id]
    return [results[t.id] for t in tasks]
