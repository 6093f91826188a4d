"""The examples: host configurations (the shape each host reads, a server that starts) and the CI workflow."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from mcp import Client, StdioServerParameters

from codecot_mcp.cli.main import build_parser
from codecot_mcp.data import data_dir
from codecot_mcp.server.transport import HTTP_PATH, is_loopback
from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC, SCOPE_TASK
from codecot_mcp.services.workspace import Workspace
from tests.conftest import TOOL_ORDER, MakeRepo, git

HOSTS = data_dir("examples") / "hosts"
TOOLS = set(TOOL_ORDER)
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
    hooks = {"claude-code-settings.json", "claude-code-plugin", "codex-hooks.json"}  # tests/cli/test_hooks.py
    covered = {*STDIO_JSON, "vscode-mcp-http.json", "claude-code.sh", *hooks}
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


# ---------------------------------------------------------------- examples/ci: the GitHub Actions workflow

WORKFLOW = data_dir("examples") / "ci" / "codecot-validate.yml"


def load_workflow() -> dict[str, Any]:
    """The workflow as GitHub reads it (YAML 1.1 reads the key `on` as true; GitHub as "on")."""
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return {("on" if key is True else key): value for key, value in data.items()}


def workflow_steps() -> dict[str, dict[str, Any]]:
    jobs = load_workflow()["jobs"]
    assert list(jobs) == ["gate"]
    return {step["name"]: step for step in jobs["gate"]["steps"]}


def step_running(word: str) -> dict[str, Any]:
    found = [step for step in workflow_steps().values() if word in step.get("run", "")]
    assert len(found) == 1, f"{len(found)} steps run {word!r}"
    return found[0]


def test_the_workflow_runs_on_pull_requests_with_full_history() -> None:
    workflow = load_workflow()
    assert workflow["on"] == "pull_request"
    job = workflow["jobs"]["gate"]
    assert job["runs-on"] == "ubuntu-latest"
    for step in job["steps"]:
        assert isinstance(step.get("name"), str)
        assert ("uses" in step) != ("run" in step), f"{step['name']}: needs exactly one of uses and run"
        assert set(step) <= {"name", "id", "if", "uses", "with", "run", "env", "shell"}
    uses = {step["uses"].split("@")[0]: step for step in job["steps"] if "uses" in step}
    assert uses["actions/checkout"]["with"]["fetch-depth"] == 0
    assert uses["actions/checkout"]["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert 'pip install "git+<repo-url>"' in step_running("pip install")["run"]


def test_the_gate_takes_the_base_and_branch_from_the_event_through_the_environment() -> None:
    step = step_running("codecot-mcp ci")
    assert step["env"] == {
        "BASE_SHA": "${{ github.event.pull_request.base.sha }}",
        "BRANCH": "${{ github.head_ref }}",
    }
    assert "${{" not in step["run"]  # nothing a contributor writes is pasted into the script
    program, *args = shlex.split(step["run"])
    values = {"$BASE_SHA": "abc123", "$BRANCH": "codecot/task-3", "$GITHUB_STEP_SUMMARY": "s.md"}
    parsed = build_parser().parse_args([values.get(word, word) for word in args])
    assert program == "codecot-mcp"
    assert (parsed.command, parsed.base, parsed.branch, str(parsed.summary)) == (
        "ci",
        "abc123",
        "codecot/task-3",
        "s.md",
    )


def run_step(script: str, tmp_path: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run a step's script as GitHub does (bash -e); returns the exit code and the job summary."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    summary = tmp_path / "summary.md"
    (tmp_path / "script.sh").write_text(script, encoding="utf-8")
    paths = {"GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": tmp_path / "output", "RUNNER_TEMP": tmp_path}
    done = subprocess.run(
        [bash, "-e", str(tmp_path / "script.sh")],
        env={**os.environ, **{k: str(v) for k, v in paths.items()}, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, summary.read_text(encoding="utf-8") if summary.exists() else ""


@pytest.mark.parametrize("attack", [None, "config", "no task"])
def test_a_simulated_ci_run_passes_the_honest_pr_and_fails_the_attacks(
    make_repo: MakeRepo, tmp_path: Path, attack: str | None
) -> None:
    pytest_check = json.dumps(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_calc.py"]
    )
    repo = make_repo(
        {
            "calc.py": "def add(a, b):\n    return a - b\n",
            "test_calc.py": "from calc import add\n",
            ".codecot/config.toml": f"[checks]\ntests = {pytest_check}\n",
        }
    )
    ws = Workspace(repo)
    intent = CAPTURE_INTENT.invoke(ws, discussion="alice: We need `add` to return the sum.\n").intent
    spec_id = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec.id
    SCOPE_TASK.invoke(ws, spec_id=spec_id, allowed_paths=["calc.py", "test_calc.py"])
    ws.close()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "TASK-1 scoped by a person")
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-qb", "codecot/task-1")
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (repo / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    if attack == "config":
        (repo / ".codecot" / "config.toml").write_text('[checks]\ntests = ["true"]\n', encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the change")
    bin_dir = Path(sys.executable).parent
    branch = "fix/things" if attack == "no task" else "codecot/task-1"
    env = {"BASE_SHA": base, "BRANCH": branch, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    script = f"cd {shlex.quote(str(repo))}\n" + step_running("codecot-mcp ci")["run"]
    code, summary = run_step(script, tmp_path, env)
    if attack is None:
        assert code == 0 and summary.startswith("## Codecot: PASS for TASK-1"), summary
    else:
        assert code == 1 and summary.startswith("## Codecot: FAIL"), summary
        assert ("changes .codecot/config.toml" if attack == "config" else "names no task") in summary
