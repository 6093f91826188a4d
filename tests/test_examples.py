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
from tests.conftest import TOOL_ORDER, MakeRepo

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


# ---------------------------------------------------------------- examples/ci: the GitHub Actions workflow

WORKFLOW = data_dir("examples") / "ci" / "codecot-validate.yml"


def load_workflow() -> dict[str, Any]:
    """The workflow as GitHub reads it (YAML 1.1 reads the key `on` as true; GitHub as "on")."""
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return {("on" if key is True else key): value for key, value in data.items()}


def workflow_steps() -> dict[str, dict[str, Any]]:
    jobs = load_workflow()["jobs"]
    assert list(jobs) == ["validate"]
    return {step["name"]: step for step in jobs["validate"]["steps"]}


def step_running(word: str) -> dict[str, Any]:
    found = [step for step in workflow_steps().values() if word in step.get("run", "")]
    assert len(found) == 1, f"{len(found)} steps run {word!r}"
    return found[0]


def test_the_workflow_runs_on_pull_requests_with_full_history() -> None:
    workflow = load_workflow()
    assert workflow["on"] == "pull_request"
    job = workflow["jobs"]["validate"]
    assert job["runs-on"] == "ubuntu-latest"
    for step in job["steps"]:
        assert isinstance(step.get("name"), str)
        assert ("uses" in step) != ("run" in step), f"{step['name']}: needs exactly one of uses and run"
        assert set(step) <= {"name", "id", "if", "uses", "with", "run", "env", "shell"}
    uses = {step["uses"].split("@")[0]: step for step in job["steps"] if "uses" in step}
    assert uses["actions/checkout"]["with"]["fetch-depth"] == 0
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert 'pip install "git+<repo-url>"' in step_running("pip install")["run"]


def validate_command() -> list[str]:
    """The `codecot-mcp validate` line of the workflow, as words, up to its redirections."""
    script = step_running("codecot-mcp validate")["run"]
    lines = [line.strip() for line in script.splitlines() if line.strip().startswith("codecot-mcp ")]
    assert len(lines) == 1
    words = shlex.split(lines[0])
    return words[: next(n for n, word in enumerate(words) if word.startswith(("<", ">", "2>")))]


def test_the_validate_command_is_one_the_cli_accepts() -> None:
    program, *args = validate_command()
    assert program == "codecot-mcp" and "$TASK" in args
    parsed = build_parser().parse_args(["TASK-1" if word == "$TASK" else word for word in args])
    assert (parsed.command, parsed.task_id, parsed.format) == ("validate", "TASK-1", "markdown")


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
        timeout=120,
    )
    return done.returncode, summary.read_text(encoding="utf-8") if summary.exists() else ""


@pytest.mark.parametrize(
    ("branch", "task"),
    [
        ("codecot/task-12", "TASK-12"),
        ("task/TASK-7-sort-report", "TASK-7"),
        ("fix/typo", ""),
        ("subtask-3", ""),
    ],
)
def test_the_task_id_comes_from_the_branch_name(branch: str, task: str, tmp_path: Path) -> None:
    step = workflow_steps()["Find the task ID in the branch name"]
    assert step["env"]["BRANCH"] == "${{ github.head_ref }}"
    code, summary = run_step(step["run"], tmp_path, {"BRANCH": branch})
    assert code == 0
    assert (tmp_path / "output").read_text().splitlines() == [f"id={task}"]
    assert ("names no Codecot task" in summary) is (task == "")


@pytest.mark.parametrize(("exit_code", "job_fails"), [(0, False), (1, True), (2, True)])
def test_the_job_fails_on_a_failing_verdict_and_on_usage_errors(
    exit_code: int, job_fails: bool, tmp_path: Path
) -> None:
    fake = tmp_path / "bin" / "codecot-mcp"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho '## report for '\"$2\"\necho 'why' >&2\nexit {exit_code}\n")
    fake.chmod(0o755)
    env = {"TASK": "TASK-3", "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"}
    code, summary = run_step(step_running("codecot-mcp validate")["run"], tmp_path, env)
    assert (code != 0) is job_fails
    assert "## report for TASK-3" in summary


def test_the_real_validate_writes_markdown_to_the_summary_and_fails_the_job(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo({"src/report.py": "def render_report(rows):\n    return rows\n"})
    ws = Workspace(repo)
    intent = CAPTURE_INTENT.invoke(
        ws, discussion="alice: We need `render_report` to sort rows by name.\n"
    ).intent
    task = SCOPE_TASK.invoke(
        ws, spec_id=DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec.id, allowed_paths=["src/**"]
    ).tasks[0]
    ws.close()
    bin_dir = Path(sys.executable).parent
    env = {"TASK": task.id, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    script = f"cd {shlex.quote(str(repo))}\n" + step_running("codecot-mcp validate")["run"]
    code, summary = run_step(script, tmp_path, env)
    assert code == 1  # nothing changed yet: the verdict is 'fail'
    assert task.id in summary and "no change found" in summary
