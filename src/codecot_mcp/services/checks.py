"""Running the named checks of `.codecot/config.toml`.

A check is an argument list from the config, never text from a tool call; it
runs without a shell, in its own process group (so a timeout kills the whole
tree), with a minimal environment (so the server's secrets stay home), and its
output goes to a temp file of which only the tail is kept. A cancelled call sets
an event that stops the check within `CANCEL_POLL_SECONDS`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from codecot_mcp.domain.models import CheckResult
from codecot_mcp.errors import CancelledError

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
    cancel: threading.Event | None = None,
) -> CheckResult:
    """Run one check to completion or timeout; raises only when `cancel` is set meanwhile."""
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
        process = subprocess.Popen(
            [executable, *argv[1:]],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            timed_out = not _wait(process, started + timeout, cancel)
            if timed_out:
                _kill_group(process)
        except BaseException:  # cancelled: leave nothing running behind us
            _kill_group(process)
            raise
        finally:
            _kill_group(process, only_leftovers=True)
        duration = time.monotonic() - started
        tail = _tail(output, max_output)
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


def _wait(process: subprocess.Popen[bytes], deadline: float, cancel: threading.Event | None) -> bool:
    """Wait for the process until `deadline`: True when it exited, False on timeout."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            process.wait(timeout=min(left, CANCEL_POLL_SECONDS) if cancel else left)
            return True
        except subprocess.TimeoutExpired:
            if cancel is not None and cancel.is_set():
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


def _tail(output: IO[bytes], max_output: int) -> str:
    """The last `max_output` bytes, decoded; a cut is marked so nobody mistakes it for the whole."""
    output.seek(0, os.SEEK_END)
    size = output.tell()
    output.seek(max(0, size - max_output))
    data: bytes = output.read()
    text = data.decode("utf-8", "replace")
    if size > max_output:
        text = f"[codecot] output cut: last {max_output} of {size} bytes\n" + text
    return text
