"""The CI gate decides with the base's config and task: attacks through the PR's own files fail,
the honest PR (records included) passes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from codecot_mcp.cli.main import main
from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC, SCOPE_TASK, VALIDATE_CHANGE
from codecot_mcp.services.workspace import Workspace
from tests.conftest import MakeRepo, git, write_files

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_calc.py"]
BUGGY = "def add(a, b):\n    return a - b\n"
FIXED = "def add(a, b):\n    return a + b\n"
TESTS = "from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n"
NEW_TEST = "\n\ndef test_add():\n    assert add(1, 2) == 3\n"


def _config(policy: str = "warn") -> str:
    return f'[checks]\ntests = {json.dumps(PYTEST)}\n\n[scope]\npolicy = "{policy}"\n'


def _scoped(make_repo: MakeRepo, policy: str = "warn") -> Path:
    """main: the code, the config and a task a person scoped and merged; then the PR branch."""
    root = make_repo({"calc.py": BUGGY, "test_calc.py": TESTS, ".codecot/config.toml": _config(policy)})
    _scope_task(root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "TASK-1 scoped")
    git(root, "checkout", "-qb", "codecot/task-1")
    return root


def _scope_task(root: Path) -> None:
    ws = Workspace(root)
    try:
        intent = CAPTURE_INTENT.invoke(ws, discussion="alice: We need `add` to return the sum.").intent
        spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
        SCOPE_TASK.invoke(ws, spec_id=spec.id, allowed_paths=["calc.py", "test_calc.py"])
    finally:
        ws.close()


def _commit_fix(root: Path, *, validate: bool = True) -> None:
    write_files(root, {"calc.py": FIXED, "test_calc.py": TESTS + NEW_TEST})
    if validate:  # the honest agent validates, and its records go into the PR
        ws = Workspace(root)
        try:
            assert VALIDATE_CHANGE.invoke(ws, task_id="TASK-1").validation.verdict == "pass"
        finally:
            ws.close()
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the fix")


def _gate(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["--repo", str(root), "ci", "--base", "main", "--branch", "codecot/task-1", *extra])
    return code, capsys.readouterr().out


def test_an_honest_pr_with_its_records_passes_the_gate(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = _scoped(make_repo)
    _commit_fix(root)
    summary = tmp_path / "summary.md"
    code, out = _gate(root, capsys, "--summary", str(summary))
    assert code == 0, out
    assert out.startswith("## Codecot: PASS for TASK-1") and "test_calc.py::test_add" in out
    assert "pytest -q -p no:cacheprovider test_calc.py" in out  # each check's command line
    assert summary.read_text(encoding="utf-8").strip() == out.strip()


def test_a_pr_that_changes_the_config_fails(make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = _scoped(make_repo)
    write_files(root, {".codecot/config.toml": '[checks]\ntests = ["true"]\n'})
    write_files(root, {"calc.py": "def add(a, b):\n    return None\n"})
    git(root, "commit", "-qam", "a check that always passes")
    code, out = _gate(root, capsys)
    assert code == 1 and "changes .codecot/config.toml" in out
    assert "failed" in out  # the base's check still ran, on the broken code


def test_a_pr_that_widens_its_task_fails(make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = _scoped(make_repo)
    task_file = root / ".codecot" / "tasks" / "TASK-1.json"
    task = json.loads(task_file.read_text(encoding="utf-8"))
    task["allowed_paths"] = ["**"]
    task_file.write_text(json.dumps(task), encoding="utf-8")
    _commit_fix(root, validate=False)
    code, out = _gate(root, capsys)
    assert code == 1 and "changes the scope of TASK-1" in out


def test_a_task_that_first_appears_in_the_pr_is_a_proposal(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"calc.py": BUGGY, "test_calc.py": TESTS, ".codecot/config.toml": _config()})
    git(root, "checkout", "-qb", "codecot/task-1")
    _scope_task(root)
    _commit_fix(root)
    code, out = _gate(root, capsys)
    assert code == 1 and "first appears in this pull request" in out


def test_a_pr_that_names_no_task_fails(make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = _scoped(make_repo)
    _commit_fix(root, validate=False)
    code = main(["--repo", str(root), "ci", "--base", "main", "--branch", "fix-things"])
    out = capsys.readouterr().out
    assert code == 1 and "names no task: calc.py, test_calc.py" in out


@pytest.mark.parametrize(("policy", "exit_code"), [("fail", 1), ("warn", 0)])
def test_a_warning_fails_the_job_under_policy_fail_only(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str], policy: str, exit_code: int
) -> None:
    root = _scoped(make_repo, policy=policy)
    weak = TESTS + '\n\ndef test_req_1_1():\n    """REQ-1.1"""\n'
    write_files(root, {"calc.py": FIXED, "test_calc.py": weak})
    git(root, "commit", "-qam", "a fix with a test that proves nothing")
    code, out = _gate(root, capsys)
    assert code == exit_code and "## Codecot: WARN" in out and "names it, but none is shown" in out


def test_a_pr_naming_no_task_passes_where_the_base_config_allows_it(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "calc.py": BUGGY,
            "test_calc.py": TESTS,
            ".codecot/config.toml": _config() + '\n[ci]\nuntasked = "allow"\n',
        }
    )
    git(root, "checkout", "-qb", "fix-things")
    write_files(root, {"calc.py": FIXED})
    git(root, "commit", "-qam", "a fix without a task")
    code = main(["--repo", str(root), "ci", "--base", "main", "--branch", "fix-things"])
    out = capsys.readouterr().out
    assert code == 0 and "## Codecot: PASS" in out and "names no task: calc.py" in out
    write_files(root, {".codecot/config.toml": _config() + '\n[ci]\nuntasked = "fail"\n'})
    git(root, "commit", "-qam", "the PR cannot turn it off for itself either way")
    assert main(["--repo", str(root), "ci", "--base", "main", "--branch", "fix-things"]) == 1
