"""doctor: check the environment Codecot runs in, and say what to fix.

Every check reads and never changes anything: the config is parsed, not written
with defaults, and the store's writability is probed with a temp file that is
removed at once. A check that cannot run for lack of a repository says so
instead of failing twice for the same cause.

Version ranges are read and compared by `packaging`, the PEP 508/440 reference
that pip itself uses: a pin with an environment marker (`; python_version >= "3.12"`)
counts only where its marker holds, and `==2.3.*`, `~=` and pre-releases mean
what they mean to pip.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, Field
from tree_sitter import Language, Query

from codecot_mcp.errors import CodecotError
from codecot_mcp.intel.languages import LANGUAGES, query_text
from codecot_mcp.repofiles import MissingFileError, RepoTree, UnreadableError
from codecot_mcp.store.config import CONFIG_NAME, parse_config
from codecot_mcp.store.paths import CODECOT_DIR, MAX_STORE_FILE_BYTES

MIN_PYTHON = (3, 11)
_DIST = "codecot-mcp"
_GIT_TIMEOUT_SECONDS = 10.0

CheckStatus = Literal["ok", "warn", "fail"]


class DoctorCheck(BaseModel):
    name: str
    status: CheckStatus
    detail: str
    fix: str | None = Field(default=None, description="What to do about it; set whenever status is not ok.")


class DoctorReport(BaseModel):
    ok: bool = Field(description="True when no check failed (warnings allowed).")
    checks: list[DoctorCheck]


def diagnose(path: Path) -> DoctorReport:
    """Run every check for the repository at `path` (which may not be one)."""
    root, repo_check = _repository(path)
    checks = [_python(), _git(), repo_check, _grammars()]
    if root is None:
        skipped = "skipped: no git work tree"
        hint = "fix the repository check first"
        checks += [
            DoctorCheck(name="config", status="warn", detail=skipped, fix=hint),
            DoctorCheck(name="store", status="warn", detail=skipped, fix=hint),
        ]
    else:
        checks += [_config(root), _store(root)]
    checks.append(_mcp())
    return DoctorReport(ok=all(c.status != "fail" for c in checks), checks=checks)


def _python() -> DoctorCheck:
    found = ".".join(str(part) for part in sys.version_info[:3])
    detail = f"{found} ({sys.executable})"
    if sys.version_info[:2] >= MIN_PYTHON:
        return DoctorCheck(name="python", status="ok", detail=detail)
    wanted = ".".join(str(part) for part in MIN_PYTHON)
    return DoctorCheck(
        name="python",
        status="fail",
        detail=f"{detail}; Codecot needs {wanted} or newer",
        fix=f"install Python {wanted}+ and reinstall codecot-mcp with it",
    )


def _git() -> DoctorCheck:
    fix = "install git (https://git-scm.com/downloads) and make sure it is on PATH"
    executable = shutil.which("git")
    if executable is None:
        return DoctorCheck(name="git", status="fail", detail="not found on PATH", fix=fix)
    try:
        done = subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
            [executable, "--version"],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return DoctorCheck(name="git", status="fail", detail=f"{executable} does not run: {exc}", fix=fix)
    output = done.stdout.strip()
    if done.returncode != 0 or not output:
        return DoctorCheck(
            name="git", status="fail", detail=f"{executable} --version failed: {done.stderr.strip()}", fix=fix
        )
    return DoctorCheck(name="git", status="ok", detail=output.removeprefix("git version "))


def _repository(path: Path) -> tuple[Path | None, DoctorCheck]:
    try:
        # GitPython refuses to import without a git executable; that is the git check's to report.
        from codecot_mcp.intel.gitrepo import find_repo_root
    except ImportError as exc:
        return None, DoctorCheck(
            name="repository", status="fail", detail=f"GitPython cannot start: {exc}", fix="install git"
        )
    try:
        root = find_repo_root(path)
    except CodecotError as exc:
        return None, DoctorCheck(
            name="repository",
            status="fail",
            detail=exc.message,
            fix=exc.hint or "pass --repo PATH to a git work tree",
        )
    return root, DoctorCheck(name="repository", status="ok", detail=str(root))


def _grammars() -> DoctorCheck:
    failures: list[str] = []
    packages: set[str] = set()
    for spec in LANGUAGES.values():
        try:
            module = importlib.import_module(spec.module)
            Query(Language(getattr(module, spec.function)()), query_text(spec))
        except Exception as exc:  # any failure is the finding itself
            failures.append(f"{spec.name} ({type(exc).__name__}: {exc})")
            packages.add(spec.module.replace("_", "-"))
    runtime = _installed("tree-sitter") or "unknown version"
    if not failures:
        return DoctorCheck(
            name="grammars", status="ok", detail=f"{len(LANGUAGES)} load (tree-sitter {runtime})"
        )
    return DoctorCheck(
        name="grammars",
        status="fail",
        detail=f"{len(failures)} of {len(LANGUAGES)} do not load: {'; '.join(failures)}",
        fix=f"{sys.executable} -m pip install --force-reinstall {' '.join(sorted(packages))} "
        "(until then those files are indexed as text only)",
    )


def _config(root: Path) -> DoctorCheck:
    display = f"{CODECOT_DIR}/{CONFIG_NAME}"
    try:
        text = RepoTree(root).read_text(display, MAX_STORE_FILE_BYTES)
    except MissingFileError:
        return DoctorCheck(
            name="config",
            status="ok",
            detail=f"{display} not created yet (defaults are written on first use)",
        )
    except (UnreadableError, UnicodeDecodeError) as exc:
        return DoctorCheck(
            name="config",
            status="fail",
            detail=f"{display}: cannot read: {exc}",
            fix="make the file readable UTF-8 text, or delete it to have the defaults written again",
        )
    try:
        config = parse_config(text, display)
    except CodecotError as exc:
        return DoctorCheck(
            name="config",
            status="fail",
            detail=exc.message,
            fix=exc.hint or "fix the file, or delete it to have the defaults written again",
        )
    names = ", ".join(config.checks) or "none"
    return DoctorCheck(name="config", status="ok", detail=f"{display} is valid (checks: {names})")


def _store(root: Path) -> DoctorCheck:
    folder = root / CODECOT_DIR
    if folder.exists() and not folder.is_dir():
        return DoctorCheck(
            name="store",
            status="fail",
            detail=f"{folder} exists but is not a folder",
            fix=f"move that file away: Codecot keeps its artifacts in a {CODECOT_DIR}/ folder",
        )
    # Probe the folder itself, or the root that will hold it, so nothing new is left behind.
    target = folder if folder.is_dir() else root
    try:
        fd, name = tempfile.mkstemp(prefix=".codecot-doctor-", dir=target)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return DoctorCheck(
            name="store",
            status="fail",
            detail=f"cannot write in {target}: {exc.strerror or exc}",
            fix=f"make {target} writable for this user (chmod u+w), or run Codecot as its owner",
        )
    if target == folder:
        return DoctorCheck(name="store", status="ok", detail=f"{CODECOT_DIR}/ is writable")
    return DoctorCheck(
        name="store", status="ok", detail=f"{CODECOT_DIR}/ not created yet; the repository root is writable"
    )


def _mcp() -> DoctorCheck:
    found = _installed("mcp")
    pinned = _pinned("mcp")
    if found is None:
        return DoctorCheck(
            name="mcp",
            status="fail",
            detail="the mcp SDK is not installed",
            fix=f"{sys.executable} -m pip install 'mcp{_shown(pinned) if pinned is not None else ''}'",
        )
    if pinned is None:
        return DoctorCheck(
            name="mcp",
            status="warn",
            detail=f"{found}; the pinned range is unknown (codecot-mcp is not installed as a package, "
            "or pins no mcp for this Python)",
            fix="install Codecot (pip install -e . in a clone) so its pins are recorded",
        )
    shown = _shown(pinned)
    fits = _satisfies(found, pinned)
    if fits:
        return DoctorCheck(name="mcp", status="ok", detail=f"{found} (pinned {shown or 'to any version'})")
    fix = f"{sys.executable} -m pip install 'mcp{shown}'"
    if fits is None:
        detail = f"{found}; cannot compare with the pinned range {shown}"
        return DoctorCheck(name="mcp", status="warn", detail=detail, fix=fix)
    return DoctorCheck(
        name="mcp", status="fail", detail=f"{found} is outside the pinned range {shown}", fix=fix
    )


def _installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _pinned(dependency: str) -> SpecifierSet | None:
    """The version range Codecot's own metadata pins `dependency` to here.

    A requirement whose marker does not hold for this interpreter and platform (or
    names an extra, such as `dev`) is not a pin of this installation.
    """
    wanted = canonicalize_name(dependency)
    with contextlib.suppress(metadata.PackageNotFoundError):
        for line in metadata.requires(_DIST) or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if canonicalize_name(requirement.name) != wanted:
                continue
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                return requirement.specifier
    return None


def _shown(specifiers: SpecifierSet) -> str:
    """A range as people write it, lower bound first: `>=2.3,<2.4`."""
    return ",".join(sorted(map(str, specifiers), key=lambda spec: (not spec.startswith(">"), spec)))


def _satisfies(version: str, specifiers: SpecifierSet) -> bool | None:
    """Whether an installed version is in the range; None when it is no PEP 440 version.

    An installed pre-release counts when it is in the range, as it is already there.
    """
    try:
        return specifiers.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return None
