"""The MCP tools, generated from the table of operations.

Each tool is one generic handler whose signature is made from the operation's
request model, so the SDK builds the same input schema the model validates:
field descriptions and limits are written once, in services/requests.py. A
field the user answers (elicitation) becomes a `Resolve(...)` parameter instead
of an argument. The handler builds the request, runs the service in a worker
thread with a `Run` wired to progress notifications and to cancellation, and
maps Codecot's errors to tool errors whose text says what to do.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, TypeVar, get_type_hints

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver import Context, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from mcp_types import SERVER_INFO_META_KEY
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel

from codecot_mcp.errors import CodecotError
from codecot_mcp.server.elicitation import answers_of, ask_for_checks, ask_open_questions, confirmed_commands
from codecot_mcp.server.protocol import announce_new_artifacts
from codecot_mcp.services.operations import OPERATIONS, Operation
from codecot_mcp.services.run import Run
from codecot_mcp.services.workspace import Workspace

T = TypeVar("T")

_READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
_WRITES = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)


@dataclass(frozen=True)
class Asked:
    """A request field the user fills when asked: the resolver that asks, and how answers become the value."""

    resolver: Callable[..., Any]
    value: Callable[[Workspace, dict[str, Any], dict[str, str]], Any]


def _open_question_answers(_ws: Workspace, _arguments: dict[str, Any], answers: dict[str, str]) -> Any:
    return answers or None


def _check_commands(ws: Workspace, arguments: dict[str, Any], answers: dict[str, str]) -> Any:
    return confirmed_commands(ws, arguments.get("checks"), answers) or None


ASKED: dict[str, Asked] = {
    "answers": Asked(ask_open_questions, _open_question_answers),
    "new_checks": Asked(ask_for_checks, _check_commands),
}


def register_tools(server: MCPServer[None], ws: Workspace) -> None:
    for operation in OPERATIONS:
        server.add_tool(
            tool_handler(ws, operation),
            name=operation.name,
            title=operation.title,
            description=operation.description,
            annotations=_WRITES if operation.writes else _READ_ONLY,
            structured_output=True,
        )


def tool_handler(ws: Workspace, operation: Operation[Any, Any]) -> Callable[..., Any]:
    """One async handler for `operation`, with a signature the SDK reads as the tool's arguments."""
    asked = {name: ASKED[name] for name in operation.not_in_mcp if name in ASKED}

    async def handle(ctx: Context, **arguments: Any) -> Any:
        outcomes = {name: answers_of(arguments.pop(name)) for name in asked}
        run = Run(progress=_progress(ctx))

        def call() -> Any:
            values = {name: asked[name].value(ws, arguments, answers) for name, answers in outcomes.items()}
            filled = {name: value for name, value in values.items() if value is not None}
            return operation(ws, operation.parse(arguments | filled), run)

        result = await _in_thread(call, run)
        if operation.writes:
            await announce_new_artifacts(ctx)
        meta = (
            compact_server_info(ctx)
            if ctx.request_context.protocol_version in MODERN_PROTOCOL_VERSIONS
            else None
        )
        return readable(operation, result, run.notes, meta)

    parameters = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)]
    hints = get_type_hints(operation.request, include_extras=True)
    for name, field in operation.request.model_fields.items():
        if name in operation.not_in_mcp:
            continue
        default = inspect.Parameter.empty if field.is_required() else field.default
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hints[name])
        )
    for name, item in asked.items():
        annotation = Annotated[ElicitationResult[BaseModel], Resolve(item.resolver)]
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
    handle.__signature__ = inspect.Signature(parameters, return_annotation=operation.result)  # type: ignore[attr-defined]
    handle.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": operation.result}
    handle.__name__ = handle.__qualname__ = operation.name
    return handle


def compact_server_info(ctx: Context) -> dict[str, Any]:
    """The 2026-era serverInfo stamp for a tool result, without the icon and description.

    The SDK stamps every modern result with the full server info (about 600 characters,
    most of it the icon's data URI); a tool result is sent on every step of a workflow,
    so it names the server by name, title and version only, which is what identifies it.
    `server/discover` still carries the icon and the description.
    """
    info = ctx.mcp_server._lowlevel_server.server_info
    return {SERVER_INFO_META_KEY: {"name": info.name, "title": info.title, "version": info.version}}


def readable(
    operation: Operation[Any, Any], result: BaseModel, notes: list[str], meta: dict[str, Any] | None = None
) -> CallToolResult:
    """The result as a model reads it cheaply: the text view as content, the data as structure.

    The SDK's default content is the pretty-printed JSON of the result, code as escaped
    strings; the text view is the same information for reading (the pack as Markdown).
    """
    return CallToolResult(
        content=[TextContent(type="text", text="\n".join([*notes, operation.text(result)]))],
        structured_content=result.model_dump(mode="json", by_alias=True),
        _meta=meta,
    )


async def _in_thread(fn: Callable[[], T], run: Run) -> T:
    """Run a blocking service call off the event loop; map Codecot's errors to tool errors.

    A cancelled call returns at once and cancels `run`, which the service polls to stop
    its work (a running check is killed, nothing is stored).
    """
    try:
        return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)
    except anyio.get_cancelled_exc_class():
        run.cancel()
        raise
    except CodecotError as exc:
        raise ToolError(str(exc)) from exc


def _progress(ctx: Context) -> Callable[[int, int, str], None]:
    """Progress from the service's worker thread, sent as the request's progress notifications."""

    def report(done: int, total: int, message: str) -> None:
        anyio.from_thread.run(partial(ctx.report_progress, done, total or None, message))

    return report
