"""The prompt files (services/prompts.py) as MCP prompts, rendered against the workspace."""

from __future__ import annotations

import anyio
import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver.prompts.base import Prompt, PromptArgument

from codecot_mcp.data import data_dir
from codecot_mcp.errors import CodecotError
from codecot_mcp.services.prompts import PromptFile, computed_values, load_prompt_files
from codecot_mcp.services.workspace import Workspace


def register_prompts(server: MCPServer[None], ws: Workspace) -> None:
    """Every prompt file shipped with the package, rendered against this workspace."""
    for prompt_file in load_prompt_files(data_dir("prompts")):
        server.add_prompt(_prompt_from_file(prompt_file, ws))


def _prompt_from_file(prompt_file: PromptFile, ws: Workspace) -> Prompt:
    async def render(**values: str) -> str:
        def rendered() -> str:
            return prompt_file.render(values, computed_values(ws, values.get("task_id", "")))

        try:
            return await anyio.to_thread.run_sync(rendered)
        except CodecotError as exc:
            raise ValueError(str(exc)) from exc

    return Prompt(
        name=prompt_file.name,
        title=prompt_file.title,
        description=prompt_file.description,
        arguments=[PromptArgument(name=n, required=r, description=d) for n, r, d in prompt_file.arguments],
        fn=render,
        context_kwarg=None,
    )
