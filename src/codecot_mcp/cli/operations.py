"""The CLI subcommands of the workflow, generated from the table of operations.

Each request field becomes a flag (`allowed_paths` -> `--allowed-paths A B`), a
positional or a file argument as the operation's `CliShape` says; the flag's
help is the field's description. Values go through the same request model the
MCP tool validates, so a limit holds on both. Every subcommand prints its result
as `--format text|json|markdown`; the JSON is the model the MCP tool returns.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from codecot_mcp.cli.render import progress_reporter
from codecot_mcp.errors import InvalidInputError
from codecot_mcp.services.operations import OPERATIONS, Operation
from codecot_mcp.services.run import Run
from codecot_mcp.services.workspace import Workspace

FORMATS = ("text", "json", "markdown")


def add_operation_commands(sub: Any) -> None:
    """One subcommand per operation, in the table's order."""
    for operation in OPERATIONS:
        shape = operation.cli
        parser = sub.add_parser(shape.command, help=shape.help, description=operation.description)
        for name, info in operation.request.model_fields.items():
            if name not in shape.hidden:
                _add_field(parser, operation, name, info)
        parser.add_argument("--format", choices=FORMATS, default=shape.default_format)
        parser.set_defaults(operation=operation)


def run_operation(args: argparse.Namespace) -> int:
    """Parse the request from the command line, run the service, print the result; the exit code."""
    operation: Operation[Any, Any] = args.operation
    request = operation.parse(_arguments(operation, args))
    ws = Workspace(args.repo)
    run = Run(progress_reporter() if sys.stderr.isatty() else None)
    try:
        result = operation(ws, request, run)
    finally:
        ws.close()
    for note in run.notes:
        print(f"codecot-mcp: {note}", file=sys.stderr)
    if args.format == "json":
        print(result.model_dump_json(indent=2))
    elif args.format == "markdown":
        print(operation.markdown(result))
    else:
        print(operation.text(result))
    return operation.exit_code(result)


def _add_field(
    parser: argparse.ArgumentParser, operation: Operation[Any, Any], name: str, info: FieldInfo
) -> None:
    shape = operation.cli
    kind = _kind(info.annotation)
    help_text = info.description or ""
    if name in shape.from_file:
        help_text = f"{help_text} FILE, or - for stdin".strip()
    if name in shape.positionals:
        metavar = "FILE" if name in shape.from_file else name.upper()
        parser.add_argument(name, nargs=None if info.is_required() else "?", metavar=metavar, help=help_text)
        return
    flags = [f"--{name.replace('_', '-')}", *([shape.aliases[name]] if name in shape.aliases else [])]
    if kind is bool:
        parser.add_argument(*flags, dest=name, action=argparse.BooleanOptionalAction, help=help_text)
    elif kind is list:
        parser.add_argument(*flags, dest=name, nargs="+", action="extend", metavar="VALUE", help=help_text)
    elif kind is dict:
        help_text = f"{help_text} As JSON, or @FILE holding JSON.".strip()
        parser.add_argument(*flags, dest=name, type=_json_argument, metavar="JSON", help=help_text)
    else:
        parser.add_argument(*flags, dest=name, type=kind, help=help_text)


def _kind(annotation: Any) -> type:
    """The flag's kind for a field type: bool, int, str, list of strings, or dict (anything JSON)."""
    annotation = _bare(annotation)
    origin = get_origin(annotation) or annotation
    if origin is list:
        return list if _bare(get_args(annotation)[0]) is str else dict
    if origin in (bool, int, str):
        return origin  # type: ignore[no-any-return]
    return dict


def _bare(annotation: Any) -> Any:
    """`annotation` without `Annotated[...]` metadata and without `| None`."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _json_argument(value: str) -> Any:
    text = _read_text(value[1:]) if value.startswith("@") else value
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            f"cannot read '{path}': {exc}", hint="pass a readable UTF-8 text file"
        ) from None


def _arguments(operation: Operation[Any, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The request's fields that the command line set; the model's defaults fill the rest."""
    given = {name: getattr(args, name, None) for name in operation.request.model_fields}
    arguments = {name: value for name, value in given.items() if value is not None}
    for name in operation.cli.from_file:
        if name in arguments:
            arguments[name] = _read_text(arguments[name])
    return arguments
