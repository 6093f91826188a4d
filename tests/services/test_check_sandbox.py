"""A hostile check: descendants that escape its session, disk it fills, environment it reads.

Each test spawns what an agent's code could spawn and asserts on the processes and files
themselves (os.kill and /proc through `survivors`), not on what `run_check` reports.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codecot_mcp.errors import CancelledError
from codecot_mcp.services import checks, sandbox
from codecot_mcp.services.checks import run_check
from codecot_mcp.services.run import Run
from tests.conftest import alive, deadline, survivors

PY = sys.executable
_SLEEP_60 = "import time; time.sleep(60)"


@pytest.fixture
def spawned() -> Iterator[list[int]]:
    """Pids a test saw its check start; any still alive at the end are killed, so a failure leaves none."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def _read_pids(path: Path, spawned: list[int], count: int) -> list[int]:
    """The pids the check wrote to `path`, waiting briefly for a writer that runs in the background."""
    give_up = time.monotonic() + 10
    while time.monotonic() < give_up:
        words = path.read_text().split() if path.exists() else []
        if len(words) >= count:
            pids = [int(word) for word in words[:count]]
            spawned.extend(pids)
            return pids
        time.sleep(0.05)
    raise AssertionError(f"the check wrote no {count} pids to {path.name}")


def _setsid_check(pids_file: Path, then: str) -> list[str]:
    """A check that starts a grandchild in a new session (out of its process group), then runs `then`."""
    script = (
        "import os, subprocess, sys, time\n"
        f"child = subprocess.Popen([{PY!r}, '-c', {_SLEEP_60!r}], start_new_session=True)\n"
        f"with open({str(pids_file)!r}, 'w') as out: out.write(f'{{child.pid}} ')\n"
        f"{then}\n"
    )
    return [PY, "-c", script]


def test_a_setsid_grandchild_dies_when_the_check_times_out(tmp_path: Path, spawned: list[int]) -> None:
    pids_file = tmp_path / "pids"
    with deadline(30):
        result = run_check("hang", _setsid_check(pids_file, "time.sleep(60)"), tmp_path, 1.0, 4096)
    assert result.timed_out and not result.passed
    assert survivors(_read_pids(pids_file, spawned, 1), within=5) == []


def test_a_setsid_grandchild_dies_when_the_check_exits(tmp_path: Path, spawned: list[int]) -> None:
    pids_file = tmp_path / "pids"
    with deadline(30):
        result = run_check("leave", _setsid_check(pids_file, "print('done')"), tmp_path, 30, 4096)
    assert result.passed and "done" in result.output_tail
    assert survivors(_read_pids(pids_file, spawned, 1), within=5) == []


def test_a_setsid_grandchild_dies_when_the_call_is_cancelled(tmp_path: Path, spawned: list[int]) -> None:
    pids_file = tmp_path / "pids"
    run = Run()

    def cancel_once_spawned() -> None:
        give_up = time.monotonic() + 20
        while not pids_file.exists() and time.monotonic() < give_up:
            time.sleep(0.05)
        run.cancel()

    canceller = threading.Thread(target=cancel_once_spawned)
    canceller.start()
    try:
        with deadline(30), pytest.raises(CancelledError):
            run_check("cancel", _setsid_check(pids_file, "time.sleep(60)"), tmp_path, 60, 4096, run)
    finally:
        canceller.join()
    assert survivors(_read_pids(pids_file, spawned, 1), within=5) == []


def test_a_double_forked_daemon_dies_with_the_check(tmp_path: Path, spawned: list[int]) -> None:
    pids_file = tmp_path / "pids"
    script = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        with open({str(pids_file)!r}, 'w') as out: out.write(f'{{os.getpid()}} ')\n"
        "        time.sleep(60)\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        f"while not os.path.exists({str(pids_file)!r}): time.sleep(0.01)\n"
    )
    with deadline(30):
        result = run_check("daemon", [PY, "-c", script], tmp_path, 30, 4096)
    assert result.passed
    assert survivors(_read_pids(pids_file, spawned, 1), within=5) == []


_LIMIT = 1 << 20


def test_a_check_writing_past_the_file_size_limit_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "MAX_FILE_BYTES", _LIMIT)
    script = "with open('big', 'wb') as out:\n    for _ in range(8): out.write(b'x' * (1 << 20))\n"
    result = run_check("fill", [PY, "-c", script], tmp_path, 30, 4096)
    assert not result.passed and result.exit_code != 0
    assert "File too large" in result.output_tail  # Python ignores SIGXFSZ, so the write fails with EFBIG
    assert (tmp_path / "big").stat().st_size <= _LIMIT


def test_a_native_writer_past_the_limit_is_stopped_by_sigxfsz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "MAX_FILE_BYTES", _LIMIT)
    argv = ["dd", "if=/dev/zero", "of=big", "bs=1048576", "count=8"]
    result = run_check("dd", argv, tmp_path, 30, 4096)
    assert not result.passed and result.exit_code == -signal.SIGXFSZ
    assert "file size limit" in result.output_tail
    assert (tmp_path / "big").stat().st_size <= _LIMIT


def test_an_honest_check_under_the_limits_still_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "MAX_FILE_BYTES", _LIMIT)
    script = (
        "import os, tempfile\n"
        "open('small', 'wb').write(b'x' * 1000)\n"
        "open(os.path.join(os.environ['HOME'], 'cache'), 'w').write('ok')\n"
        "with tempfile.NamedTemporaryFile() as scratch: scratch.write(b'y' * 1000)\n"
        "print('3 passed')\n"
    )
    result = run_check("honest", [PY, "-c", script], tmp_path, 30, 4096)
    assert result.passed and result.exit_code == 0
    assert result.output_tail == "3 passed\n"


_PRINT_ENV = [PY, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]


def test_the_check_gets_a_fresh_home_and_no_python_injection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_home = tmp_path / "server-home"
    server_home.mkdir()
    (server_home / ".netrc").write_text("machine example.com password hunter2\n")
    monkeypatch.setenv("HOME", str(server_home))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "injected"))
    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "startup.py"))
    monkeypatch.setenv("PYTHONHOME", str(tmp_path / "python-home"))
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path / "libs"))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-value")
    monkeypatch.setenv("LC_MESSAGES", "C")
    repo = tmp_path / "repo"
    repo.mkdir()
    result = run_check("env", _PRINT_ENV, repo, 30, 1 << 16)
    assert result.passed, result.output_tail
    env = json.loads(result.output_tail)
    for name in ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "LD_LIBRARY_PATH", "LD_PRELOAD"):
        assert name not in env
    assert "secret-value" not in result.output_tail and "hunter2" not in result.output_tail
    assert env["HOME"] != str(server_home) and str(server_home) not in result.output_tail
    assert env["TMPDIR"] == env["TMP"] == env["TEMP"]
    assert env["TERM"] == "dumb" and env["NO_COLOR"] == "1" and env["LC_MESSAGES"] == "C"
    assert not Path(env["HOME"]).exists() and not Path(env["TMPDIR"]).exists(), "its folders outlived it"


def test_a_check_cannot_keep_its_home_by_locking_it(tmp_path: Path) -> None:
    # As root the lock does not bite (root ignores folder permissions): this proves the chmod
    # retry only when the suite runs as another user.
    script = (
        "import json, os\n"
        "locked = os.path.join(os.environ['HOME'], 'locked')\n"
        "os.makedirs(os.path.join(locked, 'inner'))\n"
        "os.chmod(locked, 0)\n"
        "print(json.dumps(dict(os.environ)))\n"
    )
    result = run_check("lock", [PY, "-c", script], tmp_path, 30, 1 << 16)
    assert result.passed, result.output_tail
    assert not Path(json.loads(result.output_tail)["HOME"]).exists()


def test_a_caller_may_lend_the_check_a_home(tmp_path: Path) -> None:
    home = tmp_path / "lent"
    home.mkdir()
    result = run_check("env", _PRINT_ENV, tmp_path, 30, 1 << 16, home=home)
    env = json.loads(result.output_tail)
    assert env["HOME"] == str(home) and home.is_dir()
    assert env["TMPDIR"] != str(home) and not Path(env["TMPDIR"]).exists()


def test_the_check_and_its_setsid_grandchild_die_when_the_server_is_killed(
    tmp_path: Path, spawned: list[int]
) -> None:
    pids_file = tmp_path / "pids"
    then = f"open({str(pids_file)!r}, 'a').write(f'{{os.getpid()}} {{os.environ[\"HOME\"]}}')\ntime.sleep(60)"
    check = _setsid_check(pids_file, then)
    server_code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from codecot_mcp.services.checks import run_check\n"
        f"run_check('hang', {check!r}, Path({str(tmp_path)!r}), 60, 4096)\n"
    )
    server = subprocess.Popen([PY, "-c", server_code], cwd=tmp_path)
    try:
        pids = _read_pids(pids_file, spawned, 2)
    finally:
        server.kill()
        server.wait(timeout=10)
    assert survivors(pids, within=10) == [], "the check outlived the server"
    home = Path(pids_file.read_text().split()[2])
    # The launcher removes the folder after its children are gone: on a busy machine that can
    # come a moment after the last process ends, so wait for it (bounded) rather than race it.
    deadline_at = time.monotonic() + 10
    while home.parent.exists() and time.monotonic() < deadline_at:
        time.sleep(0.05)
    assert home.name == "home" and not home.parent.exists(), "the launcher left the check's folder"


def test_without_a_subreaper_a_check_ignoring_sigterm_still_ends_at_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback (no prctl, e.g. not Linux): the launcher SIGKILLs the check itself."""
    launcher = tmp_path / "launcher.py"
    source = Path(sandbox.__file__ or "").read_text()
    launcher.write_text(source.replace("_prctl(_PR_SET_CHILD_SUBREAPER, 1)", "False"))
    monkeypatch.setattr(checks, "_LAUNCHER", launcher)
    pid_file = tmp_path / "pid"
    script = (
        "import os, signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    )
    with deadline(30):
        result = run_check("stubborn", [PY, "-c", script], tmp_path, 1.0, 4096)
    assert result.timed_out and not result.passed
    # Killed, not left to sleep out its minute: the process that ignored SIGTERM is gone.
    assert survivors([int(pid_file.read_text())], within=1.0) == []
