"""From a discussion to the fields of an intent, by cue phrases (no model).

Every statement is put in at most one section. The first rule that applies wins:

1. code blocks and headings are never items (headings only give context, see 4);
2. an explicit label: ``Decision: ...``, ``Q: ...``, ``Out of scope: ...`` (``LABELS``);
3. a question (ends with ``?``) is an open question;
4. the heading the statement sits under, when it names a section (``## Non-goals``), except
   that a limit on how the work is done ("we must not add a dependency") is a constraint
   under a heading that asks for goals or expected behaviour; an expected section that goes
   on "but instead I get" is the problem from there;
5. under the steps to reproduce, which are instructions, only what should happen (a goal)
   or what goes wrong (a problem);
6. the cue table ``CUES``, read top to bottom: open questions, non-goals, decisions,
   acceptance signals, constraints, goals, problem. Specific cues come before the
   broad ones they contain: "must not" (constraint) before "must" (goal), "we won't"
   (non-goal) before "we want", "should pass" (acceptance) before "should". Cues other
   than the problem's are not read inside quoted messages and code spans.

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
from dataclasses import dataclass, field, replace

from pydantic import BaseModel, Field

from codecot_mcp.domain.discussion import (
    IGNORED_SECTIONS,
    REPRODUCTION_SECTIONS,
    SECTION_LABEL_WORDS,
    Discussion,
    Statement,
    content_words,
    heading_key,
    is_template_heading,
    parse_discussion,
    squash,
    visible_lines,
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
    r"^(?:[A-Z][\w.-]{0,20}:\s+)?"  # "Chen: no, ..." inside a note
    r"(yes|yeah|yep|no|nope|sure|correct|right|exactly|agreed|definitely|absolutely|not really"
    r"|only|just|both|neither|all|none)\b[,.!:;]?",
    re.IGNORECASE,
)
# Replies that commit to nothing: neither a question nor an answer ("Not sure yet.").
HEDGES = frozenset(
    {
        "not sure",
        "not sure yet",
        "im not sure",
        "i am not sure",
        "unsure",
        "maybe",
        "perhaps",
        "possibly",
        "no idea",
        "good question",
        "good question no idea",
        "i dont know",
        "i dont know yet",
        "dont know",
        "dont know yet",
        "dunno",
        "hmm",
        "well see",
        "lets see",
        "not sure either",
        "i dont know either",
    }
)
_HEDGE_GUESS = re.compile(r"^(?:maybe|perhaps|possibly)\b", re.IGNORECASE)
# Sections whose statements are both a goal and the signal that it is reached.
EXPECTED_SECTIONS = frozenset(
    {"expected", "expected behavior", "expected behaviour", "expected result", "expected results"}
    | {"what you expected to happen"}
)
# "but instead I get": an expected-behaviour section going on to what happens.
_TURN = re.compile(
    r"(?:but,? )?(?:instead,? (?:i|we|it) (?:get|got|see|saw|returns?)|(?:i|we) (?:get|got|see|saw) instead"
    r"|but (?:i|we) (?:get|got|see|saw)|but (?:it )?(?:actually|returns|gives|shows|prints))\b[\s:,.]*",
    re.IGNORECASE,
)
ACTUAL_SECTION = "Actual behavior"
# An acceptance sentence that also states what to build ("It should reject unknown codes").
_GOALISH = re.compile(
    r"\b(?:should|must|we need|need to|expect(?:ed|s)?|would like|we want)\b", re.IGNORECASE
)
# The last line of an error report: "ValueError: ...", "panic: ...", "error[E0106]: ...".
_ERROR_LINE = re.compile(
    r"^\s*(?:(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Fault)\b(?::\s*\S.*)?"
    r"|panic: \S.*|error(?:\[\w+\])?: \S.*|Exception in thread \S.*)$"
)
_FRAME = re.compile(r"\bin (?:`)?(?P<name>[A-Za-z_]\w*)'?\s*$")  # '  File "x.py", line 3, in parse'
MAX_ERRORS = 3
# An open question ("how long?"), which any decision right after it answers; "csv or tsv?" needs its words.
_WH_QUESTION = re.compile(r"^(?:how|what|which|when|where|who)\b", re.IGNORECASE)
REPLY_WORDS = 12  # an unlabelled reply of at most this many words, by another speaker, answers
ANSWER_WINDOW = 50  # decisions after a question that may answer it (keeps long threads linear)

# Cue phrases per section, in priority order (see the module docstring). Regexes, case-insensitive.
CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "open_questions",
        (
            r"\btbd\b",
            r"\bnot sure (?:about|if|whether|how|what|which|who|when|where)\b",
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
            r"\b(?:let'?s|we'?ll) (?:start|stick) with\b",
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
            r"\b(?:can'?t|cannot|can not) (?:change|break|touch|modify|remove|rename|add|drop)\b",
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
            r"\bshould\b",
            r"\bexpected\b",
            r"\bwould like\b",
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
            r"\b(?:raises|raised|throws|thrown)\b.{0,40}?\b\w*(?:Error|Exception)\b",
            r"\bwrong\b",
            r"\bincorrect(?:ly)?\b",
            r"\bunexpected(?:ly)?\b",
        ),
    ),
)
_CUE_PATTERNS = tuple(
    (name, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)) for name, patterns in CUES
)
# A quoted message or a code span is the program's words, not the reporter's: "doesn't match the
# expected amount" quoted from an error says nothing of what should happen. Only a problem may be
# read from it (the program printed an error).
_PROBLEM_CUE = dict(_CUE_PATTERNS)["problem"]
_QUOTED = re.compile(r"\"[^\"\n]{3,}\"|“[^”\n]{3,}”|`[^`\n]+`")
# A limit on how the work is done ("we must not add a dependency", "can't change the API") is a
# constraint even under a heading that asks for what should happen; a limit on behaviour ("it
# must not crash") is what should happen, and stays there.
_GOAL_SECTIONS = frozenset({"goals", "acceptance_signals", "problem"})
_PROHIBITION = re.compile(
    r"\b(?:must not|mustn'?t|can'?t|cannot|can not|should not|shouldn'?t) (?:\w+ ){0,2}?"
    r"(?:add|change|break|touch|modify|remove|rename|drop|introduce|use|depend)\b",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z -]{0,24}?)\s*\d*\s*:\s+(?P<rest>\S.*)$")

# Code-looking tokens worth resolving against the repository index.
_URL = re.compile(r"\b\w+://\S+")
_BACKTICKED = re.compile(r"`([^`\n]+)`")
_EXTENSIONS = (
    "py|pyi|js|jsx|mjs|cjs|ts|tsx|go|rs|java|kts|kt|c|h|cc|cpp|hpp|cs|rb|phtml|php|swift|scala|lua|exs|ex"
    "|bash|sh|sql|md|rst|txt"
    "|toml|yaml|yml|json|cfg|ini|csv|html|css|scss|xml|proto|lock|scm"
)
_FILE_NAME = re.compile(rf"[\w.-]+\.(?:{_EXTENSIONS})")
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


def is_hedge(text: str) -> bool:
    """'Not sure yet.', 'Maybe.', 'Maybe a minute?': a reply that neither asks nor settles anything."""
    key = squash(re.sub(r"[^\w\s]", "", text.lower()))
    if key in HEDGES:
        return True
    return _is_question(text) and _HEDGE_GUESS.match(text) is not None and len(key.split()) <= 3


def _ignored(statement: Statement) -> bool:
    return statement.section is not None and heading_key(statement.section) in IGNORED_SECTIONS


def classify(statement: Statement) -> tuple[str, str] | None:
    """(section field, item text) for one statement, or None when no rule applies."""
    if statement.kind in ("code", "heading") or _ignored(statement) or is_hedge(statement.text):
        return None
    text = statement.text
    labelled = _label(text)
    if labelled:
        return LABELS[labelled[0]], labelled[1]
    if _is_question(text):
        return "open_questions", text
    heading = LABELS.get(statement.section.strip(" :").lower()) if statement.section else None
    if heading in _GOAL_SECTIONS and _PROHIBITION.search(text):
        return "constraints", text  # "We must not add a dependency" under "Expected behavior"
    if heading:
        return heading, text
    own = own_words(text)
    if statement.section and heading_key(statement.section) in REPRODUCTION_SECTIONS:
        return _reproduction_step(text, own)
    for name, pattern in _CUE_PATTERNS:
        if pattern.search(text if name == "problem" else own):
            return name, text
    return None


_STEP_EXPECTATION = re.compile(r"\b(?:should|expect(?:ed|s)?)\b", re.IGNORECASE)
# What a step shows going wrong: "returns 17 instead of 16", "an exception every time", "leaks".
_STEP_OUTCOME = re.compile(r"\binstead\b|\bexceptions?\b|\bleak", re.IGNORECASE)


def _reproduction_step(text: str, own: str) -> tuple[str, str] | None:
    """A line of the steps to reproduce is an instruction ("Run the following", "Ensure you
    have 2.5 or later", "you may need to run tox first"); only what it says should happen or
    goes wrong counts."""
    if _STEP_EXPECTATION.search(own):
        return "goals", text
    if _PROBLEM_CUE.search(text) or _STEP_OUTCOME.search(text):
        return "problem", text
    return None


def own_words(text: str) -> str:
    """`text` with its quoted messages and code spans blanked: what the writer says in their words."""
    return _QUOTED.sub(" ", text)


def _also_goal(statement: Statement, name: str, text: str) -> bool:
    """An acceptance signal that says what to build is a goal too (expected behaviour, 'should')."""
    if name != "acceptance_signals":
        return False
    section = heading_key(statement.section) if statement.section else ""
    return section in EXPECTED_SECTIONS or _GOALISH.search(own_words(text)) is not None


def _too_short(token: str) -> bool:
    """A name of one or two characters (`a`, `x0`, `p.x`), unless it is a file name."""
    name = token.rsplit("/", 1)[-1]
    return _FILE_NAME.fullmatch(name) is None and len(name.rsplit(".", 1)[-1]) <= 2


def find_identifiers(texts: Iterable[str]) -> list[str]:
    """Code-looking tokens in order of first appearance, without duplicates.

    Names of one or two characters (`a`, `x0`) are left out: in pasted code they are locals,
    and linking them finds unrelated definitions.
    """
    found: dict[str, None] = {}
    for text in texts:
        for token in _BACKTICKED.findall(text):
            token = token.strip().removesuffix("()")
            if token and not _too_short(token):
                found.setdefault(token)
        bare = _URL.sub(" ", text)
        for pattern in _IDENTIFIER_PATTERNS:
            for match in pattern.finditer(bare):
                token = (match.group(1) if pattern.groups else match.group()).strip(".-/")
                parts = token.split(".")
                if token and not all(len(p) <= 1 for p in parts) and not _too_short(token):
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


def source_of(statement: Statement) -> SourceRef:
    return SourceRef(
        start_line=statement.start_line,
        end_line=statement.end_line,
        quote=statement.quote,
        speaker=statement.speaker,
    )


def _spanning(lines: list[str], first: Statement, last: Statement) -> SourceRef:
    """One source quoting a question and the reply that settles it, with the lines between."""
    quote = "\n".join(lines[first.start_line - 1 : last.end_line]).strip(" \t")
    return SourceRef(start_line=first.start_line, end_line=last.end_line, quote=quote, speaker=last.speaker)


def _settles(question: Statement, reply: Statement, found: tuple[str, str] | None) -> bool:
    """The statement right after an open question (hedges skipped) answers it.

    Yes/no-style openings, a decision, a non-goal or constraint on the same subject, a deeper
    list item, or a short unlabelled reply by someone else all settle it.
    """
    if reply.kind == "code" or _is_question(reply.text):
        return False
    name = found[0] if found else None
    shared = bool(content_words(question.text) & content_words(reply.text))
    if name == "decisions" and (shared or _WH_QUESTION.match(question.text)):
        return True
    if name in ("non_goals", "constraints") and shared:
        return True
    if reply.kind == "item" and question.kind == "item" and reply.depth > question.depth:
        return True
    other = question.speaker != reply.speaker  # the asker's own "yes, I think so" settles nothing
    if other and _REPLY.match(reply.text):
        return True
    known = None not in (question.speaker, reply.speaker)
    return known and other and name is None and len(reply.text.split()) <= REPLY_WORDS


Entry = tuple[str, str, SourceRef]


@dataclass
class _Collector:
    """Classify statements in order, settle questions with the replies that answer them."""

    lines: list[str]
    entries: list[Entry] = field(default_factory=list)
    answered: set[int] = field(default_factory=set)
    pending: tuple[int, Statement, str] | None = None  # the open question still waiting for its reply
    turned: str | None = None  # the expected-behaviour section that went on to what happens instead

    def add(self, statement: Statement) -> None:
        if statement.kind != "code" and is_hedge(statement.text):
            return  # a hedge leaves the question waiting
        turned = self._turned(statement)
        if turned is None:
            return
        statement = turned
        found = classify(statement)
        labelled = _label(statement.text)
        if found and labelled and labelled[0] in ANSWER_LABELS and self.pending:
            index, _, question = self.pending
            self.answered.add(index)
            self._append(found[0], f"{found[1]} (answer to: {question})", statement)
            self.pending = None
            return
        if self.pending and _settles(self.pending[1], statement, found):
            self._settle(self.pending, statement, found)
            return
        self.pending = None
        if found is None:
            return
        name, text = found
        self._append(name, text, statement)
        if name == "open_questions":
            self.pending = (len(self.entries) - 1, statement, text)
        elif _also_goal(statement, name, text):
            self._append("goals", text, statement)

    def _turned(self, statement: Statement) -> Statement | None:
        """An expected-behaviour section that goes on "but instead I get": from there on it tells
        what happens, a problem. The lead-in alone says nothing and is dropped."""
        section = statement.section
        if section is None or heading_key(section) not in EXPECTED_SECTIONS:
            return statement
        if section != self.turned and statement.kind != "code" and _TURN.match(statement.text):
            self.turned = section
            if _TURN.fullmatch(statement.text):
                return None
        return replace(statement, section=ACTUAL_SECTION) if section == self.turned else statement

    def _append(self, name: str, text: str, statement: Statement) -> None:
        self.entries.append((name, text, source_of(statement)))

    def _settle(
        self, pending: tuple[int, Statement, str], reply: Statement, found: tuple[str, str] | None
    ) -> None:
        index, question, text = pending
        self.answered.add(index)
        source = _spanning(self.lines, question, reply)
        self.entries.append(("decisions", f"{text} {reply.text}", source))
        if found and found[0] not in ("decisions", "open_questions"):
            self._append(found[0], found[1], reply)
        self.pending = None

    def result(self) -> list[Entry]:
        """Entries without the answered questions (also those a later decision answers by its words)."""
        entries = self.entries
        decisions = [
            (i, content_words(text)) for i, (name, text, _) in enumerate(entries) if name == "decisions"
        ]
        for index, (name, text, _) in enumerate(entries):
            if name == "open_questions" and index not in self.answered:
                start = bisect_right(decisions, index, key=lambda d: d[0])
                if _answered(text, (words for _, words in decisions[start : start + ANSWER_WINDOW])):
                    self.answered.add(index)
        return [entry for index, entry in enumerate(entries) if index not in self.answered]


def _classified(statements: Iterable[Statement], lines: list[str]) -> list[Entry]:
    """Classify, link answers to their question, drop answered questions."""
    collector = _Collector(lines)
    for statement in statements:
        collector.add(statement)
    return collector.result()


def _error_in(statement: Statement) -> tuple[str, SourceRef, str | None] | None:
    """The final error line of a pasted traceback or log: (error, its source, failing function)."""
    last: tuple[str, SourceRef, str | None] | None = None
    function: str | None = None
    for offset, line in enumerate(statement.quote.split("\n")):
        if len(line) > 300:
            continue  # keeps the error pattern linear; real error lines are short
        frame = _FRAME.search(line) if ('File "' in line or ":in `" in line) else None
        if frame and frame["name"] != "module":
            function = frame["name"]
        if _ERROR_LINE.match(line):
            number = statement.start_line + offset
            source = SourceRef(
                start_line=number, end_line=number, quote=line.strip(), speaker=statement.speaker
            )
            last = (squash(line), source, function)
    return last


def _errors(statements: Iterable[Statement]) -> list[tuple[str, SourceRef, str | None]]:
    found: dict[str, tuple[str, SourceRef, str | None]] = {}
    for statement in statements:
        error = _error_in(statement) if statement.kind == "code" else None
        if error and error[0] not in found and len(found) < MAX_ERRORS:
            found[error[0]] = error
    return list(found.values())


def _reproduction(statements: Iterable[Statement], has_error: bool) -> tuple[str, SourceRef] | None:
    """A bug report's reproduction, as the test to write: the steps section, else the failing code."""
    code: Statement | None = None
    for statement in statements:
        if statement.kind == "heading" and heading_key(statement.text) in REPRODUCTION_SECTIONS:
            return "A test runs the steps to reproduce and passes", source_of(statement)
        if code is None and statement.kind == "code":
            code = statement
    if has_error and code is not None:
        return "A test runs the reproduction from the report and no longer fails", source_of(code)
    return None


# A title that starts with the work to do ("Add ...", "deprecate ...", "Handle ...").
_WORK_TITLE = re.compile(
    r"^\W*(?:add|support|allow|implement|enable|expose|provide|create|introduce|remove|deprecate"
    r"|rename|replace|make|let|use|handle|improve|refactor|update|change|drop|convert|accept"
    r"|validate|fix|avoid|prevent|raise|warn|document)\b",
    re.IGNORECASE,
)


def _derived_goal(
    sections: Mapping[str, list[tuple[str, SourceRef | None]]],
    errors: list[tuple[str, SourceRef, str | None]],
    title: tuple[str, SourceRef] | None,
) -> tuple[str, SourceRef | None] | None:
    """A goal when the discussion states none: the error gone, else the problem gone, else the title."""
    if errors:
        error, source, function = errors[0]
        return f"{function or 'The reproduction'} no longer fails with {error}", source
    if title and _WORK_TITLE.match(title[0]):
        return title  # "Add retrieval of horizon profiles": the title names the work
    if sections["problem"]:
        text, problem_source = sections["problem"][0]
        return f"{text.rstrip(' .!;:')} no longer happens", problem_source
    if title:
        text, title_source = title
        problem = _PROBLEM_CUE.search(text)
        return (f"{text.rstrip(' .!;:?')} no longer happens" if problem else text), title_source
    return None


def number_items(prefix: str, items: Iterable[tuple[str, SourceRef | None]]) -> list[IntentItem]:
    numbered = enumerate(items, 1)
    return [IntentItem(id=f"{prefix}{n}", text=text, source=source) for n, (text, source) in numbered]


def _title_statement(discussion: Discussion) -> tuple[str, SourceRef] | None:
    """The discussion's own title, else its first prose line that is not a template heading."""
    candidates = [
        s for s in discussion.statements if s.kind != "code" and s.text and not is_template_heading(s.text)
    ]
    if discussion.title:
        own = next((s for s in candidates if discussion.title in (s.text, s.text.rstrip(":;").strip())), None)
        if own is not None:
            return discussion.title, source_of(own)
    first = next(iter(candidates), None)
    return (first.text, source_of(first)) if first else None


def _sections(discussion: Discussion, lines: list[str]) -> dict[str, list[tuple[str, SourceRef | None]]]:
    sections: dict[str, list[tuple[str, SourceRef | None]]] = {name: [] for name in SECTION_FIELDS}
    errors = _errors(discussion.statements)
    entries: list[Entry] = [("problem", error, source) for error, source, _ in errors]
    repro = _reproduction(discussion.statements, bool(errors))
    if repro:
        entries.append(("acceptance_signals", *repro))
    for name, item_text, source in [*entries, *_classified(discussion.statements, lines)]:
        if item_text and all(item_text != seen for seen, _ in sections[name]):
            sections[name].append((item_text, source))
    bug_report = bool(sections["problem"]) or _names_a_problem(discussion.statements)
    if bug_report and not sections["acceptance_signals"]:
        sections["acceptance_signals"] = _bug_report_signals(discussion.statements, sections["goals"])
    if not sections["goals"]:
        goal = _derived_goal(sections, errors, _title_statement(discussion))
        if goal:
            sections["goals"].append(goal)
    return sections


def _names_a_problem(statements: Iterable[Statement]) -> bool:
    """Whether any prose says something is wrong ("This is a bug: it should ..."), whatever the
    statement was classified as."""
    return any(s.kind != "code" and _PROBLEM_CUE.search(s.text) for s in statements)


_EXPECTATION = re.compile(r"\b(?:should|expect(?:ed|s)?|instead|must)\b", re.IGNORECASE)


def _bug_report_signals(
    statements: Iterable[Statement], goals: list[tuple[str, SourceRef | None]]
) -> list[tuple[str, SourceRef | None]]:
    """A bug report that names no check: its reproduction as the test to write, and the behaviour
    it expects (its first goal that says what should happen; "we want X" is a wish, not a check).
    A report without a traceback has no error to stop raising, so the test looks for the expected
    result instead."""
    signals: list[tuple[str, SourceRef | None]] = []
    code = next((s for s in statements if s.kind == "code"), None)
    if code is not None:
        signals.append(
            ("A test runs the reproduction from the report and gets the expected result", source_of(code))
        )
    expected = next((goal for goal in goals if _EXPECTATION.search(own_words(goal[0]))), None)
    if expected is not None:
        signals.append(expected)
    return signals


def _title_order(
    discussion: Discussion, sections: Mapping[str, list[tuple[str, SourceRef | None]]]
) -> tuple[str, ...]:
    """Where an untitled discussion's title comes from: a bug report names its problem, a plan its goal."""
    goals = sections["goals"]
    derived = len(goals) == 1 and (
        " no longer happens" in goals[0][0] or " no longer fails with " in goals[0][0]
    )
    template = any(s.kind == "heading" and is_template_heading(s.text) for s in discussion.statements)
    return ("problem", "goals") if derived or template else ("goals", "problem")


def extract_intent(text: str) -> ExtractedIntent:
    if not text.strip():
        raise InvalidInputError(
            "the discussion is empty",
            hint="pass the discussion text: a chat transcript, an issue thread or meeting notes",
        )
    discussion = parse_discussion(text)
    sections = _sections(discussion, visible_lines(text))
    items = {name: number_items(SECTION_PREFIX[name], entries) for name, entries in sections.items()}
    prose = [s.text for s in discussion.statements if s.kind != "code"]
    firsts = [entries[0][0] for name in _title_order(discussion, sections) if (entries := sections[name])]
    headings = [
        s.text
        for s in discussion.statements
        if s.kind != "code" and s.text and not is_template_heading(s.text)
    ]
    title = discussion.title or next(iter(firsts + headings), "")
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
