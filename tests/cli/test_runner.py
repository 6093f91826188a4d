"""The runner with stand-in agents: the verdict, never the agent's word, ends a task."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from codecot_mcp.cli.main import main
from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC, SCOPE_TASK
from codecot_mcp.services.runner import agent_command
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import TASKS, VALIDATIONS
from tests.conftest import MakeRepo

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
BASE_TEST = "from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n"
FILES = {
    "calc.py": "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a + b\n",
    "test_calc.py": BASE_TEST,
    "notes/other.py": "def other():\n    return 0\n",
    ".codecot/config.toml": f"[checks]\ntests = {json.dumps(PYTEST)}\n",
}
# Stand-in agents: Python scripts outside the repository, run in the task's work tree.
HONEST = """
import pathlib
calc = pathlib.Path("calc.py")
calc.write_text(calc.read_text().replace("return a - b", "return a + b"))
test = pathlib.Path("test_calc.py")
test.write_text(test.read_text() + "\\n\\ndef test_add():\\n    assert add(1, 2) == 3\\n")
print("All done, everything passes!")
"""
# First a fix that breaks the base's test; on the review prompt, the right one.
SECOND_TIME = """
import pathlib, sys
prompt = sys.stdin.read()
calc = pathlib.Path("calc.py")
test = pathlib.Path("test_calc.py")
if "did not pass" in prompt:
    calc.write_text(calc.read_text().replace("return 1 + a + b", "return a + b"))
else:
    calc.write_text(calc.read_text().replace("return a - b", "return 1 + a + b"))
    test.write_text(test.read_text() + "\\n\\ndef test_add():\\n    assert add(1, 2) == 3\\n")
"""
OUT_OF_SCOPE = """
import pathlib
pathlib.Path("notes/other.py").write_text("def other():\\n    return 1\\n")
print("Fixed it.")
"""
SLEEPER = "import time\ntime.sleep(60)\n"


def _scoped(make_repo: MakeRepo, worktree: bool = False, tasks: int = 1) -> Path:
    root = make_repo(FILES)
    ws = Workspace(root)
    intent = CAPTURE_INTENT.invoke(ws, discussion="We need `add` to add its numbers.").intent
    spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
    for _ in range(tasks):  # separate calls: tasks that do not depend on each other
        SCOPE_TASK.invoke(ws, spec_id=spec.id, worktree=worktree)
    ws.close()
    return root


def _agent(tmp_path: Path, name: str, code: str) -> str:
    script = tmp_path / "agents" / f"{name}.py"
    script.parent.mkdir(exist_ok=True)
    script.write_text(code, encoding="utf-8")
    return f"{sys.executable} {script}"


def _run(root: Path, *args: str) -> int:
    return main(["--repo", str(root), "run", *args])


def test_an_honest_agent_passes_in_one_round_and_the_pr_is_drafted(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _scoped(make_repo)
    assert _run(root, "TASK-1", "--agent", _agent(tmp_path, "honest", HONEST)) == 0
    out = capsys.readouterr().out
    assert "TASK-1: pass after 1 rounds (pass); PR drafted" in out
    log = (root / ".codecot" / "cache" / "runs" / "TASK-1.log").read_text()
    assert "All done, everything passes!" in log and "=== exit 0" in log


def test_an_agent_that_breaks_a_test_first_passes_on_the_review_round(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _scoped(make_repo)
    assert _run(root, "TASK-1", "--agent", _agent(tmp_path, "second", SECOND_TIME), "--rounds", "3") == 0
    assert "TASK-1: pass after 2 rounds (fail -> pass)" in capsys.readouterr().out


def test_an_agent_that_only_edits_out_of_scope_never_passes_and_stops_at_the_rounds(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _scoped(make_repo)
    assert _run(root, "TASK-1", "--agent", _agent(tmp_path, "drift", OUT_OF_SCOPE), "--rounds", "2") == 1
    out = capsys.readouterr().out
    assert "TASK-1: warn after 2 rounds (warn -> warn)" in out and "PR drafted" not in out
    ws = Workspace(root)
    task = ws.store.load(TASKS, "TASK-1")
    assert task.last_validation is not None
    reasons = {r.code for r in ws.store.load(VALIDATIONS, task.last_validation).reasons}
    assert "out-of-scope" in reasons


def test_a_timed_out_agent_is_killed_and_its_round_still_judged(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _scoped(make_repo)
    agent = _agent(tmp_path, "sleeper", SLEEPER)
    assert _run(root, "TASK-1", "--agent", agent, "--rounds", "1", "--timeout", "1") == 1
    assert "TASK-1: fail after 1 rounds (fail)" in capsys.readouterr().out  # no change made
    assert "=== killed after 1s" in (root / ".codecot" / "cache" / "runs" / "TASK-1.log").read_text()


def test_independent_tasks_run_in_parallel_worktrees_and_every_record_is_kept(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _scoped(make_repo, worktree=True, tasks=3)
    agent = _agent(tmp_path, "honest", HONEST)
    assert _run(root, "--all", "SPEC-1", "--agent", agent, "--jobs", "3") == 0
    out = capsys.readouterr().out
    assert all(f"TASK-{n}: pass after 1 rounds" in out for n in (1, 2, 3))
    ws = Workspace(root)
    for n in (1, 2, 3):
        task = ws.store.load(TASKS, f"TASK-{n}")
        assert task.worktree and task.last_validation
        assert ws.store.load(VALIDATIONS, task.last_validation).verdict == "pass"
        assert "return a + b" in (root / task.worktree / "calc.py").read_text()
    assert "return a - b" in (root / "calc.py").read_text()  # the main checkout is untouched


def test_a_task_whose_dependency_failed_is_not_started(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(FILES)
    ws = Workspace(root)
    intent = CAPTURE_INTENT.invoke(
        ws, discussion="We need `add` to add its numbers. We need `mul` to multiply its numbers."
    ).intent
    spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
    tasks = SCOPE_TASK.invoke(ws, spec_id=spec.id, split=True).tasks
    ws.close()
    assert len(tasks) == 2 and tasks[1].depends_on == ["TASK-1"]
    agent = _agent(tmp_path, "drift", OUT_OF_SCOPE)
    assert _run(root, "--all", "SPEC-1", "--agent", agent, "--rounds", "1") == 1
    out = capsys.readouterr().out
    assert "TASK-1: warn after 1 rounds" in out
    assert "TASK-2: not started (its dependency TASK-1 did not pass)" in out


def test_parallel_tasks_without_worktrees_and_bad_arguments_are_refused(make_repo: MakeRepo) -> None:
    root = _scoped(make_repo, tasks=2)
    assert _run(root, "--all", "SPEC-1", "--agent", "true", "--jobs", "2") == 2
    assert _run(root, "TASK-1", "--all", "SPEC-1", "--agent", "true") == 2
    assert _run(root, "TASK-1", "--agent", "true", "--rounds", "0") == 2


def test_the_prompt_takes_the_templates_placeholder_or_goes_to_stdin() -> None:
    assert agent_command(["claude", "-p", "{prompt}"], "do it") == (["claude", "-p", "do it"], None)
    assert agent_command(["my-agent", "--task"], "do it") == (["my-agent", "--task"], "do it")


def test_ctrl_c_kills_the_agent_and_leaves_the_task_in_a_state_status_explains(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import time

    from codecot_mcp.services.operations import WORKFLOW_STATUS

    root = _scoped(make_repo)
    pid_file = tmp_path / "agent.pid"
    agent = _agent(
        tmp_path,
        "stuck",
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n",
    )
    command = [sys.executable, "-m", "codecot_mcp", "--repo", str(root), "run", "TASK-1", "--agent", agent]
    errors = tmp_path / "runner.err"
    # A shell's background job starts with Ctrl-C ignored, and a child keeps that: the runner is
    # started as from a terminal, where Ctrl-C reaches it (exec resets a handled signal).
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    with errors.open("wb") as err:  # with faulthandler on: a runner that hangs says where
        environment = {**os.environ, "PYTHONFAULTHANDLER": "1"}
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=environment)
    signal.signal(signal.SIGINT, inherited)
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts Python slowly
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pid_file.exists(), "the agent never started"
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            process.wait(timeout=30)
            code = None
        assert code == 130, errors.read_text(errors="replace")[-6000:]
    finally:
        process.kill()
        process.wait()
    agent_pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(agent_pid, 0)
    assert (
        "interrupted: the agent was killed"
        in (root / ".codecot" / "cache" / "runs" / "TASK-1.log").read_text()
    )
    state = next(t for t in WORKFLOW_STATUS.invoke(Workspace(root)).tasks if t.id == "TASK-1")
    assert state.state == "open"


def test_ctrl_c_as_the_agent_starts_still_kills_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C inside `Popen` (the agent forked, its pid not yet returned) left it running."""
    import os
    import signal
    import subprocess
    import time

    from codecot_mcp.services import runner

    real_popen = subprocess.Popen
    started: list[int] = []

    def interrupted_popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        process = real_popen(*args, **kwargs)
        started.append(process.pid)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands before Popen returns
        time.sleep(0.2)
        return process

    monkeypatch.setattr(subprocess, "Popen", interrupted_popen)
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)  # as from a terminal
    log = tmp_path / "run.log"
    with pytest.raises(KeyboardInterrupt):
        runner.run_agent([sys.executable, "-c", SLEEPER], None, tmp_path, 60, log, "TASK-1 round 1")
    monkeypatch.undo()
    signal.signal(signal.SIGINT, inherited)
    with pytest.raises(ProcessLookupError):
        os.kill(started[0], 0)
    assert "interrupted: the agent was killed" in log.read_text()
