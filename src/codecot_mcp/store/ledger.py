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
    return _verify_lines(lines, None, started=False, first_number=1)[0]


class VerifiedPrefix:
    """A log's first `size` bytes, verified before: their sha256, line count and last line's hash.

    The stop hook keeps one in its cache so that a long log is not parsed again on every stop:
    the prefix is hashed (in C, a fraction of parsing it) and only the lines after it are
    verified. Forging one is no easier than rewriting the chain consistently, which a process
    with the log's file rights can always do (see above); the verdict never reads it.
    """

    __slots__ = ("last_hash", "lines", "sha256", "size")

    def __init__(self, size: int, sha256: str, lines: int, last_hash: str) -> None:
        self.size, self.sha256, self.lines, self.last_hash = size, sha256, lines, last_hash

    def to_json(self) -> dict[str, object]:
        return {"size": self.size, "sha256": self.sha256, "lines": self.lines, "last_hash": self.last_hash}

    @classmethod
    def from_json(cls, data: object) -> VerifiedPrefix | None:
        if not isinstance(data, dict):
            return None
        size, digest, lines, last = (data.get(k) for k in ("size", "sha256", "lines", "last_hash"))
        if not (
            isinstance(size, int)
            and isinstance(lines, int)
            and isinstance(digest, str)
            and isinstance(last, str)
        ):
            return None
        return cls(size, digest, lines, last)

    def holds_for(self, data: bytes) -> bool:
        """Whether `data` starts with the verified bytes, ending at a line's end."""
        return (
            0 < self.size <= len(data)
            and data[self.size - 1 : self.size] == b"\n"
            and _sha256_of(memoryview(data)[: self.size]) == self.sha256
        )


def verify_log(data: bytes, known: VerifiedPrefix | None = None) -> tuple[ChainState, VerifiedPrefix | None]:
    """`verify` of the log's bytes, skipping a prefix verified before; and the prefix to keep now.

    Raises UnicodeDecodeError for bytes that are not UTF-8 (Codecot writes none).
    """
    start, skipped, previous, started = 0, 0, None, False
    if known is not None and known.holds_for(data):
        start, skipped, previous, started = known.size, known.lines, known.last_hash, True
    lines = data[start:].decode("utf-8").splitlines()
    state, last_hash = _verify_lines(lines, previous, started=started, first_number=skipped + 1)
    if not state.verified or not data.endswith(b"\n") or last_hash is None:
        return state, None
    return state, VerifiedPrefix(len(data), _sha256_of(memoryview(data)), skipped + len(lines), last_hash)


def _verify_lines(
    lines: Sequence[str], previous: str | None, *, started: bool, first_number: int
) -> tuple[ChainState, str | None]:
    """The chain of `lines` after a line whose hash is `previous`; and the last line's hash."""
    for number, line in enumerate(lines, start=first_number):
        if not line.strip():
            continue
        prev = _prev_of(line)
        if prev is None:
            if started:
                return ChainState(chained=True, broken_at=number), None
        else:
            if prev != (previous if previous is not None else ""):
                return ChainState(chained=True, broken_at=number), None
            started = True
        previous = line_hash(line)
    return ChainState(chained=started), previous


def _sha256_of(data: memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def _prev_of(line: str) -> str | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    prev = data.get("prev") if isinstance(data, dict) else None
    return prev if isinstance(prev, str) else None
