"""Running the named checks of `.codecot/config.toml`.

A check is an argument list from the config, never text from a tool call, but the code it
runs is the agent's, so it is hostile. It runs without a shell, under the launcher of
`sandbox` (its own session; a child subreaper on Linux that kills every descendant when the
check ends, times out or is cancelled, even one in a new session or behind a double fork;
a file size limit), with an environment built from an allowlist, and its output goes to a
temp file of which only the tail is kept, led by the first lines that look like errors when
the cut dropped them (the cause of a failure is often near the top, buried by noise). A
cancelled call's `Run` stops the check within `CANCEL_POLL_SECONDS`.

The environment of a check (`check_environment`), and nothing else from the server's:

- passed through when set: PATH, LANG, LC_*, TZ, USER, LOGNAME, VIRTUAL_ENV and the
  toolchain homes JAVA_HOME, GOPATH, GOCACHE, CARGO_HOME, RUSTUP_HOME (set them in the
  server's environment to share caches; the defaults would be under the fresh HOME);
- set: TERM=dumb, NO_COLOR=1, CI=true (tools stop prompting and colouring),
  PYTHONDONTWRITEBYTECODE=1 (no .pyc files in the validated tree);
- HOME, TMPDIR, TMP and TEMP: folders in a fresh temporary folder made for this run and
  removed after it (a caller may lend HOME), so `~/.netrc`, `~/.ssh` and other credentials
  of the server's user are not where the check looks;
- never: PYTHONPATH, PYTHONHOME, PYTHONSTARTUP (code injection into a Python check),
  LD_PRELOAD, LD_LIBRARY_PATH (the same for any binary), tokens and keys.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from codecot_mcp.domain.models import CheckResult
from codecot_mcp.errors import CancelledError
from codecot_mcp.services import sandbox
from codecot_mcp.services.run import Run

# Variables a test runner plausibly needs; everything else (tokens, keys, loader and Python
# injection) stays out. No prefix match other than LC_ on purpose.
ENV_ALLOWLIST = (
    "PATH",
    "LANG",
    "TZ",
    "USER",
    "LOGNAME",
    "VIRTUAL_ENV",
    "JAVA_HOME",
    "GOPATH",
    "GOCACHE",
    "CARGO_HOME",
    "RUSTUP_HOME",
)
_LOCALE_PREFIX = "LC_"
# A check may write no file larger than this: far above what a test suite writes (a large
# coverage file or build artefact is tens of MB), far below filling a disk. The check's
# output file is under it too.
MAX_FILE_BYTES = 1 << 30
# The launcher's own grace before SIGKILL, plus room for its /proc sweep; after that the
# server SIGKILLs the process group itself.
_LAUNCHER_GRACE_SECONDS = sandbox.KILL_GRACE_SECONDS + 3.0
CANCEL_POLL_SECONDS = 0.1
_LAUNCHER = Path(sandbox.__file__)

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


def check_environment(home: Path, scratch: Path) -> dict[str, str]:
    """The allowlisted variables of the server, with HOME and the temp folders of this run."""
    env = {key: os.environ[key] for key in ENV_ALLOWLIST if key in os.environ}
    env.update((key, value) for key, value in os.environ.items() if key.startswith(_LOCALE_PREFIX))
    env.setdefault("PATH", os.defpath)
    env["CI"] = "true"  # many tools stop prompting and colouring under CI
    env["NO_COLOR"] = "1"
    env["TERM"] = "dumb"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a check should not leave files that change the validated tree
    env["HOME"] = str(home)
    for key in ("TMPDIR", "TMP", "TEMP"):
        env[key] = str(scratch)
    return env


def run_check(
    name: str,
    argv: list[str],
    cwd: Path,
    timeout: float,
    max_output: int,
    run: Run | None = None,
    home: Path | None = None,
    stdout_to: Path | None = None,
) -> CheckResult:
    """Run one check to completion or timeout; raises only when `run` is cancelled meanwhile.

    `home` lends the check a HOME the caller keeps; by default it gets a fresh one, removed
    with its temp folder when the check ends. `stdout_to` keeps the whole output in a new
    file at that path (outside the checked tree), for a runner whose report is its output
    (`go test -json`); the result still holds only the kept tail. stderr goes there too, as
    the check interleaved it: a runner writes each event as one line, and a report parser
    skips the lines that are not events.
    """
    executable = shutil.which(argv[0], path=os.environ.get("PATH", os.defpath)) if argv else None
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
    with _scratch_folders(home) as (check_home, scratch), _output_file(stdout_to) as output:
        limits = [str(MAX_FILE_BYTES), str(os.getpid()), str(scratch.parent)]
        launcher = [sys.executable, "-I", str(_LAUNCHER), *limits, "--"]
        process = subprocess.Popen(  # noqa: S603 (argv from the repository's config, never a tool argument; no shell)
            [*launcher, executable, *argv[1:]],
            cwd=cwd,
            env=check_environment(check_home, scratch),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timed_out = _supervise(process, started + timeout, run)
        duration = time.monotonic() - started
        tail = _kept_output(output, max_output)
    exit_code = None if timed_out else process.returncode
    if timed_out:
        tail += f"\n[codecot] killed after {timeout:g}s timeout"
    elif exit_code == -signal.SIGXFSZ:
        tail += f"\n[codecot] stopped: wrote a file past the file size limit of {MAX_FILE_BYTES} bytes"
    return CheckResult(
        name=name,
        argv=argv,
        exit_code=exit_code,
        passed=exit_code == 0,
        timed_out=timed_out,
        duration_s=round(duration, 3),
        output_tail=tail,
    )


def _supervise(process: subprocess.Popen[bytes], deadline: float, run: Run | None) -> bool:
    """Wait for the launcher and stop it on timeout or cancel; True when the check timed out.

    Whatever happens, the launcher's process group is SIGKILLed at the end: the fallback
    where the launcher has no subreaper, or where the check killed the launcher.
    """
    try:
        timed_out = not _wait(process, deadline, run)
        if timed_out:
            _stop(process)
        return timed_out
    except BaseException:  # cancelled: leave nothing running behind us
        _stop(process)
        raise
    finally:
        kill_group(process)


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


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the launcher, which stops the check and its descendants, and wait for it."""
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_LAUNCHER_GRACE_SECONDS)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL what is left in a process group started with `start_new_session` (its id is the
    leader's pid): a check's launcher, or the runner's agent."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_LAUNCHER_GRACE_SECONDS)


def _output_file(path: Path | None) -> IO[bytes]:
    """Where the check's output goes: an anonymous temp file, or a new file at `path` (never one
    that was there already, which could be a link the check placed)."""
    return tempfile.TemporaryFile() if path is None else path.open("xb+")


@contextlib.contextmanager
def _scratch_folders(home: Path | None) -> Iterator[tuple[Path, Path]]:
    """HOME (unless lent) and TMPDIR for one check run, in a fresh folder removed after it."""
    top = Path(tempfile.mkdtemp(prefix="codecot-check-"))
    try:
        check_home, scratch = top / "home", top / "tmp"
        check_home.mkdir()
        scratch.mkdir()
        yield (home if home is not None else check_home), scratch
    finally:
        sandbox.remove_tree(top)  # the launcher removed it already, unless the check killed the launcher


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
