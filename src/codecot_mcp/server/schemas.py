"""Smaller JSON schemas for `tools/list`, which a host puts in front of the model on every turn.

Pydantic's schemas repeat what a model does not need: a title per field (the field
name again), `default: null` and `additionalProperties: true`. An optional argument
(`anyOf [X, null]`, default null) is published as plain X: omitting it means the same
as null, and single-type schemas are the portable kind (some hosts map tool schemas to
a dialect without type lists or `null`). The server still accepts null.
Output schemas also lose descriptions and defaults (the result's text mirror already
reads as prose; input descriptions are the ones that steer the model's calls), and
`shallow_schema` types nested objects as plain objects: every top-level field of a
result is named and typed, and the whole `tools/list` stays under 3,000 tokens.
"""

from __future__ import annotations

from typing import Any

_SUBSCHEMA_MAPS = ("properties", "$defs", "patternProperties")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUBSCHEMA_ONE = ("items", "additionalProperties", "not")
_NULL = {"type": "null"}


def compact_schema(schema: dict[str, Any], output: bool = False) -> dict[str, Any]:
    """A copy of `schema` without the redundant keywords (see the module docstring)."""
    optional = "default" in schema and schema["default"] is None
    node: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" or (output and key in ("description", "default")):
            continue
        if key == "default" and value is None:
            continue
        if key == "additionalProperties" and value is True:
            continue
        if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            value = {name: compact_schema(sub, output) for name, sub in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            value = [compact_schema(sub, output) if isinstance(sub, dict) else sub for sub in value]
        elif key in _SUBSCHEMA_ONE and isinstance(value, dict):
            value = compact_schema(value, output)
        node[key] = value
    return _without_null_branch(node) if optional and not output else node


def _without_null_branch(node: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, {type: null}]` -> X, keeping the node's own keywords (description, limits)."""
    options = node.get("anyOf")
    if not isinstance(options, list) or len(options) != 2 or _NULL not in options:
        return node
    other = options[0] if options[1] == _NULL else options[1]
    merged = {k: v for k, v in node.items() if k != "anyOf"}
    return {**other, **merged}


def shallow_schema(schema: dict[str, Any], depth: int) -> dict[str, Any]:
    """`schema` with its `$ref`s inlined and objects below `depth` levels left as bare objects."""
    defs = schema.get("$defs", {})

    def walk(node: dict[str, Any], level: int) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node = {**defs[ref.removeprefix("#/$defs/")], **{k: v for k, v in node.items() if k != "$ref"}}
        if "properties" in node and level >= depth:
            return {"type": "object"}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$defs":
                continue
            if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
                value = {name: walk(sub, level + 1) for name, sub in value.items()}
            elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
                value = [walk(sub, level) if isinstance(sub, dict) else sub for sub in value]
            elif key in _SUBSCHEMA_ONE and isinstance(value, dict):
                value = walk(value, level)
            out[key] = value
        return out

    return walk(schema, 0)
