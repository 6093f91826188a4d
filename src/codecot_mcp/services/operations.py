"""The table of operations: one declaration each, from which both adapters are built.

An `Operation` names the service, its request and result models, what the MCP
tool shows a model (name, title, description, whether it writes) and what the
CLI subcommand needs beyond the request's fields (positionals, a field read
from a file, flag aliases, how the result maps to an exit code). The MCP server
(server/tools.py) and the CLI (cli/operations.py) loop over `OPERATIONS`;
neither declares an argument of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from codecot_mcp.domain.models import ContextPack
from codecot_mcp.errors import InvalidInputError
from codecot_mcp.services import views
from codecot_mcp.services.context import context_pack
from codecot_mcp.services.intents import IntentResult, capture_intent
from codecot_mcp.services.pr import PullRequestDraft, draft_pr
from codecot_mcp.services.requests import (
    CaptureIntentRequest,
    ContextPackRequest,
    DraftPrRequest,
    DraftSpecRequest,
    Request,
    ScopeTaskRequest,
    ValidateChangeRequest,
    WorkflowStatusRequest,
)
from codecot_mcp.services.run import Run
from codecot_mcp.services.specs import SpecResult, draft_spec
from codecot_mcp.services.status import WorkflowStatus, workflow_status
from codecot_mcp.services.tasks import ScopeResult, scope_task
from codecot_mcp.services.validation import ValidationResult, validate_change
from codecot_mcp.services.workspace import Workspace

Req = TypeVar("Req", bound=Request)
Res = TypeVar("Res", bound=BaseModel)

# Exit codes of every CLI operation, documented once (the README's table is this one).
EXIT_OK = 0  # done; for `validate`, a 'pass' or 'warn' verdict
EXIT_FAILED = 1  # a 'fail' verdict
EXIT_USAGE = 2  # a bad argument, an unknown artifact, not a repository


@dataclass(frozen=True)
class CliShape:
    """What the CLI subcommand adds to the request's fields."""

    command: str
    help: str
    positionals: tuple[str, ...] = ()  # fields taken by position, in this order
    from_file: frozenset[str] = frozenset()  # fields read from a file path, '-' for stdin
    aliases: Mapping[str, str] = field(default_factory=dict)  # field -> an extra flag spelling
    hidden: frozenset[str] = frozenset()  # fields a command line never sets
    default_format: str = "text"


@dataclass(frozen=True)
class Operation(Generic[Req, Res]):
    """One operation of the workflow, as both adapters expose it."""

    name: str  # the MCP tool name
    title: str
    description: str  # for a model: short, precise, one example
    request: type[Req]
    result: type[Res]
    call: Callable[[Workspace, Req, Run], Res]
    writes: bool
    cli: CliShape
    text: Callable[[Res], str]
    markdown: Callable[[Res], str]
    exit_code: Callable[[Res], int] = lambda _: EXIT_OK
    # Fields a model never passes as arguments: filled by asking the user (elicitation), or CLI-only.
    not_in_mcp: frozenset[str] = frozenset()

    def parse(self, arguments: Mapping[str, Any]) -> Req:
        """The request from raw arguments, or an error that names each bad field."""
        try:
            return self.request.model_validate(dict(arguments))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'arguments'}: {error['msg']}"
                for error in exc.errors()
            )
            raise InvalidInputError(f"invalid arguments for {self.name}: {problems}") from None

    def __call__(self, ws: Workspace, request: Req, run: Run) -> Res:
        return self.call(ws, request, run)

    def invoke(self, ws: Workspace, run: Run | None = None, **arguments: Any) -> Res:
        """Parse `arguments` and call the service; for code that runs Codecot in-process (tests, benches)."""
        return self.call(ws, self.parse(arguments), run or Run())


def _verdict_exit(result: ValidationResult) -> int:
    return EXIT_FAILED if result.validation.verdict == "fail" else EXIT_OK


CAPTURE_INTENT = Operation[CaptureIntentRequest, IntentResult](
    name="capture_intent",
    title="Capture intent",
    description="Turn a discussion into a stored intent: problem, goals, non-goals, constraints, decisions, "
    "open questions, acceptance signals, each quoting its source lines, with code names linked to the "
    'repo. Example: capture_intent(discussion="alice: exports time out\\nbob: we need CSV export")',
    request=CaptureIntentRequest,
    result=IntentResult,
    call=capture_intent,
    writes=True,
    cli=CliShape(
        command="capture",
        help="capture an intent from a discussion file ('-' reads stdin)",
        positionals=("discussion",),
        from_file=frozenset({"discussion"}),
        hidden=frozenset({"ask_user"}),
    ),
    text=views.intent_text,
    markdown=views.intent_markdown,
    not_in_mcp=frozenset({"answers"}),
)

DRAFT_SPEC = Operation[DraftSpecRequest, SpecResult](
    name="draft_spec",
    title="Draft or revise a spec",
    description="Create a spec from an intent (requirements with stable IDs, EARS or Given/When/Then "
    "criteria, affected code, risks, test plan) or revise one; returns lint findings. Hand edits are "
    'kept. Example: draft_spec(intent_id="INT-1")',
    request=DraftSpecRequest,
    result=SpecResult,
    call=draft_spec,
    writes=True,
    cli=CliShape(
        command="spec",
        help="draft a spec from an intent, or revise one with --spec-id",
        positionals=("intent_id",),
        aliases={"spec_id": "--spec"},
    ),
    text=views.spec_text,
    markdown=views.spec_markdown,
)

SCOPE_TASK = Operation[ScopeTaskRequest, ScopeResult](
    name="scope_task",
    title="Scope tasks",
    description="Cut a spec's requirements into small tasks: allowed/forbidden path globs, target symbols, "
    'checks, a change budget, dependencies and the base commit. Example: scope_task(spec_id="SPEC-1")',
    request=ScopeTaskRequest,
    result=ScopeResult,
    call=scope_task,
    writes=True,
    cli=CliShape(
        command="scope",
        help="cut a spec's requirements into scoped tasks",
        positionals=("spec_id",),
        hidden=frozenset({"new_checks"}),
    ),
    text=views.scope_text,
    markdown=views.scope_markdown,
    not_in_mcp=frozenset({"new_checks"}),
)

CONTEXT_PACK = Operation[ContextPackRequest, ContextPack](
    name="context_pack",
    title="Context pack",
    description="The code to read for a task or a question: ranked files with reasons and code spans, "
    'rendered within the token budget. Example: context_pack(task_id="TASK-1", token_budget=8000)',
    request=ContextPackRequest,
    result=ContextPack,
    call=context_pack,
    writes=False,
    cli=CliShape(
        command="pack",
        help="a context pack for a free-text query or a task",
        positionals=("query",),
        aliases={"task_id": "--task", "token_budget": "--budget"},
    ),
    text=views.pack_text,
    markdown=views.pack_markdown,
)

VALIDATE_CHANGE = Operation[ValidateChangeRequest, ValidationResult](
    name="validate_change",
    title="Validate the change",
    description="Judge the real git diff against the task's scope and budget, run its checks, find "
    "requirement evidence, and store the verdict (pass/warn/fail) against the commit. Only 'pass' marks a "
    'task done. Example: validate_change(task_id="TASK-1")',
    request=ValidateChangeRequest,
    result=ValidationResult,
    call=validate_change,
    writes=True,
    cli=CliShape(
        command="validate",
        help="validate the change of a task; exit 1 on 'fail'",
        positionals=("task_id",),
    ),
    text=views.validation_text,
    markdown=views.validation_markdown,
    exit_code=_verdict_exit,
    not_in_mcp=frozenset({"run_checks"}),
)

WORKFLOW_STATUS = Operation[WorkflowStatusRequest, WorkflowStatus](
    name="workflow_status",
    title="Workflow status",
    description="Every intent, spec and task with its state, stale verdicts, unreadable files, and the one "
    "next action to take.",
    request=WorkflowStatusRequest,
    result=WorkflowStatus,
    call=workflow_status,
    writes=False,
    cli=CliShape(command="status", help="where every intent, spec and task stands, and the next action"),
    text=views.status_text,
    markdown=views.status_markdown,
)

DRAFT_PR = Operation[DraftPrRequest, PullRequestDraft](
    name="draft_pr",
    title="Draft a pull request",
    description="A PR title and Markdown body: the intent, requirement coverage, scope report and check "
    'evidence from the last validation. Example: draft_pr(task_id="TASK-1")',
    request=DraftPrRequest,
    result=PullRequestDraft,
    call=draft_pr,
    writes=False,
    cli=CliShape(
        command="pr",
        help="draft a pull request title and body for a task",
        positionals=("task_id",),
        default_format="markdown",
    ),
    text=views.pr_text,
    markdown=views.pr_markdown,
)

OPERATIONS: tuple[Operation[Any, Any], ...] = (
    CAPTURE_INTENT,
    DRAFT_SPEC,
    SCOPE_TASK,
    CONTEXT_PACK,
    VALIDATE_CHANGE,
    WORKFLOW_STATUS,
    DRAFT_PR,
)
