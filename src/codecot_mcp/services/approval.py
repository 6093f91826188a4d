"""A person's approval: the task file and the config as they are now become the sealed ones.

Scoping seals a task's scope and the config its checks come from; any later change
to either holds every verdict back. When a person means the change (a wider scope, a
new check, a stricter policy, a base test the change rightly removes or rewrites, a
change larger than the task's budget), `codecot-mcp approve TASK-1` records it: the
task is written back as Codecot's own, and the config's digest is sealed for it. It is
a command for a person at a terminal, not an MCP tool, so the agent being judged has
no tool that approves its own change.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from codecot_mcp.domain.models import ChangeBudget, Task, Validation
from codecot_mcp.errors import CodecotError
from codecot_mcp.services.tasks import load_task
from codecot_mcp.services.trust import untrusted_records
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import TASKS, VALIDATIONS

# Reasons naming base tests the change lost, hid or rewrote: what a person may allow.
_HELD_TESTS = frozenset({"tests-removed", "tests-skipped", "base-tests-fail", "expectation-changed"})


class ApprovalPreview(BaseModel):
    task_id: str
    task_edited: bool = Field(description="The task file differs from what Codecot last wrote.")
    config_changed: bool = Field(description="The config differs from the one sealed for the task.")
    pending: list[str] = Field(
        default=[], description="Out-of-scope files justified by the agent, to accept."
    )
    widened: list[str] = Field(default=[], description="How the task's scope was widened when it was scoped.")
    tests: list[str] = Field(
        default=[],
        description="Base tests the last validation found removed, skipped or rewritten, to allow.",
    )
    budget: ChangeBudget | None = Field(
        default=None,
        description="The budget raised to the size of the last validation's change, when it was over.",
    )


class Approval(ApprovalPreview):
    sealed_config: str = Field(description="sha256 of the config now sealed for the task.")


def preview_approval(ws: Workspace, task_id: str) -> ApprovalPreview:
    """What an approval would accept, for the person to read before saying yes."""
    task = load_task(ws, task_id)
    sealed = ws.store.sealed_config(task.id)
    validation = _last_trusted_validation(ws, task)
    return ApprovalPreview(
        tests=_held_tests(task, validation),
        budget=_raised_budget(task, validation),
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
            "approved_tests": list(dict.fromkeys([*task.approved_tests, *preview.tests])),
            "budget": preview.budget or task.budget,
        }
    )
    digest = ws.store.config_digest()
    ws.store.save(TASKS, task.id, task, "task.approved", config=digest, by="cli")
    return Approval(**preview.model_dump(), sealed_config=digest)


def _last_trusted_validation(ws: Workspace, task: Task) -> Validation | None:
    """The task's last validation, only when the event log holds it: a forged one cannot put
    tests or a size before the person."""
    if not task.last_validation:
        return None
    try:
        validation = ws.store.load(VALIDATIONS, task.last_validation)
    except CodecotError:
        return None
    return None if untrusted_records(ws, task, validation) else validation


def _held_tests(task: Task, validation: Validation | None) -> list[str]:
    """The base tests the last validation failed on for being removed, skipped or rewritten."""
    if validation is None:
        return []
    held = [i for r in validation.reasons if r.code in _HELD_TESTS for i in r.subjects]
    return [i for i in dict.fromkeys(held) if i not in task.approved_tests]


def _raised_budget(task: Task, validation: Validation | None) -> ChangeBudget | None:
    """The budget that fits the last validation's change, when it did not fit the task's.

    Raised to that size and no further: a later, larger change is over budget again.
    """
    if validation is None or validation.budget.within:
        return None
    size = validation.budget
    return ChangeBudget(
        max_files=max(task.budget.max_files, size.files_changed),
        max_lines=max(task.budget.max_lines, size.lines_changed),
    )
