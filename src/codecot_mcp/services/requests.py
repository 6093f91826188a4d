"""One request model per operation: each argument's description and limits, once.

The MCP server builds each tool's input schema from these fields and the CLI
builds each subcommand's flags from them (services/operations.py ties the two),
so a limit or a description is written here and nowhere else. A service gets a
validated request and never re-checks sizes.

Fields are written as `name: Annotated[type, Field(...)] = default`: the adapters
read the `Annotated` form to publish the same schema the model validates.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from codecot_mcp.domain import limits
from codecot_mcp.domain.scaffold import RequirementDraft

ArtifactId = Annotated[str, Field(max_length=limits.ARTIFACT_ID_CHARS)]
ShortList = Annotated[list[str], Field(max_length=limits.LIST_ITEMS)]
TextList = Annotated[
    list[Annotated[str, Field(max_length=limits.TEXT_ITEM_CHARS)]], Field(max_length=limits.LIST_ITEMS)
]
IntentSection = Annotated[
    list[Annotated[str, Field(max_length=limits.INTENT_ITEM_CHARS)]],
    Field(max_length=limits.INTENT_SECTION_ITEMS),
]
Revision = Annotated[str, Field(max_length=limits.REVISION_CHARS)]


class Request(BaseModel):
    """Base of the request models: unknown arguments are refused, not dropped."""

    model_config = ConfigDict(extra="forbid")


class CaptureIntentRequest(Request):
    discussion: Annotated[
        str,
        Field(
            description="The discussion: plain text, a 'Name: message' transcript "
            "or an issue thread with comments.",
            min_length=1,
            max_length=limits.MAX_DISCUSSION_CHARS,
        ),
    ]
    title: Annotated[
        str | None, Field(description="Title; guessed when omitted.", max_length=limits.TITLE_CHARS)
    ] = None
    source: Annotated[
        str | None,
        Field(description="Where it came from, e.g. 'issue #12'.", max_length=limits.SOURCE_CHARS),
    ] = None
    fields: Annotated[
        dict[str, IntentSection] | None,
        Field(
            description="Your refined items per section (problem, goals, non_goals, constraints, "
            "decisions, "
            "open_questions, acceptance_signals); replaces that section."
        ),
    ] = None
    ask_user: Annotated[bool, Field(description="Ask open questions via elicitation if the host can.")] = True
    answers: Annotated[
        dict[str, str] | None,
        Field(description="The user's answers to open questions by ID, e.g. {'Q1': 'yes'}."),
    ] = None


class DraftSpecRequest(Request):
    intent_id: Annotated[ArtifactId | None, Field(description="Intent to specify, e.g. INT-1.")] = None
    spec_id: Annotated[ArtifactId | None, Field(description="Spec to revise instead, e.g. SPEC-1.")] = None
    requirements: Annotated[
        list[RequirementDraft] | None,
        Field(
            description="Your requirements; omit to scaffold one per goal. With spec_id, a draft with an "
            "existing id replaces it, others are added, unnamed ones are kept.",
            max_length=limits.LIST_ITEMS,
        ),
    ] = None
    title: Annotated[str | None, Field(max_length=limits.TITLE_CHARS)] = None
    risks: Annotated[TextList | None, Field(description="Replaces the spec's risks.")] = None
    test_plan: Annotated[TextList | None, Field(description="Replaces the spec's test plan.")] = None


class ScopeTaskRequest(Request):
    spec_id: Annotated[ArtifactId, Field(description="e.g. SPEC-1")]
    requirement_ids: Annotated[ShortList | None, Field(description="Default: all, e.g. ['REQ-1.1'].")] = None
    split: Annotated[bool, Field(description="One task per requirement.")] = False
    allowed_paths: Annotated[
        ShortList | None,
        Field(description="Globs the change may touch; default: the spec's affected files and their tests."),
    ] = None
    forbidden_paths: Annotated[ShortList | None, Field(description="Globs it must not touch.")] = None
    checks: Annotated[
        ShortList | None,
        Field(description="Check names from the config (default all); the user is asked for new ones."),
    ] = None
    max_files: Annotated[
        int | None,
        Field(ge=1, le=limits.MAX_BUDGET_FILES, description="Budget; default from config."),
    ] = None
    max_lines: Annotated[int | None, Field(ge=1, le=limits.MAX_BUDGET_LINES)] = None
    worktree: Annotated[bool, Field(description="Create a branch and git worktree per task.")] = False
    new_checks: Annotated[
        dict[str, str] | None,
        Field(description="Command lines a person gave for checks the config lacks, by check name."),
    ] = None


class ContextPackRequest(Request):
    task_id: Annotated[ArtifactId | None, Field(description="e.g. TASK-1")] = None
    query: Annotated[
        str | None,
        Field(description="Free text, e.g. an issue or stack trace.", max_length=limits.MAX_QUERY_CHARS),
    ] = None
    token_budget: Annotated[
        int | None,
        Field(ge=limits.MIN_TOKEN_BUDGET, le=limits.MAX_TOKEN_BUDGET, description="Default from config."),
    ] = None


class ValidateChangeRequest(Request):
    task_id: Annotated[ArtifactId, Field(description="e.g. TASK-1")]
    base: Annotated[Revision | None, Field(description="Default: the task's base commit.")] = None
    head: Annotated[
        Revision | None, Field(description="Default: the working tree, untracked files included.")
    ] = None
    rationale: Annotated[
        str | None,
        Field(description="Why out-of-scope edits were needed.", max_length=limits.MAX_RATIONALE_CHARS),
    ] = None
    run_checks: Annotated[bool, Field(description="Run the task's checks (a person may skip them).")] = True


class WorkflowStatusRequest(Request):
    """workflow_status takes no arguments."""


class DraftPrRequest(Request):
    task_id: Annotated[ArtifactId, Field(description="e.g. TASK-1")]
