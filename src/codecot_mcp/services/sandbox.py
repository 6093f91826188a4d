"""The launcher between the server and a check: it outlives the check to kill what the check left.

Run as `python -I sandbox.py MAX_FILE_BYTES SERVER_PID SCRATCH -- EXECUTABLE ARG...` (see
`checks.run_check`); it imports only the standard library, so it runs by path with `-I`
and never imports a module from the repository the check runs in (its working folder).

The check is the agent's code, so it is hostile. The launcher:

- makes itself a child subreaper (Linux `prctl(PR_SET_CHILD_SUBREAPER)`), so every orphan
  of the check, even one in a new session or behind a double fork, becomes its child
  instead of init's;
- forks the check under `RLIMIT_FSIZE` (a write past it fails: SIGXFSZ, or EFBIG where the
  signal is ignored, as Python does) and `RLIMIT_CORE` 0;
- when the check exits, or on SIGTERM from the server (timeout or cancel: the check and
  its descendants get SIGTERM, then SIGKILL after a grace period), or when the server
  dies, kills every remaining descendant found in /proc, repeating until none is left;
- removes SCRATCH, the folder of the check's HOME and TMPDIR (the server does too, but a
  server that was killed cannot);
- exits with the check's status (dying of the same signal if the check did).

Where prctl or /proc is missing (not Linux) there is no subreaper: the launcher still sets
the limits and forwards SIGTERM to its process group, and the server's process-group
SIGKILL (today's behaviour) is all that stops descendants; one that starts a new session
survives there.

Limits: the check runs as the server's user, so it can still signal the launcher (a
process that left the tree before that dies with nobody to kill it) or ask a daemon of that
user to start something; RLIMIT_FSIZE caps each file, not the total, so many files under it
can still fill a disk (a quota or a size-limited mount would); a fork bomb runs until the
timeout (RLIMIT_NPROC counts every process of the user, so it is not set; a cgroup
`pids.max` would be the tool).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import shutil
import signal
import sys
import time

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
KILL_GRACE_SECONDS = 2.0  # between SIGTERM and SIGKILL, for a check to clean up
_POLL_SECONDS = 0.1
_SWEEP_ROUNDS = 1000  # a bound on the kill loop, against processes forking faster than they die
_EXEC_FAILED = 127


def _prctl(option: int, value: int) -> bool:
    """True when the Linux prctl call succeeded; False where there is none (not Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _children_map() -> dict[int, list[int]]:
    """Parent pid to its live child pids, from /proc (zombies left out: they only need reaping)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()  # the name may hold spaces and ")"
        except OSError:  # ended meanwhile
            continue
        if len(fields) > 1 and fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def descendants(root: int) -> list[int]:
    """Every live process below `root` in the process tree."""
    children = _children_map()
    found: list[int] = []
    waiting = list(children.get(root, ()))
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting.extend(children.get(pid, ()))
    return found


def _reap(check: int) -> int | None:
    """Reap every child that ended; the check's wait status if it was among them."""
    status = None
    while True:
        try:
            pid, code = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == 0:
            return status
        if pid == check:
            status = code


def _signal_all(sig: int, subreaper: bool) -> None:
    """`sig` to every descendant (with a subreaper) and, for SIGTERM, to our process group."""
    if subreaper:
        for pid in descendants(os.getpid()):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
    if sig != signal.SIGKILL:  # our group holds us too; SIGTERM is blocked here, SIGKILL would not be
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(os.getpgrp(), sig)


def _sweep(check: int, status: int | None, subreaper: bool) -> int | None:
    """SIGKILL descendants and reap them until none is left; the check's status once reaped.

    A process forked between the /proc scan and the kills is caught by the next round; one
    that got away from the tree before the subreaper was set is not ours to find.
    """
    for _ in range(_SWEEP_ROUNDS):
        if status is None:  # the check itself, found without /proc (the fallback has no walk)
            with contextlib.suppress(ProcessLookupError):
                os.kill(check, signal.SIGKILL)
        _signal_all(signal.SIGKILL, subreaper)
        reaped = _reap(check)
        status = reaped if reaped is not None else status
        left = descendants(os.getpid()) if subreaper else []
        if not left:
            try:
                os.waitpid(-1, os.WNOHANG)  # any child at all, a zombie included?
            except ChildProcessError:
                return status
        time.sleep(0.01)
    return status


def _start(argv: list[str], max_file_bytes: int) -> int:
    """Fork the check with its limits set and the signals it should see back to their defaults."""
    pid = os.fork()
    if pid != 0:
        return pid
    try:  # the child: this process is single-threaded, so running Python after fork is safe
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)  # Python ignores SIGPIPE and SIGXFSZ, exec keeps that
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        limit = max_file_bytes if hard == resource.RLIM_INFINITY else min(max_file_bytes, hard)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.execv(argv[0], argv)  # noqa: S606 (the check's argv from the repository's config; no shell)
    except BaseException as error:  # the forked child must never return into the launcher's code
        with contextlib.suppress(OSError):
            os.write(2, f"[codecot] cannot start the check: {error}\n".encode())
    os._exit(_EXEC_FAILED)


def _wait(check: int, server: int) -> tuple[int | None, bool]:
    """Wait for the check: its wait status, or None and True when told (or left) to stop."""
    while True:
        status = _reap(check)
        if status is not None:
            return status, False
        if os.getppid() != server:  # the server died: nobody will read the result
            return None, True
        info = signal.sigtimedwait({signal.SIGTERM, signal.SIGCHLD}, _POLL_SECONDS)
        if info is not None and info.si_signo == signal.SIGTERM:
            return None, True


def _stop(check: int, subreaper: bool) -> int | None:
    """SIGTERM everything, give the check `KILL_GRACE_SECONDS`, then leave it to `_sweep`."""
    _signal_all(signal.SIGTERM, subreaper)
    give_up = time.monotonic() + KILL_GRACE_SECONDS
    while time.monotonic() < give_up:
        status = _reap(check)
        if status is not None:
            return status
        signal.sigtimedwait({signal.SIGCHLD}, _POLL_SECONDS)
    return None


def _exit_like(status: int | None) -> None:
    """Exit as the check did: the same code, or death by the same signal."""
    if status is None:
        os._exit(128 + signal.SIGKILL)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)  # a signal whose default is to be ignored
    os._exit(os.waitstatus_to_exitcode(status))


def remove_tree(top: str | os.PathLike[str]) -> None:
    """Remove a folder the check wrote in, even where it took the permissions away.

    Runs after the check's processes are dead, so nothing swaps a folder for a link between
    the test and the chmod; links are never followed (rmtree does not either). Should a
    process have escaped (it killed the launcher first) and won that race, the chmod only
    narrows a folder of the same user to 0700: it grants nobody anything.
    """
    shutil.rmtree(top, ignore_errors=True)
    if not os.path.exists(top):
        return
    os.chmod(top, 0o700)
    for root, folders, _ in os.walk(top):  # top-down: a folder is opened after the chmod below
        for folder in folders:
            path = os.path.join(root, folder)
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700)
    shutil.rmtree(top, ignore_errors=True)


def main(args: list[str]) -> None:
    """Launch, wait, sweep, exit; see the module docstring."""
    max_file_bytes, server, scratch, argv = int(args[0]), int(args[1]), args[2], args[4:]
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGCHLD})
    subreaper = os.path.isdir("/proc/self") and _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)  # the server dying tells us, as a timeout would
    if os.getppid() != server:  # it died before that was set
        os._exit(128 + signal.SIGTERM)
    check = _start(argv, max_file_bytes)
    status, stopping = _wait(check, server)
    if stopping:
        status = _stop(check, subreaper)
    status = _sweep(check, status, subreaper)
    remove_tree(scratch)  # here too, since a server that was killed cannot
    _exit_like(status)


if __name__ == "__main__":
    main(sys.argv[1:])
