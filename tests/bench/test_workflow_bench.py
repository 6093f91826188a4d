import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.types import CallToolResult, TextContent

from codecot_mcp.bench.localize import code_spans
from codecot_mcp.bench.workflow import (
    MAX_CALLS_BEFORE_TASK,
    Call,
    Outcome,
    PackResult,
    Session,
    WorkflowResult,
    _approve_as_a_person,
    _justify,
    count_allowed_files,
    evidence_cells,
    follow_hints,
    hunk_lines_shown,
    is_template_title,
    load_workflow_tasks,
    report,
    run_workflow_bench,
    suggested_call,
)
from codecot_mcp.domain.models import ContextPack, PackSpan
from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC, SCOPE_TASK
from codecot_mcp.services.tasks import load_task
from codecot_mcp.services.workspace import Workspace
from tests.conftest import MakeRepo, write_files

BASE = {
    "pkg/__init__.py": "",
    "pkg/report.py": 'def render_report(rows):\n    return "\\n".join(rows) + "\\n"\n',
    "pkg/util.py": "def helper():\n    return 1\n",
    "tests/__init__.py": "",
    "tests/test_report.py": (
        "from pkg.report import render_report\n\n\n"
        'def test_one():\n    assert render_report(["a"]) == "a\\n"\n'
    ),
}

REPORT_FIX = """\
diff --git a/pkg/report.py b/pkg/report.py
--- a/pkg/report.py
+++ b/pkg/report.py
@@ -1,2 +1,4 @@
 def render_report(rows):
+    if not rows:
+        return ""
     return "\\n".join(rows) + "\\n"
"""

REPORT_TEST = "\n".join(
    [
        "diff --git a/tests/test_report.py b/tests/test_report.py",
        "--- a/tests/test_report.py",
        "+++ b/tests/test_report.py",
        "@@ -3,3 +3,7 @@ from pkg.report import render_report",
        " ",  # a blank context line is one space
        " def test_one():",
        '     assert render_report(["a"]) == "a\\n"',
        "+",
        "+",
        "+def test_empty():",
        '+    assert render_report([]) == ""',
        "",
    ]
)

HELPER_FIX = """\
diff --git a/pkg/util.py b/pkg/util.py
--- a/pkg/util.py
+++ b/pkg/util.py
@@ -1,2 +1,2 @@
 def helper():
-    return 1
+    return 2
"""

HELPER_TEST = """\
diff --git a/tests/test_misc.py b/tests/test_misc.py
new file mode 100644
--- /dev/null
+++ b/tests/test_misc.py
@@ -0,0 +1,5 @@
+from pkg.util import helper
+
+
+def test_helper():
+    assert helper() == 2
"""

TASKS = [
    {
        "instance_id": "t-1",
        "repo": "o/report",
        "problem_statement": (
            "render_report adds a stray newline for empty rows\n\n"
            'render_report in pkg/report.py returns "\\n" when rows is empty.\n'
            "We need render_report to return an empty string when there are no rows.\n"
        ),
        "gold_files": ["pkg/report.py"],
        "gold_hunks": {"pkg/report.py": [[1, 1]]},
        "patch": REPORT_FIX,
        "test_patch": REPORT_TEST,
    },
    {
        "instance_id": "t-2",
        "repo": "o/util",
        "problem_statement": (
            "helper in pkg/util.py returns the wrong number\n\n"
            "We need helper in pkg/util.py to return 2 instead of 1.\n"
        ),
        "gold_files": ["pkg/util.py"],
        "gold_hunks": {"pkg/util.py": [[2, 2]]},
        "patch": HELPER_FIX,
        "test_patch": HELPER_TEST,
    },
]


def _tasks_file(tmp_path: Path) -> tuple[Path, Path]:
    trees = tmp_path / "trees"
    for task in TASKS:
        write_files(trees / str(task["instance_id"]), BASE)
    tasks_file = tmp_path / "tasks.jsonl"
    tasks_file.write_text("".join(json.dumps(t) + "\n" for t in TASKS), encoding="utf-8")
    return tasks_file, trees


# ------------------------------------------------------------------ end to end, over stdio


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> list[WorkflowResult]:
    tasks_file, trees = _tasks_file(tmp_path_factory.mktemp("workflow"))
    return run_workflow_bench(load_workflow_tasks(tasks_file), trees, timeout=120)


def test_the_agent_reaches_a_pr_by_hints_alone(played: list[WorkflowResult]) -> None:
    first = played[0]
    assert first.error is None and first.dead_end is None and first.server_errors == []
    assert first.trail == [
        "capture_intent()",
        "draft_spec(intent_id='INT-1')",
        "scope_task(spec_id='SPEC-1')",
        "context_pack(task_id='TASK-1')",
        "validate_change(task_id='TASK-1')",
        "draft_pr(task_id='TASK-1')",
    ]
    assert first.calls == 6  # the comparison query pack is not counted
    assert first.intent_goals == 1 and not is_template_title(first.intent_title)
    assert "pkg/report.py" in first.affected_paths
    assert first.verdict is not None and first.pr_ready is not None


def test_costs_are_counted_per_call(played: list[WorkflowResult]) -> None:
    first = played[0]
    problem = str(TASKS[0]["problem_statement"])
    # the issue text goes out once, JSON-escaped, in capture_intent's arguments
    assert first.request_tokens >= len(json.dumps(problem)) / 4
    assert first.request_tokens < len(json.dumps(problem)) / 4 + 6 * 20
    assert first.result_tokens > 0
    assert first.wire_bytes >= 4 * (first.request_tokens + first.result_tokens) - 6 * 6


def test_scope_and_packs_are_scored_against_the_gold_patch(played: list[WorkflowResult]) -> None:
    first, second = played
    assert first.test_files == ["tests/test_report.py"] and second.test_files == ["tests/test_misc.py"]
    assert first.task_pack is not None and first.query_pack is not None
    assert first.task_pack.ranked[0] == "pkg/report.py"
    assert first.task_pack.shown_lines == 1  # the one anchor line of the insertion
    # each allowed glob counts as the tree files it matches, forbidden ones left out
    assert first.allowed_files == count_allowed_files(list(BASE), first.allowed_paths, first.forbidden_paths)
    assert first.allowed_files is not None and first.allowed_files >= 2
    table = report(played)
    # its edit out of scope is explained with `rationale`, as the hint says: one call more
    assert "| o/util | 1 | 0 | 7.0 |" in table
    # the helper's new test file is not in its task's scope: 1 of 2 files with tests, both for report
    assert "| ALL | 2 | 0 | 6.5 |" in table and "| 100.0% | 100.0% | 75.0% |" in table


def test_validation_reports_the_out_of_scope_test_file(played: list[WorkflowResult]) -> None:
    second = played[1]
    assert second.verdict in ("warn", "fail")
    assert "out-of-scope" in second.reason_codes


# ------------------------------------------------------------------ the hints, scripted


class ScriptedClient:
    """Answers each call with the next scripted result; records the calls made."""

    def __init__(self, replies: list[CallToolResult]) -> None:
        self.replies = replies
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def call_tool(self, name: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
        self.calls.append((name, dict(arguments or {})))
        return self.replies[min(len(self.calls), len(self.replies)) - 1]


def _reply(data: dict[str, Any] | None = None, text: str = "ok", error: bool = False) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=data, is_error=error
    )


def _next(tool: str, **arguments: str) -> dict[str, Any]:
    return {"next_call": {"tool": tool, "arguments": arguments}}


def _walk(replies: list[CallToolResult]) -> tuple[str | None, WorkflowResult, ScriptedClient]:
    client = ScriptedClient(replies)
    result = WorkflowResult("t", "o/r", ["a.py"], [], 1)
    task_id = anyio.run(follow_hints, Session(client, result), "the issue")
    return task_id, result, client


INTENT = {"intent": {"title": "Summary", "goals": []}} | _next("draft_spec", intent_id="INT-1")


def test_a_null_next_call_is_a_dead_end() -> None:
    task_id, result, client = _walk(
        [_reply(INTENT), _reply({"spec": {"affected_code": []}, "next_call": None})]
    )
    assert task_id is None and result.dead_end == "no-next-call"
    assert result.calls == 2 and [name for name, _ in client.calls] == ["capture_intent", "draft_spec"]
    assert result.intent_title == "Summary" and is_template_title(result.intent_title)


def test_the_same_call_suggested_twice_is_a_dead_end() -> None:
    spec = {"spec": {"affected_code": []}} | _next("draft_spec", intent_id="INT-1")
    task_id, result, _ = _walk([_reply(INTENT), _reply(spec)])
    assert task_id is None and result.dead_end == "same-call-twice" and result.calls == 2


def test_an_error_hint_is_followed_unless_it_goes_back() -> None:
    helpful = _reply(text="SPEC-9 not found (call scope_task(spec_id='SPEC-1') first)", error=True)
    scoped = _reply({"tasks": [{"id": "TASK-1", "allowed_paths": ["a.py"], "forbidden_paths": []}]})
    task_id, result, client = _walk([_reply(INTENT), helpful, scoped])
    assert task_id == "TASK-1" and result.dead_end is None
    assert client.calls[2] == ("scope_task", {"spec_id": "SPEC-1"})
    back = _reply(text="bad intent (call draft_spec(intent_id='INT-1') again)", error=True)
    task_id, result, _ = _walk([_reply(INTENT), back])
    assert task_id is None and result.dead_end == "same-call-twice"
    spec = {"spec": {"affected_code": []}} | _next("scope_task", spec_id="SPEC-1")
    behind = _reply(text="SPEC-1 has no requirements (call draft_spec(intent_id='INT-1') first)", error=True)
    task_id, result, _ = _walk([_reply(INTENT), _reply(spec), behind])
    assert task_id is None and result.dead_end == "error-hint-goes-back" and result.calls == 3
    lost = _reply(text="the store is locked", error=True)
    assert _walk([_reply(INTENT), lost])[1].dead_end == "error-without-hint"


def test_an_endless_chain_stops_after_the_call_limit() -> None:
    chain = [_reply(_next("draft_spec", spec_id=f"SPEC-{n}")) for n in range(30)]
    task_id, result, client = _walk(chain)
    assert task_id is None and result.dead_end == "too-many-calls"
    assert result.calls == MAX_CALLS_BEFORE_TASK == len(client.calls)


def test_the_next_step_sentence_is_read_when_next_call_is_missing() -> None:
    asked = "Ask the user, then call capture_intent again, or call draft_spec(intent_id='INT-3')."
    sentence = {"next_step": asked}
    outcome = Outcome(Call.of("capture_intent", {}), False, sentence, "")
    assert suggested_call(outcome) == Call.of("draft_spec", {"intent_id": "INT-3"})
    assert suggested_call(Outcome(Call.of("x", {}), False, {"next_call": None, **sentence}, "")) is None
    hinted = "Call context_pack(task_id='TASK-2'), make the change, then validate_change(task_id='TASK-2')."
    found = suggested_call(Outcome(Call.of("scope_task", {}), False, {"next_step": hinted}, ""))
    assert found == Call.of("context_pack", {"task_id": "TASK-2"})


# ------------------------------------------------------------------ scoring


def test_an_outline_shows_no_gold_line() -> None:
    spans = [
        PackSpan(path="a.py", start_line=1, end_line=40, kind="outline"),
        PackSpan(path="a.py", start_line=10, end_line=12, kind="definition"),
        PackSpan(path="b.py", start_line=1, end_line=3, kind="lines"),
    ]
    pack = ContextPack(query="q", token_budget=100, tokens_used=10, files=[], spans=spans, text="")
    shown = code_spans(pack)
    assert shown == [("a.py", 10, 12), ("b.py", 1, 3)]
    hunks = {"a.py": [(5, 6), (11, 14)], "b.py": [(3, 3)], "new.py": []}
    assert hunk_lines_shown(shown, hunks) == 3  # a.py 11, 12 and b.py 3 of the 7 lines


def test_allowed_files_count_globs_by_the_files_they_match() -> None:
    files = ["src/a.py", "src/b.py", "src/sub/c.py", "tests/test_a.py", ".codecot/x.md"]
    assert count_allowed_files(files, ["src/**/*.py"], []) == 3
    assert count_allowed_files(files, ["src/**", "tests/test_new.py"], ["src/sub/**"]) == 3
    assert count_allowed_files(files, ["**"], [".codecot/**"]) == 4


@pytest.mark.parametrize(
    ("title", "template"),
    [
        ("Description", True),
        ("### Bug description:", True),
        ("**Describe the bug**", True),
        ("Summary", True),
        ("render_report crashes on empty rows", False),
        ("Description of units is wrong", False),
    ],
)
def test_template_headings_are_recognised(title: str, template: bool) -> None:
    assert is_template_title(title) is template


def test_the_report_summarises_per_repo() -> None:
    def result(repo: str, allowed: int, goals: int, pack: PackResult | None) -> WorkflowResult:
        r = WorkflowResult("t", repo, ["a.py", "b.py"], ["tests/test_a.py"], 4, intent_goals=goals)
        r.allowed_paths, r.affected_paths, r.allowed_files = ["a.py", "tests/**"], ["a.py"], allowed
        r.task_pack = r.query_pack = pack
        r.verdict, r.reason_codes = "warn", ["out-of-scope", "checks-skipped", "out-of-scope"]
        return r

    full = PackResult(["a.py", "b.py"], 4, 100)
    results = [result("o/x", 2, 1, full), result("o/x", 10, 0, None), result("o/y", 4, 1, None)]
    results[2].dead_end, results[2].verdict, results[2].reason_codes = "no-next-call", None, []
    table = report(results)
    # Acc@5 and edit coverage: one pack finds and shows everything, two tasks have no pack
    assert "| o/x | 0.0% | 50.0% | 50.0% | 0.0% | 50.0% | 50.0% |" in table
    assert "| ALL | 0.0% | 33.3% | 33.3% |" in table
    # goals 2 of 3; affected recall 3 of 6 gold files; scope 3 of 6, with tests 6 of 9
    assert "| 66.7% | 0.0% | 50.0% | 50.0% | 66.7% | 3/4/7/10 |" in table
    assert "| ALL | 0 | 2 | 0 | 1 | checks-skipped 2, out-of-scope 2 | no-next-call 1 |" in table


def test_a_change_held_for_a_person_is_validated_again_once_approved(make_repo: MakeRepo) -> None:
    root = make_repo({"calc.py": "def add(a, b):\n    return a - b\n"})
    ws = Workspace(root)
    try:
        intent = CAPTURE_INTENT.invoke(ws, discussion="alice: We need `add` to return the sum.").intent
        spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
        task = SCOPE_TASK.invoke(ws, spec_id=spec.id, max_lines=800).tasks[0]
        assert task.awaiting_approval  # a budget above the config's
    finally:
        ws.close()
    client = ScriptedClient([_reply({"validation": {"verdict": "pass"}})])
    held = ["awaiting-approval"]
    result = WorkflowResult("t", "o/r", ["calc.py"], [], 1, verdict="warn", reason_codes=held)
    result.env = "o__r__1.0"
    result.attacks = {"revert the fix": "fail"}  # last validated: the honest change is validated again
    anyio.run(_approve_as_a_person, Session(client, result), root, task.id, result)
    assert result.approved_verdict == "pass"
    assert client.calls == [("validate_change", {"task_id": task.id})] * 2
    ws = Workspace(root)
    try:
        assert load_task(ws, task.id).awaiting_approval == []  # the person's approval was recorded
    finally:
        ws.close()
    assert evidence_cells("ALL", [result])[5] == "100.0%"  # passes once a person approves
    unknown = WorkflowResult("u", "o/r", ["calc.py"], [], 1, verdict="warn")
    anyio.run(_approve_as_a_person, Session(client, unknown), root, "TASK-9", unknown)
    assert unknown.approved_verdict is not None and unknown.approved_verdict.startswith("not approved")


def test_out_of_scope_edits_are_explained_as_the_hint_says_before_a_person_is_asked() -> None:
    justified = {"validation": {"verdict": "warn", "reasons": [{"code": "out-of-scope-justified"}]}}
    client = ScriptedClient([_reply(justified)])
    result = WorkflowResult("t", "o/r", ["calc.py", "setup.py"], [], 1, verdict="warn")
    result.reason_codes, result.reason_subjects = ["out-of-scope"], {"out-of-scope": ["setup.py"]}
    codes = anyio.run(_justify, Session(client, result), "TASK-1", result)
    assert codes == {"out-of-scope-justified"}
    [(tool, arguments)] = client.calls
    assert tool == "validate_change" and arguments["task_id"] == "TASK-1"
    assert "setup.py" in arguments["rationale"] and result.calls == 1  # the agent's own call, counted
