"""The stored Markdown form of intents and specs: rendered for people, parsed back after their edits.

Layout (both kinds)::

    # INT-1: Title
    <!-- codecot {"id": "INT-1", "created_at": "...", ...} -->

    ## Goals

    - **G1** text
      > L12-L14 (alice): "quoted text"

Machine fields sit in the one-line JSON comment (unknown keys survive a round trip);
everything people edit is plain Markdown. Parsing accepts edited wording, added or
removed bullets, reordered sections, blank lines, CRLF, `*`/`+`/`1.` bullets and items
without an ID (they get the next free one). Anything it cannot place raises
`ArtifactError` with the 1-based line and a hint; a duplicated item or criterion ID is
kept for the lint to report.

`parse(render(x)) == x` holds for every valid model: IDs as Codecot writes them, one-line
texts stripped and free of line breaks (only the summary spans lines), names and paths
without backticks, speakers without ')'. A paragraph line that would read as structure
is escaped with a backslash. Render never writes a file it cannot read back: line breaks
in a one-line field become spaces, so an invalid model comes back normalised.

The grammar is line-based on purpose, not CommonMark: a summary line "```", "<pre>" or
"<!x" opens a CommonMark block that swallows every later section, and "-" under a line
makes that line a heading. A markdown-it-py parser was tried and kept neither those
round trips nor the module's size (it still needs the item regexes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ValidationError

from codecot_mcp.domain.ids import parse_requirement_id, requirement_id
from codecot_mcp.domain.models import (
    INTENT_SECTIONS,
    AcceptanceCriterion,
    AffectedCode,
    CodeLink,
    Finding,
    Intent,
    IntentItem,
    Requirement,
    SourceRef,
    Spec,
)
from codecot_mcp.errors import ArtifactError, InvalidInputError

INTENT_META = ("id", "created_at", "source", "discussion_format")
SPEC_META = ("id", "intent_id", "revision")
INTENT_HEADINGS: dict[str, str] = {name: heading for name, heading, _ in INTENT_SECTIONS} | {
    "links": "Links",
    "discussion": "Discussion",
}
SPEC_HEADINGS: dict[str, str] = {
    "summary": "Summary",
    "requirements": "Requirements",
    "affected_code": "Affected code",
    "risks": "Risks",
    "test_plan": "Test plan",
}
_PREFIX = {name: prefix for name, _, prefix in INTENT_SECTIONS}

_H1 = re.compile(r"^#(?!#)\s*(.*?)\s*$")
_H1_ID = re.compile(r"^([A-Za-z]+-\d+)\s*:\s*(.*)$")
_H2 = re.compile(r"^##(?!#)\s*(.*?)[\s#]*$")
_H3 = re.compile(r"^###(?!#)\s*(.*?)\s*$")
_REQ_HEAD = re.compile(r"^(REQ-\S+?)(?:\s*[:—–-]\s*|\s+|$)(.*)$", re.IGNORECASE)
_META = re.compile(r"^<!--\s*codecot\b(.*?)-->\s*$")
_COMMENT = re.compile(r"^<!--.*-->$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*?)\s*$")
_ITEM_ID = re.compile(r"^\*\*([A-Za-z]{1,4}\d{1,6}):?\*\*:?(?:\s+|$)(.*)$")
_AC_ID = re.compile(r"^(?:\*\*(AC-\d{1,6}):?\*\*:?|(AC-\d{1,6}):)(?:\s+|$)(.*)$", re.IGNORECASE)
_SOURCE = re.compile(r'^>\s*L(\d+)(?:\s*[-–]\s*L?(\d+))?(?:\s+\((.*?)\))?\s*:\s*(".*")\s*$')
_LINK = re.compile(
    r"^`([^`]+)`\s*(?:→|->)\s*(?:`([^`]+)`|(\S+?))(?::(\d+))?(?:\s+\((file|symbol)(?:\s+(.*))?\))?$"
)
_AFFECTED = re.compile(
    r"^(?:`([^`]+)`|([^\s`]+))(?:\s+`([^`]+)`)?(?:\s+\(line\s+(\d+)\))?(?:\s+[—–-]+\s*(.*))?$"
)
_GOAL_SPLIT = re.compile(r"[,\s]+")
_GOALS_LINE = re.compile(r"^goals?\s*:\s*(.*)$", re.IGNORECASE)
_CRITERIA_LABEL = re.compile(r"^acceptance criteria\s*:?$", re.IGNORECASE)
# Paragraph lines that would read as structure get a leading backslash.
_ESCAPE_PARAGRAPH = re.compile(r"^(?:[-*+>#\\]|\d+[.)]|<!--|goals?\s*:|acceptance criteria)", re.IGNORECASE)
_ESCAPE_SUMMARY = re.compile(r"^(?:#|\\|<!--)")

_BREAKS = re.compile(r"\s*[\r\n]+\s*")

_Line = tuple[int, str]


def _json(value: Any, *, comment: bool = False) -> str:
    text = json.dumps(value, ensure_ascii=False)
    for char in ("\u2028", "\u2029", "\x85") + ((">",) if comment else ()):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _one(text: str) -> str:
    """A one-line field as written: line breaks become spaces (valid values pass unchanged)."""
    return _BREAKS.sub(" ", text).strip()


def _code(text: str) -> str:
    """A name written between backticks; it cannot hold one."""
    return _one(text).replace("`", "'") or "?"


def _escape(line: str, pattern: re.Pattern[str] = _ESCAPE_PARAGRAPH) -> str:
    return "\\" + line if pattern.match(line) else line


def _unescape(line: str) -> str:
    return line[1:] if line.startswith("\\") else line


def _key(heading: str) -> str:
    """Section name as compared: case, dashes and a plural 's' do not matter."""
    words = re.sub(r"[\s_-]+", " ", heading).strip().lower()
    return words[:-1] if words.endswith("s") else words


# ---------------------------------------------------------------- document skeleton


@dataclass
class _Doc:
    path: str
    heading_id: str | None
    title: str
    title_line: int
    meta: dict[str, Any]
    meta_line: int
    sections: dict[str, tuple[int, list[_Line]]] = field(default_factory=dict)

    def fail(self, message: str, line: int | None, hint: str) -> NoReturn:
        raise ArtifactError(message, path=self.path, line=line, hint=hint)


def _lines(text: str) -> list[str]:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")


def _read_doc(text: str, path: str, headings: dict[str, str], kind: str) -> _Doc:
    lines = list(enumerate(_lines(text), 1))
    known = {_key(heading): name for name, heading in headings.items()}
    example = f"# {kind}-1: Title"
    start = next((i for i, (_, line) in enumerate(lines) if line.strip()), None)
    if start is None or not (title := _H1.match(lines[start][1])):
        raise ArtifactError(
            "the file does not start with a title heading",
            path=path,
            line=lines[start][0] if start is not None else 1,
            hint=f"begin with '{example}'",
        )
    heading_id: str | None = None
    title_text = title[1]
    if match := _H1_ID.match(title_text):
        heading_id, title_text = match[1], match[2]
    doc = _Doc(path, heading_id, title_text, lines[start][0], {}, 0)
    current: list[_Line] | None = None
    for number, line in lines[start + 1 :]:
        if heading := _H2.match(line):
            name = known.get(_key(heading[1]))
            if name is None:
                doc.fail(
                    f"unknown section '## {heading[1]}'",
                    number,
                    f"use one of: {', '.join(headings.values())}",
                )
            if name in doc.sections:
                doc.fail(f"section '## {heading[1]}' appears twice", number, "merge the two sections")
            current = []
            doc.sections[name] = (number, current)
        elif current is not None:
            current.append((number, line))
        elif meta := _META.match(line.strip()):
            if doc.meta_line:
                doc.fail("a second metadata comment", number, "keep only one '<!-- codecot {...} -->'")
            doc.meta, doc.meta_line = _read_meta(meta[1], path, number), number
        elif line.strip().startswith("<!--") and "codecot" in line and "-->" not in line:
            doc.fail("the metadata comment is not closed", number, "end the line with ' -->'")
        elif line.strip() and not _COMMENT.match(line.strip()):
            doc.fail(
                "text outside any section",
                number,
                f"move it under a section such as '## {next(iter(headings.values()))}'",
            )
    if not doc.meta_line:
        doc.fail(
            "the metadata comment is missing",
            doc.title_line,
            f'put \'<!-- codecot {{"id": "{kind}-1", ...}} -->\' on the line after the title',
        )
    return doc


def _read_meta(raw: str, path: str, line: int) -> dict[str, Any]:
    hint = 'keep it on one line as valid JSON: <!-- codecot {"id": "...", ...} -->'
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ArtifactError(
            f"the metadata comment is not valid JSON ({error.msg})", path=path, line=line, hint=hint
        ) from error
    if not isinstance(data, dict):
        raise ArtifactError("the metadata comment is not a JSON object", path=path, line=line, hint=hint)
    return data


def _fields(doc: _Doc, model: type[BaseModel], allowed: tuple[str, ...]) -> dict[str, Any]:
    meta = dict(doc.meta)
    if doc.heading_id is not None:
        if "id" in meta and str(meta["id"]).upper() != doc.heading_id.upper():
            doc.fail(
                f"the heading says {doc.heading_id} but the metadata says {meta['id']}",
                doc.title_line,
                "make the two IDs the same",
            )
        meta.setdefault("id", doc.heading_id)
    misplaced = [key for key in meta if key in model.model_fields and key not in allowed]
    if misplaced:
        doc.fail(
            f"the metadata holds {', '.join(misplaced)}",
            doc.meta_line,
            f"keep only {', '.join(allowed)} (and your own keys) in the metadata; the rest are sections",
        )
    return meta


def _build(doc: _Doc, make: Callable[[], Any]) -> Any:
    try:
        return make()
    except ValidationError as error:
        problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        doc.fail(
            f"invalid metadata ({problem})", doc.meta_line, "fix the named fields in the metadata comment"
        )


def _header(artifact_id: str, title: str, meta: dict[str, Any]) -> str:
    return f"# {artifact_id}: {_one(title)}".rstrip() + f"\n<!-- codecot {_json(meta, comment=True)} -->"


def _section(heading: str, lines: Iterable[str]) -> str:
    body = "\n".join(lines)
    return f"## {heading}\n\n{body}" if body else f"## {heading}"


# ---------------------------------------------------------------- bullet sections


@dataclass
class _Entry:
    line: int
    text: str
    quotes: list[_Line] = field(default_factory=list)
    open: bool = True


def _entries(doc: _Doc, body: list[_Line]) -> list[_Entry]:
    out: list[_Entry] = []
    for number, raw in body:
        line = raw.strip()
        if not line or _COMMENT.match(line):
            if out:
                out[-1].open = False
        elif line.startswith(">"):
            if not out:
                doc.fail(
                    "a quoted source line with no item above it",
                    number,
                    "put it right under the bullet it belongs to, or delete it",
                )
            out[-1].quotes.append((number, line))
        elif bullet := _BULLET.match(raw):
            if bullet[1]:
                out.append(_Entry(number, bullet[1]))
        elif out and out[-1].open and not out[-1].quotes:
            out[-1].text = f"{out[-1].text} {line}".strip()  # a wrapped bullet
        else:
            out.append(_Entry(number, _unescape(line)))  # a paragraph counts as an item
    return out


def _no_quotes(doc: _Doc, entry: _Entry) -> None:
    if entry.quotes:
        doc.fail("a quoted line where none is expected", entry.quotes[0][0], "delete the '>' line")


# ---------------------------------------------------------------- intent


def _source_line(source: SourceRef) -> str:
    lines = f"L{source.start_line}" + (f"-L{source.end_line}" if source.end_line != source.start_line else "")
    speaker = f" ({_one(source.speaker)})" if source.speaker is not None else ""
    return f"  > {lines}{speaker}: {_json(source.quote)}"


def _link_line(link: CodeLink) -> str:
    where = f"`{_code(link.path)}`" + (f":{link.line}" if link.line is not None else "")
    kind = link.kind + (f" {_one(link.symbol)}" if link.symbol is not None else "")
    return f"- `{_code(link.text)}` → {where} ({kind})"


def render_intent(intent: Intent) -> str:
    meta = {key: getattr(intent, key) for key in INTENT_META} | dict(intent.model_extra or {})
    blocks = [_header(intent.id, intent.title, meta)]
    for name, heading, _ in INTENT_SECTIONS:
        lines: list[str] = []
        for item in getattr(intent, name):
            lines.append(f"- **{item.id}** {_one(item.text)}".rstrip())
            if item.source is not None:
                lines.append(_source_line(item.source))
        blocks.append(_section(heading, lines))
    blocks.append(_section("Links", map(_link_line, intent.links)))
    if intent.discussion.strip():
        blocks.append(_section("Discussion", _quoted(intent.discussion)))
    return "\n\n".join(blocks) + "\n"


def _quoted(text: str) -> list[str]:
    """The discussion as a block quote: no line of it can start a section or end the file's Markdown."""
    return [f"> {line}".rstrip() for line in _lines(text.strip("\n"))]


def _unquoted(body: list[_Line]) -> str:
    """The discussion back from its block quote; a line a person wrote without '>' is kept as written."""
    lines = [line[2:] if line.startswith("> ") else line.removeprefix(">") for _, line in body]
    return "\n".join(lines).strip("\n")


def _source(doc: _Doc, entry: _Entry) -> SourceRef | None:
    if not entry.quotes:
        return None
    if len(entry.quotes) > 1:
        doc.fail(
            "an item has more than one source line", entry.quotes[1][0], "keep one '> L<n>: \"quote\"' line"
        )
    number, line = entry.quotes[0]
    hint = 'write it as > L12-L14 (speaker): "quoted text"'
    match = _SOURCE.match(line)
    if not match:
        doc.fail("the source line is not understood", number, hint)
    try:
        quote = json.loads(match[4])
    except json.JSONDecodeError:
        quote = None
    if not isinstance(quote, str):
        doc.fail("the quote of the source line is not a JSON string", number, hint)
    start = int(match[1])
    return SourceRef(start_line=start, end_line=int(match[2] or start), quote=quote, speaker=match[3])


def _link(doc: _Doc, entry: _Entry) -> CodeLink:
    _no_quotes(doc, entry)
    match = _LINK.match(entry.text)
    if not match:
        doc.fail("a link is not understood", entry.line, "write it as - `name` → `path`:12 (symbol name)")
    symbol = match[6].strip() if match[6] is not None else None
    is_symbol = match[5] == "symbol" or (not match[5] and symbol)
    kind: Literal["file", "symbol"] = "symbol" if is_symbol else "file"
    line = int(match[4]) if match[4] else None
    return CodeLink(text=match[1], kind=kind, path=match[2] or match[3], symbol=symbol, line=line)


def _next_ids(found: Iterable[str | None]) -> Callable[[str], str]:
    """An allocator of unused item IDs per prefix, past every number already written."""
    top: dict[str, int] = {}
    for item_id in found:
        if item_id and (match := re.match(r"^([A-Za-z-]+?)(\d+)$", item_id)):
            top[match[1]] = max(top.get(match[1], 0), int(match[2]))

    def allocate(prefix: str) -> str:
        top[prefix] = top.get(prefix, 0) + 1
        return f"{prefix}{top[prefix]}"

    return allocate


def parse_intent(text: str, path: str) -> Intent:
    doc = _read_doc(text, path, INTENT_HEADINGS, "INT")
    meta = _fields(doc, Intent, INTENT_META)
    raw: list[tuple[str, int, str | None, str, SourceRef | None]] = []
    for name, _, _ in INTENT_SECTIONS:
        for entry in _entries(doc, doc.sections.get(name, (0, []))[1]):
            match = _ITEM_ID.match(entry.text)
            item_id, item_text = (match[1], match[2]) if match else (None, entry.text)
            raw.append((name, entry.line, item_id, item_text, _source(doc, entry)))
    allocate = _next_ids(item_id for _, _, item_id, _, _ in raw)
    sections: dict[str, list[IntentItem]] = {name: [] for name, _, _ in INTENT_SECTIONS}
    for name, _, item_id, item_text, source in raw:
        item_id = item_id or allocate(_PREFIX[name])  # a duplicated ID is kept: lint_intent reports it
        sections[name].append(IntentItem(id=item_id, text=item_text, source=source))
    links = [_link(doc, entry) for entry in _entries(doc, doc.sections.get("links", (0, []))[1])]
    discussion = _unquoted(doc.sections.get("discussion", (0, []))[1])
    fields = meta | {"title": doc.title, "links": links, "discussion": discussion} | sections
    intent: Intent = _build(doc, lambda: Intent(**fields))
    return intent


# ---------------------------------------------------------------- spec


def _affected_line(code: AffectedCode) -> str:
    line = f"- `{_code(code.path)}`"
    line += f" `{_code(code.symbol)}`" if code.symbol is not None else ""
    line += f" (line {code.line})" if code.line is not None else ""
    return line + (f" — {_one(code.reason)}" if _one(code.reason) else "")


def _requirement_lines(requirement: Requirement) -> list[str]:
    lines = [f"### {requirement.id}: {_one(requirement.title)}".rstrip()]
    if statement := _one(requirement.statement):
        lines += ["", _escape(statement)]
    if goals := [goal for goal_id in requirement.goal_ids for goal in _GOAL_SPLIT.split(goal_id) if goal]:
        lines += ["", "Goals: " + ", ".join(goals)]
    lines += ["", "Acceptance criteria:"]
    if requirement.criteria:
        lines += ["", *(f"- **{c.id}** {_one(c.text)}".rstrip() for c in requirement.criteria)]
    return lines


def render_spec(spec: Spec) -> str:
    meta = {key: getattr(spec, key) for key in SPEC_META} | dict(spec.model_extra or {})
    text = spec.summary.replace("\r\n", "\n").replace("\r", "\n").strip()
    summary = [_escape(line, _ESCAPE_SUMMARY) for line in text.split("\n")] if text else []
    requirements = "\n\n".join("\n".join(_requirement_lines(r)) for r in spec.requirements)
    blocks = [
        _header(spec.id, spec.title, meta),
        _section("Summary", summary),
        _section("Requirements", [requirements] if requirements else []),
        _section("Affected code", map(_affected_line, spec.affected_code)),
        _section("Risks", (f"- {risk}" for risk in map(_one, spec.risks) if risk)),
        _section("Test plan", (f"- {step}" for step in map(_one, spec.test_plan) if step)),
    ]
    return "\n\n".join(blocks) + "\n"


def _requirement(doc: _Doc, number: int, heading: str, body: list[_Line]) -> Requirement:
    hint = "start the heading with a requirement ID, e.g. '### REQ-1.3: Title'"
    match = _REQ_HEAD.match(heading)
    if not match:
        doc.fail(f"requirement heading '### {heading}' has no REQ ID", number, hint)
    try:
        spec_number, index = parse_requirement_id(match[1])
    except InvalidInputError:
        doc.fail(f"'{match[1]}' is not a valid requirement ID", number, hint)
    statement: list[str] = []
    goals: list[str] = []
    found: list[tuple[int, str | None, str]] = []  # (line, AC ID or None, text)
    open_bullet = False
    for line_no, raw in body:
        line = raw.strip()
        bullet = _BULLET.match(raw)
        if not line or _COMMENT.match(line):
            open_bullet = False
        elif line.startswith("\\"):
            statement.append(_unescape(line))
        elif goal_line := _GOALS_LINE.match(line):
            goals += [g for g in _GOAL_SPLIT.split(goal_line[1]) if g]
        elif _CRITERIA_LABEL.match(line):
            open_bullet = False
        elif bullet and bullet[1]:
            ac = _AC_ID.match(bullet[1])
            found.append((line_no, (ac[1] or ac[2]).upper(), ac[3]) if ac else (line_no, None, bullet[1]))
            open_bullet = True
        elif open_bullet:
            last = found[-1]
            found[-1] = (last[0], last[1], f"{last[2]} {line}".strip())
        elif not bullet:
            statement.append(line)
    allocate = _next_ids(ac_id for _, ac_id, _ in found)
    # A duplicated criterion ID is kept as written: lint_spec reports it.
    criteria = [AcceptanceCriterion(id=ac_id or allocate("AC-"), text=text) for _, ac_id, text in found]
    return Requirement(
        id=requirement_id(spec_number, index),
        title=match[2].strip(),
        statement=" ".join(statement),
        goal_ids=goals,
        criteria=criteria,
    )


def _requirements(doc: _Doc, body: list[_Line]) -> list[Requirement]:
    heads = [(i, number, h[1]) for i, (number, line) in enumerate(body) if (h := _H3.match(line))]
    before = next(
        (number for number, line in body[: heads[0][0] if heads else len(body)] if line.strip()), None
    )
    if before is not None:
        doc.fail(
            "text in Requirements before the first requirement heading",
            before,
            "put it under a '### REQ-<spec>.<n>: Title' heading, or in the Summary",
        )
    requirements: list[Requirement] = []
    bounds = [i for i, _, _ in heads] + [len(body)]
    for (i, number, heading), end in zip(heads, bounds[1:], strict=True):
        requirement = _requirement(doc, number, heading, body[i + 1 : end])
        if any(r.id == requirement.id for r in requirements):
            doc.fail(
                f"requirement {requirement.id} appears twice", number, "give the new one the next free number"
            )
        requirements.append(requirement)
    return requirements


def _affected(doc: _Doc, entry: _Entry) -> AffectedCode:
    _no_quotes(doc, entry)
    match = _AFFECTED.match(entry.text)
    if not match:
        doc.fail(
            "an affected-code line is not understood",
            entry.line,
            "write it as - `path/to/file.py` `symbol` (line 12) — why it changes",
        )
    line = int(match[4]) if match[4] else None
    return AffectedCode(
        path=match[1] or match[2], symbol=match[3], line=line, reason=(match[5] or "").strip()
    )


def _plain(doc: _Doc, name: str) -> list[str]:
    entries = _entries(doc, doc.sections.get(name, (0, []))[1])
    for entry in entries:
        _no_quotes(doc, entry)
    return [entry.text for entry in entries]


def parse_spec(text: str, path: str) -> Spec:
    doc = _read_doc(text, path, SPEC_HEADINGS, "SPEC")
    meta = _fields(doc, Spec, SPEC_META)
    summary_lines = [_unescape(line) for _, line in doc.sections.get("summary", (0, []))[1]]
    fields = meta | {
        "title": doc.title,
        "summary": "\n".join(summary_lines).strip(),
        "requirements": _requirements(doc, doc.sections.get("requirements", (0, []))[1]),
        "affected_code": [
            _affected(doc, e) for e in _entries(doc, doc.sections.get("affected_code", (0, []))[1])
        ],
        "risks": _plain(doc, "risks"),
        "test_plan": _plain(doc, "test_plan"),
    }
    spec: Spec = _build(doc, lambda: Spec(**fields))
    return spec


# ---------------------------------------------------------------- finding lines


def locate(text: str) -> dict[str, int]:
    """Where each lint path ('goals/G2', 'REQ-1.2', 'REQ-1.2/AC-1', ...) is written in a rendered file."""
    keys = {_key(heading): name for name, heading in (INTENT_HEADINGS | SPEC_HEADINGS).items()}
    index: dict[str, int] = {}
    section: str | None = None
    requirement: str | None = None
    for number, line in enumerate(_lines(text), 1):
        if heading := _H2.match(line):
            section, requirement = keys.get(_key(heading[1])), None
            if section:
                index.setdefault(section, number)
        elif (heading := _H3.match(line)) and (match := _REQ_HEAD.match(heading[1])):
            requirement = match[1].upper()
            index.setdefault(requirement, number)
        elif bullet := _BULLET.match(line):
            item = _AC_ID.match(bullet[1]) if requirement else _ITEM_ID.match(bullet[1])
            owner = requirement or section
            if item and owner:
                index.setdefault(
                    f"{owner}/{(item[1] or item[2]).upper() if requirement else item[1]}", number
                )
        elif requirement and line.strip() and not _GOALS_LINE.match(line) and not _CRITERIA_LABEL.match(line):
            index.setdefault(f"{requirement}/statement", number)
    return index


def with_lines(findings: Iterable[Finding], text: str) -> list[Finding]:
    """The findings with `line` filled in from the rendered file (the item's line, else its parent's)."""
    index = locate(text)
    return [
        f
        if f.line is not None
        else f.model_copy(update={"line": index.get(f.path, index.get(f.path.split("/")[0]))})
        for f in findings
    ]
