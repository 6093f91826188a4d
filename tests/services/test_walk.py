"""An agent that only follows `next_call` (or, on an error, the hint) reaches a PR draft.

Each walk starts from a state a real user met: intents with and without goals, a spec whose
requirement has no criteria, a spec emptied by hand. The agent makes its change right after
context_pack (inside the task's allowed paths), as the scope result says to.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Callable
from typing import Any

import pytest

from codecot_mcp.domain.models import ContextPack
from codecot_mcp.domain.scope import is_test_path
from codecot_mcp.errors import CodecotError
from codecot_mcp.services.operations import (
    CAPTURE_INTENT,
    DRAFT_SPEC,
    OPERATIONS,
    SCOPE_TASK,
)
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import INTENTS, TASKS
from tests.conftest import MakeRepo, write_files

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
FILES = {
    "src/report.py": "def render_report(rows):\n    return rows\n",
    "src/export.py": "def export_rows(rows):\n    return list(rows)\n",
    "tests/test_report.py": "from src.report import render_report\n",
    "tests/test_export.py": "from src.export import export_rows\n",
    ".codecot/config.toml": f"[checks]\ntests = {json.dumps(PYTEST)}\n",
}
WITH_GOALS = "alice: We need `render_report` to sort rows by name.\nbob: Done when the report test passes.\n"
NO_GOALS = "The report crashes when `render_report` gets an empty list of rows.\n"
QUESTIONS = "alice: We need `export_rows` to skip empty rows.\nbob: Should it also skip rows of spaces?\n"
MAX_CALLS = 12  # capture, spec, a revision, scope, pack, validate, PR, and room for one detour
TOOLS = {op.name: op for op in OPERATIONS}
Call = tuple[str, dict[str, Any]]


def parse_call(text: str) -> Call:
    """The first `tool(arg=literal, ...)` written in a hint or a next_step."""
    for match in re.finditer(r"\b(\w+)\(", text):
        if match[1] not in TOOLS:
            continue
        for end in (m.start() for m in re.finditer(r"\)", text[match.end() :])):
            source = f"f({text[match.end() : match.end() + end]})"
            try:
                node = ast.parse(source, mode="eval").body
            except SyntaxError:
                continue
            assert isinstance(node, ast.Call)
            return match[1], {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    raise AssertionError(f"no call to follow in: {text}")


def walk(ws: Workspace, call: Call) -> list[Call]:
    """Follow the suggestions from `call` until draft_pr answers; the calls made, in order."""
    made: list[Call] = []
    for _ in range(MAX_CALLS):
        assert not made or made[-1] != call, f"the same call twice in a row: {call}"
        made.append(call)
        tool, arguments = call
        try:
            result = TOOLS[tool].invoke(ws, **arguments)
        except CodecotError as exc:
            call = parse_call(exc.hint or "")
            continue
        if tool == "draft_pr":
            return made
        if isinstance(result, ContextPack):
            _make_the_change(ws, result.task_id or "")
            call = ("validate_change", {"task_id": result.task_id})
        elif result.next_call is not None:
            call = (result.next_call.tool, dict(result.next_call.arguments))
        else:
            call = parse_call(result.next_step)
    raise AssertionError(f"no PR draft after {MAX_CALLS} calls: {made}")


def _make_the_change(ws: Workspace, task_id: str) -> None:
    """Edit the first allowed source file and add a test of the edit, both in scope: the test fails
    on the base code (nothing to import there) and passes with the change."""
    task = ws.store.load(TASKS, task_id)
    source = next(p for p in task.allowed_paths if not is_test_path(p))
    test = next(p for p in task.allowed_paths if is_test_path(p))
    module = source.removesuffix(".py").replace("/", ".")
    names = " ".join(task.requirement_ids)
    check = f'\n\ndef test_change():\n    """Covers {names}."""\n    from {module} import changed\n\n'
    write_files(
        ws.root,
        {
            source: (ws.root / source).read_text() + "\n\ndef changed():\n    return 1\n",
            test: (ws.root / test).read_text() + check + "    assert changed() == 1\n",
        },
    )


def _capture(discussion: str) -> Callable[[Workspace], Call]:
    return lambda ws: ("capture_intent", {"discussion": discussion, "ask_user": False})


def _without_goals(ws: Workspace) -> Call:
    """Capture may find no goal in a bug report; the intent is stored with its problem only."""
    intent = CAPTURE_INTENT.invoke(ws, discussion=NO_GOALS).intent
    ws.store.update(INTENTS, intent.id, lambda i: i.model_copy(update={"goals": []}), "intent.edited")
    return ("draft_spec", {"intent_id": intent.id})


def _only_a_title(ws: Workspace) -> Call:
    intent = CAPTURE_INTENT.invoke(ws, discussion=NO_GOALS, title="Sort the report rows").intent
    empty: dict[str, object] = {"problem": [], "goals": [], "acceptance_signals": []}
    ws.store.update(INTENTS, intent.id, lambda i: i.model_copy(update=empty), "intent.edited")
    return ("draft_spec", {"intent_id": intent.id})


def _criterion_missing(ws: Workspace) -> Call:
    intent = CAPTURE_INTENT.invoke(ws, discussion=WITH_GOALS).intent
    draft = {"title": "Sort the report", "criteria": []}
    spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id, requirements=[draft]).spec
    return ("scope_task", {"spec_id": spec.id})


def _emptied_by_hand(ws: Workspace) -> Call:
    spec = DRAFT_SPEC.invoke(ws, **_without_goals(ws)[1]).spec
    path = ws.root / ".codecot" / "specs" / f"{spec.id}.md"
    text = path.read_text()
    start = text.index("### REQ-")
    end = text.index("\n## ", start)
    path.write_text(text[:start] + text[end + 1 :])
    return ("scope_task", {"spec_id": spec.id})


def _emptied_and_orphaned(ws: Workspace) -> Call:
    call = _emptied_by_hand(ws)
    (ws.root / ".codecot" / "intents" / "INT-1.md").unlink()
    return call


STARTS = {
    "intent with goals": _capture(WITH_GOALS),
    "intent captured from a bug report": _capture(NO_GOALS),
    "intent without goals": _without_goals,
    "intent with open questions": _capture(QUESTIONS),
    "intent with only a title": _only_a_title,
    "requirement without criteria": _criterion_missing,
    "spec emptied by hand": _emptied_by_hand,
    "spec emptied by hand, intent gone": _emptied_and_orphaned,
}


@pytest.mark.parametrize("start", list(STARTS))
def test_following_the_suggestions_reaches_a_pr_draft(make_repo: MakeRepo, start: str) -> None:
    ws = Workspace(make_repo(FILES))
    made = walk(ws, STARTS[start](ws))
    assert made[-1][0] == "draft_pr"
    tools = [tool for tool, _ in made]
    assert tools.index("scope_task") < tools.index("context_pack") < tools.index("validate_change")


def test_a_spec_without_goals_says_its_requirement_was_derived(make_repo: MakeRepo) -> None:
    ws = Workspace(make_repo(FILES))
    result = DRAFT_SPEC.invoke(ws, **_without_goals(ws)[1])
    assert len(result.spec.requirements) == 1
    assert "derived-requirement" in {f.code for f in result.findings}
    assert result.next_call is not None and result.next_call.tool == "scope_task"


def test_scope_errors_name_a_call_other_than_the_one_that_failed(make_repo: MakeRepo) -> None:
    ws = Workspace(make_repo(FILES))
    spec_id = _emptied_by_hand(ws)[1]["spec_id"]
    with pytest.raises(CodecotError) as caught:
        SCOPE_TASK.invoke(ws, spec_id=spec_id)
    assert parse_call(caught.value.hint or "") == ("draft_spec", {"spec_id": spec_id})
