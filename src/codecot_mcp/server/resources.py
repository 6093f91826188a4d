"""Resources: workflow status, the repository map, and every artifact by ID, with completion."""

from __future__ import annotations

import inspect
from functools import partial
from typing import Any, cast

import anyio
import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.types import Completion, PromptReference, Resource, ResourceTemplateReference

from codecot_mcp.domain.ids import ArtifactKind, normalize_id
from codecot_mcp.errors import CodecotError, UnsafePathError
from codecot_mcp.services.context import repo_map
from codecot_mcp.services.requests import WorkflowStatusRequest
from codecot_mcp.services.run import Run
from codecot_mcp.services.status import workflow_status
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import INTENTS, SPECS, TASKS, VALIDATIONS, Codec

RESOURCE_KINDS: dict[str, tuple[Codec[Any], str]] = {
    "intents": (INTENTS, "text/markdown"),
    "specs": (SPECS, "text/markdown"),
    "tasks": (TASKS, "application/json"),
    "validations": (VALIDATIONS, "application/json"),
}


def _read_artifact(ws: Workspace, folder: str, artifact_id: str) -> str:
    codec, _ = RESOURCE_KINDS[folder]
    try:
        return ws.store.read_text(codec, artifact_id)  # refuses links: never serves a file from elsewhere
    except UnsafePathError as exc:
        raise ResourceError(f"cannot read {codec.kind} '{artifact_id}': {exc}") from exc
    except (CodecotError, FileNotFoundError) as exc:
        raise ResourceNotFoundError(f"no {codec.kind} '{artifact_id}'") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ResourceError(f"cannot read {codec.kind} '{artifact_id}': {exc}") from exc


def register_resources(server: MCPServer[None], ws: Workspace) -> None:
    @server.resource(
        "codecot://status",
        name="status",
        title="Workflow status",
        description="Every intent, spec and task with its state, and the next action (JSON).",
        mime_type="application/json",
    )
    async def status_resource() -> str:
        try:
            result = await anyio.to_thread.run_sync(
                partial(workflow_status, ws, WorkflowStatusRequest(), Run())
            )
        except CodecotError as exc:
            raise ResourceError(str(exc)) from exc
        return result.model_dump_json(indent=2)

    @server.resource(
        "codecot://repo-map",
        name="repo-map",
        title="Repository map",
        description="Files and their definitions, cut to a token budget (plain text).",
        mime_type="text/plain",
    )
    async def repo_map_resource() -> str:
        try:
            return await anyio.to_thread.run_sync(partial(repo_map, ws))
        except CodecotError as exc:
            raise ResourceError(str(exc)) from exc

    for folder, (codec, mime) in RESOURCE_KINDS.items():
        _register_artifact_template(server, ws, folder, codec.kind, mime)

    async def complete(ref: Any, argument: Any, context: Any) -> Completion | None:
        kind = _ARGUMENT_KINDS.get(argument.name)
        if kind is None or not isinstance(ref, ResourceTemplateReference | PromptReference):
            return None
        ids = await anyio.to_thread.run_sync(partial(_known_ids, ws, kind))
        prefix = (argument.value or "").upper()
        matches = [i for i in ids if i.startswith(prefix)]
        return Completion(values=matches[:100], total=len(matches), has_more=len(matches) > 100)

    # The SDK's completion decorator is untyped; register through it explicitly.
    cast(Any, server).completion()(complete)


_ARGUMENT_KINDS: dict[str, ArtifactKind] = {
    "intent_id": "intent",
    "spec_id": "spec",
    "task_id": "task",
    "validation_id": "validation",
}


def artifact_resources(ws: Workspace) -> list[Resource]:
    """One resource per stored artifact, so a host can show and attach them."""
    resources: list[Resource] = []
    for folder, (codec, mime) in RESOURCE_KINDS.items():
        for artifact_id in ws.store.ids(codec):
            resources.append(
                Resource(
                    uri=f"codecot://{folder}/{artifact_id}",
                    name=artifact_id,
                    title=f"{codec.kind.capitalize()} {artifact_id}",
                    mime_type=mime,
                )
            )
    return resources


def _known_ids(ws: Workspace, kind: ArtifactKind) -> list[str]:
    codec = next(c for c, _ in RESOURCE_KINDS.values() if c.kind == kind)
    return ws.store.ids(codec)


def _register_artifact_template(
    server: MCPServer[None], ws: Workspace, folder: str, kind: ArtifactKind, mime: str
) -> None:
    param = f"{kind}_id"

    async def read(**kwargs: str) -> str:
        artifact_id = kwargs[param]
        try:
            normalize_id(artifact_id, kind)
        except CodecotError as exc:
            raise ResourceNotFoundError(str(exc)) from exc
        return await anyio.to_thread.run_sync(partial(_read_artifact, ws, folder, artifact_id))

    # The SDK matches template variables to parameter names, so give `read` a real signature.
    read.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, annotation=str)]
    )
    read.__annotations__ = {param: str, "return": str}
    server.resource(
        f"codecot://{folder}/{{{param}}}",
        name=folder,
        title=f"{kind.capitalize()} by ID",
        description=f"The {kind} file as stored under .codecot/{folder}/; IDs complete.",
        mime_type=mime,
    )(read)
