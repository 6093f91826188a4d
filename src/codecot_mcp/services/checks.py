"""Running the named checks of `.codecot/config.toml`.

A check is an argument list from the config, never text from a tool call; it
runs without a shell, in its own process group (so a timeout kills the whole
tree), with a minimal environment (so the server's secrets stay home), and its
output goes to a temp file of which only the tail is kept, led by the first lines
that look like errors when the cut dropped them (the cause of a failure is often
near the top, buried by noise). A cancelled call's `Run` stops the check
within `CANCEL_POLL_SECONDS`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

from codecot_mcp.domain.models import CheckResult
from codecot_mcp.errors import CancelledError
from codecot_mcp.services.run import Run

# Variables a test runner plausibly needs; everything else (tokens, keys) stays out.
ENV_ALLOWLIST = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "TERM",
    "USER",
    "LOGNAME",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "JAVA_HOME",
    "GOPATH",
    "GOCACHE",
    "CARGO_HOME",
    "RUSTUP_HOME",
)
_KILL_GRACE_SECONDS = 2.0
CANCEL_POLL_SECONDS = 0.1

# Lines that look like errors, across the usual tools; a small list on purpose.
_ERROR_LINE = re.compile(
    rb"\b(?:error|ERROR)\b"  # compilers, linters, loggers ("error:", "ERROR tests/x.py"), not "errors"
    rb"|Error\b"  # "Error:", "TypeError", "AssertionError"
    rb"|\bFAIL(?:ED)?\b"  # go "--- FAIL:", jest "FAIL a.test.js", pytest "FAILED t.py::x"
    rb"|Traceback \(most recent call last\)"  # Python
    rb"|panic:|panicked at"  # Go, Rust
    rb"|^E {3}",  # pytest's assertion detail lines
    re.MULTILINE,
)
# Every match of `_ERROR_LINE` holds one of these; a chunk with none is skipped without the regex.
_ERROR_HINTS = (b"rror", b"RROR", b"FAIL", b"Traceback", b"panic", b"E   ")
ERROR_LINES_MAX = 20
ERROR_SHARE = 4  # error lines get at most 1/ERROR_SHARE of the output cap; the tail gets the rest
_ERROR_LINE_BYTES = 300  # a longer line is shown as a window around its error
_ERROR_LINE_MIN_ROOM = 40  # below this many bytes left, a line would be too cut to help
_READ_CHUNK = 1 << 20


def check_environment() -> dict[str, str]:
    env = {key: os.environ[key] for key in ENV_ALLOWLIST if key in os.environ}
    env.setdefault("PATH", os.defpath)
    env["CI"] = "true"  # many tools stop prompting and colouring under CI
    env["NO_COLOR"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a check should not leave files that change the validated tree
    return env


def run_check(
    name: str,
    argv: list[str],
    cwd: Path,
    timeout: float,
    max_output: int,
    run: Run | None = None,
) -> CheckResult:
    """Run one check to completion or timeout; raises only when `run` is cancelled meanwhile."""
    env = check_environment()
    executable = shutil.which(argv[0], path=env["PATH"]) if argv else None
    if executable is None:
        return CheckResult(
            name=name,
            argv=argv,
            exit_code=None,
            passed=False,
            duration_s=0.0,
            output_tail=f"cannot run check '{name}': '{argv[0] if argv else ''}' is not on PATH",
        )
    started = time.monotonic()
    timed_out = False
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(  # noqa: S603 (argv from the repository's config, never a tool argument; no shell)
            [executable, *argv[1:]],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            timed_out = not _wait(process, started + timeout, run)
            if timed_out:
                _kill_group(process)
        except BaseException:  # cancelled: leave nothing running behind us
            _kill_group(process)
            raise
        finally:
            _kill_group(process, only_leftovers=True)
        duration = time.monotonic() - started
        tail = _kept_output(output, max_output)
    exit_code = None if timed_out else process.returncode
    if timed_out:
        tail += f"\n[codecot] killed after {timeout:g}s timeout"
    return CheckResult(
        name=name,
        argv=argv,
        exit_code=exit_code,
        passed=exit_code == 0,
        timed_out=timed_out,
        duration_s=round(duration, 3),
        output_tail=tail,
    )


def _wait(process: subprocess.Popen[bytes], deadline: float, run: Run | None) -> bool:
    """Wait for the process until `deadline`: True when it exited, False on timeout."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            process.wait(timeout=min(left, CANCEL_POLL_SECONDS) if run else left)
            return True
        except subprocess.TimeoutExpired:
            if run is not None and run.cancelled:
                raise CancelledError("cancelled while a check was running") from None


def _kill_group(process: subprocess.Popen[bytes], only_leftovers: bool = False) -> None:
    """SIGTERM then SIGKILL the check's process group (children included)."""
    try:
        pgid = os.getpgid(process.pid)
    except ProcessLookupError:
        pgid = process.pid
    signals = (signal.SIGKILL,) if only_leftovers else (signal.SIGTERM, signal.SIGKILL)
    for sig in signals:
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            break
        if sig == signal.SIGTERM:
            try:
                process.wait(timeout=_KILL_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                continue
    if process.returncode is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=_KILL_GRACE_SECONDS)


def _kept_output(output: IO[bytes], max_output: int) -> str:
    """At most `max_output` bytes of the output: its tail, led by its first error lines if cut off.

    The tail alone often shows only a summary, while the cause is near the top; the error
    lines get up to a quarter of the cap, so the tail keeps the rest. Cuts are marked.
    """
    size = output.seek(0, os.SEEK_END)
    if size <= max_output:
        output.seek(0)
        return output.read().decode("utf-8", "replace")
    share = max_output // ERROR_SHARE
    found = _first_error_lines(output, size - (max_output - share), share)
    while True:  # lines that start inside the (now longer) tail would be shown twice
        tail_bytes = max_output - sum(len(line.encode()) + 1 for _, line in found)
        tail_start = size - tail_bytes
        earlier = [(at, line) for at, line in found if at < tail_start]
        if len(earlier) == len(found):
            break
        found = earlier
    text = ""
    if found:
        text = "[codecot] first error lines:\n" + "".join(line + "\n" for _, line in found)
    text += f"[codecot] output cut: last {tail_bytes} of {size} bytes\n"
    return text + _tail(output, tail_start, tail_bytes)


def _first_error_lines(output: IO[bytes], end: int, budget: int) -> list[tuple[int, str]]:
    """The first lines before offset `end` that match `_ERROR_LINE`, with their offsets.

    Reads in chunks, so a huge output never sits in memory; stops at `ERROR_LINES_MAX`
    lines or when `budget` bytes are nearly used (the last line is cut to fit).
    """
    found: list[tuple[int, str]] = []
    used = 0
    output.seek(0)
    offset = 0  # of the next byte to read
    pending = b""  # the start of a line the last chunk cut; one longer than a chunk is looked at in pieces
    while offset < end:
        chunk = output.read(min(_READ_CHUNK, end - offset))
        if not chunk:
            break
        data = pending + chunk
        data_at = offset - len(pending)
        offset += len(chunk)
        stop = data.rfind(b"\n") + 1
        if offset >= end or len(data) - stop > _READ_CHUNK:
            stop = len(data)
        pending = data[stop:]
        if not any(data.find(hint, 0, stop) >= 0 for hint in _ERROR_HINTS):
            continue
        position = 0
        while budget - used > _ERROR_LINE_MIN_ROOM and (match := _ERROR_LINE.search(data, position, stop)):
            line_start = data.rfind(b"\n", 0, match.start()) + 1
            line_end = data.find(b"\n", match.end(), stop)
            line_end = stop if line_end < 0 else line_end
            shown_start = max(line_start, match.start() - _ERROR_LINE_BYTES // 4)
            line = _fit(data[shown_start : min(line_end, shown_start + _ERROR_LINE_BYTES)], budget - used - 1)
            found.append((data_at + line_start, line))
            used += len(line.encode()) + 1
            if len(found) >= ERROR_LINES_MAX:
                return found
            position = line_end + 1
        if budget - used <= _ERROR_LINE_MIN_ROOM:
            break
    return found


def _fit(raw: bytes, room: int) -> str:
    """`raw` decoded, without a trailing newline or carriage return, cut to at most `room` bytes."""
    text = raw.rstrip(b"\r\n").decode("utf-8", "replace")
    encoded = text.encode()
    if len(encoded) > room:
        text = encoded[: max(room, 0)].decode("utf-8", "ignore")
    return text


def _tail(output: IO[bytes], start: int, length: int) -> str:
    """`length` bytes from `start`, decoded, without a character the cut split at its start."""
    output.seek(start)
    data = output.read(length)
    skip = 0
    while skip < min(3, len(data)) and 0x80 <= data[skip] < 0xC0:  # UTF-8 continuation bytes
        skip += 1
    text = data[skip:].decode("utf-8", "replace")
    encoded = text.encode()
    if len(encoded) > length:  # undecodable bytes grow into replacement characters
        text = encoded[len(encoded) - length :].decode("utf-8", "ignore")
    return text
