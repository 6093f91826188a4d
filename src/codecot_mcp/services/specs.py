"""draft_spec: a specification scaffolded from an intent, or revised; hand edits kept."""

from __future__ import annotations

from pydantic import BaseModel, Field

from codecot_mcp.domain.ids import normalize_id, parse_id
from codecot_mcp.domain.lint import lint_spec
from codecot_mcp.domain.models import AffectedCode, Finding, Intent, NextCall, Spec, next_call
from codecot_mcp.domain.scaffold import (
    revise_requirements,
    scaffold_requirements,
    scaffold_risks,
    scaffold_test_plan,
)
from codecot_mcp.errors import ArtifactError, InvalidInputError, NotFoundError
from codecot_mcp.intel.ranking import rank_files
from codecot_mcp.services.requests import DraftSpecRequest
from codecot_mcp.services.run import Run
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import INTENTS, SPECS

AFFECTED_FILES = 5
# A ranked file joins the affected code only when it scores close to the best match;
# weaker matches belong in a context pack, not in the scope a task will be held to.
AFFECTED_MIN_SCORE = 0.6


class SpecResult(BaseModel):
    spec: Spec
    path: str = Field(description="Where the spec is stored, as Markdown people can edit.")
    findings: list[Finding] = Field(description="Lint report; errors should be fixed by revising the spec.")
    revised: bool
    hand_edit_kept: bool = Field(description="True when a person's edit of the file was read back and kept.")
    next_step: str
    next_call: NextCall | None = None


def draft_spec(ws: Workspace, request: DraftSpecRequest, run: Run) -> SpecResult:
    if request.spec_id:
        return _revise(ws, normalize_id(request.spec_id, "spec"), request)
    if not request.intent_id:
        raise InvalidInputError(
            "pass intent_id to draft a new spec, or spec_id to revise one",
            hint="e.g. draft_spec(intent_id='INT-1')",
        )
    intent = ws.store.load(INTENTS, request.intent_id)
    affected = affected_code(ws, intent, run)
    requirements, title, risks, test_plan = (
        request.requirements,
        request.title,
        request.risks,
        request.test_plan,
    )

    def build(new_id: str) -> Spec:
        number = parse_id(new_id, "spec")[1]
        reqs = (
            revise_requirements([], requirements, number)
            if requirements
            else scaffold_requirements(intent, number)
        )
        return Spec(
            id=new_id,
            intent_id=intent.id,
            title=(title or intent.title).strip(),
            summary=" ".join(item.text for item in intent.problem)[:600].strip(),
            requirements=reqs,
            affected_code=affected,
            risks=risks if risks is not None else scaffold_risks(intent),
            test_plan=test_plan if test_plan is not None else scaffold_test_plan(reqs),
        )

    spec = ws.store.create(SPECS, build, intent=intent.id)
    return _result(ws, spec, intent, revised=False, hand_edit_kept=False)


def _revise(ws: Workspace, spec_id: str, request: DraftSpecRequest) -> SpecResult:
    drafts, title, risks, test_plan = request.requirements, request.title, request.risks, request.test_plan
    hand_edited = ws.store.edited_by_hand(SPECS, spec_id)

    def change(spec: Spec) -> Spec:
        number = parse_id(spec.id, "spec")[1]
        update: dict[str, object] = {"revision": spec.revision + 1}
        if drafts:
            update["requirements"] = revise_requirements(spec.requirements, drafts, number)
        if title:
            update["title"] = title.strip()
        if risks is not None:
            update["risks"] = risks
        if test_plan is not None:
            update["test_plan"] = test_plan
        return spec.model_copy(update=update)

    spec = ws.store.update(SPECS, spec_id, change, "spec.revised", hand_edit_kept=hand_edited)
    intent = _intent_or_none(ws, spec.intent_id)
    return _result(ws, spec, intent, revised=True, hand_edit_kept=hand_edited)


def _intent_or_none(ws: Workspace, intent_id: str) -> Intent | None:
    try:
        return ws.store.load(INTENTS, intent_id)
    except (NotFoundError, ArtifactError):  # the spec stands on its own when its intent is gone or broken
        return None


def _result(
    ws: Workspace, spec: Spec, intent: Intent | None, *, revised: bool, hand_edit_kept: bool
) -> SpecResult:
    findings = lint_spec(spec, intent)
    errors = sum(1 for f in findings if f.level == "error")
    if errors:
        next_step = (
            f"Fix the {errors} lint error(s): call draft_spec(spec_id='{spec.id}', requirements=[...]) "
            "with the corrected requirements, or edit the Markdown file."
        )
    else:
        next_step = f"Call scope_task(spec_id='{spec.id}')."
    return SpecResult(
        spec=spec,
        path=ws.store.display_path(SPECS, spec.id),
        findings=findings,
        revised=revised,
        hand_edit_kept=hand_edit_kept,
        next_step=next_step,
        next_call=next_call("scope_task", spec_id=spec.id) if spec.requirements else None,
    )


def affected_code(ws: Workspace, intent: Intent, run: Run | None = None) -> list[AffectedCode]:
    """Files and symbols the intent is likely to touch: its links first, then the ranked matches."""
    index = ws.index(run)
    found: list[AffectedCode] = []
    seen: set[tuple[str, str | None]] = set()
    for link in intent.links:
        key = (link.path, link.symbol)
        if key not in seen:
            seen.add(key)
            what = f"`{link.symbol}`" if link.symbol else "the file"
            found.append(
                AffectedCode(
                    path=link.path,
                    symbol=link.symbol,
                    line=link.line,
                    reason=f"the discussion names {what} ('{link.text}')",
                )
            )
    query = (
        " ".join(
            item.text
            for section in (intent.problem, intent.goals, intent.acceptance_signals)
            for item in section
        )
        or intent.title
    )
    for ranked in rank_files(index, query, limit=AFFECTED_FILES):
        if ranked.score < AFFECTED_MIN_SCORE or any(a.path == ranked.path for a in found):
            continue
        found.append(AffectedCode(path=ranked.path, reason="; ".join(ranked.reasons[:2]) or "ranked match"))
        if len({a.path for a in found}) >= AFFECTED_FILES:
            break
    return found
