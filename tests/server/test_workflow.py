"""The whole workflow through a real MCP client: in memory (both protocol eras) and over stdio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.types import ElicitRequestParams, ElicitResult

from codecot_mcp.cli.demo import prepare_sample_repo
from codecot_mcp.data import data_dir
from codecot_mcp.server.app import build_server

pytestmark = pytest.mark.anyio

DEMO = data_dir("examples") / "demo"


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "inventory"
    prepare_sample_repo(data_dir("examples") / "sample-repo", repo)
    return repo


async def call(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict), result.structured_content
    return result.structured_content


async def error_of(client: Client, name: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(name, args)
    assert result.is_error
    text = getattr(result.content[0], "text", "")
    assert isinstance(text, str)
    return text


async def run_workflow(client: Client, repo: Path) -> dict[str, Any]:
    discussion = (DEMO / "discussion.txt").read_text()
    intent = (await call(client, "capture_intent", {"discussion": discussion, "ask_user": False}))["intent"]
    assert intent["id"] == "INT-1" and intent["goals"]
    spec = (await call(client, "draft_spec", {"intent_id": intent["id"]}))["spec"]
    task = (await call(client, "scope_task", {"spec_id": spec["id"]}))["tasks"][0]
    pack = await call(client, "context_pack", {"task_id": task["id"], "token_budget": 2000})
    assert pack["files"][0]["path"] == "inventory/report.py"
    assert 0 < pack["tokens_used"] <= 2000
    subprocess.run(["git", "apply", str(DEMO / "change.patch")], cwd=repo, check=True)
    validation = (await call(client, "validate_change", {"task_id": task["id"]}))["validation"]
    pr = await call(client, "draft_pr", {"task_id": task["id"]})
    status = await call(client, "workflow_status", {})
    return {
        "intent": intent,
        "spec": spec,
        "task": task,
        "validation": validation,
        "pr": pr,
        "status": status,
    }


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_demo_path_passes_in_memory_in_both_protocol_modes(sample_repo: Path, mode: str) -> None:
    async with Client(build_server(sample_repo), mode=mode) as client:
        out = await run_workflow(client, sample_repo)
    assert out["validation"]["verdict"] == "pass", out["validation"]["reasons"]
    assert [c["passed"] for c in out["validation"]["checks"]] == [True]
    assert all(f["in_scope"] for f in out["validation"]["files"])
    assert out["pr"]["ready"] is True
    assert "REQ-1.1" in out["pr"]["body"]
    assert [t["state"] for t in out["status"]["tasks"]] == ["done"]


async def test_the_demo_path_passes_over_a_stdio_subprocess(sample_repo: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "codecot_mcp", "--repo", str(sample_repo)]
    )
    async with Client(params) as client:
        out = await run_workflow(client, sample_repo)
    assert out["validation"]["verdict"] == "pass", out["validation"]["reasons"]


async def test_an_edit_after_validation_makes_the_verdict_stale(sample_repo: Path) -> None:
    async with Client(build_server(sample_repo)) as client:
        out = await run_workflow(client, sample_repo)
        (sample_repo / "inventory" / "report.py").write_text("# changed after validation\n", encoding="utf-8")
        status = await call(client, "workflow_status", {})
        pr = await call(client, "draft_pr", {"task_id": out["task"]["id"]})
    assert status["tasks"][0]["state"] == "stale"
    assert pr["ready"] is False


async def test_an_out_of_scope_edit_is_reported(sample_repo: Path) -> None:
    async with Client(build_server(sample_repo)) as client:
        out = await run_workflow(client, sample_repo)
        (sample_repo / "README.md").write_text("# inventory, edited\n", encoding="utf-8")
        result = await call(client, "validate_change", {"task_id": out["task"]["id"]})
    outside = [f for f in result["validation"]["files"] if not f["in_scope"]]
    assert [f["path"] for f in outside] == ["README.md"]
    assert result["validation"]["verdict"] == "warn"
    assert result["task_status"] == "in_progress"


async def _demo_task_with_budget(client: Client, max_lines: int) -> str:
    discussion = (DEMO / "discussion.txt").read_text()
    await call(client, "capture_intent", {"discussion": discussion, "ask_user": False})
    await call(client, "draft_spec", {"intent_id": "INT-1"})
    scoped = await call(client, "scope_task", {"spec_id": "SPEC-1", "max_lines": max_lines})
    return str(scoped["tasks"][0]["id"])


async def test_the_budget_holds_the_code_and_counts_the_tests_apart(sample_repo: Path) -> None:
    """Control: the demo fix changes 14 lines of code and 11 of tests; a 14-line budget holds it."""
    async with Client(build_server(sample_repo)) as client:
        task_id = await _demo_task_with_budget(client, 14)
        subprocess.run(["git", "apply", str(DEMO / "change.patch")], cwd=sample_repo, check=True)
        validation = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    assert validation["verdict"] == "pass", validation["reasons"]
    budget = validation["budget"]
    sizes = (budget["lines_changed"], budget["test_files_changed"], budget["test_lines_changed"])
    assert sizes == (14, 1, 11)


async def test_code_moved_into_the_test_tree_to_escape_the_budget_does_not_pass(sample_repo: Path) -> None:
    """Attack: the logic lives in tests/, out of the budget, and the source imports it."""
    async with Client(build_server(sample_repo)) as client:
        task_id = await _demo_task_with_budget(client, 14)
        subprocess.run(["git", "apply", str(DEMO / "change.patch")], cwd=sample_repo, check=True)
        helper = "".join(f"PADDING_{n} = {n}\n" for n in range(60))
        (sample_repo / "tests" / "csv_helpers.py").write_text(helper, encoding="utf-8")
        report = sample_repo / "inventory" / "report.py"
        report.write_text(report.read_text() + "from tests.csv_helpers import PADDING_1\n", encoding="utf-8")
        validation = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    hooks = [r for r in validation["reasons"] if r["code"] == "reaches-runner"]
    assert validation["verdict"] != "pass"
    assert hooks and "imports from the test tree" in hooks[0]["message"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_open_questions_are_asked_through_elicitation_when_the_host_can(
    sample_repo: Path, mode: str
) -> None:
    asked: list[str] = []

    async def answer(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        schema = getattr(params, "requested_schema", {})
        first = next(iter(schema.get("properties", {})))
        return ElicitResult(action="accept", content={first: "CSV with a header row"})

    discussion = "We need a CSV export of the report.\nShould the export include archived items?\n"
    async with Client(build_server(sample_repo), mode=mode, elicitation_callback=answer) as client:
        result = await call(client, "capture_intent", {"discussion": discussion})
    assert asked, "the host was never asked"
    assert result["questions_answered"] == 1
    assert any("CSV with a header row" in d["text"] for d in result["intent"]["decisions"])
    assert result["intent"]["open_questions"] == []


async def test_without_elicitation_open_questions_come_back_for_the_agent(sample_repo: Path) -> None:
    discussion = "We need a CSV export of the report.\nShould the export include archived items?\n"
    async with Client(build_server(sample_repo)) as client:
        result = await call(client, "capture_intent", {"discussion": discussion})
    assert [q["id"] for q in result["intent"]["open_questions"]] == ["Q1"]
    assert "open question" in result["next_step"]


@pytest.mark.parametrize(
    ("tool", "args", "words"),
    [
        ("draft_spec", {"intent_id": "INT-99"}, "no intent INT-99"),
        ("draft_spec", {"intent_id": "SPEC-1"}, "not a intent ID"),
        ("draft_spec", {}, "pass intent_id"),
        ("scope_task", {"spec_id": "SPEC-7"}, "no spec SPEC-7"),
        ("context_pack", {}, "pass task_id or a non-empty query"),
        ("validate_change", {"task_id": "TASK-3"}, "no task TASK-3"),
        ("validate_change", {"task_id": "TASK-1; rm -rf /"}, "not an artifact ID"),
        ("draft_pr", {"task_id": "../../etc/passwd"}, "not an artifact ID"),
        ("capture_intent", {"discussion": "   \n  "}, "empty"),
        ("capture_intent", {"discussion": ""}, "discussion"),
    ],
)
async def test_bad_input_gets_a_tool_error_the_model_can_act_on(
    sample_repo: Path, tool: str, args: dict[str, Any], words: str
) -> None:
    async with Client(build_server(sample_repo)) as client:
        text = await error_of(client, tool, args)
    assert words.lower() in text.lower()


async def test_a_scope_outside_the_repository_is_refused(sample_repo: Path) -> None:
    async with Client(build_server(sample_repo)) as client:
        intent = await call(
            client, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False}
        )
        spec = (await call(client, "draft_spec", {"intent_id": intent["intent"]["id"]}))["spec"]
        text = await error_of(
            client, "scope_task", {"spec_id": spec["id"], "allowed_paths": ["../../etc/**"]}
        )
    assert "not a repository path glob" in text


async def test_a_corrupt_artifact_is_named_with_its_line_and_left_alone(sample_repo: Path) -> None:
    async with Client(build_server(sample_repo)) as client:
        await call(client, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False})
        path = sample_repo / ".codecot" / "intents" / "INT-1.md"
        broken = path.read_text().replace('<!-- codecot {"id"', '<!-- codecot {"id" oops', 1)
        path.write_text(broken)
        text = await error_of(client, "draft_spec", {"intent_id": "INT-1"})
        status = await call(client, "workflow_status", {})
    assert ".codecot/intents/INT-1.md:" in text
    assert path.read_text() == broken
    assert status["problems"] and status["problems"][0]["path"] == ".codecot/intents/INT-1.md"


async def test_resources_serve_artifacts_and_refuse_unknown_ones(sample_repo: Path) -> None:
    async with Client(build_server(sample_repo)) as client:
        await call(client, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False})
        templates = await client.list_resource_templates()
        intent = await client.read_resource("codecot://intents/INT-1")
        status = await client.read_resource("codecot://status")
        repo_map = await client.read_resource("codecot://repo-map")
        with pytest.raises(Exception, match=r"INT-404|no intent"):
            await client.read_resource("codecot://intents/INT-404")
    uris = {t.uri_template for t in templates.resource_templates}
    assert {"codecot://intents/{intent_id}", "codecot://tasks/{task_id}"} <= uris
    assert "# INT-1" in getattr(intent.contents[0], "text", "")
    assert "next_action" in getattr(status.contents[0], "text", "")
    assert "inventory/report.py" in getattr(repo_map.contents[0], "text", "")


async def test_prompts_hand_the_agent_its_task_and_ids_complete(sample_repo: Path) -> None:
    from mcp.types import PromptReference

    async with Client(build_server(sample_repo)) as client:
        out = await run_workflow(client, sample_repo)
        prompts = await client.list_prompts()
        implement = await client.get_prompt("implement_task", {"task_id": out["task"]["id"]})
        review = await client.get_prompt("review_validation", {"task_id": out["task"]["id"]})
        completion = await client.complete(
            PromptReference(type="ref/prompt", name="implement_task"), {"name": "task_id", "value": "TASK"}
        )
    names = {p.name for p in prompts.prompts}
    assert {"capture_intent_from_discussion", "implement_task", "review_validation"} <= names
    text = getattr(implement.messages[0].content, "text", "")
    assert "TASK-1" in text and "Allowed paths" in text and "inventory/report.py" in text
    assert "verdict PASS" in getattr(review.messages[0].content, "text", "")
    assert completion.completion.values == ["TASK-1"]
