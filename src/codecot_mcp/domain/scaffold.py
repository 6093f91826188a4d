"""From an intent to a first spec: requirements, criteria, test plan and risks.

The scaffold is a starting point for the agent, not prose it must keep: one
requirement per goal; criteria in EARS from the acceptance signals, each signal going
to the goal(s) it shares most words with (every signal when there is one goal); and a
placeholder criterion, which the lint flags, where nothing testable was said.
`revise_requirements` applies the agent's drafts without ever dropping a requirement
it did not mention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, Field

from codecot_mcp.domain.discussion import content_words, squash
from codecot_mcp.domain.ids import parse_requirement_id, requirement_id
from codecot_mcp.domain.models import AcceptanceCriterion, Intent, IntentItem, Requirement
from codecot_mcp.errors import InvalidInputError

PLACEHOLDER_CRITERION = "WHEN <trigger> THE SYSTEM SHALL <observable outcome> (TODO: make testable)"
TITLE_LENGTH = 70


class RequirementDraft(BaseModel):
    """A requirement as the agent writes it; `draft_spec` numbers it and its criteria."""

    id: str | None = Field(
        default=None,
        description="REQ-<spec>.<n> to replace that requirement; omit to add one.",
        max_length=40,
    )
    title: str = Field(description="Short name, e.g. 'Stream the CSV export'.", max_length=200)
    statement: str | None = Field(
        default=None,
        description="'THE SYSTEM SHALL ...'; omit to keep the current statement.",
        max_length=2000,
    )
    goal_ids: list[str] | None = Field(
        default=None, description="Intent goals it serves, e.g. ['G1']; omit to keep the current list."
    )
    criteria: list[Annotated[str, Field(max_length=2000)]] = Field(
        description="Testable criteria, EARS ('WHEN <trigger> THE SYSTEM SHALL <outcome>') or "
        "Given/When/Then; numbered AC-1, AC-2, ... in this order.",
        max_length=30,
    )


# ---------------------------------------------------------------- rephrasing

_WANT = r"^(?:we|i)(?:\s+(?:really\s+)?(?:want|need|would like)|'d like)\s+"
_SUBJECT_WANTS_TO = (
    r"^(?:we|i|you|they)(?:\s+(?:really\s+)?(?:want|need|would like|must|should|have)|'d like)\s+to\s+"
)
# Leading phrases of a goal, removed to get the verb phrase (first match wins).
_GOAL_LEADS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"^(?:the\s+)?goal\s+is\s+(?:to\s+)?", ""),
        (_SUBJECT_WANTS_TO, ""),
        (r"^(?:let'?s|please)\s+", ""),
    )
)
_VERB_LEADS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"^add\s+support\s+for\s+", "support "),
        (r"^(?:add|implement|introduce|build|create)\s+", "provide "),
    )
)
_WANT_OBJECT_TO = re.compile(
    _WANT + r"(?P<subj>(?:the\s+|all\s+)?[\w-]+(?:\s+[\w-]+)?)\s+to\s+(?P<vp>.+)$", re.I
)
_WANT_OBJECT = re.compile(_WANT + r"(?!to\b)(?P<obj>.+)$", re.I)
_ABLE = re.compile(
    r"^(?P<who>[\w ]{1,30}?)\s+(?:should|must|need to|needs to|shall)\s+be\s+able\s+to\s+(?P<what>.+)$", re.I
)
_SIGNAL_LEAD = re.compile(
    r"^(?:(?:it(?:'s| is)|we(?:'re| are)|this is)\s+)?"
    r"(?:done when|we(?:'ll| will) know (?:it works |this works |we(?:'re| are) done )?(?:when|if|because)"
    r"|success means(?: that)?|acceptance(?: criteria)?\s*:|tests? that|verify that|make sure(?: that)?)\s*",
    re.IGNORECASE,
)
_LEAD_CONDITION = re.compile(
    r"^(?P<kw>when|whenever|if|once|after|while)\s+(?P<cond>[^,]+?),\s*(?:then\s+)?(?P<out>.+)$", re.I
)
_TAIL_CONDITION = re.compile(
    r"^(?P<out>.+?),?\s+(?P<kw>when|whenever|if|once|after|while)\s+(?P<cond>.+)$", re.I
)
_EXPECT = re.compile(r"^(?:(?:i|we)\s+)?expect\s+(?P<subj>.+?)\s+to\s+(?P<vp>.+)$", re.I)
_MODAL = re.compile(
    r"^(?P<subj>.*?)\s*\b(?:should|must|will|shall|needs? to|has to|have to|(?:is|are) expected to)"
    r"\s+(?P<vp>.+)$",
    re.IGNORECASE,
)
_SYSTEM_SUBJECTS = frozenset(
    {
        "",
        "it",
        "we",
        "you",
        "this",
        "the system",
        "the tool",
        "the app",
        "the cli",
        "the server",
        "the service",
    }
)
_KEYWORD = {"if": "IF", "while": "WHILE"}


def _apply(rules: Sequence[tuple[re.Pattern[str], str]], text: str) -> tuple[str, bool]:
    for pattern, replacement in rules:
        new, count = pattern.subn(replacement, text, count=1)
        if count:
            return new, True
    return text, False


def goal_phrase(goal: str) -> str | None:
    """The goal as a verb phrase after 'THE SYSTEM SHALL', or None when no rule applies."""
    text = squash(goal).rstrip(" .!")
    text, lead = _apply(_GOAL_LEADS, text)
    if able := _ABLE.match(text):
        return f"allow {able['who'].lower()} to {able['what']}"
    if not lead and (wanted := _WANT_OBJECT_TO.match(text)):
        return f"ensure that {wanted['subj']} {_third_person(wanted['vp'], wanted['subj'])}"
    if not lead and (wanted := _WANT_OBJECT.match(text)):
        return f"provide {wanted['obj']}"
    text, verb = _apply(_VERB_LEADS, text)
    if lead or verb:
        return text or None
    modal = _MODAL.match(text)
    if modal and modal["subj"] and modal["subj"].lower() not in _SYSTEM_SUBJECTS:
        return _outcome(text)
    return None


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _third_person(verb_phrase: str, subject: str) -> str:
    """'have a header' -> 'has a header' after a singular subject (light English, enough for a draft)."""
    plural = subject.split()[-1].lower().endswith("s") and not subject.lower().endswith("ss")
    first, _, rest = verb_phrase.partition(" ")
    low = first.lower()
    if low == "be":
        first = "are" if plural else "is"
    elif low == "not":
        first = "do not" if plural else "does not"
    elif not plural:
        if low in ("have", "do", "go"):
            first = {"have": "has", "do": "does", "go": "goes"}[low]
        elif re.search(r"(?:s|sh|ch|x|z)$", low):
            first += "es"
        elif re.search(r"[^aeiou]y$", low):
            first = first[:-1] + "ies"
        else:
            first += "s"
    return f"{first} {rest}".strip()


def _outcome(text: str) -> str:
    match = _EXPECT.match(text) or _MODAL.match(text)
    if match and match["subj"].strip().lower() in _SYSTEM_SUBJECTS:
        return match["vp"]
    if match:
        return f"ensure that {_lower_first(match['subj'])} {_third_person(match['vp'], match['subj'])}"
    return f"ensure that {_lower_first(text)}"


def to_ears(signal: str) -> str:
    """An acceptance signal as an EARS criterion."""
    text = squash(signal).rstrip(" .!")
    text = _SIGNAL_LEAD.sub("", text, count=1) or text
    match = _LEAD_CONDITION.match(text) or _TAIL_CONDITION.match(text)
    if match:
        keyword = _KEYWORD.get(match["kw"].lower(), "WHEN")
        then = " THEN" if keyword == "IF" else ""
        return f"{keyword} {match['cond']}{then} THE SYSTEM SHALL {_outcome(match['out'])}".strip()
    return f"THE SYSTEM SHALL {_outcome(text)}".strip()


def _short(text: str) -> str:
    text = squash(text).rstrip(" .!")
    text = text[:1].upper() + text[1:]
    if len(text) <= TITLE_LENGTH:
        return text
    return text[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def _criteria(texts: Sequence[str]) -> list[AcceptanceCriterion]:
    return [AcceptanceCriterion(id=f"AC-{n}", text=text) for n, text in enumerate(texts, 1)]


# ---------------------------------------------------------------- scaffold


def _signals_for(goal: IntentItem, intent: Intent) -> list[IntentItem]:
    """Signals sharing most words (at least one) with this goal; every signal when it is the only goal."""
    if len(intent.goals) == 1:
        return list(intent.acceptance_signals)
    chosen: list[IntentItem] = []
    for signal in intent.acceptance_signals:
        words = content_words(signal.text)
        overlap = {g.id: len(words & content_words(g.text)) for g in intent.goals}
        if overlap[goal.id] and overlap[goal.id] == max(overlap.values()):
            chosen.append(signal)
    return chosen


def scaffold_requirements(intent: Intent, spec_number: int) -> list[Requirement]:
    requirements: list[Requirement] = []
    for n, goal in enumerate(intent.goals, 1):
        phrase = goal_phrase(goal.text)
        criteria = [to_ears(signal.text) for signal in _signals_for(goal, intent)]
        requirements.append(
            Requirement(
                id=requirement_id(spec_number, n),
                title=_short(phrase or goal.text),
                statement=f"THE SYSTEM SHALL {phrase}" if phrase else squash(goal.text),
                goal_ids=[goal.id],
                criteria=_criteria(criteria or [PLACEHOLDER_CRITERION]),
            )
        )
    return requirements


def scaffold_test_plan(requirements: Sequence[Requirement]) -> list[str]:
    plan: list[str] = []
    for requirement in requirements:
        if not requirement.criteria:
            plan.append(f"{requirement.id}: add acceptance criteria, then one test per criterion")
        for criterion in requirement.criteria:
            where = f"{requirement.id}/{criterion.id}"
            if criterion.text == PLACEHOLDER_CRITERION:
                plan.append(f"{where}: make the criterion testable, then write a test for it")
            else:
                plan.append(f"{where}: a test that checks: {squash(criterion.text)}".strip())
    plan.append("Run the existing test suite: nothing that passed before may fail")
    return plan


def scaffold_risks(intent: Intent) -> list[str]:
    risks = [f"The change could break constraint {c.id}: {c.text}" for c in intent.constraints]
    risks += [f"Open question {q.id} may change the requirements: {q.text}" for q in intent.open_questions]
    return [squash(risk) for risk in risks]


# ---------------------------------------------------------------- revision

_AC_PREFIX = re.compile(r"^(?:\*\*)?AC-\d+(?:\*\*)?\s*[:.)]?\s+", re.IGNORECASE)


def _number(requirement_id_: str) -> int:
    try:
        return parse_requirement_id(requirement_id_)[1]
    except InvalidInputError:
        return 0


def _build(rid: str, draft: RequirementDraft, base: Requirement | None) -> Requirement:
    title = squash(draft.title)
    if not title:
        raise InvalidInputError(
            f"requirement {draft.id or '(new)'} has an empty title", hint="give it a short name"
        )
    statement = squash(draft.statement) if draft.statement is not None else (base.statement if base else "")
    goals = draft.goal_ids if draft.goal_ids is not None else (base.goal_ids if base else [])
    criteria = [_AC_PREFIX.sub("", squash(text)) for text in draft.criteria if text.strip()]
    return Requirement(
        id=rid,
        title=title,
        statement=statement,
        goal_ids=[goal for raw in goals for goal in re.split(r"[,\s]+", raw) if goal],
        criteria=_criteria(criteria),
    )


def revise_requirements(
    existing: Sequence[Requirement], incoming: Sequence[RequirementDraft], spec_number: int
) -> list[Requirement]:
    """Apply drafts: same ID replaces, no ID adds with a never-used number, the rest is kept as is."""
    by_id = {requirement.id: requirement for requirement in existing}
    wanted: list[str | None] = []
    for draft in incoming:
        if draft.id is None or not draft.id.strip():
            wanted.append(None)
            continue
        spec, number = parse_requirement_id(draft.id)
        if spec != spec_number:
            raise InvalidInputError(
                f"{draft.id} belongs to SPEC-{spec}, not SPEC-{spec_number}",
                hint=f"use REQ-{spec_number}.<n>, or omit the id to add a new requirement",
            )
        rid = requirement_id(spec, number)
        if rid in wanted:
            raise InvalidInputError(f"{rid} appears twice in the drafts", hint="send each requirement once")
        wanted.append(rid)
    used = max([_number(r.id) for r in existing] + [_number(r) for r in wanted if r], default=0)
    replaced: dict[str, Requirement] = {}
    added: list[Requirement] = []
    for draft, wanted_id in zip(incoming, wanted, strict=True):
        if wanted_id is None:
            used += 1
        rid = wanted_id or requirement_id(spec_number, used)
        requirement = _build(rid, draft, by_id.get(rid))
        if rid in by_id:
            replaced[rid] = requirement
        else:
            added.append(requirement)
    return [replaced.get(r.id, r) for r in existing] + added


# ---------------------------------------------------------------- fallback

# Intents captured from a bug report often have a problem but no goal; without a requirement the
# spec cannot be scoped, so one is derived rather than leaving the agent at a dead end.
_UNTITLED = "untitled intent"


def derived_requirement(intent: Intent, spec_number: int) -> tuple[Requirement, str] | None:
    """One requirement from the intent's problem, else its acceptance signals, else its title,
    with the section it came from; None when the intent says nothing to build one from."""
    criteria = [to_ears(signal.text) for signal in intent.acceptance_signals]
    if intent.problem:
        source, text = "problem", intent.problem[0].text
        statement = f"THE SYSTEM SHALL no longer fail as described: {squash(text).rstrip(' .!')}"
    elif intent.acceptance_signals:
        source, text = "acceptance signals", intent.acceptance_signals[0].text
        statement = criteria[0]
    elif intent.title.strip() and intent.title.strip().lower() != _UNTITLED:
        source, text = "title", intent.title
        statement = f"THE SYSTEM SHALL {_lower_first(squash(text).rstrip(' .!'))}"
    else:
        return None
    requirement = Requirement(
        id=requirement_id(spec_number, 1),
        title=_short(f"Fix: {squash(text)}" if source == "problem" else text),
        statement=statement,
        goal_ids=[],
        criteria=_criteria(criteria or [PLACEHOLDER_CRITERION]),
    )
    return requirement, source


def requirement_example(title: str) -> str:
    """A `requirements=[...]` argument an agent can send as is, built from the spec's own title."""
    name = _short(title) or "Describe the change"
    return f"requirements=[{{'title': '{name}', 'criteria': ['WHEN <trigger> THE SYSTEM SHALL <outcome>']}}]"
