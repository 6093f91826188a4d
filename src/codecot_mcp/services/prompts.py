"""Prompts shipped as Markdown files under `prompts/`, rendered with live artifacts.

The MCP server serves them (server/prompts.py) and the task runner hands them to a
headless agent (services/runner.py); both render them here.

A prompt file opens with a small header between `---` lines (`name:`, `title:`,
`description:` and `- arg (required): what it is` lines under `arguments:`);
the body may use `{{ name }}` placeholders: the prompt's arguments, plus
`task`, `context_pack` and `validation`, which are computed only when used.

Arguments come from the client, so they are data: a placeholder alone on its line
becomes a fenced block the value cannot close, one inside a line becomes the value
escaped onto that line. Computed values are Codecot's own Markdown, which already
fences or escapes the repository and discussion text in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from codecot_mcp.data import data_dir
from codecot_mcp.domain.untrusted import display_path, fenced
from codecot_mcp.errors import ArtifactError, InvalidInputError
from codecot_mcp.services import briefing
from codecot_mcp.services.context import context_pack
from codecot_mcp.services.requests import ContextPackRequest
from codecot_mcp.services.run import Run
from codecot_mcp.services.workspace import Workspace

_ARGUMENT = re.compile(r"^-\s*(?P<name>[a-z_][a-z0-9_]*)\s*(?P<req>\(required\))?\s*:\s*(?P<desc>.*)$")
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


@dataclass
class PromptFile:
    name: str
    title: str
    description: str
    arguments: list[tuple[str, bool, str]] = field(default_factory=list)  # (name, required, description)
    body: str = ""

    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(self.body))

    def render(self, values: dict[str, str], computed: dict[str, Callable[[], str]]) -> str:
        cache: dict[str, str] = {}

        def value(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in values:
                return as_data(values[key], self.body, match.start(), match.end())
            if key not in cache and key in computed:
                cache[key] = computed[key]()
            return cache.get(key, match.group(0))

        return PLACEHOLDER.sub(value, self.body)


def as_data(value: str, body: str, start: int, end: int) -> str:
    """An argument's value for the placeholder at body[start:end]: fenced alone on a line, else escaped."""
    line_start = body.rfind("\n", 0, start) + 1
    line_end = body.find("\n", end)
    indent = body[line_start:start]
    if indent.strip() or body[end : None if line_end < 0 else line_end].strip():
        return display_path(value)
    return fenced(value, "text", indent=indent)[len(indent) :]


def parse_prompt_file(text: str, path: str) -> PromptFile:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ArtifactError("a prompt file must open with a '---' header", path=path, line=1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ArtifactError("the '---' header is never closed", path=path, line=1) from None
    header: dict[str, str] = {}
    arguments: list[tuple[str, bool, str]] = []
    for number in range(1, end):
        line = lines[number].strip()
        if not line or line == "arguments:":
            continue
        arg = _ARGUMENT.match(line)
        if arg:
            arguments.append((arg.group("name"), bool(arg.group("req")), arg.group("desc").strip()))
        elif ":" in line:
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
        else:
            raise ArtifactError(f"cannot read header line '{line}'", path=path, line=number + 1)
    if "name" not in header:
        raise ArtifactError("the header has no 'name:'", path=path, line=1)
    return PromptFile(
        name=header["name"],
        title=header.get("title", header["name"]),
        description=header.get("description", ""),
        arguments=arguments,
        body="\n".join(lines[end + 1 :]).strip() + "\n",
    )


def load_prompt_files(folder: Path) -> list[PromptFile]:
    return [
        parse_prompt_file(p.read_text(encoding="utf-8"), f"prompts/{p.name}")
        for p in sorted(folder.glob("*.md"))
    ]


def computed_values(ws: Workspace, task_id: str) -> dict[str, Callable[[], str]]:
    """The values a prompt may use besides its arguments, each computed only when used."""
    return {
        "task": lambda: briefing.task_brief(ws, task_id),
        "context_pack": lambda: context_pack(ws, ContextPackRequest(task_id=task_id), Run()).text,
        "validation": lambda: briefing.validation_brief(ws, task_id),
    }


def render_prompt(ws: Workspace, name: str, values: dict[str, str]) -> str:
    """The shipped prompt `name` rendered for this workspace (e.g. implement_task with a task_id)."""
    for prompt_file in load_prompt_files(data_dir("prompts")):
        if prompt_file.name == name:
            return prompt_file.render(values, computed_values(ws, values.get("task_id", "")))
    raise InvalidInputError(f"no prompt named '{name}'")
