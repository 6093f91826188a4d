"""The event log as a ledger: each line names the hash of the line before it.

`events.jsonl` records every write Codecot makes, with the digest of what it
wrote. Chaining the lines makes the log tamper-evident: an edited, removed or
inserted line breaks the chain at that point, so a record the agent forged
without also rewriting every later line is caught. It is not tamper-proof: a
process with the same file rights can rewrite the whole log consistently. The
decision that must hold against such a process is the CI gate, which reads the
control plane from the pull request's base, not from its head.

A log written by an older Codecot has no `prev` fields; its lines are a legacy
prefix, and the chain starts at the first line that has one. A log with no
chained line at all is reported as unchained, never as verified.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

# How much of the log's end is read to find the last line before an append.
TAIL_BYTES = 1 << 16


def line_hash(line: str) -> str:
    """The hash the next line records as its `prev`."""
    return hashlib.sha256(line.rstrip("\n").encode("utf-8")).hexdigest()


def last_line(data: bytes) -> str:
    """The last complete line of a log's tail, or '' for an empty log."""
    text = data.decode("utf-8", "replace").rstrip("\n")
    return text.rsplit("\n", 1)[-1] if text else ""


class ChainState:
    """Whether the log's lines chain: `broken_at` is the 1-based line that does not.

    A plain class: the stop hook verifies the log in a process of its own, and importing
    dataclasses (with inspect) would be a tenth of its run.
    """

    __slots__ = ("broken_at", "chained")

    def __init__(self, chained: bool, broken_at: int | None = None) -> None:
        self.chained, self.broken_at = chained, broken_at

    def __repr__(self) -> str:
        return f"ChainState(chained={self.chained!r}, broken_at={self.broken_at!r})"

    @property
    def verified(self) -> bool:
        return self.chained and self.broken_at is None


def verify(lines: Sequence[str]) -> ChainState:
    """Check every line after the first chained one names the hash of the line before it."""
    previous: str | None = None
    started = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        prev = _prev_of(line)
        if prev is None:
            if started:
                return ChainState(chained=True, broken_at=number)
        else:
            expected = line_hash(previous) if previous is not None else ""
            if prev != expected:
                return ChainState(chained=True, broken_at=number)
            started = True
        previous = line
    return ChainState(chained=started)


def _prev_of(line: str) -> str | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    prev = data.get("prev") if isinstance(data, dict) else None
    return prev if isinstance(prev, str) else None
