"""Lints for intents and specs: reports of findings, never exceptions.

Every rule's code, severity, message and fix live in `RULES`, and the vague words
in `AMBIGUOUS`, so the wording stays consistent and is changed in one place.
Paths name the item (`goals/G2`, `REQ-1.2`, `REQ-1.2/AC-1`, `REQ-1.2/statement`);
`line` is left to the Markdown layer, which knows where each item is written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from itertools import pairwise
from typing import NamedTuple

from codecot_mcp.domain.discussion import content_terms
from codecot_mcp.domain.ids import parse_requirement_id
from codecot_mcp.domain.models import (
    INTENT_SECTIONS,
    CriterionForm,
    Finding,
    Intent,
    Requirement,
    Severity,
    Spec,
)
from codecot_mcp.errors import InvalidInputError


class Rule(NamedTuple):
    level: Severity
    message: str  # str.format template
    fix: str | None


RULES: dict[str, Rule] = {
    "ambiguous-word": Rule("warning", "'{word}' is ambiguous: {why}", "{fix}"),
    "should-not-shall": Rule(
        "warning", "'{word}' makes the requirement optional", "write SHALL for what the system must do"
    ),
    "placeholder": Rule(
        "warning",
        "criterion still holds the placeholder {placeholder}",
        "replace it with a concrete, testable case",
    ),
    "not-testable-form": Rule(
        "warning",
        "criterion is neither EARS nor Given/When/Then",
        "rewrite as 'WHEN <trigger> THE SYSTEM SHALL <outcome>' or 'Given ... When ... Then ...'",
    ),
    "no-observable-outcome": Rule("error", "criterion states no observable outcome: {why}", "{fix}"),
    "no-criteria": Rule(
        "error", "requirement has no acceptance criteria", "add at least one 'WHEN ... THE SYSTEM SHALL ...'"
    ),
    "empty-statement": Rule("warning", "requirement has no statement", "add 'THE SYSTEM SHALL ...'"),
    "bad-requirement-id": Rule("error", "'{id}' is not a requirement ID", "use REQ-<spec>.<n>, e.g. REQ-1.2"),
    "duplicate-id": Rule("error", "ID {id} is used more than once", "give each item its own ID"),
    "goal-not-covered": Rule(
        "warning",
        "goal {id} is not served by any requirement",
        "add {id} to a requirement's goals, or add one",
    ),
    "unknown-goal": Rule(
        "warning", "requirement names goal {id}, which the intent does not have", "fix the goal ID"
    ),
    "non-goal-conflict": Rule(
        "warning",
        "requirement overlaps non-goal {id} ('{shared}')",
        "narrow the requirement, or move {id} out of the non-goals if it is in scope now",
    ),
    "no-goals": Rule(
        "warning", "intent has no goals", "add at least one goal: what should be true afterwards"
    ),
    "open-question": Rule("info", "open question {id}: {text}", "answer it and record the decision"),
}

_NUMBER = "give a number or a range"
AMBIGUOUS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    # (words, why, fix)
    (
        (
            "fast",
            "faster",
            "quick",
            "quickly",
            "efficient",
            "efficiently",
            "performant",
            "responsive",
            "scalable",
        ),
        "speed and cost need a bound",
        "state a number and a unit, e.g. 'within 200 ms for 10,000 rows'",
    ),
    (
        (
            "easy",
            "easily",
            "simple",
            "simply",
            "user-friendly",
            "intuitive",
            "seamless",
            "seamlessly",
            "straightforward",
            "convenient",
        ),
        "ease cannot be tested",
        "name the observable behaviour, e.g. 'in one command' or 'without a restart'",
    ),
    (
        ("robust", "flexible", "reliable", "gracefully"),
        "says nothing about which cases",
        "name the failure or variation to handle and what happens then",
    ),
    (
        ("some", "several", "many", "few", "various", "numerous", "approximately", "roughly"),
        "not a quantity",
        _NUMBER,
    ),
    (("etc.", "and so on", "and/or"), "leaves the cases open", "list every case, and say 'and' or 'or'"),
    (
        ("as appropriate", "as needed", "if possible", "where possible", "as necessary"),
        "hides a rule",
        "state the rule that decides",
    ),
)
CASE_SENSITIVE: tuple[str, ...] = ("TBD", "TODO", "TBC", "FIXME")
_UNRESOLVED = ("is unresolved", "resolve it, or move it to the intent's open questions")


def _word_pattern(word: str, flags: int) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w/-]){re.escape(word)}(?![\w/-])", flags)


_AMBIGUOUS_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (_word_pattern(word, re.IGNORECASE), why, fix) for words, why, fix in AMBIGUOUS for word in words
) + tuple((_word_pattern(word, 0), *_UNRESOLVED) for word in CASE_SENSITIVE)
_SHOULD = re.compile(r"\bshould\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"<[a-z][a-z ]*>")
_SHALL = re.compile(r"\bshall\b", re.IGNORECASE)
_SHALL_VERB = re.compile(r"\bshall\s+(?:not\s+)?[a-z]", re.IGNORECASE)
_TRIGGER = re.compile(r"^\s*(?:when|while|if|where|after|once)\b", re.IGNORECASE)
_GIVEN = re.compile(r"^\s*given\b", re.IGNORECASE)
_THEN = re.compile(r"\bthen\b\s*\S", re.IGNORECASE)
CONFLICT_WORDS = 3  # shared content words that make a requirement overlap a non-goal


def finding(code: str, path: str, **values: str) -> Finding:
    rule = RULES[code]
    fix = rule.fix.format(**values) if rule.fix else None
    return Finding(level=rule.level, code=code, path=path, message=rule.message.format(**values), fix=fix)


def criterion_form(text: str) -> CriterionForm:
    if _GIVEN.match(text) or (_TRIGGER.match(text) and _THEN.search(text) and not _SHALL.search(text)):
        return "gwt"
    if _SHALL.search(text) or _TRIGGER.match(text):
        return "ears"
    return "free"


def _ambiguous(text: str, path: str, *, requirement: bool) -> Iterator[Finding]:
    seen: set[str] = set()
    for pattern, why, fix in _AMBIGUOUS_PATTERNS:
        for match in pattern.finditer(text):
            word = match.group()
            if word.lower() not in seen:
                seen.add(word.lower())
                yield finding("ambiguous-word", path, word=word, why=why, fix=fix)
    if requirement and (should := _SHOULD.search(text)):
        yield finding("should-not-shall", path, word=should.group())


def _criterion(text: str, path: str) -> Iterator[Finding]:
    placeholder = _PLACEHOLDER.search(text)
    if placeholder:
        yield finding("placeholder", path, placeholder=placeholder.group())
        return
    yield from _ambiguous(text, path, requirement=True)
    form = criterion_form(text)
    if form == "free":
        yield finding("not-testable-form", path)
    elif form == "gwt" and not _THEN.search(text):
        yield finding(
            "no-observable-outcome", path, why="Given/When without Then", fix="add 'Then <outcome>'"
        )
    elif form == "ears" and not _SHALL_VERB.search(text):
        yield finding(
            "no-observable-outcome",
            path,
            why="no 'SHALL <verb>'",
            fix="end with 'THE SYSTEM SHALL <verb> ...'",
        )


def _duplicates(ids: list[str]) -> list[str]:
    return [value for value, count in Counter(ids).items() if count > 1]


def lint_intent(intent: Intent) -> list[Finding]:
    findings: list[Finding] = []
    if not intent.goals:
        findings.append(finding("no-goals", "goals"))
    sections = [name for name, _, _ in INTENT_SECTIONS]
    all_ids = [(name, item.id) for name in sections for item in getattr(intent, name)]
    for duplicate in _duplicates([item_id for _, item_id in all_ids]):
        name = next(name for name, item_id in all_ids if item_id == duplicate)
        findings.append(finding("duplicate-id", f"{name}/{duplicate}", id=duplicate))
    for name in ("goals", "constraints", "acceptance_signals"):
        for item in getattr(intent, name):
            findings.extend(_ambiguous(item.text, f"{name}/{item.id}", requirement=False))
    for question in intent.open_questions:
        findings.append(
            finding("open-question", f"open_questions/{question.id}", id=question.id, text=question.text)
        )
    return findings


def _bigrams(terms: list[str]) -> set[frozenset[str]]:
    return {frozenset(pair) for pair in pairwise(terms) if pair[0] != pair[1]}


def _against_intent(requirements: list[Requirement], intent: Intent) -> Iterator[Finding]:
    goal_ids = {goal.id for goal in intent.goals}
    served = {goal_id for r in requirements for goal_id in r.goal_ids}
    for goal in intent.goals:
        if goal.id not in served:
            yield finding("goal-not-covered", f"goals/{goal.id}", id=goal.id)
    for requirement in requirements:
        for goal_id in requirement.goal_ids:
            if goal_id not in goal_ids:
                yield finding("unknown-goal", requirement.id, id=goal_id)
        text = " ".join([requirement.title, requirement.statement, *(c.text for c in requirement.criteria)])
        terms = content_terms(text)
        for non_goal in intent.non_goals:
            ng_terms = content_terms(non_goal.text)
            shared = [t for t in dict.fromkeys(ng_terms) if t in terms]
            phrases = _bigrams(ng_terms) & _bigrams(terms)
            if len(shared) >= CONFLICT_WORDS or phrases:
                shown = " ".join(sorted(next(iter(phrases)))) if phrases else ", ".join(shared)
                yield finding("non-goal-conflict", requirement.id, id=non_goal.id, shared=shown)


def _requirement(requirement: Requirement) -> Iterator[Finding]:
    rid = requirement.id
    try:
        parse_requirement_id(rid)
    except InvalidInputError:
        yield finding("bad-requirement-id", rid, id=rid)
    if not requirement.statement.strip():
        yield finding("empty-statement", rid)
    else:
        yield from _ambiguous(requirement.statement, f"{rid}/statement", requirement=True)
    if not requirement.criteria:
        yield finding("no-criteria", rid)
    for duplicate in _duplicates([c.id for c in requirement.criteria]):
        yield finding("duplicate-id", f"{rid}/{duplicate}", id=duplicate)
    for criterion in requirement.criteria:
        yield from _criterion(criterion.text, f"{rid}/{criterion.id}")


def lint_spec(spec: Spec, intent: Intent | None = None) -> list[Finding]:
    findings = [
        finding("duplicate-id", rid, id=rid) for rid in _duplicates([r.id for r in spec.requirements])
    ]
    for requirement in spec.requirements:
        findings.extend(_requirement(requirement))
    if intent is not None:
        findings.extend(_against_intent(spec.requirements, intent))
    return findings
