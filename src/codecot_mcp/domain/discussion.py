"""Split a discussion into attributed statements: the first step from talk to intent.

Three shapes are recognised, in this order:

* ``issue_thread``: a title and body followed by comments, as exported from GitHub and
  similar trackers (``### Comment by alice``, ``**alice** commented on Nov 3``,
  ``bob commented 2 days ago``, ``On Mon, carol wrote:``). ``---`` separates comments;
  ``> `` lines quote earlier text and are skipped so nothing is counted twice.
* ``transcript``: chat or meeting lines ``Alice: ...``, ``[10:02] Bob: ...``,
  ``**Carol**: ...``; lines without a label continue the previous speaker.
* ``plain``: anything else (meeting notes, a pasted description).

A statement is one sentence, one list item (split into sentences again if it holds
several) or one fenced code block. Line numbers are 1-based lines of the text as
given; a sentence wrapped over lines spans them. ``quote`` is the exact original text
(joined lines are separated by ``\\n``); ``text`` is the same with Markdown emphasis and
extra whitespace removed. Pure: no I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

from codecot_mcp.domain.models import DiscussionFormat

StatementKind = Literal["text", "item", "heading", "code"]


@dataclass(frozen=True)
class Statement:
    speaker: str | None
    text: str
    start_line: int
    end_line: int
    quote: str
    kind: StatementKind = "text"
    section: str | None = None  # the nearest Markdown heading above, inside the same message
    depth: int = 0  # indentation of a list item: a deeper item under a question answers it


@dataclass(frozen=True)
class Discussion:
    format: DiscussionFormat
    statements: tuple[Statement, ...]
    title: str | None = None


# ---------------------------------------------------------------- shared text helpers

# Words too common to tie two sentences together (also generic workflow verbs).
STOPWORDS = frozenset(
    {
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "above",
        "below",
        "than",
        "then",
        "them",
        "they",
        "their",
        "there",
        "here",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "are",
        "was",
        "were",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "does",
        "did",
        "doing",
        "done",
        "can",
        "could",
        "would",
        "should",
        "shall",
        "will",
        "must",
        "may",
        "might",
        "not",
        "but",
        "also",
        "just",
        "only",
        "very",
        "really",
        "too",
        "all",
        "any",
        "some",
        "each",
        "every",
        "both",
        "either",
        "neither",
        "more",
        "most",
        "less",
        "such",
        "same",
        "other",
        "its",
        "it's",
        "our",
        "ours",
        "your",
        "yours",
        "you",
        "we",
        "us",
        "him",
        "her",
        "his",
        "she",
        "he",
        "one",
        "two",
        "yes",
        "no",
        "okay",
        "ok",
        "please",
        "think",
        "thing",
        "things",
        "something",
        "stuff",
        "maybe",
        "sure",
        "lets",
        "let's",
        "let",
        "get",
        "got",
        "use",
        "used",
        "using",
        "uses",
        "add",
        "added",
        "adding",
        "need",
        "needs",
        "needed",
        "want",
        "wants",
        "wanted",
        "make",
        "makes",
        "made",
        "like",
        "support",
        "supports",
        "supported",
        "able",
        "allow",
        "allows",
        "system",
        "user",
        "users",
        "way",
        "still",
        "even",
        "now",
        "later",
        "soon",
        "today",
        "scope",
        "goal",
        "goals",
        "non",
        "won",
        "don",
        "didn",
        "doesn",
        "isn",
        "aren",
        "wasn",
        "decide",
        "decided",
        "decision",
        "agreed",
        "agree",
        "going",
        "via",
        "etc",
        "per",
        "out",
        "off",
        "again",
        "because",
        "since",
        "until",
        "after",
        "before",
    }
)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]+")


def squash(text: str) -> str:
    """Collapse runs of whitespace (including line breaks) into single spaces."""
    return " ".join(text.split())


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """Significant words of `text` in order, lower-cased and crudely stemmed."""
    words = (w.lower() for w in _WORD.findall(text))
    stems = (_stem(w) for w in words if len(w) >= 3 and w not in STOPWORDS)
    return [s for s in stems if s not in STOPWORDS]


def content_words(text: str) -> set[str]:
    return set(content_terms(text))


# ---------------------------------------------------------------- line patterns

# Generic labels: never a speaker ("Note: ..."), never a title ("## Goals"). Extraction's LABELS
# must be a subset.
# Explicit labels ("Label: text") and headings ("## Label") naming a section.
SECTION_LABEL_WORDS: dict[str, tuple[str, ...]] = {
    "problem": (
        "problem",
        "problems",
        "issue",
        "bug",
        "current behavior",
        "current behaviour",
        "actual",
        "actual behavior",
        "actual behaviour",
    ),
    "goals": (
        "goal",
        "goals",
        "objective",
        "objectives",
        "requirement",
        "requirements",
        "proposal",
        "proposed solution",
        "solution",
    ),
    "non_goals": ("non-goal", "non-goals", "non goal", "non goals", "out of scope", "not in scope"),
    "constraints": ("constraint", "constraints", "limitation", "limitations"),
    "decisions": ("decision", "decisions", "decided", "agreed", "resolution", "a", "answer"),
    "open_questions": ("q", "question", "questions", "open question", "open questions", "tbd"),
    "acceptance_signals": (
        "acceptance",
        "acceptance criteria",
        "acceptance signal",
        "acceptance signals",
        "done when",
        "success criteria",
        "definition of done",
        "expected",
        "expected behavior",
        "expected behaviour",
        "what you expected to happen",
        "test",
        "tests",
    ),
}

SECTION_HEADINGS = frozenset(
    label for labels in SECTION_LABEL_WORDS.values() for label in labels if len(label) > 2
)

# Words before a colon that are labels, not people: a line 'Update: ...' is no speaker.
NOT_SPEAKERS = frozenset(
    {
        "note",
        "notes",
        "nb",
        "ps",
        "fyi",
        "tldr",
        "update",
        "summary",
        "context",
        "background",
        "title",
        "subject",
        "re",
        "date",
        "time",
        "agenda",
        "attendees",
        "participants",
        "location",
        "owner",
        "owners",
        "status",
        "priority",
        "example",
        "e.g",
        "i.e",
        "eg",
        "ie",
        "edit",
        "todo",
        "action",
        "actions",
        "step",
        "steps",
        "result",
        "results",
        "reason",
        "why",
        "how",
        "what",
        "where",
        "when",
        "who",
        "which",
        "answers",
        "issues",
        "bugs",
        "warning",
        "error",
        "important",
        "tip",
        "info",
        "http",
        "https",
        "ftp",
        "mailto",
        "file",
        "path",
        "link",
        "url",
        "see",
        "also",
        "yes",
        "no",
        "ok",
        "risk",
        "risks",
        "workaround",
        "motivation",
        "scope",
        "action item",
        "action items",
        "next step",
        "next steps",
        "follow up",
        "follow-up",
        # the environment block of an issue template ("OS: Ubuntu 22.04", "Version: 0.13")
        "os",
        "version",
        "versions",
        "platform",
        "python",
        "python version",
        "operating system",
        "environment",
        "browser",
        "device",
        "architecture",
        "arch",
        "kernel",
        "terminal",
        "shell",
    }
    | {label for labels in SECTION_LABEL_WORDS.values() for label in labels}
)
# A traceback's last line names the exception, not a person ("ValueError: ...").
_EXCEPTION_NAME = re.compile(r"[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Panic)\Z")

# Headings that issue templates put in every report: context, never the title.
TEMPLATE_HEADINGS = frozenset(
    {
        "description",
        "bug description",
        "describe the bug",
        "describe the issue",
        "describe your issue",
        "bug report",
        "issue description",
        "problem description",
        "summary",
        "details",
        "expected behavior",
        "expected behaviour",
        "expected result",
        "expected results",
        "expected output",
        "actual behavior",
        "actual behaviour",
        "actual result",
        "actual results",
        "actual output",
        "observed behavior",
        "observed behaviour",
        "current behavior",
        "current behaviour",
        "current output",
        "steps to reproduce",
        "to reproduce",
        "how to reproduce",
        "reproduction",
        "reproducer",
        "minimal example",
        "minimal reproducible example",
        "code sample",
        "code example",
        "example",
        "traceback",
        "error",
        "error message",
        "logs",
        "environment",
        "your environment",
        "versions",
        "version",
        "system info",
        "configuration",
        "dialect",
        "search before asking",
        "what happened",
        "what you expected to happen",
        "what are you trying to do",
        "additional context",
        "additional information",
        "anything else",
        "are you willing to work on this",
        "are you willing to work on this and submit a pr to address the issue",
        "code of conduct",
        "motivation",
        "possible solution",
        "proposed solution",
        "feature request",
        "is your feature request related to a problem? please describe",
        "describe the solution you'd like",
        "describe alternatives you've considered",
    }
)
# Template sections whose content is system detail, not intent: their statements are skipped.
IGNORED_SECTIONS = frozenset(
    {
        "environment",
        "your environment",
        "versions",
        "version",
        "system info",
        "configuration",
        "dialect",
        "search before asking",
        "logs",
        "code of conduct",
        "are you willing to work on this",
        "are you willing to work on this and submit a pr to address the issue",
    }
)
# Sections that hold the reproduction of a bug report: it becomes a test to write.
REPRODUCTION_SECTIONS = frozenset(
    {
        "steps to reproduce",
        "to reproduce",
        "how to reproduce",
        "reproduction",
        "reproducer",
        "minimal example",
    }
)


def heading_key(text: str) -> str:
    """A heading lower-cased, without emphasis, trailing colons or a trailing '(optional)'."""
    key = squash(text.replace("*", " ").replace("_", " ")).lower().strip(" :;.#?")
    return key.removesuffix("(optional)").strip(" :;")


MAX_PROBE_WORDS = 4


def is_template_heading(text: str) -> bool:
    """A heading an issue template wrote, or a version/output probe (`python -c ...` output)."""
    key = heading_key(text)
    if key in TEMPLATE_HEADINGS:
        return True
    # "`pip freeze` output", "sqlfluff version": a probe names a command in a few words; "I would
    # expect both to generate the same output" is a sentence.
    probe = "`" in text or len(key.split()) <= MAX_PROBE_WORDS
    return probe and key.endswith((" output", " version", " versions"))


MAX_TITLE_CHARS = 160  # GitHub allows 256; a feature request's title often passes 120
_LINK_LINE = re.compile(r"^<?https?://\S+>?$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_BULLET = re.compile(r"\s*(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")  # used with .match(line, pos)
_QUOTE = re.compile(r"^\s*>\s?")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<text>[^*_\n]{1,80})\1\s*[:;]?\s*$")  # **Expected behavior**
_BARE_HEADING = re.compile(r"^\s*(?P<text>[A-Za-z][\w ,'?-]{1,80}?)\s*[:;]?\s*$")  # Expected output;
_TRACEBACK = re.compile(r"^\s*Traceback \(most recent call last\):")
# Lines that are code, not prose: imports, assignments, prompts, definitions, bare calls.
_CODE_LINE = re.compile(
    r"^\s*(?:import \w|from [\w.]+ import |>>> |\$ |def \w|class \w|@\w+\s*$|[)\]}]+[;,]?\s*$"
    r"|[A-Za-z_][\w.]*(?:\[[^\]\n]*\])? ?[-+*/]?= ?\S|[A-Za-z_][\w.]*\([^\n]*\)\s*;?\s*$)"
)
_TITLE = re.compile(r"^\s*title\s*:\s*(.+?)\s*$", re.IGNORECASE)
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?"
_NAME = r"@?[A-Za-z][\w.'-]*(?: [A-Za-z][\w.'-]*){0,2}"
_SPEAKER = re.compile(
    rf"^\s*(?:\[[^\]\n]{{1,30}}\]\s*|{_TIME}\s+|\(\s*{_TIME}\s*\)\s*)?"  # optional timestamp
    rf"(?:\*\*|__)?(?P<name>{_NAME})(?:\*\*|__)?"
    rf"(?:\s*[\[(]{_TIME}[\])])?"  # or a timestamp after the name
    r"\s*(?:\*\*|__)?:(?:\*\*|__)?(?:\s+|$)"
)
# Slack's copy format: "Alice Smith  10:02 AM" alone on a line, the message below.
_SPEAKER_HEADER = re.compile(rf"^\s*(?P<name>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){{0,2}})\s+\[?{_TIME}\]?\s*$")
_WHO = r"(?:\*\*|__)?@?(?P<name>[\w.-]+)(?:\*\*|__)?"
_WHEN = r"(?:\s+on\s+.{1,40}|\s+\d.{0,40}|\s+(?:yesterday|today|just now)|\s+\S+\s+\S+\s+ago)?\s*[:.]?\s*$"
_COMMENT_HEADERS = (
    re.compile(rf"^\s*(?:#{{1,6}}\s*)?(?:\*\*|__)?comment\s+(?:by|from)\s+{_WHO}", re.IGNORECASE),
    re.compile(rf"^\s*(?:#{{1,6}}\s*)?{_WHO}\s+(?:commented|replied){_WHEN}", re.IGNORECASE),
    re.compile(r"^\s*on\b.{3,60}?,?\s+@?(?P<name>[\w.-]+)\s+wrote:\s*$", re.IGNORECASE),
    re.compile(rf"^\s*(?:#{{1,6}}\s*)?{_WHO}\s+(?:opened|created|filed)\s+(?:this|the)\s+issue\b", re.I),
)
_OPENER = _COMMENT_HEADERS[-1]

# Sentence ends: punctuation (plus closing marks) before whitespace.
# The lookbehind starts a match only at the first mark of a run: without it, a long run of
# marks with no space after it is retried from every position (quadratic).
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]+[*_)\"'\]`]*(?=\s)")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "cf", "approx", "mr", "mrs", "ms", "dr", "no"})
_EMPHASIS = re.compile(r"\*\*|__")
_SPACES = re.compile(r"\s*")


def _speaker_name(line: str) -> tuple[str, int] | None:
    """(speaker, column where the message starts) when `line` opens a chat message."""
    for pattern in (_SPEAKER, _SPEAKER_HEADER):
        match = pattern.match(line)
        if not match:
            continue
        name = match["name"].lstrip("@")
        if name.lower() not in NOT_SPEAKERS and not _EXCEPTION_NAME.match(name.rsplit(".", 1)[-1]):
            if " " in name and name.rsplit(" ", 1)[-1].lower() in _FIELD_TAILS:
                return None  # "Pandas version: 2.1": a field of the report, not a person
            return name, match.end()
    return None


def _comment_author(line: str) -> str | None:
    for pattern in _COMMENT_HEADERS:
        match = pattern.match(line)
        if match:
            return match["name"].lstrip("@")
    return None


# A label of several words ending in one of these names a field ("Pandas version", "Build type"),
# whatever comes before it; no person's name ends so.
_FIELD_TAILS = frozenset(
    {
        "version", "versions", "release", "build", "commit", "branch", "os", "platform", "distro",
        "distribution", "type", "mode", "dialect", "backend", "driver", "engine", "runtime",
        "interpreter", "compiler", "config", "configuration", "environment", "machine", "image",
    }
)  # fmt: skip

SENTENCE_WORDS = 3  # a lone labelled line shorter than this is a field ("Python: 3.11"), not a message


def detect_format(lines: list[str]) -> DiscussionFormat:
    in_code = False
    comments = content = 0
    speakers: list[str] = []
    shortest = 1 << 30  # words in the shortest labelled message
    for line in lines:
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code or not line.strip():
            continue
        content += 1
        if _comment_author(line) is not None:
            comments += 1
        found = _speaker_name(line)
        if found:
            speakers.append(found[0])
            shortest = min(shortest, len(line[found[1] :].split()))
    if comments:
        return "issue_thread"
    # Chat: at least two people, and labelled lines are a good share of the text; or one
    # person's message, every line of it labelled and a sentence ("Ana: The report must ...",
    # not "Python: 3.11"), whose name is no part of what they ask for.
    if len(set(speakers)) >= 2 and len(speakers) * 4 >= content:
        return "transcript"
    if len(set(speakers)) == 1 and len(speakers) == content and shortest >= SENTENCE_WORDS:
        return "transcript"
    return "plain"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) offsets of the sentences in `text`, whitespace trimmed."""
    cuts: list[int] = []
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        spaces = _SPACES.match(text, end)
        after = spaces.end() if spaces else end
        following = text[after : after + 1]
        if "?" not in match.group() and "!" not in match.group():
            words = text[max(0, match.start() - 30) : match.start()].split()
            before = words[-1].lower().strip("*_`(\"'") if words else ""
            # "e.g. this", "J. Smith" and "3. then" do not end a sentence; a line break does.
            if before in _ABBREVIATIONS or len(before) == 1:
                continue
            if following.islower() and "\n" not in text[end:after]:
                continue
        cuts.append(end)
    spans: list[tuple[int, int]] = []
    start = 0
    for end in [*cuts, len(text)]:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if piece.strip():
            spans.append((start + lead, end - trail))
        start = end
    return spans


def clean(raw: str) -> str:
    """Statement text: Markdown bold markers dropped, whitespace squashed."""
    return squash(_EMPHASIS.sub("", raw))


@dataclass
class _Walker:
    lines: list[str]
    fmt: DiscussionFormat
    out: list[Statement] = field(default_factory=list)
    para: list[tuple[int, int]] = field(default_factory=list)  # (0-based line, start column)
    para_kind: StatementKind = "text"
    speaker: str | None = None
    section: str | None = None
    title: str | None = None
    in_comments: bool = False
    depth: int = 0

    def run(self) -> list[Statement]:
        index = 0
        while index < len(self.lines):
            index = self._step(index)
        self._flush()
        if self.title is None and self.fmt == "issue_thread":
            first = next((s for s in self.out if s.kind != "code"), None)
            if first is not None and len(first.text) <= 100:
                self.title = first.text
        return self.out

    def _step(self, index: int) -> int:
        line = self.lines[index]
        if _FENCE.match(line):
            self._flush()
            return self._code(index)
        if not line.strip() or _RULE.match(line):
            self._flush()
            return index + 1
        if self.fmt == "issue_thread" and (author := _comment_author(line)) is not None:
            self._flush()
            self.in_comments = self.in_comments or not _OPENER.match(line)
            self.speaker, self.section = author, None
            return index + 1
        quote = _QUOTE.match(line)
        if quote and self.fmt != "plain":
            self._flush()  # a quote repeats earlier text
            return index + 1
        if self.title is None and (title := _TITLE.match(line)):
            self._flush()
            self.title = clean(title.group(1))
            return index + 1
        heading = _HEADING.match(line) or self._pseudo_heading(line)
        if heading:
            self._flush()
            self._heading(index, heading.group(1) if heading.re is _HEADING else heading["text"])
            return index + 1
        if self._starts_code(index, line):
            self._flush()
            return self._unfenced_code(index)
        self._text(index, line, quote.end() if quote else 0)
        if self.title is None and self._is_title_line(index):
            self.title = clean(line)
            self._flush()
        return index + 1

    def _pseudo_heading(self, line: str) -> re.Match[str] | None:
        """A whole line in bold, or a bare template heading ('Expected output;'): a heading too."""
        match = _BOLD_LINE.match(line)
        if match:
            return match
        match = _BARE_HEADING.match(line)
        if match and (is_template_heading(match["text"]) or heading_key(match["text"]) in SECTION_HEADINGS):
            return match
        return None

    def _starts_code(self, index: int, line: str) -> bool:
        """Pasted code without a fence: a traceback, an indented block after a break, code-looking lines."""
        if _TRACEBACK.match(line):
            return True
        if self.fmt == "transcript" and _speaker_name(line) is not None:
            return False
        after_break = not self.para
        indented = line.startswith(("    ", "\t")) and _BULLET.match(line) is None
        return (after_break and indented) or _CODE_LINE.match(line) is not None

    def _unfenced_code(self, start: int) -> int:
        """Consume the block: a traceback ends at its unindented error line, other code at a blank line."""
        end = start
        traceback = _TRACEBACK.match(self.lines[start]) is not None
        while end + 1 < len(self.lines):
            following = self.lines[end + 1]
            if not following.strip():
                break
            if traceback and not following[:1].isspace():
                end += 1  # the error line closes the traceback
                break
            if not traceback and not (following[:1].isspace() or _CODE_LINE.match(following)):
                break
            end += 1
        body = "\n".join(self.lines[start : end + 1])
        self.out.append(Statement(self.speaker, body, start + 1, end + 1, body, "code", self.section))
        return end + 1

    def _is_title_line(self, index: int) -> bool:
        """The issue's own first line: short, alone, not a sentence running on into the next line."""
        if self.fmt == "transcript" or self.out or len(self.para) != 1 or self.para[0] != (index, 0):
            return False
        line = self.lines[index].strip()
        if len(line) > MAX_TITLE_CHARS or line.endswith((".", ",", ";", ":")) or is_template_heading(line):
            return False
        following = next((text.strip() for text in self.lines[index + 1 :] if text.strip()), "")
        # A link on the next line ("https://github.com/.../validate.py#L136") starts no sentence.
        return bool(following) and (not following[:1].islower() or _LINK_LINE.match(following) is not None)

    def _text(self, index: int, line: str, col: int) -> None:
        found = _speaker_name(line) if self.fmt == "transcript" else None
        if found:
            self._flush()
            self.speaker, col = found
            self.section = None
            if not line[col:].strip():
                return
        bullet = _BULLET.match(line, col)
        if bullet:
            self._flush()
            self.para, self.para_kind = [(index, bullet.end())], "item"
            self.depth = len(line) - len(line.lstrip())
        elif self.para and not found and col == 0:
            self.para.append((index, 0))
        else:
            self._flush()
            self.para, self.para_kind = [(index, col)], "text"

    def _heading(self, index: int, raw: str) -> None:
        text = clean(raw).rstrip(":;").strip()
        usable = text.lower() not in NOT_SPEAKERS and not is_template_heading(text)
        if self.title is None and not self.in_comments and usable and not self.out:
            self.title = text
        self.section = text
        self.out.append(Statement(self.speaker, text, index + 1, index + 1, raw, "heading", text))

    def _code(self, start: int) -> int:
        fence = _FENCE.match(self.lines[start])
        marker = fence.group(1) if fence else "```"
        end = next(
            (i for i in range(start + 1, len(self.lines)) if self.lines[i].strip().startswith(marker)),
            len(self.lines) - 1,
        )
        body = "\n".join(self.lines[start + 1 : end])
        quote = "\n".join(self.lines[start : end + 1])
        self.out.append(Statement(self.speaker, body, start + 1, end + 1, quote, "code", self.section))
        return end + 1

    def _flush(self) -> None:
        if not self.para:
            return
        first, col = self.para[0]
        pieces = [self.lines[first][col:]] + [self.lines[i] for i, _ in self.para[1:]]
        text = "\n".join(pieces)
        starts: list[int] = []
        offset = 0
        for piece in pieces:
            starts.append(offset)
            offset += len(piece) + 1
        for start, end in sentence_spans(text):
            cleaned = clean(text[start:end])
            if not cleaned:
                continue
            first_line = first + bisect_right(starts, start)
            last_line = first + bisect_right(starts, end - 1)
            quote = text[start:end]
            kind, section = self.para_kind, self.section
            depth = self.depth if kind == "item" else 0
            self.out.append(
                Statement(self.speaker, cleaned, first_line, last_line, quote, kind, section, depth)
            )
        self.para = []


def split_lines(text: str) -> list[str]:
    """The lines of `text`, whatever its line endings (numbering matches an editor's)."""
    return _LINE_BREAK.split(text)


def visible_lines(text: str) -> list[str]:
    """`split_lines` with HTML comments blanked out, as GitHub renders an issue: templates are full
    of `<!-- Please describe the bug -->` instructions that no reader sees and nobody wrote. Each
    line keeps its number; a fenced code block is left as it is (its `<!--` is code); a comment
    never closed runs to the end, as in Markdown."""
    out: list[str] = []
    in_code = in_comment = False
    for line in split_lines(text):
        if not in_comment and _FENCE.match(line):
            in_code = not in_code
        if in_code or (not in_comment and "<!--" not in line):
            out.append(line)
            continue
        kept: list[str] = []
        rest = line
        while rest:
            mark = rest.find("-->" if in_comment else "<!--")
            if mark < 0:
                if not in_comment:
                    kept.append(rest)
                break
            if not in_comment:
                kept.append(rest[:mark])
            rest = rest[mark + (3 if in_comment else 4) :]
            in_comment = not in_comment
        out.append("".join(kept).rstrip() if kept else "")
    return out


def parse_discussion(text: str) -> Discussion:
    lines = visible_lines(text)
    fmt = detect_format(lines)
    walker = _Walker(lines, fmt)
    statements = walker.run()
    return Discussion(fmt, tuple(statements), walker.title)
