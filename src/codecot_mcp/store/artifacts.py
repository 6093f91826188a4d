"""The workflow store: artifacts as plain files under `.codecot/`.

    .codecot/
      config.toml            checks, scope policy, budgets (people own it)
      intents/INT-1.md       Markdown, for people to read and edit
      specs/SPEC-1.md        Markdown, revised by draft_spec, hand edits kept
      tasks/TASK-1.json      machine records
      validations/VAL-1.json verdicts tied to a commit and a diff digest
      events.jsonl           append-only log of every write
      cache/                 rebuildable (index, lock); ignored by git

Every write happens under the store lock: IDs are allocated past every number
seen in the folder and in the event log, so two writers never share an ID and a
deleted artifact's number is never handed out again. Each write logs the digest
of what it wrote; a file whose digest differs was edited by hand.

Nothing is read or written through a symlink: if `.codecot/`, one of its folders
or a file in them is a link, the store refuses (UnsafePathError naming it), so a
link cannot serve a file from outside the repository or make a write land there.
Reads and those checks are `codecot_mcp.repofiles`'s, as for every repository file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from codecot_mcp.domain import markdown
from codecot_mcp.domain.ids import ArtifactKind, format_id, normalize_id, parse_id
from codecot_mcp.domain.models import Event, Intent, Spec, Task, Validation
from codecot_mcp.errors import ArtifactError, InvalidInputError, NotFoundError
from codecot_mcp.repofiles import MissingFileError, RepoTree, refuse_links
from codecot_mcp.store import ledger
from codecot_mcp.store.fsio import (
    CACHE_GITIGNORE,
    append_line,
    atomic_write_text,
    remove_stale_temp_files,
    store_lock,
)
from codecot_mcp.store.paths import CODECOT_DIR, MAX_STORE_FILE_BYTES

M = TypeVar("M", bound=BaseModel)

EVENTS_NAME = "events.jsonl"
CONFIG_FILE = "config.toml"
# Events that seal a task's scope and the config its checks come from: scoping, and a person's approval.
SEALING_EVENTS = frozenset({"task.created", "task.approved"})
CACHE_DIR = "cache"
STALE_TEMP_SECONDS = 3600.0  # no write takes an hour: an older temp file is left by a killed process


@dataclass(frozen=True)
class Codec(Generic[M]):
    """How one artifact kind is named, written and read back."""

    kind: ArtifactKind
    folder: str
    suffix: str
    render: Callable[[M], str]
    parse: Callable[[str, str], M]


def _json_codec(model: type[M]) -> tuple[Callable[[M], str], Callable[[str, str], M]]:
    def render(item: M) -> str:
        return item.model_dump_json(indent=2) + "\n"

    def parse(text: str, path: str) -> M:
        try:
            return model.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            line = _json_error_line(text, first)
            raise ArtifactError(
                f"{first['msg']} at '{'.'.join(str(p) for p in first['loc'])}'",
                path=path,
                line=line,
                hint="fix the JSON by hand or restore it with git",
            ) from None

    return render, parse


def _json_error_line(text: str, error: object) -> int | None:
    match = re.search(r"line (\d+)", str(error))
    return int(match.group(1)) if match else None


INTENTS: Codec[Intent] = Codec("intent", "intents", ".md", markdown.render_intent, markdown.parse_intent)
SPECS: Codec[Spec] = Codec("spec", "specs", ".md", markdown.render_spec, markdown.parse_spec)
TASKS: Codec[Task] = Codec("task", "tasks", ".json", *_json_codec(Task))
VALIDATIONS: Codec[Validation] = Codec("validation", "validations", ".json", *_json_codec(Validation))
ALL_CODECS: tuple[Codec[BaseModel], ...] = (INTENTS, SPECS, TASKS, VALIDATIONS)  # type: ignore[assignment]


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def digest_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class ArtifactStore:
    """Reads and writes `.codecot/` for one repository."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / CODECOT_DIR
        self.cache_dir = self.dir / CACHE_DIR
        self._swept = False  # stale temp files are removed once per store, under the lock
        # The event log read once per version of the file: status and the trust checks ask it
        # several questions per task, and a long log would be parsed again for each one.
        self._log: tuple[tuple[int, ...], list[str], list[Event], ledger.ChainState] | None = None

    # ------------------------------------------------------------ layout

    def ensure_layout(self) -> None:
        refuse_links(self.root, self.cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        for path, content in (
            (self.cache_dir / ".gitignore", CACHE_GITIGNORE),
            (self.dir / ".gitignore", "# Temp files of interrupted writes.\n.*.tmp\n"),
        ):
            refuse_links(self.root, path)
            if not path.exists():
                atomic_write_text(path, content)

    @contextmanager
    def lock(self) -> Iterator[None]:
        self.ensure_layout()
        lock_path = self.cache_dir / "store.lock"
        refuse_links(self.root, lock_path)
        with store_lock(lock_path):
            # Checked here, not between an artifact's write and its event, which a kill may split.
            refuse_links(self.root, self.dir / EVENTS_NAME)
            if not self._swept:
                self._swept = True
                folders = [self.dir, *(self.dir / c.folder for c in (INTENTS, SPECS, TASKS, VALIDATIONS))]
                remove_stale_temp_files(folders, STALE_TEMP_SECONDS)
            yield

    def path_of(self, codec: Codec[M], artifact_id: str) -> Path:
        return self.dir / codec.folder / f"{normalize_id(artifact_id, codec.kind)}{codec.suffix}"

    def display_path(self, codec: Codec[M], artifact_id: str) -> str:
        return self.path_of(codec, artifact_id).relative_to(self.root).as_posix()

    # ------------------------------------------------------------ reads

    def read_text(self, codec: Codec[M], artifact_id: str) -> str:
        """The artifact file's text as stored.

        UnreadableError as `repofiles` raises it: an UnsafePathError if the file or a folder
        on the way is a link, a FIFO or a device; a NotFoundError if it is missing.
        """
        return self._read(self.path_of(codec, artifact_id))

    def _read(self, path: Path) -> str:
        relative = path.relative_to(self.root).as_posix()
        return RepoTree(self.root).read_text(relative, MAX_STORE_FILE_BYTES)

    def load(self, codec: Codec[M], artifact_id: str) -> M:
        try:
            text = self.read_text(codec, artifact_id)
        except MissingFileError:
            known = ", ".join(self.ids(codec)[-5:]) or "none yet"
            raise NotFoundError(
                f"no {codec.kind} {normalize_id(artifact_id, codec.kind)}",
                hint=f"known {codec.kind} IDs: {known}",
            ) from None
        except UnicodeDecodeError:
            raise ArtifactError("not UTF-8 text", path=self.display_path(codec, artifact_id)) from None
        return codec.parse(text, self.display_path(codec, artifact_id))

    def ids(self, codec: Codec[M]) -> list[str]:
        folder = self.dir / codec.folder
        refuse_links(self.root, folder)
        numbers: list[int] = []
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.suffix == codec.suffix and not entry.name.startswith("."):
                    try:
                        numbers.append(parse_id(entry.stem, codec.kind)[1])
                    except InvalidInputError:  # a stray file a person added: not ours to judge
                        continue
        return [format_id(codec.kind, n) for n in sorted(numbers)]

    def load_all(self, codec: Codec[M]) -> tuple[list[M], list[ArtifactError]]:
        """Every artifact of a kind that parses, and the errors of those that do not."""
        items: list[M] = []
        errors: list[ArtifactError] = []
        for artifact_id in self.ids(codec):
            try:
                items.append(self.load(codec, artifact_id))
            except ArtifactError as exc:
                errors.append(exc)
        return items, errors

    def events(self) -> list[Event]:
        """The event log; a torn last line (a process killed mid-append) is skipped."""
        return list(self._read_log()[1])

    def _read_log(self) -> tuple[list[str], list[Event], ledger.ChainState]:
        """The log's lines, events and chain, parsed again only when the file changed."""
        path = self.dir / EVENTS_NAME
        try:
            info = path.lstat()
        except FileNotFoundError:
            return [], [], ledger.ChainState(chained=True)
        # ctime too: a rewrite that keeps the size and resets mtime (os.utime) still moves ctime.
        version = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        if self._log is not None and self._log[0] == version:
            return self._log[1], self._log[2], self._log[3]
        try:
            lines = self._read(path).splitlines()
        except MissingFileError:
            return [], [], ledger.ChainState(chained=True)
        events: list[Event] = []
        for line in lines:
            try:
                events.append(Event.model_validate_json(line))
            except ValidationError:
                continue
        self._log = (version, lines, events, ledger.verify(lines))
        return lines, events, self._log[3]

    def last_written_digest(self, artifact_id: str) -> str | None:
        for event in reversed(self.events()):
            if event.id == artifact_id and isinstance(event.detail.get("digest"), str):
                return str(event.detail["digest"])
        return None

    def edited_by_hand(self, codec: Codec[M], artifact_id: str) -> bool:
        """True when the file differs from what Codecot last wrote."""
        recorded = self.last_written_digest(normalize_id(artifact_id, codec.kind))
        if recorded is None:
            return False
        try:
            return digest_text(self.read_text(codec, artifact_id)) != recorded
        except MissingFileError:
            return False

    # ------------------------------------------------------------ writes (callers of _write hold the lock)

    def create(self, codec: Codec[M], build: Callable[[str], M], **detail: str | int | bool | None) -> M:
        """Allocate the next ID, build the artifact with it, and write it, atomically."""
        with self.lock():
            artifact_id = format_id(codec.kind, self._next_number(codec))
            item = build(artifact_id)
            # Logged before the file exists: a process killed in between leaves a used number
            # (like a deleted artifact), never an artifact whose creation is not in the log.
            return self._write(codec, artifact_id, item, f"{codec.kind}.created", detail, log_first=True)

    def save(
        self, codec: Codec[M], artifact_id: str, item: M, event: str, **detail: str | int | bool | None
    ) -> M:
        with self.lock():
            return self._write(codec, artifact_id, item, event, detail)

    def update(
        self,
        codec: Codec[M],
        artifact_id: str,
        change: Callable[[M], M],
        event: str,
        **detail: str | int | bool | None,
    ) -> M:
        """Read, change and write one artifact under the lock, so no concurrent update is lost."""
        with self.lock():
            return self._write(codec, artifact_id, change(self.load(codec, artifact_id)), event, detail)

    def _write(
        self,
        codec: Codec[M],
        artifact_id: str,
        item: M,
        event: str,
        detail: dict[str, str | int | bool | None],
        *,
        log_first: bool = False,
    ) -> M:
        """Write one artifact and log it; returns what a later read will see."""
        text = codec.render(item)
        path = self.path_of(codec, artifact_id)
        refuse_links(self.root, path)
        logged = {**detail, "digest": digest_text(text)}
        if log_first:
            self._append_event(event, normalize_id(artifact_id, codec.kind), logged)
        atomic_write_text(path, text)
        if not log_first:
            self._append_event(event, normalize_id(artifact_id, codec.kind), logged)
        return codec.parse(text, self.display_path(codec, artifact_id))

    def record(self, kind: str, artifact_id: str, **detail: str | int | bool | None) -> None:
        """Log an event that writes no artifact (a hook letting a stop through, say), under the lock."""
        with self.lock():
            self._append_event(kind, artifact_id, dict(detail))

    def _append_event(self, kind: str, artifact_id: str, detail: dict[str, str | int | bool | None]) -> None:
        """Append one event naming the hash of the line before it (callers hold the lock)."""
        event = Event(
            ts=now_iso(), kind=kind, id=artifact_id, detail=dict(detail), prev=self._last_line_hash()
        )
        append_line(self.dir / EVENTS_NAME, json.dumps(event.model_dump(), separators=(",", ":")))

    def _last_line_hash(self) -> str:
        path = self.dir / EVENTS_NAME
        try:
            with path.open("rb") as log:
                size = log.seek(0, 2)
                log.seek(max(0, size - ledger.TAIL_BYTES))
                tail = log.read()
        except FileNotFoundError:
            return ""
        line = ledger.last_line(tail)
        return ledger.line_hash(line) if line else ""

    def chain(self) -> ledger.ChainState:
        """Whether the event log is intact from its first chained line on."""
        return self._read_log()[2]

    def config_digest(self) -> str:
        """sha256 of `.codecot/config.toml` as it is now ('' when there is none)."""
        try:
            return digest_text(self._read(self.dir / CONFIG_FILE))
        except MissingFileError:
            return ""

    def sealed_config(self, task_id: str) -> str | None:
        """The config digest sealed when the task was scoped or last approved by a person."""
        for event in reversed(self.events()):
            if event.id == task_id and event.kind in SEALING_EVENTS and "config" in event.detail:
                return str(event.detail["config"])
        return None

    def recorded(self, codec: Codec[M], artifact_id: str) -> bool:
        """True when the file is exactly what Codecot last wrote for it, by the chained log."""
        return (
            self.chain().verified
            and not self.edited_by_hand(codec, artifact_id)
            and (self.last_written_digest(normalize_id(artifact_id, codec.kind)) is not None)
        )

    def _next_number(self, codec: Codec[M]) -> int:
        highest = max((parse_id(i)[1] for i in self.ids(codec)), default=0)
        prefix = format_id(codec.kind, 1)[:-1]
        for event in self.events():
            if event.id.startswith(prefix):
                try:
                    highest = max(highest, parse_id(event.id, codec.kind)[1])
                except InvalidInputError:
                    continue
        return highest + 1
