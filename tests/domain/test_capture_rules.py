"""One table per capture rule, each row an input shape a new user pastes (issue, traceback, chat, notes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codecot_mcp.bench.capture import Score, evaluate, load, score_field
from codecot_mcp.domain.extraction import ExtractedIntent, extract_intent, find_identifiers

CHAT = """\
Ana: The promo code field crashes on unknown codes.
Ben: It should reject unknown codes with a clear error message instead of crashing.
Ana: Should expired codes be rejected too?
Ben: Not sure yet.
Ana: Let's keep expired codes out of scope for now.
"""

ISSUE = """\
Export ignores the date range
### Description
The CSV export contains every row.
### Steps to reproduce
1. Pick last week and click Export.
### Expected behavior
The export should only contain rows inside the range.
### Environment
Python 3.12 should be fine
"""

TRACEBACK = """\
parse_date crashes on empty strings
    a = ""
    parse_date(a)

Traceback (most recent call last):
  File "demo.py", line 2, in <module>
  File "dates.py", line 14, in parse_date
ValueError: time data '' does not match format
"""


def texts(intent: ExtractedIntent, name: str) -> list[str]:
    return [item.text for item in getattr(intent, name)]


@pytest.mark.parametrize(
    ("text", "goal"),
    [
        (CHAT, "reject unknown codes"),
        ("[10:02] Ana: The page must support passkeys.\n[10:03] Leo: ok\n", "must support passkeys"),
        ("2024-01-02 10:02 Mia: We need the VAT number.\n2024-01-02 10:03 Tom: sure\n", "vat number"),
        ("Notes\n- Refunds are expected to go to the original card.\n", "original card"),
        ("# Lazy plugins\n\nWe would like plugins to load lazily.\n", "load lazily"),
        (ISSUE, "only contain rows inside the range"),
    ],
)
def test_should_must_need_expected_would_like_are_goals(text: str, goal: str) -> None:
    assert any(goal in g.lower() for g in texts(extract_intent(text), "goals"))


def test_a_should_sentence_is_a_goal_and_still_an_acceptance_signal() -> None:
    intent = extract_intent(CHAT)
    assert any("reject unknown codes" in a for a in texts(intent, "acceptance_signals"))


def test_the_reply_after_a_hedge_settles_the_question_and_quotes_both() -> None:
    intent = extract_intent(CHAT)
    assert texts(intent, "open_questions") == []
    decision = next(d for d in intent.decisions if "expired codes" in d.text)
    assert decision.text.startswith("Should expired codes be rejected too?")
    assert decision.source is not None and (decision.source.start_line, decision.source.end_line) == (3, 5)
    assert "Should expired" in decision.source.quote and "out of scope" in decision.source.quote
    assert any("expired codes" in n for n in texts(intent, "non_goals"))


@pytest.mark.parametrize("hedge", ["Not sure yet.", "Maybe.", "Good question, no idea.", "Maybe a minute?"])
def test_a_hedge_is_not_a_question(hedge: str) -> None:
    intent = extract_intent(f"Ana: We need undo for bulk deletes.\nBen: {hedge}\n")
    assert texts(intent, "open_questions") == []


def test_a_question_only_hedged_stays_open() -> None:
    intent = extract_intent("Ana: We need undo.\nBen: Should undo cover imports?\nAna: Not sure yet.\n")
    assert texts(intent, "open_questions") == ["Should undo cover imports?"]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (ISSUE, "Export ignores the date range"),
        ("### Describe the bug\nLogin fails.\n### Expected behavior\nIt works.\n", "Login fails"),
        ("**Description**\nUploads fail for names with spaces.\n", "Uploads fail for names with spaces"),
        ("## Bug description\n\n# Real title\nText.\n", "Real title"),
        (
            "### Search before asking\n- [X] I searched.\n"
            "### What Happened\nSearch is slow on big workspaces.\n",
            "Search is slow on big workspaces",
        ),
    ],
)
def test_a_template_heading_is_never_the_title(text: str, title: str) -> None:
    assert extract_intent(text).title_guess == title


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (TRACEBACK, "ValueError: time data '' does not match format"),
        ("Crash\n```\nTraceback (most recent call last):\n  x\nKeyError: 'id'\n```\n", "KeyError: 'id'"),
        ("Go panics\n```\npanic: assignment to entry in nil map\n\ngoroutine 7\n```\n", "panic: assignment"),
    ],
)
def test_a_tracebacks_final_error_line_is_the_problem(text: str, error: str) -> None:
    intent = extract_intent(text)
    assert intent.problem[0].text.startswith(error)
    source = intent.problem[0].source
    assert source is not None and source.quote.startswith(error)
    assert text.splitlines()[source.start_line - 1].strip().startswith(error)


def test_a_bug_report_gets_a_goal_from_its_error_and_a_test_from_its_reproduction() -> None:
    intent = extract_intent(TRACEBACK)
    assert texts(intent, "goals") == [
        "parse_date no longer fails with ValueError: time data '' does not match format"
    ]
    assert any("reproduction" in a for a in texts(intent, "acceptance_signals"))
    assert "a" not in intent.candidate_identifiers  # the pasted code is code, not prose


def test_steps_to_reproduce_become_a_test_to_write_and_environment_is_skipped() -> None:
    intent = extract_intent(ISSUE)
    assert any("steps to reproduce" in a for a in texts(intent, "acceptance_signals"))
    assert not any("Python 3.12" in g for g in texts(intent, "goals"))


@pytest.mark.parametrize(
    ("text", "goal"),
    [
        (
            "Export times out on big files\nIt happens every night.\n",
            "Export times out on big files no longer happens",
        ),
        ("The importer is broken.", "The importer is broken no longer happens"),
        ("Dark mode for the dashboard\nSeveral users asked.\n", "Dark mode for the dashboard"),
    ],
)
def test_every_intent_has_a_goal(text: str, goal: str) -> None:
    assert texts(extract_intent(text), "goals") == [goal]


@pytest.mark.parametrize(
    ("text", "kept", "dropped"),
    [
        ("Use `a` and `x0` with `parse_date`.", ["parse_date"], ["a", "x0"]),
        ("see p.x and load_rows() in io/db.py", ["load_rows", "io/db.py"], ["p.x"]),
    ],
)
def test_names_of_one_or_two_characters_are_not_code(text: str, kept: list[str], dropped: list[str]) -> None:
    found = find_identifiers([text])
    assert all(k in found for k in kept) and not any(d in found for d in dropped)


def test_the_capture_bench_scores_two_tiny_labelled_items(tmp_path: Path) -> None:
    rows = [
        {
            "id": "t1",
            "shape": "chat",
            "text": CHAT,
            "expected": {"title": None, "goals": ["reject unknown codes"], "non_goals": ["expired codes"]},
        },
        {
            "id": "t2",
            "shape": "issue",
            "text": ISSUE,
            "expected": {"title": "date range", "goals": ["only contain rows", "never said"]},
            "split": "holdout",
        },
    ]
    data = tmp_path / "tiny.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    report = evaluate(load(data))
    assert (report.scores["goals"].found, report.scores["goals"].expected) == (2, 3)
    assert report.scores["non_goals"].recall == 1.0
    assert (report.titles_right, report.titles) == (1, 1)
    assert any("never said" in miss for miss in report.misses)


def test_an_expected_item_is_counted_once_and_matching_folds_case_and_space() -> None:
    score = Score()
    missed = score_field(["Exit  Code 2"], ["keep exit code 2", "exit code 2 always"], score)
    assert missed == [] and (score.found, score.matching, score.extracted) == (1, 1, 2)
    assert score.precision == 0.5 and score.recall == 1.0


def test_the_shipped_set_has_40_labelled_items_and_a_held_out_third() -> None:
    items = load()
    assert len(items) >= 40
    assert {i.shape for i in items} >= {"issue", "traceback", "chat", "notes", "markdown"}
    assert len([i for i in items if i.split == "holdout"]) * 3 >= len(items) - 2
