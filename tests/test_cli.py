import json
import subprocess
import sys
from pathlib import Path

import pytest

from codecot_mcp.cli.demo import prepare_sample_repo
from codecot_mcp.cli.main import main
from codecot_mcp.data import data_dir
from codecot_mcp.services.intents import capture_intent
from codecot_mcp.services.specs import draft_spec
from codecot_mcp.services.tasks import scope_task
from codecot_mcp.services.workspace import Workspace


@pytest.fixture
def scoped_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "inventory"
    prepare_sample_repo(data_dir("examples") / "sample-repo", repo)
    ws = Workspace(repo)
    intent = capture_intent(ws, (data_dir("examples") / "demo" / "discussion.txt").read_text()).intent
    scope_task(ws, draft_spec(ws, intent_id=intent.id).spec.id)
    ws.close()
    return repo


def test_validate_exits_1_when_the_change_fails(
    scoped_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--repo", str(scoped_repo), "validate", "TASK-1"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_validate_exits_0_on_a_passing_change(scoped_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = data_dir("examples") / "demo" / "change.patch"
    subprocess.run(["git", "apply", str(patch)], cwd=scoped_repo, check=True)
    assert main(["--repo", str(scoped_repo), "validate", "TASK-1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["validation"]["verdict"] == "pass"


def test_status_names_the_next_action(scoped_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(scoped_repo), "status"]) == 0
    assert "Next: Work on TASK-1" in capsys.readouterr().out


def test_pack_prints_ranked_files_and_the_data_marker(
    scoped_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["--repo", str(scoped_repo), "pack", "csv export of the stock report", "--budget", "1000"]) == 0
    )
    out = capsys.readouterr().out
    assert "inventory/report.py" in out and "tokens" in out


def test_a_folder_outside_git_is_a_clear_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--repo", str(tmp_path), "status"]) == 2
    assert "not inside a git work tree" in capsys.readouterr().err


def test_an_unknown_task_is_a_usage_error(scoped_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(scoped_repo), "validate", "TASK-9"]) == 2
    assert "no task TASK-9" in capsys.readouterr().err


def test_serving_outside_a_git_repository_fails_fast_without_touching_stdout(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "codecot_mcp", "--repo", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "not inside a git work tree" in done.stderr


def test_the_demo_passes_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "verdict PASS" in out and "PR ready: True" in out
