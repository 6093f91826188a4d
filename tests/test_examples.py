"""The host configurations in examples/hosts/: the shape each host reads, and a server that starts."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from mcp import Client, StdioServerParameters

from codecot_mcp.data import data_dir
from codecot_mcp.server.transport import HTTP_PATH, is_loopback
from tests.conftest import MakeRepo

HOSTS = data_dir("examples") / "hosts"
TOOLS = {
    "capture_intent",
    "draft_spec",
    "scope_task",
    "context_pack",
    "validate_change",
    "workflow_status",
    "draft_pr",
}
# What each file puts where the repository path goes, and what the host turns it into.
REPO_PLACEHOLDERS = {"${workspaceFolder}", "/absolute/path/to/your/repository"}
# file -> the key holding the servers, and whether entries carry VS Code's "type"
STDIO_JSON = {
    "claude-desktop.json": ("mcpServers", False),
    "cursor-mcp.json": ("mcpServers", False),
    "vscode-mcp.json": ("servers", True),
}


def load(name: str) -> dict[str, Any]:
    data = json.loads((HOSTS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def codecot_entry(name: str) -> dict[str, Any]:
    key, _ = STDIO_JSON.get(name, ("servers", True))
    data = load(name)
    assert list(data) == [key], f"{name}: top-level keys {list(data)}"
    servers = data[key]
    assert list(servers) == ["codecot"]
    entry = servers["codecot"]
    assert isinstance(entry, dict)
    return entry


def claude_code_command() -> list[str]:
    """The server command line after `--` in the `claude mcp add` line of claude-code.sh."""
    lines = [
        line for line in (HOSTS / "claude-code.sh").read_text().splitlines() if line.startswith("claude ")
    ]
    assert len(lines) == 1
    words = shlex.split(lines[0])
    assert words[:3] == ["claude", "mcp", "add"] and "--" in words
    split = words.index("--")
    options, command = words[3:split], words[split + 1 :]
    assert options == ["--scope", "project", "codecot"]
    return command


def test_every_host_file_is_covered() -> None:
    covered = {*STDIO_JSON, "vscode-mcp-http.json", "claude-code.sh"}
    assert {p.name for p in HOSTS.iterdir()} == covered


@pytest.mark.parametrize("name", sorted(STDIO_JSON))
def test_stdio_json_has_the_shape_the_host_reads(name: str) -> None:
    entry = codecot_entry(name)
    _, typed = STDIO_JSON[name]
    expected = {"type", "command", "args"} if typed else {"command", "args"}
    assert set(entry) == expected
    if typed:
        assert entry["type"] == "stdio"
    assert entry["command"] == "codecot-mcp"
    assert isinstance(entry["args"], list) and all(isinstance(a, str) for a in entry["args"])
    assert entry["args"][0] == "--repo" and entry["args"][1] in REPO_PLACEHOLDERS


def test_the_http_example_points_at_the_served_endpoint() -> None:
    entry = codecot_entry("vscode-mcp-http.json")
    assert set(entry) == {"type", "url"} and entry["type"] == "http"
    url = urlsplit(entry["url"])
    assert url.scheme == "http" and url.hostname and is_loopback(url.hostname)
    assert url.port == 8765 and url.path == HTTP_PATH


def resolve(command: list[str], repo: Path) -> StdioServerParameters:
    """What a host would run, with the placeholder filled in and `codecot-mcp` found in this venv."""
    program, *args = command
    assert program == "codecot-mcp"
    executable = Path(sys.executable).parent / "codecot-mcp"
    assert executable.exists(), f"no console script at {executable}; pip install -e ."
    at = args.index("--repo") + 1
    args[at] = str(repo) if args[at] in REPO_PLACEHOLDERS else args[at]
    # Claude Code starts the server in the project folder, which is what "--repo ." relies on.
    return StdioServerParameters(command=str(executable), args=args, cwd=repo)


@pytest.mark.anyio
@pytest.mark.parametrize("name", [*sorted(STDIO_JSON), "claude-code.sh"])
async def test_the_example_command_starts_the_server(name: str, make_repo: MakeRepo) -> None:
    repo = make_repo({"host_probe.py": "def probe() -> None:\n    pass\n"})
    if name == "claude-code.sh":
        command = claude_code_command()
        assert command == ["codecot-mcp", "--repo", "."]
    else:
        entry = codecot_entry(name)
        command = [entry["command"], *entry["args"]]
    async with Client(resolve(command, repo)) as client:
        listed = await client.list_tools()
        repo_map = await client.read_resource("codecot://repo-map")
    assert {tool.name for tool in listed.tools} == TOOLS
    assert "host_probe.py" in getattr(repo_map.contents[0], "text", ""), "served another repository"
