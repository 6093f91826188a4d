"""draft_spec: a specification scaffolded from an intent, or revised; hand edits kept."""

from __future__ import annotations

from pydantic import BaseModel, Field

from codecot_mcp.domain.ids import normalize_id, parse_id
from codecot_mcp.domain.lint import lint_spec
from codecot_mcp.domain.models import AffectedCode, Finding, Intent, NextCall, Requirement, Spec, next_call
from codecot_mcp.domain.scaffold import (
    derived_requirement,
    requirement_example,
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

AFFECTED_FILES = 5  # ranked files a spec names when the discussion names none
# The spec's affected code is a short list a reviewer reads: one entry per file, at most this many,
# however many names a pasted traceback or snippet links.
MAX_AFFECTED_ENTRIES = 8
# Names this short ('i', 'os', 'df') in pasted code are variables, not code the change targets.
MIN_SYMBOL_CHARS = 3
# How many ranked files order the discussion's links (a link the ranking misses goes last).
LINK_RANK_LIMIT = 50
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
            else scaffold_requirements(intent, number) or _derived(intent, number)
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
    current = ws.store.load(SPECS, spec_id)
    intent = _intent_or_none(ws, current.intent_id)

    def change(spec: Spec) -> Spec:
        number = parse_id(spec.id, "spec")[1]
        update: dict[str, object] = {"revision": spec.revision + 1}
        if drafts:
            update["requirements"] = revise_requirements(spec.requirements, drafts, number)
        elif not spec.requirements and intent is not None:
            update["requirements"] = _derived(intent, number)
        if title:
            update["title"] = title.strip()
        if risks is not None:
            update["risks"] = risks
        if test_plan is not None:
            update["test_plan"] = test_plan
        return spec.model_copy(update=update)

    spec = ws.store.update(SPECS, spec_id, change, "spec.revised", hand_edit_kept=hand_edited)
    return _result(ws, spec, intent, revised=True, hand_edit_kept=hand_edited)


def _intent_or_none(ws: Workspace, intent_id: str) -> Intent | None:
    try:
        return ws.store.load(INTENTS, intent_id)
    except (NotFoundError, ArtifactError):  # the spec stands on its own when its intent is gone or broken
        return None


def _derived(intent: Intent, spec_number: int) -> list[Requirement]:
    derived = derived_requirement(intent, spec_number)
    return [derived[0]] if derived else []


def _result(
    ws: Workspace, spec: Spec, intent: Intent | None, *, revised: bool, hand_edit_kept: bool
) -> SpecResult:
    findings = lint_spec(spec, intent)
    findings += _derived_findings(spec, intent)
    errors = sum(1 for f in findings if f.level == "error")
    if not spec.requirements:
        next_step = (
            f"{spec.id} has no requirements and its intent gives nothing to derive one from: call "
            f"draft_spec(spec_id='{spec.id}', {requirement_example(spec.title)})."
        )
    elif errors:
        next_step = (
            f"Call scope_task(spec_id='{spec.id}') to go on, or first fix the {errors} lint error(s): "
            f"draft_spec(spec_id='{spec.id}', requirements=[...]) with the corrected requirements, "
            "or edit the Markdown file."
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


def _derived_findings(spec: Spec, intent: Intent | None) -> list[Finding]:
    """Say so when a requirement was derived rather than taken from a goal, so it is reviewed."""
    if intent is None or intent.goals or len(spec.requirements) != 1 or spec.requirements[0].goal_ids:
        return []
    derived = derived_requirement(intent, parse_id(spec.id, "spec")[1])
    if derived is None or derived[0].statement != spec.requirements[0].statement:
        return []
    rid = spec.requirements[0].id
    return [
        Finding(
            level="warning",
            code="derived-requirement",
            path=rid,
            message=f"{intent.id} has no goals, so {rid} was derived from its {derived[1]}",
            fix=f"check it, or replace it: "
            f"draft_spec(spec_id='{spec.id}', requirements=[{{'id': '{rid}', ...}}])",
        )
    ]


def intent_text(intent: Intent) -> str:
    """What the intent says about the code: its problem, goals and signals, and the discussion lines they
    quote, so tracebacks and pasted code reach the ranking, not only the extracted sentences."""
    parts: list[str] = []
    for section in (intent.problem, intent.goals, intent.acceptance_signals, intent.decisions):
        for item in section:
            parts.append(item.text)
            if item.source and item.source.quote not in parts:
                parts.append(item.source.quote)
    return "\n".join(dict.fromkeys(p for p in parts if p.strip())) or intent.title


def affected_code(ws: Workspace, intent: Intent, run: Run | None = None) -> list[AffectedCode]:
    """Files and symbols the intent is likely to touch, one entry per file: the discussion's links in
    ranked order, then the ranked matches; capped, so a pasted traceback does not list every frame."""
    index = ws.index(run)
    ranked = rank_files(index, intent_text(intent), limit=LINK_RANK_LIMIT)
    position = {r.path: n for n, r in enumerate(ranked)}
    found: dict[str, AffectedCode] = {}
    links = sorted(intent.links, key=lambda link: position.get(link.path, len(position)))
    for link in links:
        if link.path in found or len(found) >= MAX_AFFECTED_ENTRIES:
            continue
        symbol = link.symbol if link.symbol and len(link.symbol) >= MIN_SYMBOL_CHARS else None
        if link.symbol and symbol is None:
            continue
        what = f"`{symbol}`" if symbol else "the file"
        found[link.path] = AffectedCode(
            path=link.path,
            symbol=symbol,
            line=link.line if symbol else None,
            reason=f"the discussion names {what} ('{link.text}')",
        )
    for item in ranked[:AFFECTED_FILES]:
        if len(found) >= AFFECTED_FILES:
            break
        if item.score >= AFFECTED_MIN_SCORE and item.path not in found:
            found[item.path] = AffectedCode(
                path=item.path, reason="; ".join(item.reasons[:2]) or "ranked match"
            )
    return list(found.values())
