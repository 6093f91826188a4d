import sys
import tracemalloc
from pathlib import Path

import pytest

from codecot_mcp.services.checks import run_check
from tests.conftest import deadline, survivors

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
    pids_file = tmp_path / "pids"
    script = (
        "import os, subprocess, sys, time\n"
        f"child = subprocess.Popen([{PY!r}, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pids_file)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(60)\n"
    )
    with deadline(30):  # only against a hang: the check itself would sleep for a minute
        result = run_check("hang", [PY, "-c", script], tmp_path, timeout=1.0, max_output=4096)
    assert result.timed_out and not result.passed and result.exit_code is None
    assert result.output_tail.endswith("killed after 1s timeout")
    pids = [int(pid) for pid in pids_file.read_text().split()]
    assert len(pids) == 2 and survivors(pids) == [], "the check or its child survived the timeout"


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


_ERROR_HEADER = "[codecot] first error lines:"


def _noisy_check(before: str, noise_bytes: int, after: str) -> list[str]:
    """A check that prints `before`, then harmless lines, then `after`."""
    script = (
        "import sys\n"
        f"sys.stdout.write({before!r})\n"
        "line = 'progress ' + '.' * 90 + '\\n'\n"
        f"block = line * ({noise_bytes} // (len(line) * 64) + 1)\n"
        "for _ in range(64): sys.stdout.write(block)\n"
        f"sys.stdout.write({after!r})\n"
    )
    return [PY, "-c", script]


def test_a_50_mb_output_keeps_its_first_error_lines_and_its_tail(tmp_path: Path) -> None:
    before = (
        "collected 3 items\n"
        "src/app.py:12: error: Incompatible types in assignment\n"
        "E   assert 1 == 2\n"
        "harmless line\n"
    )
    argv = _noisy_check(before, 50 << 20, "3 failed in 9.1s\nTHE END\n")
    tracemalloc.start()
    try:
        result = run_check("loud", argv, tmp_path, timeout=120, max_output=8192)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    text = result.output_tail
    assert text.startswith(_ERROR_HEADER)
    assert "src/app.py:12: error: Incompatible types in assignment\nE   assert 1 == 2\n" in text
    assert "harmless line" not in text and "collected 3 items" not in text
    assert text.rstrip().endswith("3 failed in 9.1s\nTHE END")
    assert "output cut" in text
    assert len(text.encode()) <= 8192 + 200
    assert peak < 16 << 20  # the output is read in chunks, never whole


def test_error_lines_take_at_most_a_quarter_of_the_cap(tmp_path: Path) -> None:
    reason = "AssertionError: " + "x" * 150
    before = "".join(f"FAILED tests/test_{n}.py::test_case - {reason}\n" for n in range(40))
    argv = _noisy_check(before, 1 << 20, "TAIL\n")
    result = run_check("many", argv, tmp_path, timeout=60, max_output=4096)
    header, _, rest = result.output_tail.partition("[codecot] output cut")
    error_lines = header.splitlines()[1:]
    assert error_lines[0].startswith("FAILED tests/test_0.py::test_case")
    assert 0 < len(error_lines) <= 20
    assert len("\n".join(error_lines).encode()) <= 4096 // 4
    assert len(result.output_tail.encode()) <= 4096 + 200
    assert rest.rstrip().endswith("TAIL")


def test_error_lines_already_in_the_tail_are_not_repeated(tmp_path: Path) -> None:
    argv = _noisy_check("", 1 << 20, "Traceback (most recent call last)\nValueError: bad\n")
    result = run_check("end", argv, tmp_path, timeout=60, max_output=4096)
    assert _ERROR_HEADER not in result.output_tail
    assert result.output_tail.count("Traceback") == 1


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("main.go:3:1: error: undefined: x", True),
        ("ERROR tests/test_a.py - ImportError", True),
        ("TypeError: 'NoneType' object is not callable", True),
        ("--- FAIL: TestParse (0.00s)", True),
        ("panic: runtime error: index out of range", True),
        ("thread 'main' panicked at src/lib.rs:4:5", True),
        ("Traceback (most recent call last):", True),
        ("E       AssertionError: expected 2", True),
        ("gcc -Werror -c a.c", False),
        ("checked 40 files, 0 errors", False),
        ("PASSED tests/test_a.py::test_error_path", False),
    ],
)
def test_which_lines_count_as_error_lines(tmp_path: Path, line: str, flagged: bool) -> None:
    argv = _noisy_check(line + "\n", 64 << 10, "TAIL\n")
    result = run_check("one", argv, tmp_path, timeout=60, max_output=2048)
    assert (f"{_ERROR_HEADER}\n{line}\n" in result.output_tail) is flagged


def test_an_output_within_the_cap_is_kept_whole(tmp_path: Path) -> None:
    script = "print('error: early'); print('middle'); print('end')"
    result = run_check("small", [PY, "-c", script], tmp_path, timeout=30, max_output=4096)
    assert result.output_tail == "error: early\nmiddle\nend\n"
