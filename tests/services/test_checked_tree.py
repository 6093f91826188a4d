"""The checks run on exactly the tree that is judged: attacks through the check, and controls."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from codecot_mcp.services.operations import SCOPE_TASK, VALIDATE_CHANGE
from codecot_mcp.services.workspace import Workspace
from tests.conftest import MakeRepo, git

PY = sys.executable
# A module and a test of it: the check imports the module from the folder it runs in.
BASE = {
    "calc.py": "def double(x):\n    return x * 2\n",
    "test_calc.py": "from calc import double\n\n\ndef test_double():\n    assert double(2) == 4\n",
}


def _repo(make_repo: MakeRepo, check: list[str]) -> Path:
    config = (
        "[checks]\nrun = [" + ", ".join(json.dumps(part) for part in check) + "]\n"
    )  # JSON strings are TOML
    return make_repo({**BASE, ".codecot/config.toml": config, ".gitignore": "ignored.py\n"})


def _validate(root: Path, **arguments: str) -> tuple[str, list[str], str]:
    ws = Workspace(root)
    try:
        spec_id = _spec(ws)
        task = SCOPE_TASK.invoke(ws, spec_id=spec_id, allowed_paths=["calc.py", "test_calc.py"]).tasks[0]
        (root / "calc.py").write_text("def double(x):\n    return x + x\n", encoding="utf-8")
        if arguments.get("commit"):
            git(root, "commit", "-qam", "the change")
            (root / "calc.py").write_text("def double(x):\n    return 5\n", encoding="utf-8")  # not judged
        head = "HEAD" if arguments.get("commit") else None
        result = VALIDATE_CHANGE.invoke(ws, task_id=task.id, head=head).validation
    finally:
        ws.close()
    return result.verdict, [r.code for r in result.reasons], result.checks[0].output_tail


def _spec(ws: Workspace) -> str:
    from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC

    intent = CAPTURE_INTENT.invoke(ws, discussion="alice: We need `double` to add the number to itself.")
    return DRAFT_SPEC.invoke(ws, intent_id=intent.intent.id).spec.id


def test_an_honest_change_is_checked_and_the_working_tree_is_untouched(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_calc.py"])
    verdict, codes, output = _validate(root)
    assert "1 passed" in output and "check-failed" not in codes and "tree-changed" not in codes
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == ["calc.py", "test_calc.py"]
    assert verdict in ("pass", "warn")


def test_a_check_that_rewrites_a_file_cannot_change_what_was_judged(make_repo: MakeRepo) -> None:
    script = "import pathlib; pathlib.Path('calc.py').write_text('def double(x):\\n    return 0\\n')"
    root = _repo(make_repo, [PY, "-c", script + "; print('rewrote')"])
    _, codes, output = _validate(root)
    assert "rewrote" in output and "check-failed" not in codes  # the check ran and did rewrite its copy
    assert (root / "calc.py").read_text(encoding="utf-8") == "def double(x):\n    return x + x\n"
    assert "tree-changed" not in codes


def test_an_ignored_file_cannot_shadow_a_module_in_the_checks(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, [PY, "-c", "import ignored"])
    (root / "ignored.py").write_text("raise SystemExit(0)\n", encoding="utf-8")  # in .gitignore: not judged
    exclude = root / ".git" / "info" / "exclude"
    exclude.write_text("shadow.py\n", encoding="utf-8")
    verdict, codes, output = _validate(root)
    assert verdict == "fail" and "check-failed" in codes and "ModuleNotFoundError" in output


def test_a_check_that_writes_back_into_the_working_tree_is_caught(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    script = f"import pathlib; pathlib.Path({str(root / 'calc.py')!r}).write_text('X = 1\\n')"
    assert _repo(make_repo, [PY, "-c", script]) == root
    verdict, codes, output = _validate(root)
    assert verdict == "fail" and "tree-changed" in codes, output


@pytest.mark.parametrize("commit", ["yes"])
def test_head_checks_that_head_not_the_working_tree(make_repo: MakeRepo, commit: str) -> None:
    check = [PY, "-c", "from calc import double; assert double(3) == 6"]
    _, codes, output = _validate(_repo(make_repo, check), commit=commit)
    # The working tree's `return 5` would fail the check; the judged commit's `x + x` passes it.
    assert "check-failed" not in codes, output
