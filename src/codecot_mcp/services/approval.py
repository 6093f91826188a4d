"""A person's approval: the task file and the config as they are now become the sealed ones.

Scoping seals a task's scope and the config its checks come from; any later change
to either holds every verdict back. When a person means the change (a wider scope, a
new check, a stricter policy), `codecot-mcp approve TASK-1` records it: the task is
written back as Codecot's own, and the config's digest is sealed for it. It is a
command for a person at a terminal, not an MCP tool, so the agent being judged has
no tool that approves its own change.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from codecot_mcp.services.tasks import load_task
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import TASKS


class ApprovalPreview(BaseModel):
    task_id: str
    task_edited: bool = Field(description="The task file differs from what Codecot last wrote.")
    config_changed: bool = Field(description="The config differs from the one sealed for the task.")
    pending: list[str] = Field(
        default=[], description="Out-of-scope files justified by the agent, to accept."
    )
    widened: list[str] = Field(default=[], description="How the task's scope was widened when it was scoped.")


class Approval(ApprovalPreview):
    sealed_config: str = Field(description="sha256 of the config now sealed for the task.")


def preview_approval(ws: Workspace, task_id: str) -> ApprovalPreview:
    """What an approval would accept, for the person to read before saying yes."""
    task = load_task(ws, task_id)
    sealed = ws.store.sealed_config(task.id)
    return ApprovalPreview(
        task_id=task.id,
        task_edited=ws.store.edited_by_hand(TASKS, task.id),
        config_changed=sealed is not None and sealed != ws.store.config_digest(),
        pending=[path for item in task.justifications if not item.approved for path in item.paths],
        widened=list(task.awaiting_approval),
    )


def approve_task(ws: Workspace, task_id: str) -> Approval:
    """Seal the task file and the config as they are now; logged as `task.approved`."""
    preview = preview_approval(ws, task_id)
    task = load_task(ws, preview.task_id)
    task = task.model_copy(
        update={
            "justifications": [j.model_copy(update={"approved": True}) for j in task.justifications],
            "awaiting_approval": [],
        }
    )
    digest = ws.store.config_digest()
    ws.store.save(TASKS, task.id, task, "task.approved", config=digest, by="cli")
    return Approval(**preview.model_dump(), sealed_config=digest)
