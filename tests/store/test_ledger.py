"""The event log's chain, verified whole or past a prefix verified before."""

from __future__ import annotations

import hashlib
import json

import pytest

from codecot_mcp.store import ledger


def _chain(events: list[dict[str, object]], prev: str = "") -> list[str]:
    lines: list[str] = []
    for event in events:
        line = json.dumps({**event, "prev": prev}, separators=(",", ":"))
        lines.append(line)
        prev = hashlib.sha256(line.encode()).hexdigest()
    return lines


def _log(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


EVENTS: list[dict[str, object]] = [
    {"kind": "task.created", "id": f"TASK-{n}", "detail": {"digest": f"{n:016x}"}} for n in range(1, 9)
]


@pytest.mark.parametrize(
    "shape",
    ["chained", "legacy prefix", "blank lines", "edited line", "removed line", "unchained after", "empty"],
)
def test_the_bytes_are_judged_as_the_lines_are(shape: str) -> None:
    lines = _chain(EVENTS)
    if shape == "legacy prefix":
        legacy = json.dumps({"kind": "old", "id": "INT-1"})
        lines = [legacy, *_chain(EVENTS, hashlib.sha256(legacy.encode()).hexdigest())]
    elif shape == "blank lines":
        lines = [*lines[:3], "", "  ", *lines[3:]]
    elif shape == "edited line":
        lines[4] = lines[4].replace("TASK-5", "TASK-9")
    elif shape == "removed line":
        del lines[2]
    elif shape == "unchained after":
        lines.insert(5, json.dumps({"kind": "forged", "id": "VAL-1"}))
    elif shape == "empty":
        lines = []
    whole = ledger.verify(lines)
    state, _ = ledger.verify_log(_log(lines) if lines else b"")
    assert (state.chained, state.broken_at) == (whole.chained, whole.broken_at)


def test_a_verified_prefix_is_not_parsed_again_and_the_rest_is(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _chain(EVENTS)
    state, known = ledger.verify_log(_log(lines[:5]))
    assert state.verified and known is not None and known.lines == 5
    parsed: list[str] = []
    real = ledger._prev_of

    def counted(line: str) -> str | None:
        parsed.append(line)
        return real(line)

    monkeypatch.setattr(ledger, "_prev_of", counted)
    state, later = ledger.verify_log(_log(lines), known)
    assert state.verified and parsed == lines[5:]
    assert later is not None and later.lines == 8 and later.size == len(_log(lines))
    again = ledger.VerifiedPrefix.from_json(json.loads(json.dumps(later.to_json())))
    assert again is not None and again.holds_for(_log(lines))


@pytest.mark.parametrize("where", ["inside the prefix", "the prefix's last line", "after the prefix"])
def test_an_edit_to_a_verified_log_is_caught_wherever_it_is(where: str) -> None:
    lines = _chain(EVENTS)
    _, known = ledger.verify_log(_log(lines[:5]))
    edited = list(lines)
    at = {"inside the prefix": 1, "the prefix's last line": 4, "after the prefix": 6}[where]
    edited[at] = edited[at].replace("task.created", "task.updated")  # same length: only the hash tells
    state, kept = ledger.verify_log(_log(edited), known)
    assert state.broken_at == ledger.verify(edited).broken_at is not None and kept is None


def test_a_prefix_that_does_not_end_a_line_or_is_not_an_object_is_not_used() -> None:
    lines = _chain(EVENTS)
    data = _log(lines)
    _, known = ledger.verify_log(data)
    assert known is not None
    short = ledger.VerifiedPrefix(known.size - 1, known.sha256, known.lines, known.last_hash)
    assert not short.holds_for(data)
    assert ledger.VerifiedPrefix.from_json({"size": "12"}) is None
    assert ledger.VerifiedPrefix.from_json(["size"]) is None
