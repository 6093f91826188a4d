from __future__ import annotations

from typing import Unpack

import pytest

from codecot_mcp.domain.lint import RULES, criterion_form, lint_intent, lint_spec
from codecot_mcp.domain.models import AcceptanceCriterion, Finding, Intent, IntentItem, Requirement, Spec
from tests.domain.helpers import IntentSections

GOOD = "WHEN the user runs export THE SYSTEM SHALL write a CSV file"


def _intent(**sections: Unpack[IntentSections]) -> Intent:
    return Intent(id="INT-1", title="Export", created_at="2025-01-01T00:00:00Z", **sections)


def _req(
    rid: str = "REQ-1.1", *criteria: str, goals: tuple[str, ...] = ("G1",), **fields: str
) -> Requirement:
    return Requirement(
        id=rid,
        title=fields.get("title", "Export"),
        statement=fields.get("statement", "THE SYSTEM SHALL export rows"),
        goal_ids=list(goals),
        criteria=[AcceptanceCriterion(id=f"AC-{n}", text=text) for n, text in enumerate(criteria, 1)],
    )


def _spec(*requirements: Requirement) -> Spec:
    return Spec(id="SPEC-1", intent_id="INT-1", title="Export", requirements=list(requirements))


def _codes(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.code, f.path) for f in findings}


@pytest.mark.parametrize(
    ("text", "form"),
    [
        (GOOD, "ears"),
        ("IF the file is missing THEN THE SYSTEM SHALL exit with code 2", "ears"),
        ("THE SYSTEM SHALL keep the header", "ears"),
        ("Given a workspace When I export Then a file appears", "gwt"),
        ("When I export, then a file appears", "gwt"),
        ("Exports are quick", "free"),
    ],
)
def test_criteria_forms_are_recognised(text: str, form: str) -> None:
    assert criterion_form(text) == form


@pytest.mark.parametrize(
    ("criterion", "code", "level"),
    [
        ("WHEN the user exports THE SYSTEM SHALL respond fast", "ambiguous-word", "warning"),
        ("THE SYSTEM SHALL export some rows", "ambiguous-word", "warning"),
        ("THE SYSTEM SHALL export CSV and/or TSV", "ambiguous-word", "warning"),
        ("THE SYSTEM SHALL log errors as appropriate", "ambiguous-word", "warning"),
        ("THE SYSTEM SHALL export rows TBD", "ambiguous-word", "warning"),
        ("WHEN x THE SYSTEM should export rows", "should-not-shall", "warning"),
        ("Exports work for big workspaces", "not-testable-form", "warning"),
        ("WHEN the user exports the file appears", "no-observable-outcome", "error"),
        ("WHEN the user exports THE SYSTEM SHALL", "no-observable-outcome", "error"),
        ("Given a big workspace When I export", "no-observable-outcome", "error"),
        (
            "WHEN <trigger> THE SYSTEM SHALL <observable outcome> (TODO: make testable)",
            "placeholder",
            "warning",
        ),
    ],
)
def test_a_weak_criterion_is_reported_with_a_fix(criterion: str, code: str, level: str) -> None:
    findings = [f for f in lint_spec(_spec(_req("REQ-1.1", criterion))) if f.code == code]
    assert findings, f"expected {code}"
    assert findings[0].level == level
    assert findings[0].path == "REQ-1.1/AC-1"
    assert findings[0].fix
    assert findings[0].line is None


@pytest.mark.parametrize(
    "criterion",
    [
        GOOD,
        "Given a workspace with 10 rows When I export Then the file has 11 lines",
        "IF the path is missing THEN THE SYSTEM SHALL exit with code 2",
        "THE SYSTEM SHALL finish within 200 ms for 10,000 rows",
        "THE SYSTEM SHALL show the todo list",  # only a capital TODO is a marker
    ],
)
def test_a_testable_criterion_is_clean(criterion: str) -> None:
    assert lint_spec(_spec(_req("REQ-1.1", criterion))) == []


def test_the_placeholder_is_not_also_reported_as_ambiguous() -> None:
    placeholder = "WHEN <trigger> THE SYSTEM SHALL <observable outcome> (TODO: make testable)"
    assert [f.code for f in lint_spec(_spec(_req("REQ-1.1", placeholder)))] == ["placeholder"]


def test_requirement_level_problems_are_reported() -> None:
    spec = _spec(
        _req("REQ-1.1"),
        _req("REQ-1.1", GOOD),
        _req("REQ-x", GOOD),
        _req("REQ-1.3", GOOD, statement=""),
        _req("REQ-1.4", GOOD, statement="THE SYSTEM SHALL be easy to use"),
    )
    codes = _codes(lint_spec(spec))
    assert ("duplicate-id", "REQ-1.1") in codes
    assert ("no-criteria", "REQ-1.1") in codes
    assert ("bad-requirement-id", "REQ-x") in codes
    assert ("empty-statement", "REQ-1.3") in codes
    assert ("ambiguous-word", "REQ-1.4/statement") in codes
    levels = {f.code: f.level for f in lint_spec(spec)}
    assert levels["no-criteria"] == levels["duplicate-id"] == levels["bad-requirement-id"] == "error"


def test_the_spec_is_checked_against_its_intent() -> None:
    intent = _intent(
        goals=[IntentItem(id="G1", text="Stream CSV export"), IntentItem(id="G2", text="Cancel exports")],
        non_goals=[IntentItem(id="NG1", text="Excel export is out of scope")],
    )
    spec = _spec(
        _req("REQ-1.1", GOOD, goals=("G1", "G9")),
        _req("REQ-1.2", GOOD, goals=("G1",), statement="THE SYSTEM SHALL offer Excel export"),
    )
    codes = _codes(lint_spec(spec, intent))
    assert ("goal-not-covered", "goals/G2") in codes
    assert ("goal-not-covered", "goals/G1") not in codes
    assert ("unknown-goal", "REQ-1.1") in codes
    assert ("non-goal-conflict", "REQ-1.2") in codes
    assert ("non-goal-conflict", "REQ-1.1") not in codes


def test_three_shared_words_with_a_non_goal_are_a_conflict() -> None:
    intent = _intent(
        goals=[IntentItem(id="G1", text="x")],
        non_goals=[IntentItem(id="NG1", text="No retries for partial uploads to storage buckets")],
    )
    spec = _spec(
        _req("REQ-1.1", "THE SYSTEM SHALL retry uploads into the storage when partial", goals=("G1",))
    )
    assert ("non-goal-conflict", "REQ-1.1") in _codes(lint_spec(spec, intent))


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        (_intent(), {("no-goals", "goals")}),
        (
            _intent(
                goals=[IntentItem(id="G1", text="A fast export")],
                constraints=[IntentItem(id="C1", text="ok")],
            ),
            {("ambiguous-word", "goals/G1")},
        ),
        (
            _intent(goals=[IntentItem(id="G1", text="x")], open_questions=[IntentItem(id="Q1", text="csv?")]),
            {("open-question", "open_questions/Q1")},
        ),
        (
            _intent(goals=[IntentItem(id="G1", text="x")], decisions=[IntentItem(id="G1", text="y")]),
            {("duplicate-id", "goals/G1")},
        ),
        (
            _intent(goals=[IntentItem(id="G1", text="Problem: it should be easy")]),
            {("ambiguous-word", "goals/G1")},
        ),
    ],
)
def test_intent_findings(intent: Intent, expected: set[tuple[str, str]]) -> None:
    assert _codes(lint_intent(intent)) == expected


def test_open_questions_are_only_information() -> None:
    intent = _intent(goals=[IntentItem(id="G1", text="x")], open_questions=[IntentItem(id="Q1", text="csv?")])
    assert [f.level for f in lint_intent(intent)] == ["info"]


def test_every_rule_has_a_message_and_a_fix() -> None:
    for code, rule in RULES.items():
        assert rule.message, code
        assert rule.fix, code
