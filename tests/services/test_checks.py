import os
import sys
import time
from pathlib import Path

import pytest

from codecot_mcp.services.checks import run_check

PY = sys.executable


def test_a_passing_check_reports_exit_code_zero(tmp_path: Path) -> None:
    result = run_check("ok", [PY, "-c", "print('fine')"], tmp_path, timeout=30, max_output=4096)
    assert result.passed and result.exit_code == 0
    assert "fine" in result.output_tail


def test_a_failing_check_keeps_its_output(tmp_path: Path) -> None:
    result = run_check("bad", [PY, "-c", "import sys; print('boom'); sys.exit(3)"], tmp_path, 30, 4096)
    assert not result.passed and result.exit_code == 3
    assert "boom" in result.output_tail


def test_a_hanging_check_is_killed_at_its_timeout_with_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time\n"
        f"child = subprocess.Popen([{PY!r}, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()
    result = run_check("hang", [PY, "-c", script], tmp_path, timeout=1.0, max_output=4096)
    assert result.timed_out and not result.passed and result.exit_code is None
    assert time.monotonic() - started < 10
    child = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the check's child process survived the timeout")


def test_a_check_that_prints_50_mb_keeps_only_the_capped_tail(tmp_path: Path) -> None:
    script = "import sys\nfor _ in range(50): sys.stdout.write('x' * (1 << 20))\nprint('THE END')"
    result = run_check("loud", [PY, "-c", script], tmp_path, timeout=60, max_output=8192)
    assert result.passed
    assert len(result.output_tail) < 8192 + 200
    assert result.output_tail.rstrip().endswith("THE END")
    assert "output cut" in result.output_tail


def test_a_missing_executable_is_a_failed_check_not_a_crash(tmp_path: Path) -> None:
    result = run_check("nope", ["codecot-no-such-tool"], tmp_path, 30, 4096)
    assert not result.passed and "not on PATH" in result.output_tail


def test_the_server_environment_does_not_reach_a_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "secret-value")
    result = run_check(
        "env", [PY, "-c", "import os; print(os.environ.get('GITHUB_TOKEN'))"], tmp_path, 30, 4096
    )
    assert "secret-value" not in result.output_tail
