"""capture_intent: from a discussion to a stored, linted, code-linked intent."""

from __future__ import annotations

from pydantic import BaseModel, Field

from codecot_mcp.domain.extraction import extract_intent, merge_agent_fields
from codecot_mcp.domain.lint import lint_intent
from codecot_mcp.domain.models import SECTION_FIELDS, Finding, Intent, IntentItem, NextCall, next_call
from codecot_mcp.services.linking import link_identifiers
from codecot_mcp.services.requests import CaptureIntentRequest
from codecot_mcp.services.run import Run
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import INTENTS, now_iso


class IntentResult(BaseModel):
    intent: Intent
    path: str = Field(description="Where the intent is stored, as Markdown people can edit.")
    findings: list[Finding]
    questions_answered: int = 0
    next_step: str
    next_call: NextCall | None = None


def capture_intent(ws: Workspace, request: CaptureIntentRequest, run: Run) -> IntentResult:
    """Extract, link and store an intent; `request.answers` maps open-question IDs to the user's answers."""
    extracted = extract_intent(request.discussion)
    if request.fields:
        extracted = merge_agent_fields(extracted, request.fields)
    links = link_identifiers(ws.index(run), extracted.candidate_identifiers)
    sections = {name: list(getattr(extracted, name)) for name in SECTION_FIELDS}
    answered = _apply_answers(sections, request.answers or {})
    final_title = (request.title or extracted.title_guess or "Untitled intent").strip()[:120].strip()

    def build(intent_id: str) -> Intent:
        return Intent(
            id=intent_id,
            title=final_title,
            source=request.source,
            created_at=now_iso(),
            discussion_format=extracted.format,
            links=links,
            discussion=request.discussion,
            **sections,
        )

    intent = ws.store.create(INTENTS, build, title=final_title)
    findings = lint_intent(intent)
    if intent.open_questions:
        next_step = (
            f"Ask the user the {len(intent.open_questions)} open question(s), then call capture_intent again "
            f"with the answers in `fields.decisions`, or call draft_spec(intent_id='{intent.id}')."
        )
    else:
        next_step = f"Call draft_spec(intent_id='{intent.id}')."
    return IntentResult(
        intent=intent,
        path=ws.store.display_path(INTENTS, intent.id),
        findings=findings,
        questions_answered=answered,
        next_step=next_step,
        next_call=next_call("draft_spec", intent_id=intent.id),
    )


def open_questions_of(discussion: str) -> list[IntentItem]:
    """The open questions a discussion leaves, for asking the user before the intent is stored."""
    if not discussion.strip():
        return []
    return list(extract_intent(discussion).open_questions)


def _apply_answers(sections: dict[str, list[IntentItem]], answers: dict[str, str]) -> int:
    """Move answered questions to decisions, quoting the answer."""
    if not answers:
        return 0
    remaining: list[IntentItem] = []
    decisions = sections["decisions"]
    answered = 0
    for question in sections["open_questions"]:
        answer = answers.get(question.id, "").strip()
        if not answer:
            remaining.append(question)
            continue
        answered += 1
        decisions.append(
            IntentItem(
                id=f"D{len(decisions) + 1}",
                text=f"{question.text} — answer: {answer}",
                source=question.source,
            )
        )
    sections["open_questions"] = [
        item.model_copy(update={"id": f"Q{number}"}) for number, item in enumerate(remaining, start=1)
    ]
    return answered
