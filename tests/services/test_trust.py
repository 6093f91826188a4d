"""The verdict holds against the agent that wrote the change: attacks on the control plane.

Each attack is what an agent with write access to the working tree can do after the
task was scoped; each must end in something other than 'pass' and a PR draft that is
not ready. The honest controls beside them must still pass.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from codecot_mcp.cli.main import main
from codecot_mcp.server.app import build_server
from tests.server.test_workflow import DEMO, call, sample_repo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.anyio

Attack = Callable[[Path], None]


async def _scoped(client: Client, repo: Path) -> str:
    discussion = (DEMO / "discussion.txt").read_text()
    intent = (await call(client, "capture_intent", {"discussion": discussion, "ask_user": False}))["intent"]
    spec = (await call(client, "draft_spec", {"intent_id": intent["id"]}))["spec"]
    task_id: str = (await call(client, "scope_task", {"spec_id": spec["id"]}))["tasks"][0]["id"]
    subprocess.run(["git", "apply", str(DEMO / "change.patch")], cwd=repo, check=True)
    return task_id


def _edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _task(repo: Path) -> Path:
    return repo / ".codecot" / "tasks" / "TASK-1.json"


def _config(repo: Path, old: str, new: str) -> Attack:
    def attack(root: Path) -> None:
        path = root / ".codecot" / "config.toml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    return attack


def _task_field(name: str, value: object) -> Attack:
    return lambda root: _edit_json(_task(root), lambda data: data.__setitem__(name, value))


def _commit_and_move_base(root: Path) -> None:
    """Commit the change, then claim the task started from that commit: the diff looks empty."""
    subprocess.run(["git", "add", "-A", "inventory", "tests"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=a", "-c", "user.email=a@example.com", "commit", "-qm", "x"],
        cwd=root,
        check=True,
    )
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True, text=True)
    _task_field("base_commit", head.stdout.strip())(root)


def _drop_event_line(root: Path) -> None:
    log = root / ".codecot" / "events.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    log.write_text("\n".join(lines[:1] + lines[2:]) + "\n", encoding="utf-8")


ATTACKS: list[tuple[str, Attack, str]] = [
    (
        "the check replaced by one that always passes",
        _config(Path(), '"-m", "unittest", "discover"', '"-c", "pass", "discover"'),
        "config-changed",
    ),
    ("the scope policy flipped", _config(Path(), 'policy = "warn"', 'policy = "fail"'), "config-changed"),
    ("allowed paths widened to **", _task_field("allowed_paths", ["**"]), "task-edited"),
    ("the budget raised", _task_field("budget", {"max_files": 999, "max_lines": 99999}), "task-edited"),
    ("the base commit moved past the change", _commit_and_move_base, "task-edited"),
    ("no checks for the task", _task_field("checks", []), "task-edited"),
    (
        "a justification forged",
        _task_field("justifications", [{"validation_id": "VAL-9", "paths": ["x"], "rationale": "ok"}]),
        "task-edited",
    ),
    ("an event removed from the log", _drop_event_line, "log-altered"),
]


@pytest.mark.parametrize(("name", "attack", "code"), ATTACKS, ids=[a[0] for a in ATTACKS])
async def test_a_control_plane_edit_after_scoping_fails_the_verdict(
    sample_repo: Path,  # noqa: F811
    name: str,
    attack: Attack,
    code: str,
) -> None:
    async with Client(build_server(sample_repo)) as client:
        task_id = await _scoped(client, sample_repo)
        attack(sample_repo)
        result = await call(client, "validate_change", {"task_id": task_id})
        draft = await call(client, "draft_pr", {"task_id": task_id})
    validation = result["validation"]
    assert validation["verdict"] == "fail", name
    assert code in [r["code"] for r in validation["reasons"] if r["level"] == "fail"], validation["reasons"]
    assert result["task_status"] != "done" and draft["ready"] is False


async def test_an_honest_change_still_passes_and_its_pr_is_ready(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        task_id = await _scoped(client, sample_repo)
        result = await call(client, "validate_change", {"task_id": task_id})
        draft = await call(client, "draft_pr", {"task_id": task_id})
        status = await call(client, "workflow_status", {})
    assert result["validation"]["verdict"] == "pass", result["validation"]["reasons"]
    assert draft["ready"] is True and [t["state"] for t in status["tasks"]] == ["done"]


@pytest.mark.parametrize("forge", ["edit the verdict", "copy a failing validation as a new one"])
async def test_a_forged_validation_is_not_believed(sample_repo: Path, forge: str) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        task_id = await _scoped(client, sample_repo)
        (sample_repo / "inventory" / "report.py").write_text("broken(\n", encoding="utf-8")
        failed = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
        assert failed["verdict"] == "fail"
        folder = sample_repo / ".codecot" / "validations"
        if forge == "edit the verdict":
            _edit_json(folder / f"{failed['id']}.json", lambda data: data.__setitem__("verdict", "pass"))
        else:
            forged = json.loads((folder / f"{failed['id']}.json").read_text()) | {
                "id": "VAL-9",
                "verdict": "pass",
            }
            (folder / "VAL-9.json").write_text(json.dumps(forged), encoding="utf-8")
            _edit_json(_task(sample_repo), lambda data: data.update(last_validation="VAL-9", status="done"))
        draft = await call(client, "draft_pr", {"task_id": task_id})
        status = await call(client, "workflow_status", {})
    assert draft["ready"] is False and any("Codecot" in w for w in draft["warnings"])
    assert [t["state"] for t in status["tasks"]] == ["untrusted"]
    assert status["next_call"] is None


async def test_a_file_hidden_under_codecot_is_judged_like_code(sample_repo: Path) -> None:  # noqa: F811
    async with Client(build_server(sample_repo)) as client:
        task_id = await _scoped(client, sample_repo)
        (sample_repo / ".codecot" / "payload.py").write_text("import os\n" * 500, encoding="utf-8")
        validation = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    hidden = next(f for f in validation["files"] if f["path"] == ".codecot/payload.py")
    assert validation["verdict"] != "pass" and not hidden["in_scope"]
    assert validation["budget"]["lines_changed"] >= 500


async def test_a_person_approving_a_config_change_lets_an_honest_change_pass(
    sample_repo: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with Client(build_server(sample_repo)) as client:
        task_id = await _scoped(client, sample_repo)
        _config(Path(), 'policy = "warn"', 'policy = "fail"')(sample_repo)
        held = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
        assert main(["--repo", str(sample_repo), "approve", task_id]) == 2  # no terminal, no --yes
        assert main(["--repo", str(sample_repo), "approve", task_id, "--yes"]) == 0
        passed = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    assert held["verdict"] == "fail" and passed["verdict"] == "pass", passed["reasons"]
    assert "config.toml changed since it was sealed" in capsys.readouterr().out


async def _scoped_with(client: Client, repo: Path, **scope: object) -> str:
    discussion = (DEMO / "discussion.txt").read_text()
    intent = (await call(client, "capture_intent", {"discussion": discussion, "ask_user": False}))["intent"]
    spec = (await call(client, "draft_spec", {"intent_id": intent["id"]}))["spec"]
    task = (await call(client, "scope_task", {"spec_id": spec["id"], **scope}))["tasks"][0]
    subprocess.run(["git", "apply", str(DEMO / "change.patch")], cwd=repo, check=True)
    return str(task["id"])


async def test_an_agent_widening_its_own_scope_waits_for_a_person(sample_repo: Path) -> None:  # noqa: F811
    widen = {"allowed_paths": ["**"], "forbidden_paths": ["nothing/"], "max_files": 500}
    async with Client(build_server(sample_repo)) as client:
        task_id = await _scoped_with(client, sample_repo, **widen)
        deploy = sample_repo / ".github" / "workflows" / "deploy.yml"
        deploy.parent.mkdir(parents=True)
        deploy.write_text("on: push\n", encoding="utf-8")
        held = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
        draft = await call(client, "draft_pr", {"task_id": task_id})
        assert main(["--repo", str(sample_repo), "approve", task_id, "--yes"]) == 0  # a person accepts it
        approved = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    waiting = next(r for r in held["reasons"] if r["code"] == "awaiting-approval")
    assert held["verdict"] == "warn" and draft["ready"] is False
    assert (
        "allowed paths beyond" in waiting["detail"] and "default forbidden paths removed" in waiting["detail"]
    )
    assert "budget above" in waiting["detail"]
    assert approved["verdict"] == "pass", approved["reasons"]


async def test_narrowing_the_scope_needs_no_approval(sample_repo: Path) -> None:  # noqa: F811
    narrow = {"allowed_paths": ["inventory/report.py", "tests/test_report.py"], "max_files": 2}
    async with Client(build_server(sample_repo)) as client:
        task_id = await _scoped_with(client, sample_repo, **narrow)
        validation = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    assert validation["verdict"] == "pass", validation["reasons"]


async def test_a_person_raising_the_budget_lets_that_change_pass_and_no_larger_one(
    sample_repo: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with Client(build_server(sample_repo)) as client:
        task_id = await _scoped_with(client, sample_repo, max_lines=5)
        held = await call(client, "validate_change", {"task_id": task_id})
        over = held["validation"]
        assert main(["--repo", str(sample_repo), "approve", task_id, "--yes"]) == 0  # a person accepts it
        passed = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
        report = sample_repo / "inventory" / "report.py"
        report.write_text(report.read_text(encoding="utf-8") + "\n# more\n", encoding="utf-8")
        larger = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    assert over["verdict"] == "warn" and "over-budget" in [r["code"] for r in over["reasons"]]
    assert f"`codecot-mcp approve {task_id}`" in held["next_step"]  # the command the person runs
    assert "budget raised to the change's size" in capsys.readouterr().out
    assert passed["verdict"] == "pass", passed["reasons"]
    assert passed["budget"]["max_lines"] == over["budget"]["lines_changed"]
    assert larger["verdict"] == "warn" and "over-budget" in [r["code"] for r in larger["reasons"]]


async def test_a_forged_validation_cannot_put_a_larger_budget_before_the_person(
    sample_repo: Path,  # noqa: F811
) -> None:
    async with Client(build_server(sample_repo)) as client:
        task_id = await _scoped_with(client, sample_repo, max_lines=5)
        await call(client, "validate_change", {"task_id": task_id})
        folder = sample_repo / ".codecot" / "validations"
        _edit_json(
            folder / "VAL-1.json",
            lambda data: data["budget"].update(files_changed=400, lines_changed=90000),
        )
        assert main(["--repo", str(sample_repo), "approve", task_id, "--yes"]) == 0
        after = (await call(client, "validate_change", {"task_id": task_id}))["validation"]
    assert after["budget"]["max_lines"] == 5 and after["verdict"] == "warn", after["reasons"]
