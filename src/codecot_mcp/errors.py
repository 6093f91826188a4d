"""Codecot's own exceptions: the only ones that domain and service code raise.

Adapters choose the channel at the boundary: the MCP server turns every
`CodecotError` into a tool error the model can act on, the CLI prints it and
exits 2. Git, tree-sitter and file-system errors are translated into this tree
where they happen, never leaked.

    CodecotError              message + hint (what to do about it)
    ├── InvalidInputError     an argument the caller can correct
    ├── NotFoundError         an unknown artifact ID or file
    ├── UnsafePathError       a path outside the repository or inside .git/
    ├── RepositoryError       not a git work tree, or git itself failed
    ├── ArtifactError         an artifact on disk that no longer parses (file, line)
    ├── ConflictError         the store lock could not be taken in time
    ├── CheckError            a configured check could not be started
    └── CancelledError        the caller cancelled; nothing was stored
"""

from __future__ import annotations


class CodecotError(Exception):
    """Base of every error Codecot raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InvalidInputError(CodecotError):
    """An argument was well-formed JSON but not usable; the caller can fix it."""


class NotFoundError(CodecotError):
    """An artifact ID or a file that does not exist."""


class UnsafePathError(CodecotError):
    """A path that would leave the repository root or reach into `.git/`."""


class RepositoryError(CodecotError):
    """The repository is missing, not a git work tree, or git failed."""


class ArtifactError(CodecotError):
    """An artifact file exists but cannot be read back; names the file and line."""

    def __init__(self, message: str, *, path: str, line: int | None = None, hint: str | None = None) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line


class ConflictError(CodecotError):
    """Another writer held the store lock for too long."""


class CheckError(CodecotError):
    """A configured check could not be started (missing executable, bad config)."""


class CancelledError(CodecotError):
    """The caller cancelled the call (an MCP cancellation); the work stopped and stored nothing."""
