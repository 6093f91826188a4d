from __future__ import annotations

from typing import Unpack

import pytest

from codecot_mcp.domain.lint import lint_spec
from codecot_mcp.domain.models import AcceptanceCriterion, Intent, IntentItem, Requirement, Spec
from codecot_mcp.domain.scaffold import (
    PLACEHOLDER_CRITERION,
    RequirementDraft,
    goal_phrase,
    revise_requirements,
    scaffold_requirements,
    scaffold_risks,
    scaffold_test_plan,
    to_ears,
)
from codecot_mcp.errors import InvalidInputError
from tests.domain.helpers import IntentSections


def _items(prefix: str, *texts: str) -> list[IntentItem]:
    return [IntentItem(id=f"{prefix}{n}", text=text) for n, text in enumerate(texts, 1)]


def _intent(**sections: Unpack[IntentSections]) -> Intent:
    return Intent(id="INT-1", title="Export", created_at="2025-01-01T00:00:00Z", **sections)


def _req(number: int, *criteria: str, title: str = "Old") -> Requirement:
    return Requirement(
        id=f"REQ-1.{number}",
        title=title,
        statement="THE SYSTEM SHALL keep this",
        goal_ids=["G1"],
        criteria=[AcceptanceCriterion(id=f"AC-{n}", text=text) for n, text in enumerate(criteria, 1)],
    )


@pytest.mark.parametrize(
    ("goal", "phrase"),
    [
        ("We need to support CSV export.", "support CSV export"),
        ("Users should be able to cancel a running export", "allow users to cancel a running export"),
        ("Let's add a --csv flag", "provide a --csv flag"),
        ("add support for TSV", "support TSV"),
        ("We want exports to stream rows", "ensure that exports stream rows"),
        ("We need a retry button", "provide a retry button"),
        ("The goal is to halve export time", "halve export time"),
        ("Export should stream rows", "ensure that export streams rows"),
        ("Streaming export", None),
    ],
)
def test_a_goal_is_rephrased_after_the_system_shall_when_a_rule_fits(goal: str, phrase: str | None) -> None:
    assert goal_phrase(goal) == phrase


@pytest.mark.parametrize(
    ("signal", "criterion"),
    [
        (
            "when I run export with --csv, the file should have a header row",
            "WHEN I run export with --csv THE SYSTEM SHALL ensure that the file has a header row",
        ),
        (
            "the export should fail with exit code 2 if the path is missing",
            "IF the path is missing THEN THE SYSTEM SHALL ensure that the export fails with exit code 2",
        ),
        (
            "after an upgrade, it should keep old exports",
            "WHEN an upgrade THE SYSTEM SHALL keep old exports",
        ),
        ("it should return 404 for unknown ids", "THE SYSTEM SHALL return 404 for unknown ids"),
        ("expect the rows to be sorted by id", "THE SYSTEM SHALL ensure that the rows are sorted by id"),
        (
            "Done when a 1M-row export finishes under 10 s.",
            "THE SYSTEM SHALL ensure that a 1M-row export finishes under 10 s",
        ),
        ("the new tests should pass", "THE SYSTEM SHALL ensure that the new tests pass"),
    ],
)
def test_an_acceptance_signal_becomes_an_ears_criterion(signal: str, criterion: str) -> None:
    assert to_ears(signal) == criterion


def test_one_requirement_per_goal_with_criteria_from_matching_signals() -> None:
    intent = _intent(
        goals=_items("G", "We need to stream the CSV export", "Users should be able to cancel an export"),
        acceptance_signals=_items("A", "when the CSV export runs, memory should stay under 200 MB"),
    )
    first, second = scaffold_requirements(intent, 3)
    assert (first.id, first.goal_ids, first.statement) == (
        "REQ-3.1",
        ["G1"],
        "THE SYSTEM SHALL stream the CSV export",
    )
    assert first.title == "Stream the CSV export"
    assert [c.text for c in first.criteria] == [
        "WHEN the CSV export runs THE SYSTEM SHALL ensure that memory stays under 200 MB"
    ]
    assert (second.id, second.goal_ids) == ("REQ-3.2", ["G2"])
    assert [(c.id, c.text) for c in second.criteria] == [("AC-1", PLACEHOLDER_CRITERION)]


def test_a_single_goal_takes_every_signal() -> None:
    intent = _intent(
        goals=_items("G", "Faster exports"), acceptance_signals=_items("A", "it should return 200", "x")
    )
    (requirement,) = scaffold_requirements(intent, 1)
    assert [c.id for c in requirement.criteria] == ["AC-1", "AC-2"]
    assert requirement.statement == "Faster exports"


def test_the_placeholder_criterion_is_flagged_by_the_lint() -> None:
    requirements = scaffold_requirements(_intent(goals=_items("G", "We need streaming")), 1)
    spec = Spec(id="SPEC-1", intent_id="INT-1", title="t", requirements=requirements)
    assert "placeholder" in {f.code for f in lint_spec(spec)}


def test_test_plan_and_risks_come_from_criteria_constraints_and_questions() -> None:
    requirements = [_req(1, "THE SYSTEM SHALL stream rows", PLACEHOLDER_CRITERION), _req(2)]
    plan = scaffold_test_plan(requirements)
    assert plan[0] == "REQ-1.1/AC-1: a test that checks: THE SYSTEM SHALL stream rows"
    assert plan[1].startswith("REQ-1.1/AC-2: make the criterion testable")
    assert plan[2].startswith("REQ-1.2: add acceptance criteria")
    intent = _intent(
        constraints=_items("C", "No new dependencies"), open_questions=_items("Q", "csv or tsv?")
    )
    assert scaffold_risks(intent) == [
        "The change could break constraint C1: No new dependencies",
        "Open question Q1 may change the requirements: csv or tsv?",
    ]


def test_a_draft_with_an_existing_id_replaces_it_and_keeps_unsent_fields() -> None:
    existing = [_req(1, "a"), _req(2, "b")]
    draft = RequirementDraft(
        id="req-1.2", title="  New   title ", criteria=["AC-7: WHEN x THE SYSTEM SHALL y", " "]
    )
    revised = revise_requirements(existing, [draft], 1)
    assert revised[0] == existing[0]
    assert revised[1].title == "New title"
    assert revised[1].statement == "THE SYSTEM SHALL keep this"
    assert revised[1].goal_ids == ["G1"]
    assert [(c.id, c.text) for c in revised[1].criteria] == [("AC-1", "WHEN x THE SYSTEM SHALL y")]


def test_requirements_not_mentioned_are_kept() -> None:
    existing = [_req(1, "a"), _req(2, "b", title="Hand edited")]
    revised = revise_requirements(existing, [RequirementDraft(title="New", criteria=["c"])], 1)
    assert revised[:2] == existing
    assert revised[2].id == "REQ-1.3"


def test_new_requirements_never_reuse_a_number() -> None:
    existing = [_req(1, "a"), _req(4, "b")]  # REQ-1.2 and REQ-1.3 were removed by hand
    drafts = [
        RequirementDraft(title="First new", criteria=[]),
        RequirementDraft(id="REQ-1.6", title="Restored", criteria=[]),
        RequirementDraft(title="Second new", criteria=[], goal_ids=["G2"]),
    ]
    revised = revise_requirements(existing, drafts, 1)
    assert [r.id for r in revised] == ["REQ-1.1", "REQ-1.4", "REQ-1.7", "REQ-1.6", "REQ-1.8"]
    assert revised[-1].goal_ids == ["G2"]
    assert revised[2].statement == ""


@pytest.mark.parametrize(
    ("drafts", "message"),
    [
        ([RequirementDraft(id="REQ-2.1", title="x", criteria=[])], "SPEC-2"),
        ([RequirementDraft(id="REQ-1.1", title="x", criteria=[])] * 2, "twice"),
        ([RequirementDraft(id="R1", title="x", criteria=[])], "not a requirement ID"),
        ([RequirementDraft(title="  ", criteria=[])], "empty title"),
    ],
)
def test_bad_drafts_are_refused_with_a_hint(drafts: list[RequirementDraft], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as error:
        revise_requirements([_req(1, "a")], drafts, 1)
    assert error.value.hint


def test_the_draft_schema_is_small_and_described() -> None:
    schema = RequirementDraft.model_json_schema()
    assert set(schema["properties"]) == {"id", "title", "statement", "goal_ids", "criteria"}
    assert schema["required"] == ["title", "criteria"]
    assert all("description" in p for p in schema["properties"].values())


def test_goal_ids_written_as_one_string_are_split() -> None:
    draft = RequirementDraft(title="x", goal_ids=["G1, G2", " G3 "], criteria=[])
    (requirement,) = revise_requirements([], [draft], 1)
    assert requirement.goal_ids == ["G1", "G2", "G3"]


@pytest.mark.parametrize("signal", ["Done when.", "acceptance:", "", "when it runs, "])
def test_degenerate_signals_still_give_a_clean_criterion(signal: str) -> None:
    criterion = to_ears(signal)
    assert criterion == criterion.strip()
    assert "SHALL" in criterion


def _bare_intent(**sections: list[IntentItem]) -> Intent:
    bare = Intent(id="INT-1", title="Untitled intent", created_at="2026-01-01T00:00:00Z")
    return bare.model_copy(update=sections)


def test_a_requirement_is_derived_from_the_problem_then_the_signals_then_the_title() -> None:
    from codecot_mcp.domain.scaffold import derived_requirement

    problem = [IntentItem(id="P1", text="Dumping a generator drops the first item.")]
    signals = [IntentItem(id="A1", text="Done when every item is dumped.")]
    derived = derived_requirement(_bare_intent(problem=problem, acceptance_signals=signals), 1)
    assert derived is not None and derived[1] == "problem"
    assert "drops the first item" in derived[0].statement
    assert derived[0].id == "REQ-1.1" and derived[0].criteria[0].text.startswith("THE SYSTEM SHALL")
    from_signals = derived_requirement(_bare_intent(acceptance_signals=signals), 2)
    assert from_signals is not None and from_signals[1] == "acceptance signals"
    titled = _bare_intent().model_copy(update={"title": "Stream the export"})
    from_title = derived_requirement(titled, 1)
    assert from_title is not None and from_title[0].statement == "THE SYSTEM SHALL stream the export"
    assert derived_requirement(_bare_intent(), 1) is None
