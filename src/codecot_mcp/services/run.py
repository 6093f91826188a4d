"""Run: one service call's channel to its caller, progress out and cancellation in.

An adapter makes one per call and hands it to the service with the request: the
MCP server wires progress to progress notifications and cancellation to the
request being cancelled, the CLI wires progress to a bar on stderr. Services pass
the same object down to whatever indexes or runs checks; nothing else carries
progress or cancellation, so there is no thread-local and no extra argument.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from codecot_mcp.errors import CancelledError

Progress = Callable[[int, int, str], None]


class Run:
    """Progress and cancellation for one call; safe to share with the threads it starts."""

    def __init__(self, progress: Progress | None = None) -> None:
        self._report = progress
        self._cancelled = threading.Event()
        self.notes: list[str] = []  # what the caller should know about the call itself (e.g. a cold index)

    def progress(self, done: int, total: int, message: str) -> None:
        """Tell the caller how far the call is; `total` 0 means unknown."""
        if self._report is not None:
            self._report(done, total, message)

    def note(self, text: str) -> None:
        """A line about the call itself that the adapter shows beside the result."""
        self.notes.append(text)

    def cancel(self) -> None:
        """Ask the work to stop; called by the adapter from another thread."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def raise_if_cancelled(self, doing: str) -> None:
        """Stop here, storing nothing, when the caller has cancelled."""
        if self._cancelled.is_set():
            raise CancelledError(f"cancelled {doing}")

    def wait_cancelled(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once on cancellation; True when cancelled."""
        return self._cancelled.wait(seconds)
