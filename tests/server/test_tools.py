"""The generated tools: what a model reads (text content) beside the data (structured content)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mcp import Client

from codecot_mcp import __version__
from codecot_mcp.cli.main import main
from codecot_mcp.intel.tokens import estimate_tokens
from codecot_mcp.server.app import build_server
from codecot_mcp.services.workspace import NOTED_PARSES
from codecot_mcp.store.artifacts import ArtifactStore
from tests.conftest import MakeRepo

from .test_workflow import sample_repo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.anyio


def _text(result: object) -> str:
    content = getattr(result, "content", [])
    assert len(content) == 1
    text = getattr(content[0], "text", None)
    assert isinstance(text, str)
    return text


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


async def test_the_pack_reads_as_markdown_and_costs_about_its_budget(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        result = await client.call_tool("context_pack", {"query": "csv export of the stock report"})
    text = _text(result)
    assert isinstance(result.structured_content, dict)
    budget = result.structured_content["token_budget"]
    assert not _is_json(text) and "```python" in text and "## inventory/report.py" in text
    # The ranked list is added to the pack's own text; code is never escaped into JSON strings.
    assert estimate_tokens(text) <= budget * 1.2
    assert "\\n" not in text.split("```python", 1)[1][:200]


@pytest.mark.parametrize(
    ("tool", "arguments", "words"),
    [
        ("workflow_status", {}, "Next: "),
        ("capture_intent", {"discussion": "alice: We need a CSV export.", "ask_user": False}, "Next: "),
    ],
)
async def test_other_tools_answer_with_a_short_summary_and_the_next_step(
    sample_repo: Path,  # noqa: F811
    tool: str,
    arguments: dict[str, object],
    words: str,
) -> None:
    async with Client(build_server(sample_repo)) as client:
        result = await client.call_tool(tool, arguments)
    text = _text(result)
    assert not _is_json(text) and words in text
    assert isinstance(result.structured_content, dict) and result.structured_content


async def test_a_first_call_that_indexes_says_so(make_repo: MakeRepo) -> None:
    files = {f"pkg/mod_{n}.py": f"def f_{n}():\n    return {n}\n" for n in range(NOTED_PARSES + 5)}
    repo = make_repo(files)
    async with Client(build_server(repo)) as client:
        first = _text(await client.call_tool("context_pack", {"query": "f_3"}))
        second = _text(await client.call_tool("context_pack", {"query": "f_3"}))
    assert first.startswith(f"Indexed {NOTED_PARSES + 5:,} files ({NOTED_PARSES + 5:,} parsed)")
    assert "codecot-mcp index" in first
    assert not second.startswith("Indexed ")


def test_the_index_command_warms_the_cache_for_the_server(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({f"m{n}.py": f"X{n} = {n}\n" for n in range(3)})
    shutil.rmtree(ArtifactStore(repo).cache_dir, ignore_errors=True)
    assert main(["--repo", str(repo), "index"]) == 0
    assert capsys.readouterr().out.startswith("indexed 3 files: 3 parsed")
    assert main(["--repo", str(repo), "index"]) == 0
    assert "0 parsed, 3 reused" in capsys.readouterr().out


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_tool_result_names_the_server_without_the_icon(sample_repo: Path, mode: str) -> None:  # noqa: F811
    async with Client(build_server(sample_repo), mode=mode) as client:
        result = await client.call_tool("workflow_status", {})
    meta = result.model_dump(mode="json", by_alias=True).get("_meta")
    if mode == "legacy":
        assert meta is None
    else:
        assert meta == {
            "io.modelcontextprotocol/serverInfo": {
                "name": "codecot",
                "title": "Codecot",
                "version": __version__,
            }
        }
