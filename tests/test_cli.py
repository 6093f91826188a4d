import json
import subprocess
import sys
from pathlib import Path

import pytest

from codecot_mcp import __version__
from codecot_mcp.cli.demo import prepare_sample_repo
from codecot_mcp.cli.main import main
from codecot_mcp.data import data_dir
from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC, SCOPE_TASK
from codecot_mcp.services.workspace import Workspace
from tests.conftest import MakeRepo, git


@pytest.fixture
def scoped_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "inventory"
    prepare_sample_repo(data_dir("examples") / "sample-repo", repo)
    ws = Workspace(repo)
    intent = CAPTURE_INTENT.invoke(
        ws, discussion=(data_dir("examples") / "demo" / "discussion.txt").read_text()
    ).intent
    SCOPE_TASK.invoke(ws, spec_id=DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec.id)
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


DOCTOR_CHECKS = ["python", "git", "repository", "grammars", "config", "store", "mcp"]


def doctor_lines(out: str) -> dict[str, str]:
    """Check name -> its line (status, name, detail) from the text rendering."""
    lines = {}
    for line in out.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("ok", "warn", "fail"):
            lines[rest.split()[0]] = line
    return lines


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert __version__ and capsys.readouterr().out.strip() == f"codecot-mcp {__version__}"


def test_help_shows_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    for example in ("codecot-mcp --repo .", "codecot-mcp serve --transport http", "codecot-mcp doctor"):
        assert example in out


def test_doctor_passes_on_a_good_repository_and_leaves_nothing_behind(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo()
    assert main(["--repo", str(repo), "doctor"]) == 0
    out = capsys.readouterr().out
    lines = doctor_lines(out)
    assert list(lines) == DOCTOR_CHECKS
    assert all(line.startswith("ok   ") for line in lines.values()), out
    assert "fix:" not in out
    assert lines["repository"] == f"ok   repository {repo.resolve()}"
    assert not (repo / ".codecot").exists()
    assert git(repo, "status", "--porcelain", "--ignored") == ""


def test_doctor_fails_outside_git_and_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    assert main(["--repo", str(folder), "doctor"]) == 1
    out = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(out) if line.startswith("fail repository"))
    assert "not inside a git work tree" in out[at]
    assert out[at + 1].strip().startswith("fix:") and "git init" in out[at + 1]
    assert out[-1] == "doctor: 1 failed (repository)"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[checks\n", ".codecot/config.toml:1: invalid TOML"),
        ("[budget]\ntokens = 5\n", ".codecot/config.toml:2: invalid value for 'budget.tokens'"),
    ],
)
def test_doctor_names_a_broken_config_file(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str], text: str, words: str
) -> None:
    repo = make_repo()
    (repo / ".codecot").mkdir()
    (repo / ".codecot" / "config.toml").write_text(text)
    assert main(["--repo", str(repo), "doctor"]) == 1
    out = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(out) if line.startswith("fail config"))
    assert words in out[at]
    assert out[at + 1].strip().startswith("fix:")
    assert (repo / ".codecot" / "config.toml").read_text() == text


def test_doctor_accepts_a_valid_config_and_refuses_a_store_that_is_a_file(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo()
    (repo / ".codecot").mkdir()
    (repo / ".codecot" / "config.toml").write_text('[checks]\nunit = ["make", "test"]\n')
    assert main(["--repo", str(repo), "doctor"]) == 0
    lines = doctor_lines(capsys.readouterr().out)
    assert lines["config"] == "ok   config .codecot/config.toml is valid (checks: unit)"
    assert lines["store"] == "ok   store .codecot/ is writable"
    assert sorted(p.name for p in (repo / ".codecot").iterdir()) == ["config.toml"]

    other = make_repo(name="other")
    (other / ".codecot").write_text("not a folder\n")
    assert main(["--repo", str(other), "doctor"]) == 1
    assert doctor_lines(capsys.readouterr().out)["store"].startswith("fail store")


def test_doctor_json_parses_and_matches_the_exit_code(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--repo", str(make_repo()), "doctor", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [c["name"] for c in report["checks"]] == DOCTOR_CHECKS
    assert {c["status"] for c in report["checks"]} == {"ok"}

    assert main(["--repo", str(tmp_path / "missing"), "doctor", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert report["ok"] is False
    assert [c["name"] for c in failed] == ["repository"] and failed[0]["fix"]


PINS = [
    # (what Codecot's metadata says, the mcp installed, status, words in the detail)
    (["mcp<2.4,>=2.3"], "2.3.5", "ok", "2.3.5 (pinned >=2.3,<2.4)"),
    (["mcp<2.4,>=2.3"], "2.4.0", "fail", "outside the pinned range >=2.3,<2.4"),
    (['mcp<2.4,>=2.3; python_version >= "3.11"'], "2.3.5", "ok", "pinned >=2.3,<2.4"),
    (['mcp<2.4,>=2.3; python_version >= "3.11"'], "2.5.0", "fail", "outside"),
    (['mcp<2; python_version < "3.11"', 'mcp>=2.3; python_version >= "3.11"'], "2.3.0", "ok", "pinned >=2.3"),
    (['mcp>=9; extra == "dev"'], "2.3.0", "warn", "pinned range is unknown"),
    (["MCP >= 2.3, < 2.4"], "2.3.1rc1", "ok", "pinned >=2.3,<2.4"),
    (["mcp==2.3.*"], "2.3.9", "ok", "pinned ==2.3.*"),
    (["mcp~=2.3.0"], "2.4.0", "fail", "outside"),
    (["mcp>=2.3"], "not a version", "warn", "cannot compare"),
]


@pytest.mark.parametrize(
    ("requires", "installed", "status", "words"),
    PINS,
    ids=[
        "in-range",
        "above-range",
        "marker-that-holds",
        "marker-that-holds-out-of-range",
        "the-pin-whose-marker-holds",
        "only-an-extra",
        "spaces-case-and-a-pre-release",
        "wildcard",
        "compatible-release",
        "not-a-version",
    ],
)
def test_doctor_compares_mcp_with_the_pin_that_applies_here(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    requires: list[str],
    installed: str,
    status: str,
    words: str,
) -> None:
    from importlib import metadata

    real_version = metadata.version
    monkeypatch.setattr(metadata, "requires", lambda name: requires if name == "codecot-mcp" else None)
    monkeypatch.setattr(metadata, "version", lambda name: installed if name == "mcp" else real_version(name))
    main(["--repo", str(tmp_path), "doctor", "--format", "json"])
    check = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "mcp")
    assert (check["status"], words in check["detail"]) == (status, True), check
    assert (check["fix"] is None) is (status == "ok")
