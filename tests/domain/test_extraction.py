from __future__ import annotations

import pytest

from codecot_mcp.domain.discussion import NOT_SPEAKERS, Statement, split_lines, visible_lines
from codecot_mcp.domain.extraction import (
    LABELS,
    ExtractedIntent,
    classify,
    extract_intent,
    find_identifiers,
    merge_agent_fields,
    trim_title,
)
from codecot_mcp.domain.models import SECTION_FIELDS
from codecot_mcp.errors import InvalidInputError

SLACK = """\
[10:02] Alice: The CSV export is broken for big workspaces. It times out after 30s.
[10:03] Bob: yeah, the problem is that `ExportService.run` loads every row into memory
[10:04] **Carol**: We need streaming export so big workspaces finish.
It must not add new dependencies.
[10:05] Alice: csv or tsv?
[10:06] Bob: we decided csv, same as the importer in src/export/writer.py
[10:07] Carol: Excel output is out of scope for now.
[10:08] Alice: Done when a 1M-row export finishes under 10 s.
[10:09] Bob: who decides the retry policy?
"""

ISSUE = """\
# Export times out on large workspaces

**alice** opened this issue on Nov 2

Exporting a workspace with 1M rows fails with a 504. We want exports to stream.

### Comment by bob

> Exporting a workspace with 1M rows fails with a 504.

Should we support Excel too?

---

**carol** commented on Nov 3

> Should we support Excel too?

No, Excel is out of scope. Let's go with chunked streaming via `stream_rows()`.
"""

NOTES = """\
Export sync, May 2

## Goals
- Stream rows to the client
- Users should be able to cancel a running export

## Open questions
- Retry policy for failed chunks

## Decisions
- Chunked transfer encoding

Q: CSV or TSV?
A: CSV, like the importer.
"""


def _items(extracted: ExtractedIntent) -> dict[str, list[str]]:
    return {
        name: [i.text for i in getattr(extracted, name)]
        for name in SECTION_FIELDS
        if getattr(extracted, name)
    }


def _statement(text: str, section: str | None = None, kind: str = "text") -> Statement:
    return Statement(None, text, 1, 1, text, kind, section)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The export crashes on big files.", "problem"),
        ("Currently users wait ten minutes.", "problem"),
        ("Exporting an empty report raises ZeroDivisionError.", "problem"),
        ("The total is wrong when a row is negative.", "problem"),
        ("`singleaxis` produces an incorrect AOI.", "problem"),
        ("We need a streaming export.", "goals"),
        ("I'd like a progress bar.", "goals"),
        ("Excel is out of scope.", "non_goals"),
        ("We won't support PDF.", "non_goals"),
        ("Let's do resumable exports later.", "non_goals"),
        ("It must not add new dependencies.", "constraints"),
        ("Keep the existing endpoint.", "constraints"),
        ("The response has to be under 200 ms.", "constraints"),
        ("We decided to use chunked encoding.", "decisions"),
        ("ok, let's go with csv.", "decisions"),
        ("Where do the temp files go?", "open_questions"),
        ("The retry policy is TBD.", "open_questions"),
        ("Not sure about the chunk size.", "open_questions"),
        ("Done when a 1M-row export finishes in 10 s.", "acceptance_signals"),
        ("The new integration test should pass.", "acceptance_signals"),
        ("It should return 404 for unknown IDs.", "acceptance_signals"),
        ("Decision: csv", "decisions"),
        ("Out of scope: PDF export", "non_goals"),
        ("Q1: csv or tsv", "open_questions"),
    ],
)
def test_a_statement_is_classified_by_its_cues(text: str, expected: str) -> None:
    found = classify(_statement(text))
    assert found is not None
    assert found[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We must not break the API.", "constraints"),  # "must not" before "must"
        ("We won't need a new endpoint.", "non_goals"),  # "we won't" before "we need"
        ("We decided we need streaming.", "decisions"),  # decisions before goals
        ("The export crashes, can we add retries?", "open_questions"),  # a question before its cues
        ("Decision: we want streaming?", "decisions"),  # an explicit label before everything
    ],
)
def test_conflicting_cues_follow_the_documented_priority(text: str, expected: str) -> None:
    found = classify(_statement(text))
    assert found is not None
    assert found[0] == expected


def test_a_heading_gives_its_section_to_the_items_below() -> None:
    assert classify(_statement("Chunked encoding", section="Decisions")) == ("decisions", "Chunked encoding")
    assert classify(_statement("Chunked encoding", section="Background")) is None


@pytest.mark.parametrize(
    ("text", "section", "expected"),
    [
        ("We must not add a new dependency such as Elasticsearch.", "Expected behavior", "constraints"),
        ("We can't change the public API shape, clients depend on it.", "Additional context", "constraints"),
        ("It should not use more than one query per page.", "Expected behavior", "constraints"),
        ("It must not crash on an empty file.", "Expected behavior", "acceptance_signals"),  # behaviour
        ("We must not add a new dependency.", "Non-goals", "non_goals"),  # the heading says what it is
    ],
)
def test_a_limit_on_how_the_work_is_done_is_a_constraint_under_any_goal_heading(
    text: str, section: str, expected: str
) -> None:
    found = classify(_statement(text, section=section))
    assert found is not None and found[0] == expected


@pytest.mark.parametrize("kind", ["code", "heading"])
def test_code_and_headings_are_never_items(kind: str) -> None:
    assert classify(_statement("We need this to not crash", kind=kind)) is None


def test_a_slack_transcript_becomes_intent_fields() -> None:
    extracted = extract_intent(SLACK)
    assert extracted.format == "transcript"
    assert _items(extracted) == {
        "problem": [
            "The CSV export is broken for big workspaces.",
            "It times out after 30s.",
            "yeah, the problem is that `ExportService.run` loads every row into memory",
        ],
        "goals": ["We need streaming export so big workspaces finish."],
        "non_goals": ["Excel output is out of scope for now."],
        "constraints": ["It must not add new dependencies."],
        "decisions": ["csv or tsv? we decided csv, same as the importer in src/export/writer.py"],
        "open_questions": ["who decides the retry policy?"],
        "acceptance_signals": ["Done when a 1M-row export finishes under 10 s."],
    }
    assert [i.id for i in extracted.problem] == ["P1", "P2", "P3"]
    assert extracted.decisions[0].source is not None
    assert extracted.decisions[0].source.speaker == "Bob"
    assert extracted.title_guess == "We need streaming export so big workspaces finish"


def test_an_issue_thread_becomes_intent_fields_without_its_quotes() -> None:
    extracted = extract_intent(ISSUE)
    assert extracted.format == "issue_thread"
    assert extracted.title_guess == "Export times out on large workspaces"
    assert _items(extracted) == {
        "problem": ["Exporting a workspace with 1M rows fails with a 504."],
        "goals": ["We want exports to stream."],
        "non_goals": ["No, Excel is out of scope."],
        "decisions": [
            "Should we support Excel too? No, Excel is out of scope.",
            "Let's go with chunked streaming via `stream_rows()`.",
        ],
    }
    assert "stream_rows" in extracted.candidate_identifiers


def test_meeting_notes_use_headings_and_answers() -> None:
    extracted = extract_intent(NOTES)
    assert extracted.format == "plain"
    items = _items(extracted)
    assert items["goals"] == ["Stream rows to the client", "Users should be able to cancel a running export"]
    assert items["open_questions"] == ["Retry policy for failed chunks"]
    assert items["decisions"] == [
        "Chunked transfer encoding",
        "CSV, like the importer. (answer to: CSV or TSV?)",
    ]
    assert extracted.title_guess == "Export sync, May 2"  # the notes' own first line


@pytest.mark.parametrize(
    ("text", "open_questions"),
    [
        ("Alice: csv or tsv?\nBob: we decided csv.", []),
        ("Alice: csv or tsv?\nBob: we decided on streaming.", ["csv or tsv?"]),
        ("Q: csv or tsv?\nA: csv", []),
        (
            "Decision: csv.\nQ: csv or tsv?",
            ["csv or tsv?"],
        ),  # a decision before the question does not answer it
    ],
)
def test_a_question_answered_later_is_not_left_open(text: str, open_questions: list[str]) -> None:
    assert [q.text for q in extract_intent(text).open_questions] == open_questions


@pytest.mark.parametrize("text", [SLACK, ISSUE, NOTES, SLACK.replace("\n", "\r\n")])
def test_every_item_points_at_lines_that_contain_its_quote(text: str) -> None:
    lines = split_lines(text)
    extracted = extract_intent(text)
    for name in SECTION_FIELDS:
        for item in getattr(extracted, name):
            assert item.source is not None
            window = "\n".join(lines[item.source.start_line - 1 : item.source.end_line])
            assert item.source.quote in window


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see `Exporter.run()` and `x y`", ["Exporter.run", "x y"]),
        ("edit src/export/writer.py and setup.cfg", ["src/export/writer.py", "setup.cfg"]),
        ("call export_rows() then parseConfig", ["export_rows", "parseConfig"]),
        ("os.path.join and MAX_ROWS in ExportService", ["os.path.join", "MAX_ROWS", "ExportService"]),
        ("e.g. nothing here, i.e. plain words", []),
        ("docs at https://example.com/a/b.html only", []),
    ],
)
def test_code_looking_tokens_are_candidates(text: str, expected: list[str]) -> None:
    assert find_identifiers([text]) == expected


def test_titles_are_trimmed_at_a_word() -> None:
    title = trim_title("word " * 30)
    assert len(title) <= 80
    assert title.endswith("word…")
    assert trim_title("Short title.") == "Short title"


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_an_empty_discussion_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        extract_intent(text)
    assert error.value.hint


def test_agent_fields_replace_a_section_and_keep_matching_sources() -> None:
    extracted = extract_intent(SLACK)
    merged = merge_agent_fields(
        extracted,
        {
            "goals": ["Stream the CSV export", "We need streaming export so big workspaces finish."],
            "decisions": [],
        },
    )
    assert [(g.id, g.text) for g in merged.goals] == [
        ("G1", "Stream the CSV export"),
        ("G2", "We need streaming export so big workspaces finish."),
    ]
    assert merged.goals[0].source is None
    assert merged.goals[1].source == extracted.goals[0].source
    assert merged.decisions == []
    assert merged.problem == extracted.problem


def test_an_agent_item_moved_to_another_section_keeps_its_source() -> None:
    extracted = extract_intent(SLACK)
    merged = merge_agent_fields(extracted, {"open_questions": ["It times out after 30s."]})
    assert merged.open_questions[0].id == "Q1"
    assert merged.open_questions[0].source == extracted.problem[1].source


def test_unknown_agent_sections_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="wishes"):
        merge_agent_fields(extract_intent(SLACK), {"wishes": ["x"]})


def test_every_label_is_never_mistaken_for_a_speaker() -> None:
    assert set(LABELS) <= NOT_SPEAKERS


@pytest.mark.parametrize(
    ("reply", "decided"),
    [
        (
            "maria: Yes, a header row with sku and name.",
            "Should the CSV have a header row? Yes, a header row",
        ),
        ("maria: No, plain rows are enough.", "Should the CSV have a header row? No, plain rows"),
    ],
)
def test_another_speakers_yes_or_no_right_after_a_question_answers_it(reply: str, decided: str) -> None:
    intent = extract_intent(f"dev: We need a CSV export.\ndev: Should the CSV have a header row?\n{reply}\n")
    assert intent.open_questions == []
    assert any(d.text.startswith(decided) for d in intent.decisions)
    source = intent.decisions[0].source
    assert source is not None and (source.start_line, source.end_line) == (2, 3)  # quotes both


def test_the_same_speaker_saying_yes_does_not_answer_their_own_question() -> None:
    text = "maria: We need a CSV export.\ndev: Should the CSV have a header row?\ndev: Yes, I think so.\n"
    intent = extract_intent(text)
    assert [q.text for q in intent.open_questions] == ["Should the CSV have a header row?"]


@pytest.mark.parametrize("name", ["conn.ex", "mix.exs", "build.gradle.kts", "init.lua", "run.bash", "app.kt"])
def test_file_names_of_every_indexed_language_are_code_mentions(name: str) -> None:
    assert name in find_identifiers([f"The bug is in {name} since the last release."])


TEMPLATED = """\
<!-- Instructions For Filing a Bug: see CONTRIBUTING.md -->

#### Description
Printing a dataset fails for a file with an empty patient name
<!-- Example: Attribute Error thrown when printing (0x0010, 0x0020) patient Id> 0-->

#### Expected Results
<!-- Please paste or describe the expected results.
Example: No error is thrown and the name of the patient is printed.-->
It should print the dataset with an empty name.

#### Steps to Reproduce
```html
<!-- this comment is code, and stays -->
```
"""


def test_a_templates_html_comments_are_not_read_as_what_the_reporter_wrote() -> None:
    """GitHub shows no `<!-- -->` comment: an issue template's instructions are nobody's words."""
    assert visible_lines(TEMPLATED)[0] == "" and visible_lines(TEMPLATED)[8] == ""
    assert "<!-- this comment is code, and stays -->" in visible_lines(TEMPLATED)
    assert len(visible_lines(TEMPLATED)) == len(split_lines(TEMPLATED))  # line numbers hold
    extracted = extract_intent(TEMPLATED)
    assert extracted.title_guess == "Printing a dataset fails for a file with an empty patient name"
    items = [item.text for name in SECTION_FIELDS for item in getattr(extracted, name)]
    assert items and not [text for text in items if "Example" in text or "Instructions" in text]
    assert [g.text for g in extracted.goals] == ["It should print the dataset with an empty name."]


@pytest.mark.parametrize(
    ("text", "signals"),
    [
        (
            "Crash when exporting an empty report\n\nExporting a report with no rows raises an error.\n"
            "It should export an empty file instead.\n",
            ["It should export an empty file instead."],
        ),
        (
            "Nested(many=True) drops the first item of a generator\n\n```py\np.dump({'os': gen()})\n```\n\n"
            "This is a bug: it should dump every item.\n",
            [
                "A test runs the reproduction from the report and gets the expected result",
                "This is a bug: it should dump every item.",
            ],
        ),
        (
            "Totals are wrong for empty reports\n\nAn empty report raises ZeroDivisionError in `total()`.\n",
            [],  # a problem with nothing said of what should happen: no signal made up
        ),
        ("Export is broken on big files.\nWe want exports to stream.\n", []),  # a wish is no check
        ("We should add a CSV export for the stock report.\n", []),  # a plan, not a bug report
    ],
)
def test_a_bug_report_without_a_traceback_still_names_what_to_check(text: str, signals: list[str]) -> None:
    assert [s.text for s in extract_intent(text).acceptance_signals] == signals


def test_a_quoted_message_is_the_programs_words_not_a_goal() -> None:
    """`"doesn't match the expected amount"` quoted from an error says nothing of what should happen."""
    text = (
        "Exception decompressing RLE data with odd padding\n"
        "Getting following error \"Could not convert: the decoded data doesn't match the expected "
        'amount (786433 vs. 786432 bytes)" for this code\n'
    )
    extracted = extract_intent(text)
    assert [p.text for p in extracted.problem] == [text.splitlines()[1]]
    assert all("expected amount" not in s.text for s in extracted.acceptance_signals)
    assert [g.text for g in extracted.goals] == [f"{text.splitlines()[1]} no longer happens"]
    control = extract_intent("Exporting fails on empty reports.\nIt should export an empty file.\n")
    assert [g.text for g in control.goals] == ["It should export an empty file."]


def test_an_expected_section_that_goes_on_to_what_happens_instead_is_a_problem_from_there() -> None:
    text = (
        "DA class is inconsistent\n\n**Expected behavior**\n"
        "I would expect both of these expressions to generate the same output:\n"
        "```\nprint(DA('20201117'))\nprint(DA(date(2020, 11, 17)))\n```\n"
        "but instead I get\n```\n20201117\n2020-11-17\n```\n"
        "The hyphens inserted into the output are not valid DICOM.\n"
    )
    extracted = extract_intent(text)
    assert [g.text for g in extracted.goals] == [
        "I would expect both of these expressions to generate the same output:"
    ]
    problems = [p.text for p in extracted.problem]
    assert problems == ["The hyphens inserted into the output are not valid DICOM."]
    assert all("instead" not in item.text for name in SECTION_FIELDS for item in getattr(extracted, name))


def test_the_steps_to_reproduce_are_instructions_not_problems() -> None:
    text = (
        "Decorator.toline is off by 1\n\n### Steps to reproduce\n"
        "1. Run the following\n2. Ensure you have astroid 2.5 or later\n"
        "3. You may need to run a tox session first\n\n```python\nparse(code)\n```\n\n"
        "The `toline` of the decorator points to `b=3,` instead of `)`.\n\n"
        "It should point to the closing parenthesis.\n"
    )
    extracted = extract_intent(text)
    problems = [p.text for p in extracted.problem]
    assert problems == ["The `toline` of the decorator points to `b=3,` instead of `)`."]
    assert [g.text for g in extracted.goals] == ["It should point to the closing parenthesis."]
    assert not extracted.non_goals and not extracted.constraints


@pytest.mark.parametrize(
    ("text", "goal"),
    [
        (
            "Add retrieval function for horizon profiles\n\n"
            "The service is run by a university, though I cannot find any documentation for it.\n",
            "Add retrieval function for horizon profiles",
        ),
        (  # a title that reports a problem: the goal is the problem gone
            "Printing of certain files fails once\n\nThe first print fails, the second works.\n",
            "Printing of certain files fails once no longer happens",
        ),
    ],
)
def test_a_title_that_names_the_work_is_the_goal_when_none_is_stated(text: str, goal: str) -> None:
    assert [g.text for g in extract_intent(text).goals] == [goal]
