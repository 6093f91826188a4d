"""Hostile input through a real MCP client: random calls, size limits, IDs and refs with a line break.

The fuzz run is seeded, so a failure names a call that can be replayed: rerun with
the same seed and the same call number fails the same way.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import Tool

from codecot_mcp.domain.ids import normalize_id, parse_id, parse_requirement_id
from codecot_mcp.domain.limits import INTENT_ITEM_CHARS as MAX_FIELD_ITEM_CHARS
from codecot_mcp.domain.limits import INTENT_SECTION_ITEMS as MAX_FIELD_ITEMS
from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel.gitcli import check_ref
from codecot_mcp.server.app import build_server
from codecot_mcp.services.operations import CAPTURE_INTENT

from .test_workflow import DEMO, call, error_of, sample_repo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.anyio

SEED = 20250502
CALLS = 400
CALL_SECONDS = 15  # one call; the slowest real one (a 1 MB discussion) takes about 2 s
MAX_DEPTH = 240  # the client cannot serialize a request nested deeper than about 250 levels

SECTIONS = [
    "problem",
    "goals",
    "non_goals",
    "constraints",
    "decisions",
    "open_questions",
    "acceptance_signals",
]
# Values that mean something to the server, by argument name, so that many calls get past validation.
MEANINGFUL: dict[str, list[str]] = {
    "intent_id": ["INT-1", "int-1 ", "INT-2", "INT-99"],
    "spec_id": ["SPEC-1", "spec-1", "SPEC-2", "SPEC-99"],
    "task_id": ["TASK-1", "TASK-2", "task-1", "TASK-99"],
    "id": ["REQ-1.1", "REQ-1.2", "REQ-2.1", "REQ-1.99"],
    "requirement_ids": ["REQ-1.1", "REQ-1.2", "REQ-9.1"],
    "goal_ids": ["G1", "G2", "G1, G2"],
    "base": ["HEAD", "HEAD~1", "main", "HEAD~99"],
    "head": ["HEAD", "main"],
    "allowed_paths": ["inventory/**", "tests/**", "*.py", "inventory/report.py"],
    "forbidden_paths": ["README.md", "docs/**"],
    "checks": ["tests", "lint"],
    "discussion": [
        "We need a CSV export of the report.\nShould it include archived items?",
        "alice: exports time out\nbob: we need CSV export\nalice: done when 1M rows stream\nbob: ok?",
        "# Export\n\n**alice** opened this issue\n\nExports fail.\n\n### Comment by bob\n\nWe should stream.",
    ],
    "query": ["report", "Traceback: KeyError in inventory/report.py", "CSV export"],
}
ANY_TEXT = ["Stream rows", "WHEN a user exports THE SYSTEM SHALL stream", "csv or tsv?", "x"]
HOSTILE = [
    "",
    " ",
    "\n",
    "TASK-1\n",
    "HEAD\n",
    "-rf",
    "--output=/tmp/codecot-fuzz",
    "../../etc/passwd",
    "/etc/passwd",
    "$(touch /tmp/codecot-fuzz)",
    "INT-0",
    "INT-99999999999",
    "REQ-0.0",
    "a..b",
    "\x00",
    "\u202e\u2028\ufeff",
    "ℌ𝔢𝔩𝔩𝔬 🙂 ﷽",
    "<!-- codecot {} -->",
    "### REQ-1.9: x\n- **AC-1** y",
    "```\nunclosed",
]
NUMBERS: list[Any] = [0, -1, 1, 199, 200, 10_000, 10_001, 2**31, 2**63, -(2**63), 10**30, 0.5, -0.0, 1e308]
PLANES = [(0, 0x1F), (0x20, 0x7E), (0x80, 0x2FFF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF)]
SURROGATES = (0xD800, 0xDFFF)


def random_text(rng: random.Random, size: int, surrogates: bool = True) -> str:
    """Any code points: control characters, line breaks of every kind, lone surrogates, astral planes.

    A lone surrogate can be a value but not a key: the client cannot serialize it as one.
    """
    ranges = [*PLANES, SURROGATES] if surrogates else PLANES
    out: list[str] = []
    for _ in range(size):
        low, high = rng.choice(ranges)
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def huge_text(rng: random.Random) -> str:
    """Up to 2 MB, built from a repeated chunk so that making it is cheap."""
    size = rng.choice([2_001, 100_001, 1_000_000, 1_000_001, 2_000_000])
    chunk = rng.choice(["We need a CSV export. ", "x", "alice: a\n", random_text(rng, 64, surrogates=False)])
    return (chunk * (size // len(chunk) + 1))[:size]


def nested(rng: random.Random) -> Any:
    value: Any = rng.choice(["x", 1, None])
    for _ in range(rng.randint(10, MAX_DEPTH)):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def junk(rng: random.Random, depth: int = 0) -> Any:
    """A hostile value of any JSON type: wrong type, huge, deep, odd characters, extreme numbers."""
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(HOSTILE)
    if roll < 0.4:
        return random_text(rng, rng.randint(0, 80))
    if roll < 0.55:
        return rng.choice(NUMBERS)
    if roll < 0.65:
        return rng.choice([None, True, False, [], {}])
    if roll < 0.72:
        return huge_text(rng)
    if roll < 0.8:
        return nested(rng)
    if depth > 2:
        return None
    if roll < 0.9:
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        random_text(rng, rng.randint(0, 8), False): junk(rng, depth + 1) for _ in range(rng.randint(0, 4))
    }


def resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return dict(defs[ref.rsplit("/", 1)[-1]]) if isinstance(ref, str) else schema


def valid(rng: random.Random, name: str, schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A value the schema accepts, meaningful for the argument's name where we know one."""
    schema = resolve(schema, defs)
    kind = schema.get("type")
    if kind == "string":
        roll = rng.random()
        if roll < 0.6:
            text = rng.choice(MEANINGFUL.get(name, ANY_TEXT))
        elif roll < 0.8:
            text = rng.choice(HOSTILE)
        else:
            text = random_text(rng, rng.randint(1, 200), surrogates=False)
        return text[: schema.get("maxLength", len(text))] or ("x" if schema.get("minLength") else "")
    if kind == "integer":
        return rng.randint(int(schema.get("minimum", 0)), int(schema.get("maximum", 1000)))
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        count = rng.randint(0, min(3, int(schema.get("maxItems", 3))))
        return [valid(rng, name, schema.get("items", {}), defs) for _ in range(count)]
    if "properties" in schema:
        return {key: valid(rng, key, prop, defs) for key, prop in schema["properties"].items()}
    if "additionalProperties" in schema:
        keys = rng.sample(SECTIONS, rng.randint(0, 3))
        return {key: valid(rng, key, schema["additionalProperties"], defs) for key in keys}
    return None


def arguments(rng: random.Random, schema: dict[str, Any]) -> dict[str, Any]:
    """Valid, valid but for one, or all hostile; now and then a required one missing or an extra key."""
    defs = schema.get("$defs", {})
    props: dict[str, Any] = schema.get("properties", {})
    out = {
        name: valid(rng, name, prop, defs)
        for name, prop in props.items()
        if name in schema.get("required", []) or rng.random() < 0.4
    }
    if "ask_user" in props:
        out.setdefault("ask_user", False)  # a host that cannot answer is the common case
    mode = rng.random()
    if mode < 0.4 and props:
        out[rng.choice(list(props))] = junk(rng)
    elif mode < 0.55:
        out = {name: junk(rng) for name in props}
    elif mode < 0.65 and out:
        del out[rng.choice(list(out))]
    if rng.random() < 0.1:
        out[random_text(rng, rng.randint(1, 12), surrogates=False)] = junk(rng)
    return out


def text_of(result: Any) -> str:
    return "".join(str(getattr(block, "text", "")) for block in result.content)


async def test_a_few_hundred_random_calls_get_a_result_or_a_clear_tool_error(
    sample_repo: Path,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    rng = random.Random(SEED)
    answered: Counter[str] = Counter()  # calls that got a result, by tool
    outcomes: dict[str, int] = {"result": 0, "refused by the schema": 0, "refused by the service": 0}
    caplog.set_level(logging.ERROR)
    async with Client(build_server(sample_repo)) as client:
        tools: list[Tool] = (await client.list_tools()).tools
        # Real artifacts first, so that fuzzed IDs like SPEC-1 and TASK-1 reach the services' deeper code.
        discussion = (DEMO / "discussion.txt").read_text()
        await call(client, "capture_intent", {"discussion": discussion, "ask_user": False})
        await call(client, "draft_spec", {"intent_id": "INT-1"})
        await call(client, "scope_task", {"spec_id": "SPEC-1"})
        for number in range(CALLS):
            tool = rng.choice(tools)
            args = arguments(rng, tool.input_schema)
            where = f"call {number} (seed {SEED}): {tool.name} with {sorted(args)}"
            with anyio.fail_after(CALL_SECONDS):
                result = await client.call_tool(tool.name, args)
            text = text_of(result)
            crashes = [r for r in caplog.records if r.levelno >= logging.ERROR]
            assert not crashes, f"{where} crashed: {text!r}\n" + "\n".join(
                f"{r.getMessage()}\n{r.exc_text}" for r in crashes
            )
            if result.is_error:
                assert text.startswith(f"Error executing tool {tool.name}: ") and text.strip(), (where, text)
                schema_error = "validation error" in text
                outcomes["refused by the schema" if schema_error else "refused by the service"] += 1
            else:
                assert result.structured_content is not None, where
                outcomes["result"] += 1
                answered[tool.name] += 1
        status = await call(client, "workflow_status", {})
    assert status["next_action"]
    assert status["problems"] == [], status["problems"]  # nothing stored was left unreadable
    assert min(outcomes.values()) >= CALLS // 10, outcomes  # every path was taken often enough
    assert set(answered) == {tool.name for tool in tools}, answered  # every tool did real work


# ---------------------------------------------------------------- size limits (audit)

DISCUSSION = "We need a CSV export of the report."


def stored(repo: Path, folder: str) -> list[str]:
    path = repo / ".codecot" / folder
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            {"goals": ["stream rows"] * (MAX_FIELD_ITEMS + 1)},
            ["fields.goals", f"at most {MAX_FIELD_ITEMS} items"],
        ),
        (
            {"decisions": ["x" * (MAX_FIELD_ITEM_CHARS + 1)]},
            ["fields.decisions.0", "at most 2000 characters"],
        ),
        (
            {"goals": ["ok"], "constraints": ["x" * 1_000_000] * 20},
            ["fields.constraints.0", "2000 characters"],
        ),
    ],
    ids=["too-many-items", "item-too-long", "twenty-megabytes"],
)
async def test_oversized_fields_are_refused_by_name_and_nothing_is_stored(
    sample_repo: Path,  # noqa: F811
    fields: dict[str, list[str]],
    words: list[str],
) -> None:
    async with Client(build_server(sample_repo)) as client:
        text = await error_of(
            client, "capture_intent", {"discussion": DISCUSSION, "ask_user": False, "fields": fields}
        )
        status = await call(client, "workflow_status", {})
    assert all(word in text for word in words), text
    assert status["intents"] == [] and stored(sample_repo, "intents") == []


async def test_fields_at_the_limits_are_accepted(sample_repo: Path) -> None:  # noqa: F811
    goals = [f"goal {n} " + "x" * (MAX_FIELD_ITEM_CHARS - 10) for n in range(MAX_FIELD_ITEMS)]
    assert all(len(goal) <= MAX_FIELD_ITEM_CHARS for goal in goals)
    async with Client(build_server(sample_repo)) as client:
        result = await call(
            client,
            "capture_intent",
            {"discussion": DISCUSSION, "ask_user": False, "fields": {"goals": goals}},
        )
    assert len(result["intent"]["goals"]) == MAX_FIELD_ITEMS


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"goals": ["g"] * (MAX_FIELD_ITEMS + 1)}, ["fields.goals", "at most 50 items"]),
        (
            {"problem": ["ok", "p" * (MAX_FIELD_ITEM_CHARS + 1)]},
            ["fields.problem.1", "at most 2000 characters"],
        ),
    ],
)
def test_the_request_model_refuses_oversized_fields_for_the_cli_too(
    fields: dict[str, list[str]], words: list[str]
) -> None:
    with pytest.raises(InvalidInputError) as error:
        CAPTURE_INTENT.parse({"discussion": DISCUSSION, "fields": fields})
    assert all(word in str(error.value) for word in words), str(error.value)


LONG = "x" * 2001
DRAFT = {
    "title": "Stream rows",
    "statement": "THE SYSTEM SHALL stream rows",
    "criteria": ["WHEN x THE SYSTEM SHALL y"],
}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"risks": ["fine", LONG]}, ["risks.1", "at most 2000 characters"]),
        ({"test_plan": [LONG]}, ["test_plan.0", "at most 2000 characters"]),
        (
            {"requirements": [{**DRAFT, "title": "t" * 201}]},
            ["requirements.0.title", "at most 200 characters"],
        ),
        (
            {"requirements": [{**DRAFT, "statement": LONG}]},
            ["requirements.0.statement", "at most 2000 characters"],
        ),
        (
            {"requirements": [{**DRAFT, "criteria": ["ok", LONG]}]},
            ["requirements.0.criteria.1", "2000 characters"],
        ),
        (
            {"requirements": [{**DRAFT, "criteria": ["c"] * 31}]},
            ["requirements.0.criteria", "at most 30 items"],
        ),
    ],
    ids=["risk", "test-step", "title", "statement", "criterion", "criteria-count"],
)
async def test_oversized_spec_drafts_are_refused_by_name_and_nothing_is_stored(
    sample_repo: Path,  # noqa: F811
    args: dict[str, Any],
    words: list[str],
) -> None:
    async with Client(build_server(sample_repo)) as client:
        await call(client, "capture_intent", {"discussion": DISCUSSION, "ask_user": False})
        text = await error_of(client, "draft_spec", {"intent_id": "INT-1", **args})
        status = await call(client, "workflow_status", {})
    assert all(word in text for word in words), text
    assert status["specs"] == [] and stored(sample_repo, "specs") == []


async def test_spec_drafts_at_the_limits_are_accepted(sample_repo: Path) -> None:  # noqa: F811
    draft = {"title": "t" * 200, "statement": "THE SYSTEM SHALL " + "s" * 1983, "criteria": ["c" * 2000] * 30}
    async with Client(build_server(sample_repo)) as client:
        await call(client, "capture_intent", {"discussion": DISCUSSION, "ask_user": False})
        result = await call(
            client, "draft_spec", {"intent_id": "INT-1", "requirements": [draft], "risks": ["r" * 2000]}
        )
    assert len(result["spec"]["requirements"][0]["criteria"]) == 30


# ---------------------------------------------------------------- IDs and refs end where they seem to


@pytest.mark.parametrize(
    "value", ["TASK-1\n", "TASK-1\r\n", "TASK-1\x00", "TASK-1\n; rm -rf /", "\nTASK-1", "TASK-1\v"]
)
def test_an_artifact_id_with_a_line_break_or_control_character_is_refused(value: str) -> None:
    with pytest.raises(InvalidInputError, match="not an artifact ID"):
        parse_id(value)
    with pytest.raises(InvalidInputError, match="not a requirement ID"):
        parse_requirement_id(value.replace("TASK-1", "REQ-1.1"))


@pytest.mark.parametrize("value", ["TASK-1", " task-1 ", "\tTASK-1", "Task-1"])
def test_case_and_surrounding_spaces_are_still_forgiven(value: str) -> None:
    assert normalize_id(value, "task") == "TASK-1"


@pytest.mark.parametrize("ref", ["HEAD\n", "main\n", "HEAD\r", "HEAD\n--output=x", "a" * 202, "-p", "a..b"])
def test_a_ref_with_a_line_break_or_that_git_would_misread_is_refused(ref: str) -> None:
    with pytest.raises(InvalidInputError, match="not a usable git revision"):
        check_ref(ref)


@pytest.mark.parametrize("ref", ["HEAD", "HEAD~1", "main", "v1.2.0", "feature/x", "HEAD@{1}", "a" * 201])
def test_ordinary_refs_pass(ref: str) -> None:
    assert check_ref(ref) == ref


@pytest.mark.parametrize(
    ("tool", "args", "words"),
    [
        ("draft_pr", {"task_id": "TASK-1\n"}, "not an artifact ID"),
        ("scope_task", {"spec_id": "SPEC-1\n"}, "not an artifact ID"),
        ("validate_change", {"task_id": "TASK-1", "base": "HEAD\n"}, "not a usable git revision"),
        ("validate_change", {"task_id": "TASK-1", "head": "HEAD\n"}, "not a usable git revision"),
    ],
)
async def test_a_trailing_newline_is_refused_through_the_client(
    sample_repo: Path,  # noqa: F811
    tool: str,
    args: dict[str, Any],
    words: str,
) -> None:
    async with Client(build_server(sample_repo)) as client:
        await call(client, "capture_intent", {"discussion": DISCUSSION, "ask_user": False})
        await call(client, "draft_spec", {"intent_id": "INT-1"})
        await call(client, "scope_task", {"spec_id": "SPEC-1"})
        text = await error_of(client, tool, args)
    assert words in text, text
