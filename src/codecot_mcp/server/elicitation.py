"""Questions for the user (MCP elicitation), each with a fallback for hosts that cannot ask.

A resolver runs before its tool and returns either `{}` (nothing to ask, or no way
to ask) or an `Elicit` form; the tool receives the answers, or nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult
from pydantic import BaseModel, Field, create_model

from codecot_mcp.server.protocol import CodecotServer
from codecot_mcp.services.intents import open_questions_of
from codecot_mcp.services.tasks import unknown_checks
from codecot_mcp.services.workspace import Workspace

MAX_ELICITED_QUESTIONS = 5


async def ask_open_questions(discussion: str, ask_user: bool, ctx: Context) -> Any:
    """Offer the intent's open questions to the user, where the host can ask them.

    Without the elicitation capability (or with ask_user false) nothing is asked;
    the questions come back in the result for the agent to ask.
    """
    capabilities = ctx.client_capabilities
    if not ask_user or capabilities is None or capabilities.elicitation is None:
        return {}
    questions = (await anyio.to_thread.run_sync(open_questions_of, discussion))[:MAX_ELICITED_QUESTIONS]
    if not questions:
        return {}
    fields: dict[str, Any] = {
        q.id: (str, Field(default="", title=q.id, description=q.text[:300])) for q in questions
    }
    form = create_model("OpenQuestions", **fields)
    return Elicit(
        "The discussion leaves these questions open. Answer what you can; leave the rest empty.", form
    )


async def ask_for_checks(checks: list[str] | None, ctx: Context) -> Any:
    """Ask the user for the command of each requested check that the config lacks.

    Commands come from the person, never from the model's arguments; without the
    elicitation capability scope_task fails with a hint to edit the config instead.
    """
    capabilities = ctx.client_capabilities
    server = ctx.mcp_server
    if not checks or capabilities is None or capabilities.elicitation is None:
        return {}
    if not isinstance(server, CodecotServer):
        return {}
    unknown = await anyio.to_thread.run_sync(partial(unknown_checks, server.ws, checks))
    if not unknown:
        return {}
    fields: dict[str, Any] = {
        f"check_{number}": (
            str,
            Field(
                default="",
                title=name,
                description=f"Command line for check '{name}', e.g. 'python3 -m pytest -q' "
                "(run without a shell). Leave empty to not add it.",
            ),
        )
        for number, name in enumerate(unknown[:MAX_ELICITED_QUESTIONS])
    }
    return Elicit(
        "These checks are not in .codecot/config.toml yet. Give the command to add each one "
        "(it is written to the config for review), or leave it empty.",
        create_model("NewChecks", **fields),
    )


def confirmed_commands(ws: Workspace, checks: list[str] | None, answers: dict[str, str]) -> dict[str, str]:
    """The command line the user gave for each check, by name, in the order the form asked them."""
    unknown = unknown_checks(ws, checks)[:MAX_ELICITED_QUESTIONS]
    given = {name: answers.get(f"check_{n}", "").strip() for n, name in enumerate(unknown)}
    return {name: command for name, command in given.items() if command}


def answers_of(outcome: ElicitationResult[BaseModel]) -> dict[str, str]:
    if not isinstance(outcome, AcceptedElicitation):
        return {}
    data = outcome.data
    raw = data.model_dump() if isinstance(data, BaseModel) else data
    return {str(k): str(v) for k, v in dict(raw).items() if str(v).strip()} if isinstance(raw, dict) else {}
