"""validate_change through the MCP client: scope justifications, policy 'fail', and drift."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from codecot_mcp.server.app import build_server
from tests.conftest import git

from .test_workflow import call, run_workflow, sample_repo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.anyio


async def test_a_justified_out_of_scope_edit_is_accepted_by_name_and_stays_accepted(
    sample_repo: Path,  # noqa: F811
) -> None:
    async with Client(build_server(sample_repo)) as client:
        out = await run_workflow(client, sample_repo)
        task_id = out["task"]["id"]
        (sample_repo / "README.md").write_text("# inventory, with export docs\n", encoding="utf-8")
        plain = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
        why = "the README documents the new export"
        justified = await call(client, "validate_change", {"task_id": task_id, "rationale": why})
        later = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
        (sample_repo / "setup.cfg").write_text("[metadata]\n", encoding="utf-8")
        new_file = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    assert plain["verdict"] == "warn"
    assert justified["validation"]["verdict"] == "pass" and justified["task_status"] == "done"
    readme = next(f for f in justified["validation"]["files"] if f["path"] == "README.md")
    assert readme["accepted"] == why and not readme["in_scope"]
    assert any("accepted: README.md" in r and why in r for r in justified["validation"]["reasons"])
    assert later["verdict"] == "pass"  # the task's note still names README.md
    assert new_file["verdict"] == "warn" and any("setup.cfg" in r for r in new_file["reasons"])


async def test_under_policy_fail_an_out_of_scope_edit_fails_and_a_rationale_only_warns(
    sample_repo: Path,  # noqa: F811
) -> None:
    config = sample_repo / ".codecot" / "config.toml"
    async with Client(build_server(sample_repo)) as client:
        out = await run_workflow(client, sample_repo)
        config.write_text(config.read_text().replace('policy = "warn"', 'policy = "fail"'))
        (sample_repo / "README.md").write_text("# inventory, edited\n", encoding="utf-8")
        failed = await call(client, "validate_change", {"task_id": out["task"]["id"]})
        argued = await call(
            client, "validate_change", {"task_id": out["task"]["id"], "rationale": "trust me"}
        )
    assert failed["validation"]["verdict"] == "fail"
    assert any("scope policy 'fail'" in r for r in failed["validation"]["reasons"])
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
