"""The CLI's workflow subcommands, generated from the table of operations."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from codecot_mcp.cli.main import build_parser, main
from codecot_mcp.data import data_dir
from codecot_mcp.domain import limits
from codecot_mcp.server.app import build_server
from codecot_mcp.services.operations import OPERATIONS
from tests.server.test_workflow import sample_repo  # noqa: F401  (a fixture)

DEMO = data_dir("examples") / "demo"


@pytest.fixture
def repo(sample_repo: Path) -> Path:  # noqa: F811  (the sample repository, as the server tests use it)
    return sample_repo


def cli_json(capsys: pytest.CaptureFixture[str], repo: Path, *words: str) -> dict[str, Any]:
    """Run one subcommand with --format json; its exit code must be 0."""
    assert main(["--repo", str(repo), *words, "--format", "json"]) == 0, capsys.readouterr().err
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_every_operation_has_a_subcommand_with_a_flag_per_argument() -> None:
    parser = build_parser()
    usage = parser.format_help()
    for operation in OPERATIONS:
        assert operation.cli.command in usage
        sub = parser.parse_args([operation.cli.command, *_required_words(operation.cli.positionals)])
        for name in operation.request.model_fields:
            if name not in operation.cli.hidden:
                assert hasattr(sub, name), (operation.name, name)


def _required_words(positionals: tuple[str, ...]) -> list[str]:
    return ["X" for _ in positionals]


def test_the_whole_workflow_runs_from_the_command_line_alone(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO((DEMO / "discussion.txt").read_text(encoding="utf-8")))
    intent = cli_json(capsys, repo, "capture", "-", "--source", "demo chat")["intent"]
    assert intent["source"] == "demo chat" and intent["goals"]
    spec = cli_json(capsys, repo, "spec", intent["id"])["spec"]
    assert spec["intent_id"] == intent["id"] and spec["requirements"]
    tasks = cli_json(capsys, repo, "scope", spec["id"], "--max-files", "4")["tasks"]
    task_id = tasks[0]["id"]
    assert tasks[0]["budget"]["max_files"] == 4
    pack = cli_json(capsys, repo, "pack", "--task", task_id, "--budget", "2000")
    assert pack["task_id"] == task_id and pack["tokens_used"] <= 2000
    subprocess.run(["git", "apply", str(DEMO / "change.patch")], cwd=repo, check=True)
    validation = cli_json(capsys, repo, "validate", task_id)["validation"]
    assert validation["verdict"] == "pass", validation["reasons"]
    assert main(["--repo", str(repo), "pr", task_id]) == 0
    body = capsys.readouterr().out
    assert body.startswith("# ") and f"({task_id})" in body.splitlines()[0]
    status = cli_json(capsys, repo, "status")
    assert [t["state"] for t in status["tasks"]] == ["done"]


@pytest.mark.anyio
async def test_the_json_format_is_what_the_mcp_tool_returns(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from_cli = cli_json(capsys, repo, "status")
    async with Client(build_server(repo)) as client:
        result = await client.call_tool("workflow_status", {})
    assert result.structured_content == from_cli and "next_call" in from_cli


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_each_format_prints_the_result(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    discussion = tmp_path / "chat.txt"
    discussion.write_text("alice: We need a CSV export of the stock report.\n", encoding="utf-8")
    assert main(["--repo", str(repo), "capture", str(discussion), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert ("# INT-1" in out) if fmt == "markdown" else out.startswith("INT-1: ")


@pytest.mark.parametrize(
    ("words", "error"),
    [
        (["pack", "x", "--budget", str(limits.MAX_TOKEN_BUDGET + 1)], "token_budget"),
        (["scope", "SPEC-1", "--max-files", "0"], "max_files"),
        (["capture", "-", "--title", "t" * (limits.TITLE_CHARS + 1)], "title"),
        (["spec", "--requirements", "[{}]"], "requirements.0"),
        (["validate", "T" * (limits.ARTIFACT_ID_CHARS + 1)], "task_id"),
    ],
)
def test_an_argument_past_its_limit_is_refused_by_name_and_stores_nothing(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    words: list[str],
    error: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("alice: We need a CSV export.\n"))
    assert main(["--repo", str(repo), *words]) == 2
    message = capsys.readouterr().err
    assert message.startswith("codecot-mcp: error: invalid arguments") and error in message, message
    assert not (repo / ".codecot" / "intents").exists() or not any((repo / ".codecot" / "intents").iterdir())


def test_a_structured_argument_can_come_from_a_file(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("alice: We need a CSV export of the stock report.\n", encoding="utf-8")
    intent_id = cli_json(capsys, repo, "capture", str(chat))["intent"]["id"]
    drafts = tmp_path / "reqs.json"
    drafts.write_text(
        json.dumps([{"title": "Export CSV", "criteria": ["WHEN asked THE SYSTEM SHALL write CSV"]}]),
        encoding="utf-8",
    )
    spec = cli_json(capsys, repo, "spec", intent_id, "--requirements", f"@{drafts}")["spec"]
    assert [r["title"] for r in spec["requirements"]] == ["Export CSV"]


def test_a_missing_discussion_file_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(repo), "capture", str(repo / "nope.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err
