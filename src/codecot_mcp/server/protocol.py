"""CodecotServer: the SDK's MCPServer with this server's protocol choices.

A compact `tools/list` (see schemas.py), every artifact listed as a resource and
announced when it changes, an unknown tool answered as a protocol error, and
cache hints and an icon chosen on purpose.
"""

from __future__ import annotations

import base64
import inspect
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.caching import CacheHint
from mcp.server.lowlevel import NotificationOptions
from mcp.server.mcpserver import Context, Icon
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, InputRequiredResult, Resource, Tool
from mcp_types.jsonrpc import INVALID_PARAMS
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from codecot_mcp.server.resources import artifact_resources
from codecot_mcp.server.schemas import compact_schema, shallow_schema
from codecot_mcp.services.workspace import Workspace

OUTPUT_SCHEMA_DEPTH = 1  # top-level fields typed; nested objects are "object" (see server/schemas.py)

# Static for the life of the process: hosts may keep them an hour. Lists and reads of artifacts
# change with every write, so they are never fresh (list-changed notifications say when).
_STATIC = CacheHint(ttl_ms=3_600_000, scope="public")
_LIVE = CacheHint(ttl_ms=0, scope="private")
CACHE_HINTS = {
    "server/discover": _STATIC,
    "tools/list": _STATIC,
    "prompts/list": _STATIC,
    "resources/templates/list": _STATIC,
    "resources/list": _LIVE,
    "resources/read": _LIVE,
}
_ICON_SVG = (
    b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>"
    b"<rect width='32' height='32' rx='7' fill='#2f6f4e'/><path d='M21 11a7 7 0 1 0 0 10' "
    b"fill='none' stroke='white' stroke-width='3.5' stroke-linecap='round'/></svg>"
)
ICON = Icon(  # base64, so `src` is a valid URI (the spec's schema checks it)
    src="data:image/svg+xml;base64," + base64.b64encode(_ICON_SVG).decode("ascii"),
    mime_type="image/svg+xml",
    sizes=["any"],
)


async def announce_new_artifacts(ctx: Context) -> None:
    """Tell the client that resources/list changed, on the channel its protocol era has."""
    if ctx.request_context.protocol_version in MODERN_PROTOCOL_VERSIONS:
        await ctx.notify_resources_changed()
    else:
        await ctx.request_context.session.send_resource_list_changed()


class CodecotServer(MCPServer[None]):
    """MCPServer with a compact tools/list and every artifact listed as a resource."""

    def __init__(self, ws: Workspace, **settings: Any) -> None:
        super().__init__(**settings)
        self.ws = ws
        self._tools: list[Tool] | None = None
        # Handshake-era clients learn of list changes only if initialize says so.
        lowlevel = self._lowlevel_server
        create = lowlevel.create_initialization_options
        lowlevel.create_initialization_options = partial(  # type: ignore[method-assign]
            create, NotificationOptions(resources_changed=True)
        )

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[None, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        # An unknown tool is a protocol error (-32602), not a tool result the model should read.
        if self._tool_manager.get_tool(name) is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        return await super().call_tool(name, arguments, context)

    async def list_tools(self) -> list[Tool]:
        if self._tools is None:
            self._tools = [_compact_tool(tool) for tool in await super().list_tools()]
        return self._tools

    async def list_resources(self) -> list[Resource]:
        artifacts: list[Resource] = await anyio.to_thread.run_sync(partial(artifact_resources, self.ws))
        return await super().list_resources() + artifacts


def _compact_tool(tool: Tool) -> Tool:
    output = tool.output_schema
    return tool.model_copy(
        update={
            "description": inspect.cleandoc(tool.description or ""),
            "input_schema": compact_schema(tool.input_schema),
            "output_schema": output
            and compact_schema(shallow_schema(output, OUTPUT_SCHEMA_DEPTH), output=True),
        }
    )
