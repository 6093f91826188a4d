"""Two stdio servers and the CLI writing to one repository at once: nothing lost, no ID used twice."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from codecot_mcp.store.artifacts import INTENTS, TASKS, VALIDATIONS, ArtifactStore

from .test_workflow import call, sample_repo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.anyio

PER_SERVER = 90
CLI_RUNS = 10
CONSOLE = str(Path(sys.executable).parent / "codecot-mcp")


async def test_two_servers_and_the_cli_writing_at_once_lose_nothing(sample_repo: Path) -> None:  # noqa: F811
    params = StdioServerParameters(command=CONSOLE, args=["--repo", str(sample_repo)])
    async with Client(params) as first, Client(params) as second:
        await call(first, "capture_intent", {"discussion": "We need a CSV export.", "ask_user": False})
        await call(first, "draft_spec", {"intent_id": "INT-1"})
        await call(first, "scope_task", {"spec_id": "SPEC-1", "allowed_paths": ["inventory/**"]})
        (sample_repo / "inventory" / "report.py").write_text("X = 1\n", encoding="utf-8")

        async def capture(client: Client, label: str) -> None:
            for n in range(PER_SERVER):
                await call(
                    client, "capture_intent", {"discussion": f"{label} {n}: we need X.", "ask_user": False}
                )

        async def validate_from_cli() -> None:
            result = await anyio.run_process(
                [CONSOLE, "--repo", str(sample_repo), "validate", "TASK-1", "--format", "json"], check=False
            )
            assert result.returncode in (0, 1), result.stderr.decode()[-2000:]

        async with anyio.create_task_group() as group:
            group.start_soon(capture, first, "first")
            group.start_soon(capture, second, "second")
            for _ in range(CLI_RUNS):
                group.start_soon(validate_from_cli)

    store = ArtifactStore(sample_repo)
    intents = store.ids(INTENTS)
    assert len(intents) == len(set(intents)) == 1 + 2 * PER_SERVER
    texts = {store.load(INTENTS, i).title for i in intents}
    assert len(texts) >= 2  # both servers' intents are there
    validations = store.ids(VALIDATIONS)
    assert len(validations) == len(set(validations)) == CLI_RUNS
    task = store.load(TASKS, "TASK-1")
    assert task.last_validation in validations
    lines = (sample_repo / ".codecot" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]  # every line parses
    created = [e["id"] for e in events if e["kind"].endswith(".created")]
    assert len(created) == len(set(created)) == 1 + 2 * PER_SERVER + 1 + 1 + CLI_RUNS
