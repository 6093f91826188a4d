"""Types and builders shared by the domain tests."""

from __future__ import annotations

from typing import TypedDict, TypeVar

from pydantic import BaseModel

from codecot_mcp.domain.models import IntentItem

Model = TypeVar("Model", bound=BaseModel)


class IntentSections(TypedDict, total=False):
    """An intent's item sections as keyword arguments to `Intent` (the fields of `INTENT_SECTIONS`)."""

    problem: list[IntentItem]
    goals: list[IntentItem]
    non_goals: list[IntentItem]
    constraints: list[IntentItem]
    decisions: list[IntentItem]
    open_questions: list[IntentItem]
    acceptance_signals: list[IntentItem]


def with_unknown_fields(model: Model, **fields: object) -> Model:
    """`model` plus fields its class does not declare, as a newer Codecot would have stored it.

    The typed constructor rejects undeclared keywords, so the extras go through validation,
    which is where `extra="allow"` keeps them.
    """
    return type(model).model_validate(model.model_dump(exclude_unset=True) | fields)
