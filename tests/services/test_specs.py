from pathlib import Path

import pytest

from codecot_mcp.domain.scaffold import RequirementDraft
from codecot_mcp.errors import ArtifactError
from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC
from codecot_mcp.services.workspace import Workspace
from tests.conftest import MakeRepo

DISCUSSION = """alice: Exports of big reports time out.
bob: We need a CSV export of the report.
alice: Done when the export of 1000 rows finishes and the tests pass.
"""


@pytest.fixture
def ws(make_repo: MakeRepo) -> Workspace:
    root = make_repo({"src/report.py": "def render_report(rows):\n    return rows\n"})
    return Workspace(root)


def test_a_spec_is_scaffolded_with_one_requirement_per_goal(ws: Workspace) -> None:
    intent = CAPTURE_INTENT.invoke(ws, discussion=DISCUSSION).intent
    result = DRAFT_SPEC.invoke(ws, intent_id=intent.id)
    assert [r.id for r in result.spec.requirements] == ["REQ-1.1"]
    assert result.spec.requirements[0].goal_ids == ["G1"]
    assert result.spec.requirements[0].criteria
    assert result.path == ".codecot/specs/SPEC-1.md"


def test_a_hand_edit_is_read_back_and_kept_when_the_spec_is_revised(ws: Workspace) -> None:
    intent = CAPTURE_INTENT.invoke(ws, discussion=DISCUSSION).intent
    spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
    path = ws.root / ".codecot" / "specs" / "SPEC-1.md"
    edited = path.read_text().replace(
        spec.requirements[0].criteria[0].text,
        "WHEN a user exports 1000 rows THE SYSTEM SHALL return the CSV within 2 seconds",
    )
    path.write_text(edited)
    draft = RequirementDraft(
        title="Cancel an export", criteria=["WHEN the user cancels THE SYSTEM SHALL stop"]
    )
    result = DRAFT_SPEC.invoke(ws, spec_id="SPEC-1", requirements=[draft])
    assert result.hand_edit_kept and result.revised and result.spec.revision == 2
    assert [r.id for r in result.spec.requirements] == ["REQ-1.1", "REQ-1.2"]
    assert "within 2 seconds" in result.spec.requirements[0].criteria[0].text
    assert "within 2 seconds" in path.read_text()


def test_a_hand_edit_that_no_longer_parses_is_reported_with_its_line_and_kept(ws: Workspace) -> None:
    intent = CAPTURE_INTENT.invoke(ws, discussion=DISCUSSION).intent
    DRAFT_SPEC.invoke(ws, intent_id=intent.id)
    path = ws.root / ".codecot" / "specs" / "SPEC-1.md"
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("### REQ-1.1"))
    lines[number] = "### REQUIREMENT ONE"
    broken = "\n".join(lines) + "\n"
    path.write_text(broken)
    with pytest.raises(ArtifactError) as caught:
        DRAFT_SPEC.invoke(ws, spec_id="SPEC-1", requirements=[RequirementDraft(title="x", criteria=[])])
    assert caught.value.line == number + 1
    assert caught.value.path == ".codecot/specs/SPEC-1.md"
    assert path.read_text() == broken


def test_names_in_the_discussion_are_linked_to_the_code(ws: Workspace) -> None:
    result = CAPTURE_INTENT.invoke(ws, discussion="We need `render_report` in src/report.py to stream rows.")
    links = {(link.kind, link.path, link.symbol) for link in result.intent.links}
    assert ("symbol", "src/report.py", "render_report") in links
    assert ("file", "src/report.py", None) in links


def test_agent_fields_replace_sections_and_are_linted(ws: Workspace) -> None:
    result = CAPTURE_INTENT.invoke(
        ws, discussion=DISCUSSION, fields={"goals": ["Make exports fast and easy"]}
    )
    assert [g.text for g in result.intent.goals] == ["Make exports fast and easy"]
    assert any(f.code == "ambiguous-word" for f in result.findings)


def test_the_stored_intent_reads_back_equal_to_what_was_returned(ws: Workspace, tmp_path: Path) -> None:
    from codecot_mcp.store.artifacts import INTENTS

    result = CAPTURE_INTENT.invoke(ws, discussion=DISCUSSION, title="  Export   ")
    assert ws.store.load(INTENTS, result.intent.id) == result.intent
