"""Artifact IDs: `INT-1`, `SPEC-1`, `REQ-1.2`, `TASK-3`, `VAL-7`.

IDs are short so that people can say them in a review, and never reused: the
store allocates the next number under its lock, past every number it has seen.
"""

from __future__ import annotations

import re
from typing import Literal

from codecot_mcp.errors import InvalidInputError

ArtifactKind = Literal["intent", "spec", "task", "validation"]

PREFIX: dict[ArtifactKind, str] = {
    "intent": "INT",
    "spec": "SPEC",
    "task": "TASK",
    "validation": "VAL",
}
KIND_OF_PREFIX: dict[str, ArtifactKind] = {prefix: kind for kind, prefix in PREFIX.items()}

_ARTIFACT_ID = re.compile(r"^(INT|SPEC|TASK|VAL)-([1-9][0-9]{0,8})$")
_REQUIREMENT_ID = re.compile(r"^REQ-([1-9][0-9]{0,8})\.([1-9][0-9]{0,8})$")
_STRAY = " \t"  # forgiven around an ID; fullmatch, since `$` would also let a final newline through


def format_id(kind: ArtifactKind, number: int) -> str:
    return f"{PREFIX[kind]}-{number}"


def parse_id(value: str, expected: ArtifactKind | None = None) -> tuple[ArtifactKind, int]:
    """Split an artifact ID into kind and number; accepts any case and stray spaces or tabs.

    Line breaks and other control characters are refused, not stripped: "TASK-1\\n" is no ID.
    """
    match = _ARTIFACT_ID.fullmatch(value.strip(_STRAY).upper())
    if not match:
        wanted = f"{PREFIX[expected]}-<n>" if expected else "INT-<n>, SPEC-<n>, TASK-<n> or VAL-<n>"
        raise InvalidInputError(
            f"'{value}' is not an artifact ID", hint=f"expected {wanted}, e.g. {wanted.replace('<n>', '1')}"
        )
    kind = KIND_OF_PREFIX[match.group(1)]
    if expected is not None and kind != expected:
        raise InvalidInputError(
            f"'{value}' is a {kind} ID, not a {expected} ID", hint=f"pass an ID like {PREFIX[expected]}-1"
        )
    return kind, int(match.group(2))


def normalize_id(value: str, expected: ArtifactKind) -> str:
    kind, number = parse_id(value, expected)
    return format_id(kind, number)


def requirement_id(spec_number: int, index: int) -> str:
    return f"REQ-{spec_number}.{index}"


def parse_requirement_id(value: str) -> tuple[int, int]:
    """Return (spec number, requirement number) of `REQ-<spec>.<n>`."""
    match = _REQUIREMENT_ID.fullmatch(value.strip(_STRAY).upper())
    if not match:
        raise InvalidInputError(
            f"'{value}' is not a requirement ID", hint="expected REQ-<spec>.<n>, e.g. REQ-1.2"
        )
    return int(match.group(1)), int(match.group(2))
