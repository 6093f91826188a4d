import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codecot_mcp.domain.models import ChangeBudget, Task
from codecot_mcp.errors import ArtifactError, InvalidInputError, NotFoundError
from codecot_mcp.store.artifacts import TASKS, ArtifactStore


def make_task(task_id: str, title: str = "t") -> Task:
    return Task(
        id=task_id,
        spec_id="SPEC-1",
        title=title,
        requirement_ids=["REQ-1.1"],
        allowed_paths=["src/**"],
        budget=ChangeBudget(max_files=2, max_lines=20),
        base_commit=None,
        created_at="2026-01-01T00:00:00Z",
    )


def test_created_artifacts_get_sequential_ids_and_read_back(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    first = store.create(TASKS, make_task)
    second = store.create(TASKS, make_task)
    assert (first.id, second.id) == ("TASK-1", "TASK-2")
    assert store.load(TASKS, "task-2") == second
    assert [e.kind for e in store.events()] == ["task.created", "task.created"]


def test_a_deleted_artifacts_number_is_never_reused(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    store.create(TASKS, make_task)
    store.path_of(TASKS, "TASK-1").unlink()
    assert store.create(TASKS, make_task).id == "TASK-2"


def test_the_cache_folder_is_ignored_by_git(tmp_path: Path) -> None:
    ArtifactStore(tmp_path).ensure_layout()
    assert (tmp_path / ".codecot" / "cache" / ".gitignore").read_text().strip().endswith("*")


def test_unknown_fields_written_by_a_newer_version_survive_an_update(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    store.create(TASKS, make_task)
    path = store.path_of(TASKS, "TASK-1")
    path.write_text(path.read_text().replace('"title": "t"', '"title": "t", "future_field": [1, 2]'))
    store.update(TASKS, "TASK-1", lambda t: t.model_copy(update={"title": "renamed"}), "task.renamed")
    assert '"future_field"' in path.read_text()
    assert store.load(TASKS, "TASK-1").title == "renamed"


def test_a_corrupt_artifact_names_its_file_and_is_not_overwritten(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    store.create(TASKS, make_task)
    path = store.path_of(TASKS, "TASK-1")
    path.write_text('{\n  "id": "TASK-1",\n  "title": \n}\n')
    with pytest.raises(ArtifactError, match=r"\.codecot/tasks/TASK-1\.json"):
        store.load(TASKS, "TASK-1")
    with pytest.raises(ArtifactError):
        store.update(TASKS, "TASK-1", lambda t: t, "task.touched")
    assert '"title": \n' in path.read_text()


@pytest.mark.parametrize(
    ("bad_id", "error"),
    [
        ("TASK-99", NotFoundError),
        ("SPEC-1", InvalidInputError),
        ("../../etc", InvalidInputError),
        ("TASK-0", InvalidInputError),
    ],
)
def test_bad_ids_get_clear_errors(tmp_path: Path, bad_id: str, error: type[Exception]) -> None:
    store = ArtifactStore(tmp_path)
    store.create(TASKS, make_task)
    with pytest.raises(error):
        store.load(TASKS, bad_id)


def test_a_torn_last_event_line_is_skipped(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    store.create(TASKS, make_task)
    with (tmp_path / ".codecot" / "events.jsonl").open("a") as handle:
        handle.write('{"ts": "2026-01-01", "kind": "task.cr')
    assert len(store.events()) == 1


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from codecot_mcp.domain.models import ChangeBudget, Task
    from codecot_mcp.store.artifacts import TASKS, ArtifactStore

    store = ArtifactStore(Path(sys.argv[1]))
    label = sys.argv[2]

    def make(task_id):
        return Task(id=task_id, spec_id="SPEC-1", title=label, requirement_ids=["REQ-1.1"],
                    allowed_paths=["**"], budget=ChangeBudget(max_files=1, max_lines=1), base_commit=None,
                    created_at="now")

    for n in range(40):
        store.create(TASKS, make)
        note = f"{label}-{n}"
        store.update(TASKS, "TASK-1", lambda t: t.model_copy(update={"notes": t.notes + [note]}), "note")
    """
)


def test_two_processes_writing_at_once_lose_nothing_and_never_share_an_id(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    store.create(TASKS, make_task)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), label]) for label in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    ids = store.ids(TASKS)
    assert len(ids) == 81 and len(set(ids)) == 81
    notes = store.load(TASKS, "TASK-1").notes
    assert sorted(notes) == sorted([f"{label}-{n}" for label in ("a", "b") for n in range(40)])
    created = [e.id for e in store.events() if e.kind == "task.created"]
    assert len(created) == len(set(created)) == 81


ENDLESS_WRITER = WRITER.replace("for n in range(40):", "for n in range(10**9):")


def test_a_writer_killed_mid_write_leaves_every_artifact_readable(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    store.create(TASKS, make_task)
    rng = random.Random(11)
    for round_number in range(12):
        writer = subprocess.Popen([sys.executable, "-c", ENDLESS_WRITER, str(tmp_path), f"r{round_number}"])
        time.sleep(0.4 + rng.random() * 0.4)  # somewhere inside a create or an update, most of the time
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        ids = store.ids(TASKS)
        loaded = [store.load(TASKS, task_id) for task_id in ids]  # raises if any file is torn
        assert len({t.id for t in loaded}) == len(ids)
        events = store.events()
        created = [e.id for e in events if e.kind == "task.created"]
        assert len(created) == len(set(created))
        assert set(ids) <= set(created) | {"TASK-1"}
    assert len(store.ids(TASKS)) > 12  # the writers did write between kills


def test_temp_files_left_by_a_killed_write_are_swept_once_they_are_old(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    store.create(TASKS, make_task)
    folder = tmp_path / ".codecot" / "tasks"
    old = folder / ".TASK-9.json.abc.tmp"
    fresh = folder / ".TASK-8.json.def.tmp"
    old.write_text("{")
    fresh.write_text("{")
    an_hour_ago = time.time() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    ArtifactStore(tmp_path).create(TASKS, make_task)  # a new store sweeps on its first write
    assert not old.exists() and fresh.exists()
    assert len(ArtifactStore(tmp_path).ids(TASKS)) == 2
