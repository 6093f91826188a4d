"""Host hooks: hold an agent to its active task when it edits a file and when it stops.

A host (Claude Code, Codex) runs `codecot-mcp hook EVENT` before each edit, after it,
and when the agent is about to stop. The edit check runs on every edit, so it reads
the task's JSON and the event log with the standard library and the scope rules
alone; the stop check needs the verdict and opens the workspace.

The edit check works on `os.path` strings: importing pathlib alone would be a seventh of its run.

A hook is a guardrail at the moment it matters, not the verdict: the agent can write
the active-task file or edit outside the host's tools. The verdict (`validate_change`,
and the CI gate from the base) is what decides; the README says so.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterable, Iterator

from codecot_mcp.domain import scope
from codecot_mcp.domain.scope import IN_SCOPE, place_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from codecot_mcp.store.ledger import ChainState

    StrPath = str | os.PathLike[str]

CODECOT = ".codecot"
ACTIVE_FILE = "active-task.json"  # in .codecot/cache/: per worktree, never committed
STATE_FILE = "hook-state.json"
LEDGER_FILE = "hook-ledger.json"  # how much of the event log the stop hook verified before
REGEX_FILE = "hook-globs.json"  # scope globs as regexes, so an edit's check skips importing wcmatch
REGEX_VERSION = 1
MAX_CACHED_GLOBS = 2000
SHOWN_PATHS = 8  # allowed paths named in a refusal
_TASK_ID = re.compile(r"\ATASK-[1-9][0-9]{0,8}\Z")
_VALIDATION_ID = re.compile(r"\AVAL-[1-9][0-9]{0,8}\Z")  # the only shape read as a file name
_PATCH_FILE = re.compile(r"^\*\*\* (?:Add|Update|Delete) File: (.+)$|^\*\*\* Move to: (.+)$", re.MULTILINE)
_WRITE_ALL = frozenset({"tee", "touch", "truncate", "rm", "unlink", "mv", "shred"})  # every file argument
_WRITE_LAST = frozenset({"cp", "install", "ln"})  # the destination
_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>"})
_OTHER_REDIRECTS = frozenset({"<", "<<", "<<<", ">&", "<&"})  # their word is read, or a descriptor
_PATH_KEYS = ("file_path", "notebook_path", "path")  # edit tools' path fields (Claude Code, Codex)
_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "|&"})


class HookDecision:
    """What the hook tells the host: block with a reason the model reads, or go on (with a note).

    Plain classes, not dataclasses or NamedTuples: importing dataclasses (and inspect) or typing
    is a good part of a hook's whole run.
    """

    __slots__ = ("block", "note", "reason")

    def __init__(self, block: bool = False, reason: str = "", note: str = "") -> None:
        self.block, self.reason, self.note = block, reason, note

    def __repr__(self) -> str:
        return f"HookDecision(block={self.block!r}, reason={self.reason!r}, note={self.note!r})"


class ActiveTask:
    """The task the hooks hold this work tree to, and the repository whose .codecot/ holds it
    (a worktree's main checkout)."""

    __slots__ = ("store_root", "task_id")

    def __init__(self, task_id: str, store_root: str) -> None:
        self.task_id, self.store_root = task_id, store_root

    def __repr__(self) -> str:
        return f"ActiveTask({self.task_id!r}, {self.store_root!r})"


def find_root(start: StrPath) -> str | None:
    """The work tree holding `start` (a folder with `.git`, a folder or a worktree's file)."""
    folder = os.path.realpath(start)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _cache_file(root: str, name: str) -> str:
    return os.path.join(root, CODECOT, "cache", name)


def active_task(root: StrPath) -> ActiveTask | None:
    """The task made active in this work tree (`codecot-mcp task use`, or a task's own worktree)."""
    root = os.fspath(root)
    try:
        data = json.loads(_read(_cache_file(root, ACTIVE_FILE)))
    except (OSError, ValueError):
        return None
    task_id = data.get("task") if isinstance(data, dict) else None
    if not isinstance(task_id, str) or not _TASK_ID.match(task_id):
        return None
    store = data.get("store")
    if not isinstance(store, str) or not store:
        return ActiveTask(task_id, root)
    return ActiveTask(task_id, store) if _is_main_checkout(store, root) else None


def _is_main_checkout(store: str, worktree: str) -> bool:
    """Whether `store` is the repository `worktree` is a linked worktree of (its `.git` file
    points into `store/.git/worktrees/`): an active-task file cannot send the hooks elsewhere."""
    try:
        pointer = _read(os.path.join(worktree, ".git")).strip()
    except OSError:
        return False
    gitdir = os.path.join(worktree, pointer.removeprefix("gitdir:").strip())  # an absolute one stays
    return os.path.dirname(os.path.realpath(gitdir)) == os.path.realpath(
        os.path.join(store, ".git", "worktrees")
    )


def set_active_task(root: StrPath, task_id: str | None, store_root: StrPath | None = None) -> None:
    """Make `task_id` the active task of the work tree at `root`; None clears it."""
    from pathlib import Path

    from codecot_mcp.store.fsio import atomic_write_text

    root = os.fspath(root)
    target = Path(_cache_dir(root), ACTIVE_FILE)
    if task_id is None:
        target.unlink(missing_ok=True)
        return
    data: dict[str, str] = {"task": task_id}
    if store_root is not None and os.path.realpath(store_root) != os.path.realpath(root):
        data["store"] = os.path.realpath(store_root)
    atomic_write_text(target, json.dumps(data) + "\n")


# ---------------------------------------------------------------- before an edit


def check_edit(root: StrPath, paths: Iterable[str], session: str = "") -> HookDecision:
    """Block an edit outside the active task's scope, with the scope and how to widen it."""
    root = os.fspath(root)
    active = active_task(root)
    if active is None:
        note = (
            "Codecot: no active task in this work tree, so edits are not checked against a scope. "
            "Scope one with scope_task, then run `codecot-mcp task use TASK-N`."
        )
        return HookDecision(note=note if _first_time(root, session, "no-task") else "")
    _clear_stop_block(root, session)
    task, problem = _read_task(active)
    if task is None:
        return HookDecision(True, f"Codecot: the active task {active.task_id} {problem}; {_RESET}")
    known = _load_regexes(root)
    refused = [(rel, why) for rel, why in map(lambda p: _place(root, task, p), paths) if why]
    if len(scope.KNOWN_REGEXES) > known:
        _save_regexes(root)
    if not refused:
        return HookDecision()
    listed = "; ".join(f"{rel} ({why})" for rel, why in refused[:5])
    allowed = [str(p) for p in task.get("allowed_paths", [])][:SHOWN_PATHS]
    return HookDecision(
        True,
        f"Codecot: {active.task_id} does not cover {listed}. It may change: {', '.join(allowed)}"
        + (" ..." if len(task.get("allowed_paths", [])) > SHOWN_PATHS else "")
        + ", files one import away from them and its test tree. Make the change inside that scope; "
        "if the task really needs this file, stop and ask the user to widen the task "
        "(scope_task with allowed_paths, which a person approves with "
        f"`codecot-mcp approve {active.task_id}`).",
    )


_RESET = (
    "run `codecot-mcp task use TASK-N` with a task Codecot scoped, or clear it with `codecot-mcp task clear`"
)


def _place(root: str, task: dict[str, list[str]], raw: str) -> tuple[str, str]:
    """(the path as the task names it, why it is refused or '')."""
    path = os.path.join(root, raw)  # an absolute `raw` stays as it is
    real, top = os.path.realpath(path), os.path.realpath(root)
    if real != top and not real.startswith(top.rstrip(os.sep) + os.sep):
        return raw, ""  # outside the work tree: not the task's scope to judge
    rel = os.path.relpath(real, top).replace(os.sep, "/")
    if rel == ".git" or rel.startswith(".git/"):
        return rel, "git's own files"
    placement, why = place_path(
        rel,
        task.get("allowed_paths", []),
        task.get("forbidden_paths", []),
        task.get("new_file_folders", []),
        set(task.get("nearby_paths", [])),
        new=not os.path.exists(path),
    )
    return rel, "" if placement in IN_SCOPE else why


def _read_task(active: ActiveTask) -> tuple[dict[str, list[str]] | None, str]:
    """The task's scope fields, if the file is the one Codecot last wrote (by the event log)."""
    try:
        text, data = _read_record(active.store_root, "tasks", active.task_id)
    except ValueError:
        return None, "cannot be read"
    if not _recorded(_log_bytes(active.store_root), active.task_id, text):
        return None, "differs from what Codecot wrote, so its scope cannot be trusted"
    scope = {
        key: [str(v) for v in data.get(key, []) if isinstance(v, str)]
        for key in ("allowed_paths", "forbidden_paths", "new_file_folders", "nearby_paths")
    }
    return scope, ""


def _sha256_hex(data: bytes) -> str:
    """SHA-256 from CPython's own module when there is one: hashlib loads OpenSSL first, which
    costs an edit check a tenth of its run. Same digest either way."""
    try:
        from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]  # Python 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]  # 3.11
        except ImportError:
            from hashlib import sha256  # type: ignore[assignment,unused-ignore]
    return str(sha256(data).hexdigest())


def _digest_in(log: bytes, artifact_id: str) -> str | None:
    """The digest of the last write of `artifact_id` the log records (the verdict checks the chain).

    Searched from the end, line by line where the id appears: the last write of an active
    task is near the end, and a long log is not split into lines for it.
    """
    needle = f'"{artifact_id}"'.encode()
    end = len(log)
    while (at := log.rfind(needle, 0, end)) >= 0:
        start = log.rfind(b"\n", 0, at) + 1
        stop = log.find(b"\n", at)
        end = start
        try:
            event = json.loads(log[start : stop if stop >= 0 else len(log)])
        except ValueError:
            continue
        if not isinstance(event, dict) or event.get("id") != artifact_id:
            continue
        detail = event.get("detail")
        digest = detail.get("digest") if isinstance(detail, dict) else None
        if isinstance(digest, str):
            return digest
    return None


def _load_regexes(root: str) -> int:
    """Load the scope globs translated by earlier runs, so this one need not import wcmatch.

    The cache is the hook's alone (the verdict translates its globs itself) and, like all
    of `.codecot/cache/`, not sealed. Returns how many globs are known now.
    """
    try:
        data = json.loads(_read(_cache_file(root, REGEX_FILE)))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and data.get("version") == REGEX_VERSION:
        for pattern, (include, exclude) in data.get("globs", {}).items():
            scope.KNOWN_REGEXES.setdefault(pattern, (list(include), list(exclude)))
    return len(scope.KNOWN_REGEXES)


def _save_regexes(root: str) -> None:
    from pathlib import Path

    from codecot_mcp.store.fsio import atomic_write_text

    globs = dict(list(scope.KNOWN_REGEXES.items())[-MAX_CACHED_GLOBS:])
    text = json.dumps({"version": REGEX_VERSION, "globs": globs})
    atomic_write_text(Path(_cache_dir(root), REGEX_FILE), text + "\n")


def _clear_stop_block(root: str, session: str) -> None:
    """An edit ends a run of stops: the next stop is judged again."""
    state = _load_state(root)
    if state.get("stop-blocked", {}).pop(session, None):
        _save_state(root, state)


def _first_time(root: str, session: str, what: str) -> bool:
    """True the first time `what` is said in this session (a state file in the cache)."""
    state = _load_state(root)
    said = state.setdefault("said", {})
    key = f"{session}:{what}"
    if said.get(key):
        return False
    said[key] = True
    _save_state(root, state)
    return True


def _load_state(root: str) -> dict[str, dict[str, bool]]:
    try:
        data = json.loads(_read(_cache_file(root, STATE_FILE)))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_state(root: str, state: dict[str, dict[str, bool]]) -> None:
    from pathlib import Path

    from codecot_mcp.store.fsio import atomic_write_text

    atomic_write_text(Path(_cache_dir(root), STATE_FILE), json.dumps(state) + "\n")


def _cache_dir(root: str) -> Path:
    """`.codecot/cache/` of the work tree, made (and kept out of git) if it is not there yet."""
    from pathlib import Path

    from codecot_mcp.store.fsio import CACHE_GITIGNORE, atomic_write_text

    folder = Path(root, CODECOT, "cache")
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write_text(ignore, CACHE_GITIGNORE)
    return folder


# ---------------------------------------------------------------- what an edit touches


def edited_paths(tool_input: object) -> list[str]:
    """The files a tool call writes, where they can be seen: an edit tool's path, the files of
    an `apply_patch` patch, and a shell command's redirections and `tee`/`touch` targets."""
    if not isinstance(tool_input, dict):
        return []
    found = [
        str(tool_input[k])
        for k in ("file_path", "notebook_path", "path")
        if isinstance(tool_input.get(k), str)
    ]
    for text in _strings(tool_input):
        found += [m.group(1) or m.group(2) for m in _PATCH_FILE.finditer(text)]
    command = tool_input.get("command")
    if isinstance(command, list):
        command = shlex.join(str(c) for c in command)
    if isinstance(command, str):
        found += list(_shell_writes(command))
    return [p.strip() for p in dict.fromkeys(found) if p.strip()]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _shell_writes(command: str) -> Iterator[str]:
    """Files a shell command writes where a parse can see it: redirections, and the file
    arguments of `tee`, `touch`, `rm`, `mv`, `cp`, `sed -i` and the like. A script, `python -c`
    or a command built at run time is not seen."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        return
    words: list[str] = []  # the simple command being read
    n = 0
    while n < len(tokens):
        token = tokens[n]
        if token in _REDIRECTS or token in _OTHER_REDIRECTS:
            target = tokens[n + 1] if n + 1 < len(tokens) else ""
            if token in _REDIRECTS and target and target != "/dev/null":
                yield target
            n += 2
            continue
        if token.isdigit() and n + 1 < len(tokens) and tokens[n + 1] in _REDIRECTS | _OTHER_REDIRECTS:
            pass  # the file descriptor of `2>err.log` or `2>&1`
        elif token in _SEPARATORS:
            yield from _command_writes(words)
            words = []
        else:
            words.append(token)
        n += 1
    yield from _command_writes(words)


def _command_writes(words: list[str]) -> list[str]:
    """The files one simple command (`sed -i s/a/b/ x.py`) writes or removes."""
    if not words:
        return []
    name, options = words[0].rsplit("/", 1)[-1], [w for w in words[1:] if w.startswith("-")]
    args = [w for w in words[1:] if not w.startswith("-") and w != "/dev/null"]
    if name in _WRITE_ALL:
        return args
    if name in _WRITE_LAST:
        return args[-1:]
    if name == "sed" and any(o.startswith(("-i", "--in-place")) for o in options):
        return _sed_files(words[1:])
    return []


def _sed_files(words: list[str]) -> list[str]:
    """The files `sed -i` edits: what is left after the options and the script (`-e S`, `-f F`,
    or else the first word)."""
    files: list[str] = []
    scripted, skip = False, False
    for word in words:
        if skip:
            skip = False
        elif word in ("-e", "-f", "--expression", "--file"):
            scripted, skip = True, True
        elif not word.startswith("-"):
            files.append(word)
    return files if scripted else files[1:]


# ---------------------------------------------------------------- before a stop


def check_stop(root: StrPath, *, continued: bool, session: str = "") -> HookDecision:
    """Block the first stop while the active task has no current pass; let the next one through.

    `continued` is the host saying this stop follows one a hook blocked; a stop that
    follows a block with no edit between is the same. Letting it through is logged, so a
    session is never trapped and the release is on the record.
    """
    root = os.fspath(root)
    active = active_task(root)
    if active is None:
        return HookDecision()
    state = _load_state(root)
    blocked = state.setdefault("stop-blocked", {})
    if continued or blocked.get(session):
        blocked.pop(session, None)
        _save_state(root, state)
        _record(active, "hook.stop-released", session)
        return HookDecision(
            note=f"Codecot: let the stop through without a pass for {active.task_id}; recorded."
        )
    problem = current_problem(active)
    if not problem:
        return HookDecision()
    blocked[session] = True
    _save_state(root, state)
    return HookDecision(
        True,
        f"Codecot: {active.task_id} has no current pass: {problem}. Call "
        f"validate_change(task_id='{active.task_id}') and fix what it reports; the task is done only on "
        "'pass'. Stopping again now is let through, and recorded.",
    )


def current_problem(active: ActiveTask) -> str:
    """Why the active task's change has no current, trusted pass; '' when it has one.

    The records are judged as the verdict judges them (`trust.untrusted_records`): the
    chained log intact, the task and validation files the ones it last recorded. They
    are read as JSON with the standard library, and the diff is asked of git: the models
    and GitPython would be most of a stop's run.
    """
    store = active.store_root
    log = _log_bytes(store)
    try:
        task_text, task = _read_record(store, "tasks", active.task_id)
    except ValueError as exc:
        return f"its records cannot be read ({exc})"
    validation_id = task.get("last_validation")
    if not validation_id or not isinstance(validation_id, str):
        return "it has not been validated"
    chain = _verify_log(store, log)
    if chain.broken_at is not None:
        return ".codecot/events.jsonl was altered: no record can be trusted"
    if not _recorded(log, active.task_id, task_text):
        return f"{active.task_id}'s file differs from what Codecot wrote"
    validation_text, validation = _read_validation(store, validation_id)
    if not chain.verified or not _recorded(log, validation_id, validation_text):
        return f"{validation_id} is not the validation Codecot recorded"
    if validation.get("verdict") != "pass":
        reasons = [r for r in validation.get("reasons") or [] if isinstance(r, dict)]
        held = [str(r.get("message", "")) for r in reasons if r.get("level") != "note"]
        return f"its last verdict is {validation.get('verdict')} ({'; '.join(held[:3])})"
    from pathlib import Path

    from codecot_mcp.errors import CodecotError
    from codecot_mcp.services.staleness import is_stale, task_folder

    root = Path(store)
    worktree = task.get("worktree")
    workdir = task_folder(root, worktree if isinstance(worktree, str) else None) or root
    try:
        stale = is_stale(workdir, _ValidatedChange(validation))
    except (CodecotError, KeyError, TypeError):
        return f"{validation_id} cannot be compared with the work tree"
    return "the change differs from what was validated" if stale else ""


class _ValidatedChange:
    """A validation file's fields that say what it judged (`staleness.ValidatedChange`)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.working_tree = bool(data.get("working_tree", True))
        base = data.get("base_commit")
        self.base_commit = base if isinstance(base, str) else None
        head_ref = data.get("head_ref")
        self.head_ref = head_ref if isinstance(head_ref, str) else None
        head_commit = data.get("head_commit")
        self.head_commit = head_commit if isinstance(head_commit, str) else None
        self.diff_digest = str(data["diff_digest"])


def _read_record(store: str, folder: str, artifact_id: str) -> tuple[str, dict[str, Any]]:
    """An artifact's text and JSON object; ValueError says why there is none."""
    name = f"{folder}/{artifact_id}.json"
    try:
        text = _read(os.path.join(store, CODECOT, folder, f"{artifact_id}.json"))
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{name}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{name} is not an object")
    return text, data


def _read_validation(store: str, validation_id: str) -> tuple[str, dict[str, Any]]:
    """The validation's text and JSON; ("", {}) for an id or file that is none (no digest matches it)."""
    if not _VALIDATION_ID.match(validation_id):
        return "", {}
    try:
        return _read_record(store, "validations", validation_id)
    except ValueError:
        return "", {}


def _log_bytes(store: str) -> bytes:
    try:
        with open(os.path.join(store, CODECOT, "events.jsonl"), "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _verify_log(store: str, log: bytes) -> ChainState:
    """The log's chain, verified past the prefix this cache says was verified before (the
    stop hook runs on every stop, and a long-lived repository's log keeps growing)."""
    from codecot_mcp.store import ledger

    try:
        known = ledger.VerifiedPrefix.from_json(json.loads(_read(_cache_file(store, LEDGER_FILE))))
    except (OSError, ValueError):
        known = None
    try:
        chain, verified = ledger.verify_log(log, known)
    except UnicodeDecodeError:
        return ledger.ChainState(chained=True, broken_at=0)  # Codecot writes UTF-8 only
    if verified is not None and (known is None or verified.size != known.size):
        from contextlib import suppress
        from pathlib import Path

        from codecot_mcp.store.fsio import atomic_write_text

        with suppress(OSError):  # a cache that cannot be written only costs the next stop the whole log
            atomic_write_text(Path(_cache_dir(store), LEDGER_FILE), json.dumps(verified.to_json()) + "\n")
    return chain


def _recorded(log: bytes, artifact_id: str, text: str) -> bool:
    """Whether `text` is what Codecot last wrote for `artifact_id`, by the log's digest."""
    digest = _digest_in(log, artifact_id)
    return digest is not None and digest == _sha256_hex(text.encode("utf-8"))[:16]


def _record(active: ActiveTask, kind: str, session: str) -> None:
    from pathlib import Path

    from codecot_mcp.store.artifacts import ArtifactStore

    ArtifactStore(Path(active.store_root)).record(kind, active.task_id, session=session[:80])


# ---------------------------------------------------------------- after an edit


def refresh_index(root: StrPath) -> None:
    """Re-index what changed, so the next context pack shows the edit."""
    from pathlib import Path

    from codecot_mcp.intel.index import CodeIndex

    CodeIndex.open(Path(root)).close()
