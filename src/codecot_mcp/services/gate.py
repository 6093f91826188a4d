"""The CI gate: a pull request judged with the control plane of its base, never of its head.

Everything under `.codecot/` at the PR's head was written by whoever wrote the PR, the agent
included; so the gate reads the config and the task from the merge base (the commit the PR
starts from), and treats any difference in them at the head as the PR changing its own
rules: a changed config or task scope fails. Codecot's own records (a task's status, its
validations) may change, as they do when an honest agent validates and commits. A task that
first appears in the PR is a proposal a person must merge first; a PR that changes code and
names no task fails. The change judged is the head commit, from the base task's sealed base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codecot_mcp.domain.models import Task
from codecot_mcp.domain.reasons import Reason, reason
from codecot_mcp.errors import ArtifactError, InvalidInputError
from codecot_mcp.intel.changed_symbols import BlobReader
from codecot_mcp.intel.diff import collect_change
from codecot_mcp.intel.gitrepo import merge_base, resolve_commit
from codecot_mcp.services.run import Run
from codecot_mcp.services.validation import Assessment, Judging, assess
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import TASKS
from codecot_mcp.store.config import parse_config

CONFIG_PATH = ".codecot/config.toml"
# What a task may change in a PR (Codecot writes them when validating); the rest is its scope.
RECORD_FIELDS = frozenset({"status", "last_validation", "justifications", "notes", "branch", "worktree"})
_TASK_IN_BRANCH = re.compile(r"(?:^|/)task-(\d+)", re.IGNORECASE)


@dataclass
class GateResult:
    task_id: str | None
    merge_base: str
    head: str
    verdict: str  # pass, warn or fail
    reasons: list[Reason]
    assessment: Assessment | None
    policy: str

    @property
    def exit_code(self) -> int:
        """0 on pass, or on warn under policy `warn`; 1 otherwise."""
        return 0 if self.verdict == "pass" or (self.verdict == "warn" and self.policy == "warn") else 1


def task_from_branch(branch: str) -> str | None:
    """`codecot/task-12` or `task/TASK-12-sort` -> TASK-12."""
    match = _TASK_IN_BRANCH.search(branch)
    return f"TASK-{int(match[1])}" if match else None


def run_gate(
    ws: Workspace, base_ref: str, task_id: str | None, head: str = "HEAD", run: Run | None = None
) -> GateResult:
    """Judge the PR from `base_ref` to `head` as its base's rules say."""
    root = ws.root
    fork = merge_base(root, base_ref, head)
    head_commit = resolve_commit(root, head)
    config_text = _read_at(ws, fork, CONFIG_PATH)
    config = parse_config(config_text or "", f"{CONFIG_PATH} at {fork[:12]}")
    found: list[Reason] = []
    if (_read_at(ws, head_commit, CONFIG_PATH) or "") != (config_text or ""):
        found.append(reason("pr-changes-config", "fail"))
    if task_id is None:
        changed = collect_change(root, fork, head_commit).files
        code = [f.path for f in changed if not f.path.startswith(".codecot/")]
        if code:  # `[ci] untasked = "allow"` in the base's config lets it through, named
            found.append(reason("no-task", "note" if config.ci_untasked == "allow" else "fail", code[:10]))
        verdict = "fail" if any(r.level == "fail" for r in found) else "pass"
        return GateResult(None, fork, head_commit, verdict, found, None, config.scope_policy)
    task = _task_at(ws, fork, task_id)
    if task is None:
        found.append(reason("task-proposed", "fail", [task_id]))
        return GateResult(task_id, fork, head_commit, "fail", found, None, config.scope_policy)
    at_head = _task_at(ws, head_commit, task_id)
    if at_head is None or _scope(at_head) != _scope(task):
        found.append(reason("pr-changes-scope", "fail", [task_id]))
    if task.awaiting_approval:  # approved only by a person's commit on the base branch
        found.append(reason("awaiting-approval", "warn", detail="; ".join(task.awaiting_approval)))
    judged = assess(task, config, root, None, head_commit, Judging(control=found), run=run)
    return GateResult(task_id, fork, head_commit, judged.verdict, judged.reasons, judged, config.scope_policy)


def _scope(task: Task) -> dict[str, object]:
    return task.model_dump(exclude=set(RECORD_FIELDS))


def _read_at(ws: Workspace, commit: str, path: str) -> str | None:
    reader = BlobReader(ws.root)
    try:
        data = reader.read(commit, path.encode())
    finally:
        reader.close()
    return data.decode("utf-8", "replace") if data is not None else None


def _task_at(ws: Workspace, commit: str, task_id: str) -> Task | None:
    path = ws.store.display_path(TASKS, task_id)
    text = _read_at(ws, commit, path)
    if text is None:
        return None
    try:
        return TASKS.parse(text, f"{path} at {commit[:12]}")
    except ArtifactError as exc:
        raise InvalidInputError(f"{path} at {commit[:12]} does not parse: {exc.message}") from None
