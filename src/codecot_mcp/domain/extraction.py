"""From a discussion to the fields of an intent, by cue phrases (no model).

Every statement is put in at most one section. The first rule that applies wins:

1. code blocks and headings are never items (headings only give context, see 4);
2. an explicit label: ``Decision: ...``, ``Q: ...``, ``Out of scope: ...`` (``LABELS``);
3. a question (ends with ``?``) is an open question;
4. the heading the statement sits under, when it names a section (``## Non-goals``);
5. the cue table ``CUES``, read top to bottom: open questions, non-goals, decisions,
   acceptance signals, constraints, goals, problem. Specific cues come before the
   broad ones they contain: "must not" (constraint) before "must" (goal), "we won't"
   (non-goal) before "we want", "should pass" (acceptance) before "should".

A question is dropped from the open questions when it is answered later: an
``A:``/``Answer:`` line right after it (which becomes a decision naming the question),
or one of the next `ANSWER_WINDOW` decisions that shares at least half of its
significant words ("csv or tsv?" ... "we decided: csv"). Unclassified statements are
left out; the agent refines the lists with `merge_agent_fields`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, Field

from codecot_mcp.domain.discussion import (
    SECTION_LABEL_WORDS,
    Statement,
    content_words,
    parse_discussion,
    squash,
)
from codecot_mcp.domain.models import (
    INTENT_SECTIONS,
    SECTION_FIELDS,
    DiscussionFormat,
    IntentItem,
    SourceRef,
)
from codecot_mcp.errors import InvalidInputError

SECTION_PREFIX: dict[str, str] = {name: prefix for name, _, prefix in INTENT_SECTIONS}
TITLE_LENGTH = 80

LABELS: dict[str, str] = {label: name for name, labels in SECTION_LABEL_WORDS.items() for label in labels}
ANSWER_LABELS = frozenset({"a", "answer"})
# A reply that opens with one of these words settles the question just before it.
_REPLY = re.compile(
    r"^(yes|yeah|yep|no|nope|sure|correct|right|exactly|agreed|definitely|absolutely|not really)\b[,.!:;]?",
    re.IGNORECASE,
)
ANSWER_WINDOW = 50  # decisions after a question that may answer it (keeps long threads linear)

# Cue phrases per section, in priority order (see the module docstring). Regexes, case-insensitive.
CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "open_questions",
        (
            r"\btbd\b",
            r"\bnot sure\b",
            r"\bopen question",
            r"\bunclear\b",
            r"\bwho decides\b",
            r"\bto be decided\b",
            r"\bundecided\b",
            r"\bdecide later\b",
            r"\bneed to figure out\b",
            r"\bdon'?t know (?:yet|if|whether)\b",
        ),
    ),
    (
        "non_goals",
        (
            r"\bnot in scope\b",
            r"\bout of scope\b",
            r"\bnon-?goals?\b",
            r"\bwe won'?t\b",
            r"\bwe will not\b",
            r"\bdon'?t need\b",
            r"\bdo not need\b",
            r"\bno need\b",
            r"\bnot going to\b",
            r"\blater\b",
            r"\bnot now\b",
            r"\bnot for now\b",
            r"\bfollow-?up\b",
            r"\bfuture (?:work|version|release)\b",
            r"\bseparate (?:issue|ticket|pr)\b",
        ),
    ),
    (
        "decisions",
        (
            r"\bwe decided\b",
            r"\bdecided to\b",
            r"\bdecision\b",
            r"\bagreed\b",
            r"\blet'?s go with\b",
            r"\bwe'?ll use\b",
            r"\bwe will use\b",
            r"\bgoing with\b",
            r"\bwe'?ll go with\b",
            r"\bsettled on\b",
            r"\blet'?s use\b",
            r"^(?:ok(?:ay)?|alright|sounds good|fine)[,!. ]+(?:let'?s|do|go|we'?ll)\b",
        ),
    ),
    (
        "acceptance_signals",
        (
            r"\bdone when\b",
            r"\bacceptance\b",
            r"\bshould pass\b",
            r"\btests? that\b",
            r"\bwe'?ll know\b",
            r"\bwe will know\b",
            r"\bsuccess means\b",
            r"\bsuccess is\b",
            r"\bexpect(?:ed|s)?\b.{1,80}?\bto\b",
            r"\bverify that\b",
            r"\bdefinition of done\b",
            r"\bshould (?:return|show|display|print|exit|fail|raise|produce|write|contain|include|reject)\b",
        ),
    ),
    (
        "constraints",
        (
            r"\bmust not\b",
            r"\bmustn'?t\b",
            r"\bwithout (?:breaking|changing|adding|touching|any|new|a new|downtime)\b",
            r"\b(?:must|should|need to|has to|have to|we) keep\b",
            r"\bkeep (?:the|it|using|backward|existing|current)\b",
            r"\bcompatib",
            r"\bnew dependenc",
            r"\bunder \d+\s*(?:ms|s|sec|seconds|mb|gb|kb)\b",
            r"\b(?:must|should|can|may) only\b",
            r"\bonly (?:use|support|allow|touch|change|modify)\b",
            r"\blimit(?:ed)? to\b",
            r"\bhas to work with\b",
            r"\bhave to work with\b",
        ),
    ),
    (
        "goals",
        (
            r"\bwe want\b",
            r"\bwe need\b",
            r"\bneed to\b",
            r"\bshould be able\b",
            r"\bgoal\b",
            r"\blet'?s add\b",
            r"\badd support\b",
            r"\bmust\b",
            r"\bi'?d like\b",
            r"\bi would like\b",
            r"\bwe'?d like\b",
            r"\bwould be (?:nice|great)\b",
            r"\bshould (?:support|allow)\b",
            r"\blet'?s (?:make|build)\b",
            r"\bwe should\b",
            r"\bplease add\b",
            r"\bfeature request\b",
        ),
    ),
    (
        "problem",
        (
            r"\bproblem\b",
            r"\bissue is\b",
            r"\bbugs?\b",
            r"\bbroken\b",
            r"\bbreaks\b",
            r"\bfails?\b",
            r"\bfailing\b",
            r"\bfailure\b",
            r"\bcan'?t\b",
            r"\bcannot\b",
            r"\bunable\b",
            r"\berrors?\b",
            r"\bcrash",
            r"\bcomplain",
            r"\bcurrently\b",
            r"\bright now\b",
            r"\bdoesn'?t work\b",
            r"\bdoes not work\b",
            r"\bslow\b",
            r"\btimes? ?out\b",
            r"\bregression\b",
            r"\bhangs\b",
        ),
    ),
)
_CUE_PATTERNS = tuple(
    (name, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)) for name, patterns in CUES
)
_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z -]{0,24}?)\s*\d*\s*:\s+(?P<rest>\S.*)$")

# Code-looking tokens worth resolving against the repository index.
_URL = re.compile(r"\b\w+://\S+")
_BACKTICKED = re.compile(r"`([^`\n]+)`")
_EXTENSIONS = (
    "py|pyi|js|jsx|mjs|cjs|ts|tsx|go|rs|java|kt|c|h|cc|cpp|hpp|cs|rb|php|swift|scala|sh|sql|md|rst|txt"
    "|toml|yaml|yml|json|cfg|ini|csv|html|css|scss|xml|proto|lock|scm"
)
_IDENTIFIER_PATTERNS = (
    re.compile(r"(?<![\w/.-])/?(?:[\w.-]+/)+[\w.-]*\w"),  # a path with a slash
    re.compile(rf"(?<![\w/.-])[\w-]+\.(?:{_EXTENSIONS})\b"),  # a file name with an extension
    re.compile(r"(?<![\w.])([A-Za-z_]\w*)\(\)"),  # a call: name()
    re.compile(r"(?<![\w/.-])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\b"),  # dotted.name
    re.compile(r"\b_*[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),  # snake_case
    re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"),  # UPPER_SNAKE
    re.compile(r"\b[a-z]+[A-Z][A-Za-z0-9]*\b"),  # camelCase
    re.compile(r"\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b"),  # PascalCase with an inner capital
)


class ExtractedIntent(BaseModel):
    """The intent fields found in a discussion, before the service links code and stores it."""

    format: DiscussionFormat
    title_guess: str
    problem: list[IntentItem] = []
    goals: list[IntentItem] = []
    non_goals: list[IntentItem] = []
    constraints: list[IntentItem] = []
    decisions: list[IntentItem] = []
    open_questions: list[IntentItem] = []
    acceptance_signals: list[IntentItem] = []
    candidate_identifiers: list[str] = Field(
        default=[], description="Code-looking tokens from the discussion, to resolve against the repository."
    )


def _label(text: str) -> tuple[str, str] | None:
    """(label, rest) when `text` starts with a known 'Label:'."""
    match = _LABEL.match(text)
    if match and match["label"].strip().lower() in LABELS:
        return match["label"].strip().lower(), match["rest"].strip()
    return None


def _is_question(text: str) -> bool:
    return text.rstrip(" *_)\"'`").endswith("?")


def classify(statement: Statement) -> tuple[str, str] | None:
    """(section field, item text) for one statement, or None when no rule applies."""
    if statement.kind in ("code", "heading"):
        return None
    text = statement.text
    labelled = _label(text)
    if labelled:
        return LABELS[labelled[0]], labelled[1]
    if _is_question(text):
        return "open_questions", text
    heading = LABELS.get(statement.section.strip(" :").lower()) if statement.section else None
    if heading:
        return heading, text
    for name, pattern in _CUE_PATTERNS:
        if pattern.search(text):
            return name, text
    return None


def find_identifiers(texts: Iterable[str]) -> list[str]:
    """Code-looking tokens in order of first appearance, without duplicates."""
    found: dict[str, None] = {}
    for text in texts:
        for token in _BACKTICKED.findall(text):
            token = token.strip().removesuffix("()")
            if token:
                found.setdefault(token)
        bare = _URL.sub(" ", text)
        for pattern in _IDENTIFIER_PATTERNS:
            for match in pattern.finditer(bare):
                token = (match.group(1) if pattern.groups else match.group()).strip(".-/")
                parts = token.split(".")
                if token and not all(len(p) <= 1 for p in parts):  # "e.g" is not a name
                    found.setdefault(token)
    return list(found)


def trim_title(text: str, limit: int = TITLE_LENGTH) -> str:
    text = squash(text).rstrip(" .:;,")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" .:;,")
    return f"{cut}…"


def _answered(question: str, later: Iterable[set[str]]) -> bool:
    """A later decision shares at least half of the question's significant words."""
    keys = content_words(question)
    return bool(keys) and any(2 * len(keys & words) >= len(keys) for words in later)


def _replies_to_question(
    statement: Statement, previous: Statement | None, last: tuple[str, str, Statement] | None
) -> bool:
    """Another speaker's reply that opens with yes/no right after a question answers it."""
    return (
        previous is not None
        and last is not None
        and last[0] == "open_questions"
        and last[2] is previous
        and statement.speaker is not None
        and previous.speaker is not None
        and statement.speaker != previous.speaker
        and statement.kind != "code"
        and _REPLY.match(statement.text) is not None
    )


def _classified(statements: Iterable[Statement]) -> list[tuple[str, str, Statement]]:
    """Classify, link 'A:' answers to their question, drop answered questions."""
    entries: list[tuple[str, str, Statement]] = []
    answered: set[int] = set()
    previous: Statement | None = None
    for statement in statements:
        last = entries[-1] if entries else None
        if last is not None and _replies_to_question(statement, previous, last):
            answered.add(len(entries) - 1)
            # The reply keeps its own section (a non-goal, a constraint...) or, with none, is a decision.
            name = (
                found[0] if (found := classify(statement)) and found[0] != "open_questions" else "decisions"
            )
            entries.append((name, f"{last[1]} {statement.text}", statement))
            previous = statement
            continue
        previous = statement
        found = classify(statement)
        if found is None:
            continue
        name, text = found
        labelled = _label(statement.text)
        if labelled and labelled[0] in ANSWER_LABELS and last and last[0] == "open_questions":
            answered.add(len(entries) - 1)
            text = f"{text} (answer to: {last[1]})"
        entries.append((name, text, statement))
    decisions = [(i, content_words(text)) for i, (name, text, _) in enumerate(entries) if name == "decisions"]
    for index, (name, text, _) in enumerate(entries):
        if name == "open_questions":
            start = bisect_right(decisions, index, key=lambda d: d[0])
            if _answered(text, (words for _, words in decisions[start : start + ANSWER_WINDOW])):
                answered.add(index)
    return [entry for index, entry in enumerate(entries) if index not in answered]


def number_items(prefix: str, items: Iterable[tuple[str, SourceRef | None]]) -> list[IntentItem]:
    numbered = enumerate(items, 1)
    return [IntentItem(id=f"{prefix}{n}", text=text, source=source) for n, (text, source) in numbered]


def extract_intent(text: str) -> ExtractedIntent:
    if not text.strip():
        raise InvalidInputError(
            "the discussion is empty",
            hint="pass the discussion text: a chat transcript, an issue thread or meeting notes",
        )
    discussion = parse_discussion(text)
    sections: dict[str, list[tuple[str, SourceRef | None]]] = {name: [] for name in SECTION_FIELDS}
    for name, item_text, statement in _classified(discussion.statements):
        if not item_text or any(item_text == seen for seen, _ in sections[name]):
            continue
        source = SourceRef(
            start_line=statement.start_line,
            end_line=statement.end_line,
            quote=statement.quote,
            speaker=statement.speaker,
        )
        sections[name].append((item_text, source))
    items = {name: number_items(SECTION_PREFIX[name], entries) for name, entries in sections.items()}
    prose = [s.text for s in discussion.statements if s.kind != "code"]
    firsts = [entries[0][0] for name in ("goals", "problem") if (entries := sections[name])]
    title = discussion.title or next(iter(firsts + prose), "")
    return ExtractedIntent(
        format=discussion.format,
        title_guess=trim_title(title),
        candidate_identifiers=find_identifiers(prose),
        **items,
    )


def merge_agent_fields(extracted: ExtractedIntent, agent_fields: Mapping[str, list[str]]) -> ExtractedIntent:
    """Replace whole sections with the agent's lists; keep a source only where the text matches exactly."""
    unknown = sorted(set(agent_fields) - set(SECTION_FIELDS))
    if unknown:
        raise InvalidInputError(
            f"unknown intent section(s): {', '.join(unknown)}",
            hint=f"use any of: {', '.join(SECTION_FIELDS)}",
        )
    sources: dict[str, SourceRef | None] = {}
    for name in SECTION_FIELDS:
        for item in getattr(extracted, name):
            sources.setdefault(item.text, item.source)
    update: dict[str, list[IntentItem]] = {}
    for name, texts in agent_fields.items():
        cleaned = [squash(text) for text in texts if text.strip()]
        update[name] = number_items(SECTION_PREFIX[name], ((t, sources.get(t)) for t in cleaned))
    return extracted.model_copy(update=update)
