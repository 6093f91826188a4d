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
# The endless writer, stopped inside its n-th write of a task file (argv[3]; 0: never): the new text is
# in its temp file, synced, but not yet renamed into place. It names both files (argv[4]) and waits.
STALLING_WRITER = (
    textwrap.dedent(
        """
        import os, sys, time
        from pathlib import Path

        stop_at, stalled = int(sys.argv[3]), Path(sys.argv[4])
        real_replace, writes = os.replace, 0

        def replace(src, dst):
            global writes
            if Path(dst).parent.name == "tasks":
                writes += 1
                if writes == stop_at:
                    Path(f"{stalled}.tmp").write_text(f"{src}\\n{dst}")
                    real_replace(f"{stalled}.tmp", stalled)
                    time.sleep(600)
            real_replace(src, dst)

        os.replace = replace
        """
    )
    + ENDLESS_WRITER
)
# Where each writer is killed: inside its n-th task write (the writer alternates a create and an
# update of TASK-1, so odd n is a create, even n an update), or None: after a random moment.
KILLS: list[int | None] = [1, 2, None, 3, 4, None, 7, 10, None]


def stall_then_kill(writer: subprocess.Popen[bytes], stalled: Path) -> None:
    for _ in range(1200):  # only against a hang: the writer stalls within a second or two
        if stalled.exists() or writer.poll() is not None:
            break
        time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    assert stalled.exists(), f"the writer never reached its write (exit {writer.returncode})"


def test_a_writer_killed_mid_write_leaves_every_artifact_readable(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    store = ArtifactStore(root)
    store.create(TASKS, make_task)
    rng = random.Random(11)
    left_behind: list[Path] = []
    for round_number, stop_at in enumerate(KILLS):
        label, stalled = f"r{round_number}", tmp_path / f"stalled-{round_number}"
        argv = [sys.executable, "-c", STALLING_WRITER, str(root), label, str(stop_at or 0), str(stalled)]
        notes_before = store.load(TASKS, "TASK-1").notes
        writer = subprocess.Popen(argv)
        if stop_at is None:
            time.sleep(0.4 + rng.random() * 0.4)  # anywhere: in a create, an update, or between them
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=10)
        else:
            stall_then_kill(writer, stalled)
            temp_name, target_name = stalled.read_text().splitlines()
            temp, target = Path(temp_name), Path(target_name)
            # The kill landed mid-write: the new text is whole in its temp file and was never published.
            unpublished = Task.model_validate_json(temp.read_text())
            assert unpublished.id == target.stem
            if stop_at % 2:  # a create: logged first, so its number is used but it has no file
                assert not target.exists() and unpublished.title == label
                assert unpublished.id in [e.id for e in store.events() if e.kind == "task.created"]
            else:  # an update: the old version is still the one in place
                assert unpublished.notes[-1].startswith(label)
                assert store.load(TASKS, target.stem).notes == unpublished.notes[:-1]
            left_behind.append(temp)
        ids = store.ids(TASKS)
        loaded = [store.load(TASKS, task_id) for task_id in ids]  # raises if any file is torn
        assert len({t.id for t in loaded}) == len(ids)
        created = [e.id for e in store.events() if e.kind == "task.created"]
        assert len(created) == len(set(created))
        assert set(ids) <= set(created)  # no artifact whose creation is missing from the log
        assert set(notes_before) <= set(store.load(TASKS, "TASK-1").notes)  # no update was lost
    assert len(left_behind) == len([k for k in KILLS if k]) and all(temp.exists() for temp in left_behind)
    assert len(store.ids(TASKS)) > len(KILLS)  # the writers did write between kills
    used = [e.id for e in store.events() if e.kind == "task.created"]
    after = store.create(TASKS, make_task)  # the store still works, and hands out a number never used
    assert after.id not in used and store.load(TASKS, after.id) == after


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
