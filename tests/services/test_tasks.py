from pathlib import Path

import pytest

from codecot_mcp.domain.models import FileChange
from codecot_mcp.errors import InvalidInputError
from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC, SCOPE_TASK, VALIDATE_CHANGE
from codecot_mcp.services.views import scope_text
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import TASKS
from tests.conftest import MakeRepo, git, write_files

FILES = {
    "src/report.py": "def render_report(rows):\n    return rows\n",
    "src/export.py": "def export_rows(rows):\n    return list(rows)\n",
    ".codecot/config.toml": '[checks]\nok = ["git", "--version"]\n',
}
DISCUSSION = """alice: We need `render_report` to sort rows by name.
bob: We need `export_rows` to skip empty rows.
alice: Done when the report test passes.
"""


@pytest.fixture
def ws(make_repo: MakeRepo) -> Workspace:
    return Workspace(make_repo(FILES))


def _spec(ws: Workspace) -> str:
    intent = CAPTURE_INTENT.invoke(ws, discussion=DISCUSSION).intent
    return DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec.id


def test_split_makes_one_task_per_requirement_in_dependency_order(ws: Workspace) -> None:
    result = SCOPE_TASK.invoke(ws, spec_id=_spec(ws), split=True)
    assert [t.requirement_ids for t in result.tasks] == [["REQ-1.1"], ["REQ-1.2"]]
    assert result.tasks[1].depends_on == ["TASK-1"]
    assert all(t.base_commit == git(ws.root, "rev-parse", "HEAD").strip() for t in result.tasks)
    assert result.tasks[0].checks == ["ok"]


def test_unknown_requirements_and_checks_are_refused(ws: Workspace) -> None:
    spec_id = _spec(ws)
    with pytest.raises(InvalidInputError, match=r"no requirement REQ-1\.9"):
        SCOPE_TASK.invoke(ws, spec_id=spec_id, requirement_ids=["REQ-1.9"])
    with pytest.raises(InvalidInputError, match="unknown checks: lint"):
        SCOPE_TASK.invoke(ws, spec_id=spec_id, checks=["lint"])


def test_a_task_can_get_its_own_branch_and_worktree_and_is_validated_there(ws: Workspace) -> None:
    task = SCOPE_TASK.invoke(ws, spec_id=_spec(ws), allowed_paths=["src/**"], worktree=True).tasks[0]
    assert task.branch == "codecot/task-1" and task.worktree is not None
    worktree = (ws.root / task.worktree).resolve()
    assert (worktree / "src" / "report.py").exists()
    write_files(worktree, {"src/report.py": "def render_report(rows):\n    return sorted(rows)\n"})
    validation = VALIDATE_CHANGE.invoke(ws, task_id=task.id).validation
    assert [f.path for f in validation.files] == ["src/report.py"]
    assert git(ws.root, "status", "--porcelain", "--", "src") == ""


def test_a_worktree_needs_a_commit_to_start_from(make_repo: MakeRepo) -> None:
    ws = Workspace(make_repo(FILES, commit=False))
    with pytest.raises(InvalidInputError, match="no commits"):
        SCOPE_TASK.invoke(ws, spec_id=_spec(ws), allowed_paths=["src/**"], worktree=True)


def test_the_default_scope_is_the_affected_code_and_its_real_tests(make_repo: MakeRepo) -> None:
    files = {
        **FILES,
        "tests/unit/test_report.py": "from src.report import render_report\n",
        "tests/test_misc.py": "from src.report import render_report\n",
        "tests/test_other.py": "def test_x():\n    pass\n",
    }
    ws = Workspace(make_repo(files))
    task = SCOPE_TASK.invoke(ws, spec_id=_spec(ws)).tasks[0]
    assert task.allowed_paths[:2] == ["src/report.py", "src/export.py"]
    assert "tests/unit/test_report.py" in task.allowed_paths
    assert "tests/test_misc.py" in task.allowed_paths  # imports the module
    assert "tests/test_other.py" not in task.allowed_paths
    assert not [p for p in task.allowed_paths if "*" in p]
    assert {(s.path, s.name) for s in task.target_symbols} == {
        ("src/report.py", "render_report"),
        ("src/export.py", "export_rows"),
    }
    assert Path(".codecot/**").as_posix() in task.forbidden_paths


def test_the_default_scope_takes_the_top_sources_helpers_and_package_init(make_repo: MakeRepo) -> None:
    files = {
        "pkg/__init__.py": "from pkg.report import render_report\n",
        "pkg/report.py": "from pkg.tools import tidy\n\n\ndef render_report(rows):\n    return tidy(rows)\n",
        "pkg/tools.py": "def tidy(rows):\n    return rows\n",
        "pkg/unrelated.py": "def other():\n    return 1\n",
        "docs/guide.md": "Nothing here.\n",
        "tests/unit/test_report.py": "from pkg.report import render_report\n",
        ".codecot/config.toml": '[checks]\nok = ["git", "--version"]\n',
    }
    ws = Workspace(make_repo(files))
    intent = CAPTURE_INTENT.invoke(ws, discussion="We need `render_report` to sort rows by name.").intent
    task = SCOPE_TASK.invoke(ws, spec_id=DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec.id).tasks[0]
    assert task.allowed_paths[0] == "pkg/report.py"
    assert {"pkg/tools.py", "pkg/__init__.py"} <= set(task.allowed_paths)  # what it imports, where it exports
    assert "pkg/unrelated.py" not in task.allowed_paths
    assert task.new_file_folders == ["pkg", "tests/**"]  # beside the code; anywhere in its test tree


def test_a_new_module_beside_the_scoped_code_is_in_scope_and_an_existing_neighbour_is_not(
    make_repo: MakeRepo,
) -> None:
    files = {**FILES, "src/legacy.py": "def old():\n    return 0\n"}
    ws = Workspace(make_repo(files))
    result = SCOPE_TASK.invoke(ws, spec_id=_spec(ws))
    task = result.tasks[0]
    assert "src" in task.new_file_folders and "src/legacy.py" not in task.allowed_paths
    assert "new files: src/" in scope_text(result)
    write_files(ws.root, {"src/sorting.py": "def by_name(rows):\n    return sorted(rows)\n"})
    new = {f.path: f for f in VALIDATE_CHANGE.invoke(ws, task_id=task.id).validation.files}
    assert new["src/sorting.py"].in_scope and "new file" in new["src/sorting.py"].reason
    write_files(ws.root, {"src/legacy.py": "def old():\n    return 1\n"})
    both = {f.path: f for f in VALIDATE_CHANGE.invoke(ws, task_id=task.id).validation.files}
    assert not both["src/legacy.py"].in_scope  # an existing file there stays out


def test_allowed_paths_given_by_the_caller_admit_no_new_file_folders(ws: Workspace) -> None:
    task = SCOPE_TASK.invoke(ws, spec_id=_spec(ws), allowed_paths=["src/report.py"]).tasks[0]
    assert task.new_file_folders == []


NEARBY_FILES = {
    "pkg/__init__.py": "",
    "pkg/report.py": "from pkg.helpers import tidy\n\n\ndef render_report(rows):\n    return tidy(rows)\n"
    "\n\ndef build():\n    return 0\n",
    "pkg/helpers.py": "from pkg.format import clean\n\n\ndef tidy(rows):\n    return clean(rows)\n",
    "pkg/format.py": "def clean(items):\n    return items\n",
    "pkg/cli.py": "from pkg import report as r\n\n\ndef main():\n    return r.build()\n",
    "pkg/payload.py": "def run():\n    return 0\n",
    "pkg/tests/__init__.py": "",
    "pkg/tests/test_report.py": "from pkg.report import render_report\n\n\ndef test_it():\n"
    "    assert render_report([1]) == [1]\n",
    "pkg/tests/test_misc.py": "def test_misc():\n    assert True\n",
    ".codecot/config.toml": '[checks]\nok = ["git", "--version"]\n',
}


def _nearby_task(ws: Workspace) -> str:
    intent = CAPTURE_INTENT.invoke(ws, discussion="We need `render_report` to sort rows by name.").intent
    spec_id = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec.id
    return SCOPE_TASK.invoke(ws, spec_id=spec_id, max_files=8).tasks[0].id


def _files(ws: Workspace, task_id: str) -> dict[str, FileChange]:
    return {f.path: f for f in VALIDATE_CHANGE.invoke(ws, task_id=task_id, run_checks=False).validation.files}


def test_an_edit_one_import_away_or_in_the_test_tree_is_in_scope_and_named(make_repo: MakeRepo) -> None:
    """A fix reaching one import further than the named files, or into another test, is the task's work."""
    ws = Workspace(make_repo(NEARBY_FILES))
    task_id = _nearby_task(ws)
    task = ws.store.load(TASKS, task_id)
    assert "pkg/helpers.py" in task.allowed_paths  # what the top source imports is named
    assert task.nearby_paths == ["pkg/format.py"]  # and what that imports is beside it; payload.py is not
    write_files(
        ws.root,
        {
            "pkg/format.py": "def clean(items):\n    return [i for i in items if i]\n",
            "pkg/tests/test_misc.py": "def test_misc():\n    assert 1 == 1\n",
        },
    )
    result = VALIDATE_CHANGE.invoke(ws, task_id=task_id, run_checks=False).validation
    files = {f.path: f for f in result.files}
    assert all(f.in_scope and f.nearby for f in files.values())
    named = {r.code: r.subjects for r in result.reasons}
    assert "out-of-scope" not in named
    assert set(named["edited-nearby"]) == {"pkg/format.py", "pkg/tests/test_misc.py"}
    # control: an unrelated module in the same folder is still out of scope
    write_files(ws.root, {"pkg/payload.py": "def run():\n    return 1\n"})
    assert not _files(ws, task_id)["pkg/payload.py"].in_scope


def test_an_import_added_to_the_scoped_code_does_not_bring_a_file_into_scope(make_repo: MakeRepo) -> None:
    """The agent cannot widen the scope by importing the file it wants to edit, before or after."""
    ws = Workspace(make_repo(NEARBY_FILES))
    write_files(ws.root, {"pkg/report.py": NEARBY_FILES["pkg/report.py"] + "from pkg import payload\n"})
    before = _nearby_task(ws)  # scoped on a tree that already imports it
    assert "pkg/payload.py" not in ws.store.load(TASKS, before).nearby_paths
    write_files(ws.root, {"pkg/payload.py": "def run():\n    return 1\n"})
    assert not _files(ws, before)["pkg/payload.py"].in_scope
    git(ws.root, "checkout", "--", ".")
    after = _nearby_task(ws)  # scoped on the clean tree, then the import is added
    write_files(
        ws.root,
        {
            "pkg/report.py": NEARBY_FILES["pkg/report.py"] + "from pkg import payload\n",
            "pkg/payload.py": "def run():\n    return 1\n",
        },
    )
    assert not _files(ws, after)["pkg/payload.py"].in_scope
