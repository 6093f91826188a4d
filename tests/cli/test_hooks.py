"""Host hooks with recorded payloads of both hosts: edits outside the active task are blocked,
a stop without a current pass is blocked once, and a broken hook blocks instead of letting
everything through."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from codecot_mcp.cli.hosts import MCP_CONFIG, SETTINGS_FILE, host_settings
from codecot_mcp.cli.main import main
from codecot_mcp.domain.models import Task
from codecot_mcp.services import hooks
from codecot_mcp.services.operations import (
    CAPTURE_INTENT,
    DRAFT_SPEC,
    SCOPE_TASK,
    VALIDATE_CHANGE,
    WORKFLOW_STATUS,
)
from codecot_mcp.services.workspace import Workspace
from tests.conftest import MakeRepo, git, write_files

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_calc.py"]
FILES = {
    "calc.py": "def add(a, b):\n    return a - b\n",
    "test_calc.py": "from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n",
    "notes/other.py": "def other():\n    return 0\n",
    ".codecot/config.toml": f"[checks]\ntests = {json.dumps(PYTEST)}\n",
}
FIX = {
    "calc.py": "def add(a, b):\n    return a + b\n",
    "test_calc.py": FILES["test_calc.py"] + "\n\ndef test_add():\n    assert add(1, 2) == 3\n",
}
Captured = pytest.CaptureFixture[str]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "hosts"


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    """A repository with TASK-1 scoped (calc.py, test_calc.py) and made active."""
    root = make_repo(FILES)
    ws = Workspace(root)
    intent = CAPTURE_INTENT.invoke(ws, discussion="We need `add` to add its numbers.").intent
    spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
    SCOPE_TASK.invoke(ws, spec_id=spec.id)
    ws.close()
    assert main(["--repo", str(root), "task", "use", "TASK-1"]) == 0
    return root


def _hook(
    root: Path, event: str, payload: object, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> tuple[int, str, str]:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code = main(["--repo", str(root), "hook", event])
    out, err = capsys.readouterr()
    return code, out, err


def _claude_edit(root: Path, path: str, tool: str = "Edit") -> dict[str, object]:
    """Claude Code's PreToolUse payload for an edit (paths are absolute)."""
    return {
        "session_id": "s-1",
        "cwd": str(root),
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": {"file_path": str(root / path), "old_string": "a", "new_string": "b"},
    }


def _codex_shell(root: Path, command: str) -> dict[str, object]:
    """Codex's PreToolUse payload for its shell tool."""
    return {
        "session_id": "c-1",
        "cwd": str(root),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
    }


def test_an_edit_inside_the_task_goes_through_silently(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    assert _hook(repo, "PreToolUse", _claude_edit(repo, "calc.py"), monkeypatch, capsys) == (0, "", "")
    new_test = _claude_edit(repo, "test_more.py", "Write")  # a new file beside the task's files
    assert _hook(repo, "PreToolUse", new_test, monkeypatch, capsys)[0] == 0


def test_an_edit_outside_the_task_or_in_a_forbidden_path_is_blocked_with_the_scope(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    code, out, err = _hook(repo, "PreToolUse", _claude_edit(repo, "notes/other.py"), monkeypatch, capsys)
    assert code == 2 and out == ""
    assert "TASK-1 does not cover notes/other.py" in err and "calc.py" in err and "codecot-mcp approve" in err
    code, _, err = _hook(repo, "PreToolUse", _claude_edit(repo, ".codecot/config.toml"), monkeypatch, capsys)
    assert code == 2 and "forbidden" in err
    code, _, err = _hook(repo, "PreToolUse", _claude_edit(repo, ".git/config"), monkeypatch, capsys)
    assert code == 2 and "git's own files" in err


def test_codex_patches_and_shell_writes_are_read_for_the_files_they_touch(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    def shell(command: str) -> tuple[int, str, str]:
        return _hook(repo, "PreToolUse", _codex_shell(repo, command), monkeypatch, capsys)

    code, _, err = shell("apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: notes/other.py\n@@\nEOF")
    assert code == 2 and "notes/other.py" in err
    code, _, err = shell("echo 1 > notes/other.py")
    assert code == 2 and "notes/other.py" in err
    # controls: a command that writes nothing in the tree, and a write inside the task
    assert shell("pytest -q 2>&1 | tee /dev/null")[0] == 0
    assert shell("echo '#' >> calc.py")[0] == 0


def test_shell_writes_are_found_by_redirection_and_write_commands() -> None:
    def writes(command: str) -> set[str]:
        return set(hooks.edited_paths({"command": command}))

    assert writes("cat a.py | tee -a b.py c.py > d.py 2>&1") == {"b.py", "c.py", "d.py"}
    assert writes("grep -r x src < input.txt") == set()
    assert writes("touch new.py && python -m pytest") == {"new.py"}
    assert writes("sed -i 's/a/b/' x.py y.py; cp a.py b.py") == {"x.py", "y.py", "b.py"}
    assert writes("sed -i.bak -e s/a/b/ x.py && rm -f old.py") == {"x.py", "old.py"}
    assert writes("mv a.py b.py") == {"a.py", "b.py"}
    assert writes("sed s/a/b/ x.py") == set()  # prints, writes nothing


def test_a_task_file_edited_by_hand_is_not_believed(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    task_file = repo / ".codecot" / "tasks" / "TASK-1.json"
    task_file.write_text(task_file.read_text().replace('"calc.py"', '"**"'), encoding="utf-8")
    code, _, err = _hook(repo, "PreToolUse", _claude_edit(repo, "notes/other.py"), monkeypatch, capsys)
    assert code == 2 and "differs from what Codecot wrote" in err


def test_without_an_active_task_edits_go_through_and_it_is_said_once(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    root = make_repo(FILES)
    code, out, _ = _hook(root, "PreToolUse", _claude_edit(root, "notes/other.py"), monkeypatch, capsys)
    assert code == 0 and "no active task" in json.loads(out)["systemMessage"]
    assert _hook(root, "PreToolUse", _claude_edit(root, "notes/other.py"), monkeypatch, capsys) == (0, "", "")


def test_a_stop_without_a_pass_is_blocked_once_then_let_through_and_recorded(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    stop = {"session_id": "s-1", "cwd": str(repo), "hook_event_name": "Stop", "stop_hook_active": False}
    code, out, err = _hook(repo, "Stop", stop, monkeypatch, capsys)
    assert code == 2 and out == "" and "has not been validated" in err and "validate_change" in err
    code, out, _ = _hook(repo, "Stop", {**stop, "stop_hook_active": True}, monkeypatch, capsys)
    assert code == 0 and "recorded" in json.loads(out)["systemMessage"]
    events = [json.loads(line) for line in (repo / ".codecot" / "events.jsonl").read_text().splitlines()]
    assert events[-1]["kind"] == "hook.stop-released" and events[-1]["id"] == "TASK-1"
    # a host that does not say it continued: a second stop in a row is let through as well
    assert _hook(repo, "Stop", stop, monkeypatch, capsys)[0] == 2
    assert _hook(repo, "Stop", stop, monkeypatch, capsys)[0] == 0


def test_a_stop_after_a_failing_verdict_names_it_and_after_a_pass_goes_through(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    stop = {"session_id": "s-2", "cwd": str(repo), "hook_event_name": "Stop"}
    write_files(repo, {"calc.py": "def add(a, b):\n    return 0\n"})
    VALIDATE_CHANGE.invoke(Workspace(repo), task_id="TASK-1")
    code, _, err = _hook(repo, "Stop", stop, monkeypatch, capsys)
    assert code == 2 and "last verdict is" in err
    write_files(repo, FIX)
    assert VALIDATE_CHANGE.invoke(Workspace(repo), task_id="TASK-1").validation.verdict == "pass"
    assert _hook(repo, "Stop", {**stop, "session_id": "s-3"}, monkeypatch, capsys) == (0, "", "")
    write_files(repo, {"calc.py": FIX["calc.py"] + "# later\n"})  # the pass is for another change now
    code, _, err = _hook(repo, "Stop", {**stop, "session_id": "s-4"}, monkeypatch, capsys)
    assert code == 2 and "differs from what was validated" in err


def _forge_pass(repo: Path, how: str) -> None:
    """What an agent with write access to `.codecot/` might try after a failing verdict."""
    folder = repo / ".codecot"
    record = json.loads((folder / "validations" / "VAL-1.json").read_text(encoding="utf-8"))
    record["verdict"] = "pass"
    if how == "rewrite the validation":
        (folder / "validations" / "VAL-1.json").write_text(
            json.dumps(record, indent=2) + "\n", encoding="utf-8"
        )
    elif how == "a new validation":
        record["id"] = "VAL-2"
        (folder / "validations" / "VAL-2.json").write_text(
            json.dumps(record, indent=2) + "\n", encoding="utf-8"
        )
        task = json.loads((folder / "tasks" / "TASK-1.json").read_text(encoding="utf-8"))
        task["last_validation"] = "VAL-2"
        (folder / "tasks" / "TASK-1.json").write_text(json.dumps(task, indent=2) + "\n", encoding="utf-8")
    elif how == "a path for an id":
        task = json.loads((folder / "tasks" / "TASK-1.json").read_text(encoding="utf-8"))
        task["last_validation"] = "../validations/VAL-1"
        (folder / "tasks" / "TASK-1.json").write_text(json.dumps(task, indent=2) + "\n", encoding="utf-8")
    else:  # log the forged file's digest too, as if Codecot had written it
        text = json.dumps(record, indent=2) + "\n"
        (folder / "validations" / "VAL-1.json").write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        event = {
            "ts": "2026-01-01T00:00:00Z",
            "kind": "validation.created",
            "id": "VAL-1",
            "detail": {"digest": digest},
        }
        with (folder / "events.jsonl").open("a", encoding="utf-8") as log:
            log.write(json.dumps(event) + "\n")


@pytest.mark.parametrize(
    ("how", "named"),
    [
        ("rewrite the validation", "VAL-1 is not the validation Codecot recorded"),
        ("a new validation", "TASK-1's file differs from what Codecot wrote"),
        ("a path for an id", "TASK-1's file differs from what Codecot wrote"),
        ("rewrite the log too", "events.jsonl was altered"),
    ],
)
def test_a_stop_is_not_let_through_by_a_forged_pass(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured, how: str, named: str
) -> None:
    write_files(repo, {"calc.py": "def add(a, b):\n    return 0\n"})
    assert VALIDATE_CHANGE.invoke(Workspace(repo), task_id="TASK-1").validation.verdict != "pass"
    _forge_pass(repo, how)
    code, _, err = _hook(repo, "Stop", {"session_id": "f-1", "cwd": str(repo)}, monkeypatch, capsys)
    assert code == 2 and named in err
    assert (
        WORKFLOW_STATUS.invoke(Workspace(repo)).tasks[0].state == "untrusted"
    )  # the verdict's reading agrees


def test_a_stop_verifies_only_the_log_past_what_it_verified_before_and_still_sees_an_edit_to_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    """A long-lived log is not parsed whole on every stop, and the shortcut hides no edit."""
    write_files(repo, FIX)
    assert VALIDATE_CHANGE.invoke(Workspace(repo), task_id="TASK-1").validation.verdict == "pass"
    stop = {"session_id": "l-1", "cwd": str(repo)}
    assert _hook(repo, "Stop", stop, monkeypatch, capsys) == (0, "", "")
    log = repo / ".codecot" / "events.jsonl"
    memo = json.loads((repo / ".codecot" / "cache" / hooks.LEDGER_FILE).read_text(encoding="utf-8"))
    assert memo["size"] == log.stat().st_size and memo["lines"] == len(log.read_text().splitlines())
    assert VALIDATE_CHANGE.invoke(Workspace(repo), task_id="TASK-1").validation.verdict == "pass"
    assert _hook(repo, "Stop", {**stop, "session_id": "l-2"}, monkeypatch, capsys) == (0, "", "")  # grown
    lines = log.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["ts"] = first["ts"].replace("20", "19", 1)  # same length: inside the verified prefix
    lines[0] = json.dumps(first, separators=(",", ":"))
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = _hook(repo, "Stop", {**stop, "session_id": "l-3"}, monkeypatch, capsys)
    assert code == 2 and "events.jsonl was altered" in err


def test_a_ledger_cache_that_cannot_be_written_costs_a_stop_nothing_but_time(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    write_files(repo, FIX)
    assert VALIDATE_CHANGE.invoke(Workspace(repo), task_id="TASK-1").validation.verdict == "pass"
    (repo / ".codecot" / "cache" / hooks.LEDGER_FILE).mkdir(parents=True)  # neither readable nor replaceable
    assert _hook(repo, "Stop", {"session_id": "c-1", "cwd": str(repo)}, monkeypatch, capsys) == (0, "", "")


def _task_in_a_worktree(make_repo: MakeRepo) -> tuple[Path, Workspace, Task, Path]:
    """A repository with TASK-1 scoped in a worktree of its own (active there)."""
    root = make_repo(FILES)
    ws = Workspace(root)
    intent = CAPTURE_INTENT.invoke(ws, discussion="We need `add` to add its numbers.").intent
    spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
    task = SCOPE_TASK.invoke(ws, spec_id=spec.id, worktree=True).tasks[0]
    assert task.worktree is not None
    return root, ws, task, (root / task.worktree).resolve()


def test_a_stop_in_a_tasks_worktree_is_judged_on_the_worktrees_change(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    root, ws, task, worktree = _task_in_a_worktree(make_repo)
    write_files(worktree, FIX)
    assert VALIDATE_CHANGE.invoke(ws, task_id=task.id).validation.verdict == "pass"
    stop = {"session_id": "w-1", "cwd": str(worktree)}
    assert _hook(worktree, "Stop", stop, monkeypatch, capsys) == (0, "", "")
    write_files(root, {"calc.py": "def add(a, b):\n    return 0\n"})  # the main checkout is not the task's
    assert _hook(worktree, "Stop", {**stop, "session_id": "w-2"}, monkeypatch, capsys) == (0, "", "")
    write_files(worktree, {"calc.py": FIX["calc.py"] + "# later\n"})
    code, _, err = _hook(worktree, "Stop", {**stop, "session_id": "w-3"}, monkeypatch, capsys)
    assert code == 2 and "differs from what was validated" in err


def test_a_stop_check_loads_neither_the_models_nor_gitpython(repo: Path) -> None:
    """A stop is judged in a process of its own: the models and GitPython would be most of its run,
    and dataclasses (with inspect) and tempfile a third of what is left."""
    write_files(repo, FIX)
    assert VALIDATE_CHANGE.invoke(Workspace(repo), task_id="TASK-1").validation.verdict == "pass"
    probe = (
        "import io, sys\n"
        "from codecot_mcp.cli.main import main\n"
        f"sys.stdin = io.StringIO({json.dumps(json.dumps({'session_id': 'i-1', 'cwd': str(repo)}))})\n"
        "code = main(['hook', 'Stop'])\n"
        "heavy = ('pydantic', 'git', 'dataclasses', 'tempfile', 'typing')\n"
        "print(code, sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=repo, check=True)
    assert done.stdout.split("\n")[-2] == "0 []"


def test_the_hook_fails_closed_on_a_bad_payload_or_a_crash(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured
) -> None:
    code, out, err = _hook(repo, "PreToolUse", "{not json", monkeypatch, capsys)
    assert code == 2 and out == "" and "could not read the host's hook payload" in err

    def crash(*_: object, **__: object) -> object:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hooks, "check_stop", crash)
    code, out, err = _hook(repo, "Stop", {"cwd": str(repo)}, monkeypatch, capsys)
    assert code == 2 and out == "" and "disk on fire" in err
    monkeypatch.setattr(hooks, "refresh_index", crash)
    assert _hook(repo, "PostToolUse", {"cwd": str(repo)}, monkeypatch, capsys)[0] == 1  # warns, cannot undo


def test_the_hook_answers_over_a_real_process_with_only_the_decision_on_stdout(repo: Path) -> None:
    payload = json.dumps(_claude_edit(repo, "notes/other.py"))
    done = subprocess.run(
        [sys.executable, "-m", "codecot_mcp", "hook", "PreToolUse"],
        input=payload,
        capture_output=True,
        text=True,
        cwd=repo,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == "" and "does not cover notes/other.py" in done.stderr


def test_an_edit_re_indexes_the_file(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Captured) -> None:
    def defined(name: str) -> bool:
        with sqlite3.connect(repo / ".codecot" / "cache" / "index.sqlite") as db:
            return bool(db.execute("SELECT count(*) FROM defs WHERE name = ?", (name,)).fetchone()[0])

    Workspace(repo).index()
    write_files(repo, {"calc.py": FILES["calc.py"] + "\n\ndef multiply(a, b):\n    return a * b\n"})
    assert not defined("multiply")
    assert _hook(repo, "PostToolUse", {"cwd": str(repo), "tool_name": "Edit"}, monkeypatch, capsys)[0] == 0
    assert defined("multiply")


def test_init_installs_each_hosts_settings_merged_and_the_examples_are_the_same(
    make_repo: MakeRepo, capsys: Captured
) -> None:
    root = make_repo(FILES)
    mine = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "mine"}]}]}}
    write_files(root, {".claude/settings.json": json.dumps(mine)})
    for _ in range(2):  # twice: nothing is added the second time
        assert main(["--repo", str(root), "init", "--host", "claude-code"]) == 0
    settings = json.loads((root / ".claude" / "settings.json").read_text())
    assert settings["hooks"]["PreToolUse"][0] == mine["hooks"]["PreToolUse"][0]  # a person's own hook stays
    assert len(settings["hooks"]["PreToolUse"]) == 2 and len(settings["hooks"]["Stop"]) == 1
    assert json.loads((root / ".mcp.json").read_text())["mcpServers"]["codecot"]["command"] == "codecot-mcp"
    assert main(["--repo", str(root), "init", "--host", "codex"]) == 0
    assert json.loads((root / SETTINGS_FILE["codex"]).read_text()) == host_settings("codex")
    assert "wrote .codex/hooks.json" in capsys.readouterr().out
    assert json.loads((EXAMPLES / "claude-code-settings.json").read_text()) == host_settings("claude-code")
    plugin_hooks = EXAMPLES / "claude-code-plugin" / "hooks" / "hooks.json"
    assert json.loads(plugin_hooks.read_text()) == host_settings("claude-code")
    assert json.loads((EXAMPLES / "codex-hooks.json").read_text()) == host_settings("codex")
    assert json.loads((EXAMPLES / "claude-code-plugin" / ".mcp.json").read_text()) == MCP_CONFIG
    manifest = json.loads((EXAMPLES / "claude-code-plugin" / ".claude-plugin" / "plugin.json").read_text())
    assert manifest["name"] == "codecot"


def test_init_refuses_a_settings_file_it_cannot_read_and_leaves_it(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    write_files(root, {".claude/settings.json": "{broken"})
    assert main(["--repo", str(root), "init", "--host", "claude-code"]) == 2
    assert (root / ".claude" / "settings.json").read_text() == "{broken"


def test_the_active_task_is_per_work_tree_and_status_shows_it(make_repo: MakeRepo) -> None:
    root, ws, task, worktree = _task_in_a_worktree(make_repo)
    active = hooks.active_task(worktree)
    assert active is not None and active.task_id == task.id and active.store_root == str(root.resolve())
    assert hooks.active_task(root) is None  # the main checkout has none until a person picks one
    elsewhere = make_repo(FILES, name="other")  # an active-task file pointing at another repository
    hooks.set_active_task(worktree, task.id, store_root=elsewhere)
    assert hooks.active_task(worktree) is None
    hooks.set_active_task(worktree, task.id, store_root=root)
    assert WORKFLOW_STATUS.invoke(ws).active_task is None
    assert main(["--repo", str(root), "task", "use", "task-1"]) == 0
    assert WORKFLOW_STATUS.invoke(ws).active_task == "TASK-1"
    assert main(["--repo", str(root), "task", "use", "TASK-9"]) == 2  # no such task: nothing changes
    assert WORKFLOW_STATUS.invoke(ws).active_task == "TASK-1"
    assert main(["--repo", str(root), "task", "clear"]) == 0
    assert WORKFLOW_STATUS.invoke(ws).active_task is None
    git(root, "status")


def test_a_warm_edit_check_reuses_the_translated_globs_without_importing_wcmatch(repo: Path) -> None:
    probe = (
        "import io, sys\n"
        "from codecot_mcp.cli.main import main\n"
        f"sys.stdin = io.StringIO({json.dumps(json.dumps(_claude_edit(repo, 'notes/other.py')))})\n"
        "code = main(['hook', 'PreToolUse'])\n"
        "print(code, 'wcmatch' in sys.modules)\n"
    )

    def run() -> str:
        command = [sys.executable, "-c", probe]
        done = subprocess.run(command, capture_output=True, text=True, cwd=repo, check=True)
        return " ".join(done.stdout.split()[-2:])

    assert run() == "2 True"  # the first check translates the task's globs, and keeps them
    assert run() == "2 False"  # the same decision, from the kept regexes
    (repo / ".codecot" / "cache" / "hook-globs.json").write_text("{garbled", encoding="utf-8")
    assert run() == "2 True"  # a broken cache is ignored and written again


@pytest.mark.parametrize("data", [b"", b"abc", "TASK-1 ünïcode".encode(), bytes(range(256)) * 40])
def test_the_hooks_digest_is_sha256(data: bytes) -> None:
    """The edit check hashes the task file without hashlib; it must agree with what the store records."""
    assert hooks._sha256_hex(data) == hashlib.sha256(data).hexdigest()
