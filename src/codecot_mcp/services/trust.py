"""What Codecot believes of its own records: only what the chained event log says it wrote.

The agent can write `.codecot/` like any other file. A task's scope and the config
its checks come from are sealed when the task is scoped (or when a person approves
a change); a verdict is believed only from a validation file whose digest the log
holds. This module names every record that fails those tests, for the verdict
(`control_plane`) and for the readers of verdicts (`untrusted_records`: status, the
PR draft, the CLI).
"""

from __future__ import annotations

from codecot_mcp.domain.models import Task, Validation
from codecot_mcp.domain.reasons import Reason, reason
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import TASKS, VALIDATIONS


def _task_edited(ws: Workspace, task_id: str) -> bool:
    return ws.store.edited_by_hand(TASKS, task_id) or ws.store.last_written_digest(task_id) is None


def control_plane(ws: Workspace, task: Task) -> list[Reason]:
    """Reasons the task's sealed scope and config cannot be trusted: each holds back a pass.

    The agent can write `.codecot/` like any file; the chained event log says what
    Codecot itself wrote, so an edited task file, a config changed since scoping or an
    altered log is named here instead of being believed.
    """
    found: list[Reason] = []
    chain = ws.store.chain()
    if chain.broken_at is not None:
        found.append(reason("log-altered", "fail", detail=str(chain.broken_at)))
    elif not chain.chained:
        found.append(reason("log-unchained", "warn"))
    if _task_edited(ws, task.id):
        found.append(reason("task-edited", "fail", [ws.store.display_path(TASKS, task.id)]))
    if task.awaiting_approval:
        found.append(reason("awaiting-approval", "warn", detail="; ".join(task.awaiting_approval)))
    sealed = ws.store.sealed_config(task.id)
    if sealed is not None and sealed != ws.store.config_digest():
        found.append(reason("config-changed", "fail", [".codecot/config.toml"]))
    return found


def untrusted_records(ws: Workspace, task: Task, validation: Validation | None) -> list[str]:
    """Why the task's records are not the ones Codecot wrote, by the chained event log; [] when they are.

    A verdict is believed only from a validation file whose digest the log holds, for a
    task file Codecot wrote itself: a forged or edited one is named, never trusted.
    """
    problems: list[str] = []
    if ws.store.chain().broken_at is not None:
        problems.append(".codecot/events.jsonl was altered: no record can be trusted")
    if _task_edited(ws, task.id):
        problems.append(f"{task.id}'s file differs from what Codecot wrote")
    if validation is not None and not ws.store.recorded(VALIDATIONS, validation.id):
        problems.append(f"{validation.id} is not the validation Codecot recorded")
    return problems
