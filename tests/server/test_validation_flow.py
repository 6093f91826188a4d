"""validate_change through the MCP client: scope justifications, policy 'fail', and drift."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from mcp import Client

from codecot_mcp.cli.main import main
from codecot_mcp.server.app import build_server
from tests.conftest import git

from .test_workflow import call, run_workflow, sample_repo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.anyio


async def test_a_justified_out_of_scope_edit_waits_for_a_person_then_stays_accepted(
    sample_repo: Path,  # noqa: F811
) -> None:
    async with Client(build_server(sample_repo)) as client:
        out = await run_workflow(client, sample_repo)
        task_id = out["task"]["id"]
        (sample_repo / "README.md").write_text("# inventory, with export docs\n", encoding="utf-8")
        plain = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
        why = "the README documents the new export"
        justified = await call(client, "validate_change", {"task_id": task_id, "rationale": why})
        assert main(["--repo", str(sample_repo), "approve", task_id, "--yes"]) == 0  # a person accepts it
        later = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
        (sample_repo / "setup.cfg").write_text("[metadata]\n", encoding="utf-8")
        new_file = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    assert plain["verdict"] == "warn"
    # The agent's word alone never passes: the file waits for a person's approval.
    assert justified["validation"]["verdict"] == "warn" and justified["task_status"] == "in_progress"
    waiting = [r for r in justified["validation"]["reasons"] if r["code"] == "out-of-scope-justified"]
    assert waiting and waiting[0]["subjects"] == ["README.md"] and waiting[0]["detail"] == why
    assert later["verdict"] == "pass", later["reasons"]
    readme = next(f for f in later["files"] if f["path"] == "README.md")
    assert readme["accepted"] == why and readme["approved"] and not readme["in_scope"]
    accepted = [r for r in later["reasons"] if r["code"] == "out-of-scope-accepted"]
    assert accepted and accepted[0]["subjects"] == ["README.md"]
    assert new_file["verdict"] == "warn" and any(
        r["code"] == "out-of-scope" and r["subjects"] == ["setup.cfg"] for r in new_file["reasons"]
    )


async def test_under_policy_fail_an_out_of_scope_edit_fails_and_a_rationale_only_warns(
    sample_repo: Path,  # noqa: F811
) -> None:
    config = sample_repo / ".codecot" / "config.toml"
    async with Client(build_server(sample_repo)) as client:
        await call(client, "workflow_status", {})  # writes the default config, which a person then edits
        config.write_text(config.read_text().replace('policy = "warn"', 'policy = "fail"'))
        out = await run_workflow(client, sample_repo)
        (sample_repo / "README.md").write_text("# inventory, edited\n", encoding="utf-8")
        failed = await call(client, "validate_change", {"task_id": out["task"]["id"]})
        argued = await call(
            client, "validate_change", {"task_id": out["task"]["id"], "rationale": "trust me"}
        )
    assert failed["validation"]["verdict"] == "fail"
    assert any(r["code"] == "out-of-scope" and r["level"] == "fail" for r in failed["validation"]["reasons"])
    assert argued["validation"]["verdict"] == "warn" and argued["task_status"] == "in_progress"


async def test_code_that_changes_under_a_validated_spec_is_flagged_as_drift(
    sample_repo: Path,  # noqa: F811
) -> None:
    async with Client(build_server(sample_repo)) as client:
        out = await run_workflow(client, sample_repo)
        git(sample_repo, "add", "-A")
        git(sample_repo, "commit", "-q", "-m", "the validated change")
        committed = await call(client, "workflow_status", {})
        report = sample_repo / "inventory" / "report.py"
        report.write_text(report.read_text() + "\n# edited after validation\n", encoding="utf-8")
        edited = await call(client, "workflow_status", {})
    assert out["validation"]["watched"]["inventory/report.py"]
    assert committed["tasks"][0]["drift"] == [] and committed["specs"][0]["drift"] == []
    assert edited["tasks"][0]["drift"] == ["inventory/report.py"]
    assert edited["specs"][0]["drift"] == ["inventory/report.py"]
    assert "changed since validated" in edited["specs"][0]["detail"]


async def test_a_validated_branch_that_moves_makes_the_verdict_stale(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        out = await run_workflow(client, sample_repo)
        git(sample_repo, "checkout", "-q", "-b", "feature")
        git(sample_repo, "add", "-A")
        git(sample_repo, "commit", "-q", "-m", "the change")
        sha = git(sample_repo, "rev-parse", "feature").strip()
        ranged = (await call(client, "validate_change", {"task_id": out["task"]["id"], "head": "feature"}))[
            "validation"
        ]
        before = await call(client, "workflow_status", {})
        (sample_repo / "inventory" / "extra.py").write_text("X = 1\n", encoding="utf-8")
        git(sample_repo, "add", "-A")
        git(sample_repo, "commit", "-q", "-m", "more")
        after = await call(client, "workflow_status", {})
    assert ranged["head_commit"] == sha and ranged["head_ref"] == "feature"
    assert before["tasks"][0]["state"] != "stale"
    assert after["tasks"][0]["state"] == "stale"


def _set_checks(repo: Path, checks: dict[str, list[str]], timeout: float = 120) -> None:
    config = repo / ".codecot" / "config.toml"
    text = config.read_text()
    lines = "".join(f"{name} = {json.dumps(argv)}\n" for name, argv in checks.items())
    text = text.replace("[checks]\n", "[checks]\n" + lines, 1)
    text = text.replace("check_timeout_seconds = 120", f"check_timeout_seconds = {timeout:g}")
    config.write_text(text)


async def _scoped_task(client: Client, checks: list[str], max_files: int | None = None) -> str:
    await call(client, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False})
    await call(client, "draft_spec", {"intent_id": "INT-1"})
    args: dict[str, object] = {"spec_id": "SPEC-1", "checks": checks, "allowed_paths": ["inventory/**"]}
    if max_files:
        args["max_files"] = max_files
    return str((await call(client, "scope_task", args))["tasks"][0]["id"])


async def test_a_hanging_check_is_killed_at_its_timeout_and_fails_the_change(
    sample_repo: Path,  # noqa: F811
) -> None:
    marker = "codecothangprobe"
    async with Client(build_server(sample_repo)) as client:
        await call(client, "workflow_status", {})  # writes the default config
        _set_checks(
            sample_repo, {"hang": ["python3", "-c", f"import time; time.sleep(300)  # {marker}"]}, 1.5
        )
        task_id = await _scoped_task(client, ["hang"])
        (sample_repo / "inventory" / "report.py").write_text("X = 1\n", encoding="utf-8")
        messages: list[str] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            messages.append(message or "")

        result = await client.call_tool(
            "validate_change", {"task_id": task_id}, progress_callback=on_progress
        )
    validation = (result.structured_content or {})["validation"]
    assert validation["verdict"] == "fail" and validation["checks"][0]["timed_out"]
    assert {"code": "check-timed-out", "subjects": ["hang"]}.items() <= validation["reasons"][0].items()
    assert "running check 'hang'" in messages
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert left == []


async def test_a_check_that_floods_its_output_keeps_the_cap(sample_repo: Path) -> None:  # noqa: F811
    flood = (
        "import sys; print('ERROR: first failure'); sys.stdout.write('x' * 50_000_000); print('\\nlast line')"
    )
    async with Client(build_server(sample_repo)) as client:
        await call(client, "workflow_status", {})
        _set_checks(sample_repo, {"flood": ["python3", "-c", flood]})
        task_id = await _scoped_task(client, ["flood"])
        (sample_repo / "inventory" / "report.py").write_text("X = 1\n", encoding="utf-8")
        validation = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    tail = validation["checks"][0]["output_tail"]
    assert validation["checks"][0]["passed"]
    assert len(tail.encode()) < 65_536 + 4096
    assert "ERROR: first failure" in tail and tail.rstrip().endswith("last line")


async def test_a_change_over_its_budget_is_reported(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        await call(client, "workflow_status", {})
        _set_checks(sample_repo, {"ok": ["python3", "-c", "pass"]})
        task_id = await _scoped_task(client, ["ok"], max_files=1)
        (sample_repo / "inventory" / "report.py").write_text("X = 1\n", encoding="utf-8")
        (sample_repo / "inventory" / "extra.py").write_text("Y = 2\n", encoding="utf-8")
        validation = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    assert validation["budget"]["files_changed"] == 2 and not validation["budget"]["within"]
    over = [r for r in validation["reasons"] if r["code"] == "over-budget"]
    assert validation["verdict"] == "warn" and over and over[0]["detail"].startswith("2/1 files")


WAIT_FOR_OTHER = (
    "import pathlib, sys, time; d = pathlib.Path(sys.argv[1]); (d / sys.argv[2]).touch(); "
    "end = time.time() + 3\n"
    "while not (d / sys.argv[3]).exists() and time.time() < end: time.sleep(0.02)\n"
    "sys.exit(0 if (d / sys.argv[3]).exists() else 1)"
)


@pytest.mark.parametrize(("parallel", "both_pass"), [(2, True), (1, False)])
async def test_parallel_checks_run_at_once_and_report_in_config_order(
    sample_repo: Path,  # noqa: F811
    tmp_path: Path,
    parallel: int,
    both_pass: bool,
) -> None:
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    checks = {
        "left": ["python3", "-c", WAIT_FOR_OTHER, str(meeting), "left", "right"],
        "right": ["python3", "-c", WAIT_FOR_OTHER, str(meeting), "right", "left"],
    }
    async with Client(build_server(sample_repo)) as client:
        await call(client, "workflow_status", {})
        _set_checks(sample_repo, checks)
        config = sample_repo / ".codecot" / "config.toml"
        config.write_text(config.read_text() + f"parallel_checks = {parallel}\n")
        task_id = await _scoped_task(client, ["left", "right"])
        (sample_repo / "inventory" / "report.py").write_text("X = 1\n", encoding="utf-8")
        validation = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    assert [c["name"] for c in validation["checks"]] == ["left", "right"]
    assert all(c["passed"] for c in validation["checks"]) is both_pass
