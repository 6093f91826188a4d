from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codecot_mcp.domain.lint import lint_spec
from codecot_mcp.domain.markdown import (
    locate,
    parse_intent,
    parse_spec,
    render_intent,
    render_spec,
    with_lines,
)
from codecot_mcp.domain.models import (
    INTENT_SECTIONS,
    AcceptanceCriterion,
    AffectedCode,
    CodeLink,
    Intent,
    IntentItem,
    Requirement,
    SourceRef,
    Spec,
)
from codecot_mcp.errors import ArtifactError
from tests.domain.helpers import with_unknown_fields

INTENT = with_unknown_fields(
    Intent(
        id="INT-1",
        title="Stream the CSV export",
        created_at="2025-05-02T10:00:00Z",
        source="slack #exports",
        discussion_format="transcript",
        problem=[
            IntentItem(
                id="P1",
                text="The CSV export times out.",
                source=SourceRef(start_line=1, end_line=2, quote='It "times"\nout.', speaker="alice"),
            )
        ],
        goals=[IntentItem(id="G1", text="Stream rows"), IntentItem(id="G2", text="Cancel an export")],
        non_goals=[
            IntentItem(id="NG1", text="Excel", source=SourceRef(start_line=7, end_line=7, quote="Excel"))
        ],
        open_questions=[IntentItem(id="Q1", text="csv or tsv?")],
        links=[
            CodeLink(
                text="ExportService.run",
                kind="symbol",
                path="src/export.py",
                symbol="ExportService.run",
                line=12,
            ),
            CodeLink(text="writer.py", kind="file", path="src/writer.py"),
        ],
    ),
    reviewer="bob",
)

SPEC = Spec(
    id="SPEC-1",
    intent_id="INT-1",
    title="Stream the CSV export",
    revision=2,
    summary="Stream rows instead of loading them.\n\nKeeps memory flat.",
    requirements=[
        Requirement(
            id="REQ-1.1",
            title="Stream rows",
            statement="THE SYSTEM SHALL stream rows to the client",
            goal_ids=["G1"],
            criteria=[
                AcceptanceCriterion(
                    id="AC-1", text="WHEN a user exports 1M rows THE SYSTEM SHALL stay under 200 MB"
                ),
                AcceptanceCriterion(id="AC-2", text="THE SYSTEM SHALL send a header row first"),
            ],
        ),
        Requirement(id="REQ-1.2", title="Cancel", statement="", goal_ids=["G2"], criteria=[]),
    ],
    affected_code=[
        AffectedCode(path="src/export.py", symbol="ExportService.run", line=12, reason="loads every row"),
        AffectedCode(path="src/writer.py", reason=""),
    ],
    risks=["Breaks constraint C1"],
    test_plan=["REQ-1.1/AC-1: load test"],
)

RENDERED_SPEC = """\
# SPEC-1: Stream the CSV export
<!-- codecot {"id": "SPEC-1", "intent_id": "INT-1", "revision": 2} -->

## Summary

Stream rows instead of loading them.

Keeps memory flat.

## Requirements

### REQ-1.1: Stream rows

THE SYSTEM SHALL stream rows to the client

Goals: G1

Acceptance criteria:

- **AC-1** WHEN a user exports 1M rows THE SYSTEM SHALL stay under 200 MB
- **AC-2** THE SYSTEM SHALL send a header row first

### REQ-1.2: Cancel

Goals: G2

Acceptance criteria:

## Affected code

- `src/export.py` `ExportService.run` (line 12) — loads every row
- `src/writer.py`

## Risks

- Breaks constraint C1

## Test plan

- REQ-1.1/AC-1: load test
"""


def test_a_spec_renders_as_readable_markdown() -> None:
    assert render_spec(SPEC) == RENDERED_SPEC


def test_an_intent_renders_items_with_their_sources() -> None:
    text = render_intent(INTENT)
    assert text.startswith("# INT-1: Stream the CSV export\n<!-- codecot {")
    assert '"reviewer": "bob"' in text.splitlines()[1]
    assert '- **P1** The CSV export times out.\n  > L1-L2 (alice): "It \\"times\\"\\nout."' in text
    assert '- **NG1** Excel\n  > L7: "Excel"' in text
    assert "- `ExportService.run` → `src/export.py`:12 (symbol ExportService.run)" in text
    assert "- `writer.py` → `src/writer.py` (file)" in text
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        *(f"## {heading}" for _, heading, _ in INTENT_SECTIONS),
        "## Links",
    ]


def test_the_discussion_is_kept_as_a_block_quote_no_line_of_it_can_break_the_file() -> None:
    issue = "Title\n## Description\n<!-- codecot {} -->\n```\nTraceback (most recent call last):\n```\n\n> q"
    text = render_intent(INTENT.model_copy(update={"discussion": issue}))
    assert text.endswith(
        "## Discussion\n\n> Title\n> ## Description\n> <!-- codecot {} -->\n> ```\n"
        "> Traceback (most recent call last):\n> ```\n>\n> > q\n"
    )
    assert parse_intent(text, "i.md").discussion == issue
    hand_written = text.replace("> ## Description", "a line without the quote")
    assert "\na line without the quote\n" in parse_intent(hand_written, "i.md").discussion


def test_an_intent_result_leaves_the_discussion_out() -> None:
    intent = INTENT.model_copy(update={"discussion": "a long thread"})
    assert "discussion" not in intent.model_dump()
    assert "a long thread" in render_intent(intent)


@pytest.mark.parametrize(
    ("model", "render", "parse"), [(INTENT, render_intent, parse_intent), (SPEC, render_spec, parse_spec)]
)
def test_examples_round_trip(model: Any, render: Any, parse: Any) -> None:
    text = render(model)
    assert parse(text, "a.md") == model
    assert render(parse(text, "a.md")) == text


EDITS = [
    # (what a person did, edited text, check on the parsed spec)
    (
        "reworded a criterion",
        RENDERED_SPEC.replace("stay under 200 MB", "stay under 150 MB"),
        lambda s: s.requirements[0].criteria[0].text.endswith("150 MB"),
    ),
    (
        "added a criterion without an ID",
        RENDERED_SPEC.replace(
            "header row first\n", "header row first\n* THE SYSTEM SHALL flush every 5000 rows\n"
        ),
        lambda s: (
            s.requirements[0].criteria[2]
            == AcceptanceCriterion(id="AC-3", text="THE SYSTEM SHALL flush every 5000 rows")
        ),
    ),
    (
        "added criteria to an empty requirement with numbers",
        RENDERED_SPEC.replace(
            "Goals: G2\n\nAcceptance criteria:\n",
            "Goals: G2\n\nAcceptance criteria:\n\n1. WHEN x THE SYSTEM SHALL stop\n",
        ),
        lambda s: [c.id for c in s.requirements[1].criteria] == ["AC-1"],
    ),
    (
        "added a requirement section",
        RENDERED_SPEC.replace(
            "## Affected code",
            "### REQ-1.3: Progress\n\nTHE SYSTEM SHALL\nreport progress\n\n- WHEN x THE SYSTEM SHALL y\n\n"
            "## Affected code",
        ),
        lambda s: (
            (s.requirements[2].id, s.requirements[2].statement)
            == ("REQ-1.3", "THE SYSTEM SHALL report progress")
        ),
    ),
    (
        "removed a bullet",
        RENDERED_SPEC.replace(
            "- **AC-1** WHEN a user exports 1M rows THE SYSTEM SHALL stay under 200 MB\n", ""
        ),
        lambda s: [c.id for c in s.requirements[0].criteria] == ["AC-2"],
    ),
    (
        "wrapped a criterion over two lines",
        RENDERED_SPEC.replace("SHALL send a header", "SHALL send\n  a header"),
        lambda s: s.requirements[0].criteria[1].text == "THE SYSTEM SHALL send a header row first",
    ),
    (
        "moved Risks to the top and added blank lines",
        RENDERED_SPEC.replace("## Risks\n\n- Breaks constraint C1\n\n", "").replace(
            "## Summary", "## Risks\n\n\n- Breaks constraint C1\n\n\n## Summary"
        ),
        lambda s: s == SPEC,
    ),
    ("saved with CRLF line endings", RENDERED_SPEC.replace("\n", "\r\n"), lambda s: s == SPEC),
    ("used star bullets", RENDERED_SPEC.replace("\n- ", "\n* "), lambda s: s == SPEC),
    (
        "changed the goals",
        RENDERED_SPEC.replace("Goals: G1", "Goals: G1, G2 G3"),
        lambda s: s.requirements[0].goal_ids == ["G1", "G2", "G3"],
    ),
    (
        "added a risk",
        RENDERED_SPEC.replace("- Breaks constraint C1", "- Breaks constraint C1\n+ Slower small exports"),
        lambda s: s.risks[1] == "Slower small exports",
    ),
    (
        "typed a lower-case plural heading",
        RENDERED_SPEC.replace("## Test plan", "## test plans"),
        lambda s: s == SPEC,
    ),
]


@pytest.mark.parametrize(("edit", "text", "check"), EDITS, ids=[e[0] for e in EDITS])
def test_a_hand_edited_spec_parses_with_the_edit(edit: str, text: str, check: Any) -> None:
    assert check(parse_spec(text, "spec.md"))


def test_a_hand_edited_intent_parses_with_the_edit() -> None:
    text = render_intent(INTENT).replace(
        "- **G2** Cancel an export", "- **G2** Cancel a running export\n- Show progress"
    )
    text = text.replace("## Constraints\n", "## Constraints\n\n* No new dependencies\n")
    intent = parse_intent(text, "intent.md")
    assert [(g.id, g.text) for g in intent.goals] == [
        ("G1", "Stream rows"),
        ("G2", "Cancel a running export"),
        ("G3", "Show progress"),
    ]
    assert intent.constraints == [IntentItem(id="C1", text="No new dependencies")]
    assert intent.model_extra == {"reviewer": "bob"}


BROKEN = [
    # (what is wrong, text, line named, words in the message)
    ("heading without a REQ ID", RENDERED_SPEC.replace("### REQ-1.2: Cancel", "### Cancel"), 23, "no REQ ID"),
    (
        "heading with a bad REQ ID",
        RENDERED_SPEC.replace("### REQ-1.2: Cancel", "### REQ-1.0: Cancel"),
        23,
        "not a valid",
    ),
    (
        "duplicate requirement IDs",
        RENDERED_SPEC.replace("### REQ-1.2: Cancel", "### REQ-1.1: Cancel"),
        23,
        "twice",
    ),
    ("malformed metadata", RENDERED_SPEC.replace('"revision": 2}', '"revision": 2'), 2, "not valid JSON"),
    ("an unclosed metadata comment", RENDERED_SPEC.replace("2} -->", "2}"), 2, "not closed"),
    (
        "metadata of the wrong type",
        RENDERED_SPEC.replace('"revision": 2', '"revision": "two"'),
        2,
        "revision",
    ),
    (
        "metadata holding a section",
        RENDERED_SPEC.replace('"revision": 2', '"revision": 2, "risks": []'),
        2,
        "risks",
    ),
    (
        "no metadata",
        RENDERED_SPEC.replace(RENDERED_SPEC.splitlines()[1] + "\n", ""),
        1,
        "metadata comment is missing",
    ),
    ("no title", "\n\nsome text\n", 3, "title heading"),
    (
        "a bullet outside any section",
        RENDERED_SPEC.replace("\n## Summary", "- stray\n\n## Summary"),
        3,
        "outside any section",
    ),
    ("an unknown section", RENDERED_SPEC.replace("## Risks", "## Wishes"), 34, "unknown section"),
    ("a section twice", RENDERED_SPEC + "\n## Risks\n", 42, "twice"),
    (
        "text before the first requirement",
        RENDERED_SPEC.replace("## Requirements\n", "## Requirements\n\nintro\n"),
        12,
        "before the first",
    ),
    ("heading and metadata disagree", RENDERED_SPEC.replace("# SPEC-1:", "# SPEC-2:"), 1, "SPEC-2"),
    (
        "an affected-code line without a path",
        RENDERED_SPEC.replace("- `src/writer.py`", "- `` oops"),
        32,
        "affected-code",
    ),
]


@pytest.mark.parametrize(("problem", "text", "line", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_spec_names_the_line_and_a_fix(problem: str, text: str, line: int, words: str) -> None:
    with pytest.raises(ArtifactError) as error:
        parse_spec(text, ".codecot/specs/SPEC-1.md")
    assert error.value.path == ".codecot/specs/SPEC-1.md"
    assert error.value.line == line
    assert words in error.value.message
    assert error.value.hint


INTENT_TEXT = render_intent(INTENT)
BROKEN_INTENT = [
    (
        "a source line not understood",
        INTENT_TEXT.replace('> L1-L2 (alice): "', "> lines 1-2: "),
        "source line",
    ),
    ("a quote that is not JSON", INTENT_TEXT.replace('\\"times\\"', '"times"'), "not a JSON string"),
    ("a source with no item", INTENT_TEXT.replace("## Goals\n", '## Goals\n\n> L3: "x"\n'), "no item above"),
    (
        "two sources",
        INTENT_TEXT.replace('  > L7: "Excel"', '  > L7: "Excel"\n  > L8: "more"'),
        "more than one",
    ),
    ("a link not understood", INTENT_TEXT.replace("- `writer.py` →", "- writer.py is"), "link"),
]


@pytest.mark.parametrize(("problem", "text", "words"), BROKEN_INTENT, ids=[b[0] for b in BROKEN_INTENT])
def test_a_broken_intent_names_the_line(problem: str, text: str, words: str) -> None:
    with pytest.raises(ArtifactError) as error:
        parse_intent(text, "intent.md")
    assert error.value.line is not None
    assert words in error.value.message
    lines = text.splitlines()
    assert lines[error.value.line - 1].strip()


def test_a_duplicated_item_id_is_kept_for_the_lint_to_report() -> None:
    spec = parse_spec(RENDERED_SPEC.replace("**AC-2**", "**AC-1**"), "spec.md")
    assert [c.id for c in spec.requirements[0].criteria] == ["AC-1", "AC-1"]
    assert ("duplicate-id", "REQ-1.1/AC-1") in {(f.code, f.path) for f in lint_spec(spec)}
    intent = parse_intent(INTENT_TEXT.replace("**G2**", "**G1**"), "intent.md")
    assert [g.id for g in intent.goals] == ["G1", "G1"]


def test_line_breaks_in_one_line_fields_cannot_break_the_file() -> None:
    intent = INTENT.model_copy(
        update={"title": "Two\nlines", "goals": [IntentItem(id="G1", text="a\n## Risks\r\n- b")]}
    )
    parsed = parse_intent(render_intent(intent), "intent.md")
    assert (parsed.title, parsed.goals[0].text) == ("Two lines", "a ## Risks - b")
    requirement = Requirement(
        id="REQ-1.1",
        title="t",
        statement="THE SYSTEM SHALL\n\nGoals: G9",
        goal_ids=["G1, G2"],
        criteria=[AcceptanceCriterion(id="AC-1", text="x\n### REQ-1.9: y")],
    )
    spec = SPEC.model_copy(
        update={"requirements": [requirement], "risks": ["", " r\n"], "summary": " s\r\n## t "}
    )
    parsed_spec = parse_spec(render_spec(spec), "spec.md")
    assert parsed_spec.requirements == [
        Requirement(
            id="REQ-1.1",
            title="t",
            statement="THE SYSTEM SHALL Goals: G9",
            goal_ids=["G1", "G2"],
            criteria=[AcceptanceCriterion(id="AC-1", text="x ### REQ-1.9: y")],
        )
    ]
    assert (parsed_spec.risks, parsed_spec.summary) == (["r"], "s\n## t")


def test_lint_findings_get_the_line_of_their_item() -> None:
    findings = with_lines(lint_spec(SPEC), RENDERED_SPEC)
    assert {(f.code, f.path, f.line) for f in findings} == {
        ("no-criteria", "REQ-1.2", 23),
        ("empty-statement", "REQ-1.2", 23),
    }
    index = locate(RENDERED_SPEC)
    assert (index["REQ-1.1/AC-2"], index["REQ-1.1/statement"], index["risks"]) == (21, 14, 34)
    assert locate(INTENT_TEXT)["goals/G2"] == INTENT_TEXT.splitlines().index("- **G2** Cancel an export") + 1


# ---------------------------------------------------------------- round-trip properties

_tricky = st.sampled_from(list("-*+>#\\`:()\"'<!→ aG1.\t")) | st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp")
)
_any = st.characters(blacklist_categories=["Cs"])
one_line = st.text(_tricky, min_size=1, max_size=24).map(str.strip).filter(bool)
maybe_line = one_line | st.just("")
no_ticks = one_line.map(lambda s: s.replace("`", "'").strip()).filter(bool)
numbers = st.integers(min_value=1, max_value=10_000)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(_any, max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
extras = st.dictionaries(st.from_regex(r"x_[a-z]{1,6}", fullmatch=True), json_values, max_size=3)
sources = st.builds(
    SourceRef,
    start_line=numbers,
    end_line=numbers,
    quote=st.text(_any, max_size=40),
    speaker=st.none() | maybe_line.map(lambda s: s.replace(")", "]")),
)


@st.composite
def items(draw: st.DrawFn, prefix: str) -> list[IntentItem]:
    texts = draw(st.lists(maybe_line, max_size=3))
    return [
        IntentItem(id=f"{prefix}{n}", text=t, source=draw(st.none() | sources))
        for n, t in enumerate(texts, 1)
    ]


links = st.builds(
    CodeLink,
    text=no_ticks,
    kind=st.sampled_from(["file", "symbol"]),
    path=no_ticks,
    symbol=st.none() | maybe_line,
    line=st.none() | numbers,
)


def _as_stored(lines: list[str]) -> str:
    """A discussion as the file keeps it: no line ends in a space, none breaks, no blank edges."""
    text = "\n".join(line.replace("\r", "").replace("\n", "").rstrip() for line in lines).strip("\n")
    return text if text.strip() else ""


discussions = st.lists(st.text(_tricky, max_size=20), max_size=5).map(_as_stored)


@st.composite
def intents(draw: st.DrawFn) -> Intent:
    fields: dict[str, Any] = {name: draw(items(prefix)) for name, _, prefix in INTENT_SECTIONS}
    return with_unknown_fields(
        Intent(
            id=f"INT-{draw(numbers)}",
            title=draw(maybe_line),
            created_at=draw(one_line),
            source=draw(st.none() | st.text(_any, max_size=20)),
            discussion_format=draw(st.sampled_from(["plain", "transcript", "issue_thread"])),
            links=draw(st.lists(links, max_size=3)),
            discussion=draw(discussions),
            **fields,
        ),
        **draw(extras),
    )


@st.composite
def requirements(draw: st.DrawFn, spec_number: int) -> list[Requirement]:
    numbers_used = draw(st.lists(numbers, max_size=3, unique=True))
    return [
        Requirement(
            id=f"REQ-{spec_number}.{n}",
            title=draw(maybe_line),
            statement=draw(maybe_line),
            goal_ids=draw(st.lists(st.from_regex(r"[A-Z]{1,2}[0-9]{1,3}", fullmatch=True), max_size=3)),
            criteria=[
                AcceptanceCriterion(id=f"AC-{i}", text=t)
                for i, t in enumerate(draw(st.lists(maybe_line, max_size=3)), 1)
            ],
        )
        for n in numbers_used
    ]


summaries = st.lists(st.text(_tricky, max_size=20), max_size=4).map(lambda lines: "\n".join(lines).strip())
affected = st.builds(
    AffectedCode, path=no_ticks, symbol=st.none() | no_ticks, line=st.none() | numbers, reason=maybe_line
)


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    number = draw(numbers)
    return Spec(
        id=f"SPEC-{number}",
        intent_id=f"INT-{draw(numbers)}",
        title=draw(maybe_line),
        revision=draw(numbers),
        summary=draw(summaries),
        requirements=draw(requirements(number)),
        affected_code=draw(st.lists(affected, max_size=3)),
        risks=draw(st.lists(one_line, max_size=3)),
        test_plan=draw(st.lists(one_line, max_size=3)),
        **draw(extras),
    )


@settings(max_examples=60, deadline=None)
@given(intents())
def test_any_valid_intent_survives_a_round_trip(intent: Intent) -> None:
    text = render_intent(intent)
    assert parse_intent(text, "intent.md") == intent
    assert render_intent(parse_intent(text, "intent.md")) == text


@settings(max_examples=60, deadline=None)
@given(specs())
def test_any_valid_spec_survives_a_round_trip(spec: Spec) -> None:
    text = render_spec(spec)
    assert parse_spec(text, "spec.md") == spec
    assert render_spec(parse_spec(text, "spec.md")) == text


STRUCTURE_LIKE = [
    "Goals: G1",
    "goal : x",
    "Acceptance criteria:",
    "- a bullet",
    "* star",
    "+ plus",
    "1. numbered",
    "2) numbered",
    "## Risks",
    "### REQ-1.9: x",
    "# INT-2: x",
    '> L1: "quote"',
    "\\escaped",
    "<!-- codecot {} -->",
    "**AC-3** bold",
    "**G7** bold",
    "`a` → `b`:3 (file)",
    "--- rule",
]


@pytest.mark.parametrize("text", STRUCTURE_LIKE)
def test_text_that_looks_like_structure_survives_a_round_trip(text: str) -> None:
    item = IntentItem(
        id="G1", text=text, source=SourceRef(start_line=1, end_line=1, quote=text, speaker=text)
    )
    intent = INTENT.model_copy(
        update={"title": text, "goals": [item], "source": text, "discussion": f"{text}\n\n{text}"}
    )
    assert parse_intent(render_intent(intent), "i.md") == intent
    requirement = Requirement(
        id="REQ-1.1", title=text, statement=text, criteria=[AcceptanceCriterion(id="AC-1", text=text)]
    )
    spec = SPEC.model_copy(
        update={
            "title": text,
            "summary": f"{text}\n{text}",
            "requirements": [requirement],
            "risks": [text],
            "test_plan": [text],
            "affected_code": [AffectedCode(path="a.py", symbol="f", reason=text)],
        }
    )
    assert parse_spec(render_spec(spec), "s.md") == spec


COMMONMARK_BLOCKS = [
    ("a backtick fence", "```"),
    ("a tilde fence", "~~~ python"),
    ("an html block", "<pre>"),
    ("a declaration", "<!x"),
    ("a processing instruction", "<?x"),
    ("a setext underline", "a\n-"),
    ("a double setext underline", "a\n==="),
    ("an indented heading", "a\n  ## Risks"),
]


@pytest.mark.parametrize(("block", "summary"), COMMONMARK_BLOCKS, ids=[b[0] for b in COMMONMARK_BLOCKS])
def test_summary_lines_that_commonmark_reads_as_blocks_stay_summary_text(block: str, summary: str) -> None:
    spec = SPEC.model_copy(update={"summary": summary})
    assert parse_spec(render_spec(spec), "s.md") == spec


def test_what_extraction_and_scaffold_produce_is_stored_losslessly() -> None:
    from codecot_mcp.domain.extraction import extract_intent
    from codecot_mcp.domain.models import SECTION_FIELDS
    from codecot_mcp.domain.scaffold import scaffold_requirements, scaffold_risks, scaffold_test_plan

    discussion = (
        "[10:02] Alice: The export is broken: it times out.\n"
        "[10:03] Bob: We need to stream rows (and keep `ExportService.run`).\n"
        '[10:04] Alice: "Done when" a 1M-row export finishes under 10 s?\n'
        "[10:05] Bob: Out of scope: ## Excel\n"
    )
    extracted = extract_intent(discussion)
    sections = {name: getattr(extracted, name) for name in SECTION_FIELDS}
    intent = Intent(id="INT-3", title=extracted.title_guess, created_at="now", **sections)
    assert parse_intent(render_intent(intent), "i.md") == intent
    requirements = scaffold_requirements(intent, 3)
    spec = Spec(
        id="SPEC-3",
        intent_id="INT-3",
        title=intent.title,
        requirements=requirements,
        risks=scaffold_risks(intent),
        test_plan=scaffold_test_plan(requirements),
    )
    assert parse_spec(render_spec(spec), "s.md") == spec
