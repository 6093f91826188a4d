"""The protocol surface a host sees: tool metadata and size, list-changed, cancellation, cache hints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import anyio
import jsonschema
import pytest
from mcp import Client
from mcp.shared.subscriptions import SUBSCRIPTION_ID_META_KEY, ResourcesListChanged
from mcp.types import NotificationParams, ResourceListChangedNotification

from codecot_mcp import __version__
from codecot_mcp.server.app import build_server
from codecot_mcp.server.schemas import compact_schema, shallow_schema
from codecot_mcp.store.artifacts import ArtifactStore
from tests.conftest import TOOL_ORDER, codecot_settles, survivors

from .test_workflow import call, run_workflow, sample_repo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.anyio

TOOLS_LIST_TOKEN_BUDGET = 3000  # chars / 4, the estimate the README states
LIST_CHANGED: Final = "notifications/resources/list_changed"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tools_are_listed_in_order_with_titles_annotations_and_schemas(
    sample_repo: Path,  # noqa: F811
    mode: str,
) -> None:
    async with Client(build_server(sample_repo), mode=mode) as client:
        tools = (await client.list_tools()).tools
    assert [t.name for t in tools] == TOOL_ORDER
    for tool in tools:
        assert tool.title and tool.annotations is not None and tool.output_schema is not None
        assert tool.annotations.open_world_hint is False
        assert tool.description and "\n    " not in tool.description
        for name, prop in tool.input_schema.get("properties", {}).items():
            assert "description" in prop or name == "title" or "maxLength" in prop or "maximum" in prop, name
    read_only = {t.name for t in tools if t.annotations and t.annotations.read_only_hint}
    assert read_only == {"context_pack", "workflow_status", "draft_pr"}


async def test_the_whole_tools_list_stays_under_its_token_budget(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        listed = await client.list_tools()
    wire = listed.model_dump(by_alias=True, exclude_none=True, mode="json")
    tokens = len(json.dumps(wire["tools"])) / 4
    assert tokens < TOOLS_LIST_TOKEN_BUDGET, tokens


async def test_every_structured_result_matches_its_listed_output_schema(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        schemas = {t.name: t.output_schema for t in (await client.list_tools()).tools}
        out = await run_workflow(client, sample_repo)
    results = {
        "capture_intent": {"intent": out["intent"]},
        "draft_spec": {"spec": out["spec"]},
        "scope_task": {"tasks": [out["task"]]},
        "draft_pr": out["pr"],
        "workflow_status": out["status"],
    }

    def schema(name: str) -> dict[str, Any]:
        listed = schemas[name]
        assert listed is not None, f"{name} lists no output schema"
        return listed

    jsonschema.validate(out["status"], schema("workflow_status"))
    jsonschema.validate(out["pr"], schema("draft_pr"))
    for name, partial in results.items():
        required = set(schema(name).get("required", []))
        assert set(partial) <= set(schema(name)["properties"]), (name, required)


def test_compact_schemas_accept_and_reject_what_the_originals_do() -> None:
    from codecot_mcp.services.validation import ValidationResult

    original = ValidationResult.model_json_schema()
    small = compact_schema(shallow_schema(original, 1), output=True)
    assert len(json.dumps(small)) < len(json.dumps(original)) / 4
    assert "title" not in json.dumps(small["properties"]["next_step"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"validation": {}, "task_status": 3, "next_step": "x"}, small)
    optional = {
        "anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}],
        "default": None,
        "title": "T",
    }
    assert compact_schema(optional) == {"type": "string", "maxLength": 5}
    assert compact_schema(optional, output=True) == {
        "anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("too long", compact_schema(optional))


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_server_identity_instructions_and_icon(sample_repo: Path, mode: str) -> None:  # noqa: F811
    async with Client(build_server(sample_repo), mode=mode) as client:
        info = client.server_info
        instructions = client.instructions
        capabilities = client.server_capabilities
    assert info is not None and info.version == __version__ and info.icons
    assert instructions and "workflow_status" in instructions
    assert capabilities.resources is not None and capabilities.resources.list_changed


async def test_static_lists_may_be_cached_and_artifacts_may_not(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo), mode="auto") as client:
        tools = await client.list_tools()
        resources = await client.list_resources()
    assert tools.ttl_ms == 3_600_000 and tools.cache_scope == "public"
    assert resources.ttl_ms == 0 and resources.cache_scope == "private"


async def test_created_artifacts_are_listed_as_resources(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        before = {str(r.uri) for r in (await client.list_resources()).resources}
        await run_workflow(client, sample_repo)
        after = {str(r.uri) for r in (await client.list_resources()).resources}
        text = (await client.read_resource("codecot://validations/VAL-1")).contents[0]
    assert before == {"codecot://status", "codecot://repo-map"}
    assert after - before == {
        "codecot://intents/INT-1",
        "codecot://specs/SPEC-1",
        "codecot://tasks/TASK-1",
        "codecot://validations/VAL-1",
    }
    assert '"verdict": "pass"' in getattr(text, "text", "")


async def test_a_legacy_client_hears_that_the_resource_list_changed(sample_repo: Path) -> None:  # noqa: F811
    heard: list[Any] = []

    async def on_message(message: Any) -> None:
        heard.append(message)

    async with Client(build_server(sample_repo), mode="legacy", message_handler=on_message) as client:
        era = client.protocol_version
        await call(client, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False})
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
    assert era == "2025-11-25"
    # One plain notification on the session: the handshake era has no subscription to stamp.
    assert heard == [ResourceListChangedNotification(method=LIST_CHANGED, params=None)], heard
    assert "codecot://intents/INT-1" in listed


async def test_a_listening_client_hears_that_the_resource_list_changed(sample_repo: Path) -> None:  # noqa: F811
    heard: list[Any] = []

    async def on_message(message: Any) -> None:
        heard.append(message)

    async with (
        Client(build_server(sample_repo), mode="auto", message_handler=on_message) as client,
        client.listen(resources_list_changed=True) as subscription,
    ):
        era = client.protocol_version
        await call(client, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False})
        with anyio.fail_after(5):  # only against a hang: the event is sent before the call returns
            event = await subscription.__anext__()
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
    assert era == "2026-07-28"
    assert subscription.honored.resources_list_changed is True
    assert event == ResourcesListChanged()
    # The one frame on the wire rides the listen stream: it carries that subscription's ID.
    stamp = NotificationParams(_meta={SUBSCRIPTION_ID_META_KEY: subscription.subscription_id})
    assert heard == [ResourceListChangedNotification(method=LIST_CHANGED, params=stamp)], heard
    assert "codecot://intents/INT-1" in listed


# A check that starts a child, writes both process IDs, then sleeps far past any test.
SLEEPING_CHECK = (
    "import os, pathlib, subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
    "pids = pathlib.Path(sys.argv[1])\n"
    "(pids.parent / 'pids.tmp').write_text(f'{os.getpid()} {child.pid}')\n"
    "os.replace(pids.parent / 'pids.tmp', pids)\n"
    "time.sleep(120)\n"
)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_cancelling_validation_kills_its_check_and_stores_nothing(
    sample_repo: Path,  # noqa: F811
    mode: str,
    tmp_path: Path,
) -> None:
    pids_file = tmp_path / "check.pids"
    async with Client(build_server(sample_repo), mode=mode) as client:
        await call(client, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False})
        config = sample_repo / ".codecot" / "config.toml"
        slow = "slow = " + json.dumps(["python3", "-c", SLEEPING_CHECK, str(pids_file)]) + "\n"
        config.write_text(config.read_text().replace("[checks]\n", "[checks]\n" + slow, 1))
        await call(client, "draft_spec", {"intent_id": "INT-1"})
        await call(
            client, "scope_task", {"spec_id": "SPEC-1", "checks": ["slow"], "allowed_paths": ["inventory/**"]}
        )
        async with anyio.create_task_group() as group:
            group.start_soon(client.call_tool, "validate_change", {"task_id": "TASK-1"})
            with anyio.fail_after(60):  # only against a hang: the check starts in well under a second
                while not pids_file.exists():
                    await anyio.sleep(0.05)
            group.cancel_scope.cancel()  # the client gives up while the check runs
        pids = [int(pid) for pid in pids_file.read_text().split()]
        left = await anyio.to_thread.run_sync(survivors, pids)
        settled = await anyio.to_thread.run_sync(codecot_settles)  # the abandoned call has ended
        status = await call(client, "workflow_status", {})
    assert len(pids) == 2 and left == [], f"still running after the cancel: {left} of {pids}"
    assert settled, "the cancelled validation was still running"
    events = [event.kind for event in ArtifactStore(sample_repo).events()]
    assert "task.created" in events
    assert "validation.created" not in events and "task.validated" not in events, events
    validations = sample_repo / ".codecot" / "validations"
    assert not validations.exists() or not list(validations.iterdir())
    assert status["tasks"][0]["state"] == "open"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_first_index_reports_progress_from_the_tools_that_index(
    sample_repo: Path,  # noqa: F811
    mode: str,
) -> None:
    messages: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    async with Client(build_server(sample_repo), mode=mode) as client:
        result = await client.call_tool(
            "capture_intent",
            {"discussion": "We need a CSV export.", "ask_user": False},
            progress_callback=on_progress,
        )
    assert not result.is_error
    assert any(m.startswith("indexing") for m in messages), messages


@pytest.mark.parametrize(("mode", "version"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
async def test_each_mode_speaks_its_protocol_version(sample_repo: Path, mode: str, version: str) -> None:  # noqa: F811
    async with Client(build_server(sample_repo), mode=mode) as client:
        negotiated = client.protocol_version
        status = await call(client, "workflow_status", {})
    assert negotiated == version
    assert "next_action" in status


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_unknown_resource_is_invalid_params_with_its_uri(sample_repo: Path, mode: str) -> None:  # noqa: F811
    from mcp.shared.exceptions import MCPError

    async with Client(build_server(sample_repo), mode=mode) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource("codecot://tasks/TASK-404")
    assert caught.value.error.code == -32602
    assert caught.value.error.data == {"uri": "codecot://tasks/TASK-404"}


async def test_resource_template_ids_complete(sample_repo: Path) -> None:  # noqa: F811
    from mcp.types import ResourceTemplateReference

    async with Client(build_server(sample_repo)) as client:
        await run_workflow(client, sample_repo)
        ref = ResourceTemplateReference(type="ref/resource", uri="codecot://specs/{spec_id}")
        specs = await client.complete(ref, {"name": "spec_id", "value": "spec"})
        none = await client.complete(ref, {"name": "spec_id", "value": "SPEC-9"})
    assert specs.completion.values == ["SPEC-1"]
    assert none.completion.values == []


async def test_a_declined_elicitation_keeps_the_questions_open(sample_repo: Path) -> None:  # noqa: F811
    from mcp.types import ElicitResult

    async def decline(context: Any, params: Any) -> ElicitResult:
        return ElicitResult(action="decline")

    discussion = "We need a CSV export of the report.\nShould the export include archived items?\n"
    async with Client(build_server(sample_repo), elicitation_callback=decline) as client:
        result = await call(client, "capture_intent", {"discussion": discussion})
    assert result["questions_answered"] == 0
    assert [q["id"] for q in result["intent"]["open_questions"]] == ["Q1"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_unknown_tool_is_a_protocol_error(sample_repo: Path, mode: str) -> None:  # noqa: F811
    from mcp.shared.exceptions import MCPError

    async with Client(build_server(sample_repo), mode=mode) as client:
        with pytest.raises(MCPError) as caught:
            await client.call_tool("delete_everything", {})
    assert caught.value.error.code == -32602
    assert "delete_everything" in caught.value.error.message


def test_the_icon_is_a_valid_data_uri() -> None:
    import base64
    import re

    from codecot_mcp.server.protocol import ICON

    assert re.fullmatch(r"data:image/svg\+xml;base64,[A-Za-z0-9+/]+=*", ICON.src)
    assert base64.b64decode(ICON.src.split(",", 1)[1]).startswith(b"<svg")


async def test_an_optional_argument_published_without_null_still_accepts_null(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        schema = {t.name: t.input_schema for t in (await client.list_tools()).tools}["context_pack"]
        pack = await call(client, "context_pack", {"query": "report", "task_id": None, "token_budget": None})
    assert schema["properties"]["task_id"]["type"] == "string"
    assert pack["tokens_used"] > 0


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_new_check_is_confirmed_by_the_user_and_written_to_the_config(
    sample_repo: Path,  # noqa: F811
    mode: str,
) -> None:
    from mcp.types import ElicitResult

    asked: list[dict[str, Any]] = []

    async def answer(context: Any, params: Any) -> ElicitResult:
        schema = getattr(params, "requested_schema", {})
        asked.append(schema)
        return ElicitResult(action="accept", content={"check_0": "python3 -c 'print(\"lint ok\")'"})

    async with Client(build_server(sample_repo), mode=mode, elicitation_callback=answer) as client:
        await call(client, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False})
        await call(client, "draft_spec", {"intent_id": "INT-1"})
        scoped = await call(
            client, "scope_task", {"spec_id": "SPEC-1", "checks": ["lint"], "allowed_paths": ["inventory/**"]}
        )
        validation = (await call(client, "validate_change", {"task_id": "TASK-1"}))["validation"]
    assert asked and asked[0]["properties"]["check_0"]["title"] == "lint"
    assert scoped["tasks"][0]["checks"] == ["lint"]
    config = (sample_repo / ".codecot" / "config.toml").read_text()
    assert 'lint = ["python3", "-c", "print(\\"lint ok\\")"]' in config
    assert "# Checks are argument lists" in config  # the rest of the file is untouched
    assert validation["checks"][0]["passed"] and "lint ok" in validation["checks"][0]["output_tail"]


async def test_without_elicitation_an_unknown_check_is_an_error_that_names_the_config(
    sample_repo: Path,  # noqa: F811
) -> None:
    async with Client(build_server(sample_repo)) as client:
        await call(client, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False})
        await call(client, "draft_spec", {"intent_id": "INT-1"})
        result = await client.call_tool(
            "scope_task", {"spec_id": "SPEC-1", "checks": ["lint"], "allowed_paths": ["inventory/**"]}
        )
    assert result.is_error
    assert "unknown checks: lint" in getattr(result.content[0], "text", "")
    assert "lint" not in (sample_repo / ".codecot" / "config.toml").read_text()
