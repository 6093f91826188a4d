"""Build a context pack: the code an agent should read for a query, best first, within a budget.

Stages: rank files (ranking.py); for each top file score candidate pieces (the
definitions around traceback frames, definitions the text names, definitions made
of or using the query's words, the whole file when it is small, an outline of
signatures); order every piece by its score times its file's score; then let the
packer (packer.py) add them while they fit, shrinking a piece that does not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from codecot_mcp.domain.models import ContextPack, RankedFile
from codecot_mcp.errors import CodecotError, InvalidInputError
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.languages import fence_for
from codecot_mcp.intel.packer import DATA_MARKER, EMPTY_NOTE, Packer, PackItem
from codecot_mcp.intel.query import Frame, QueryTerms
from codecot_mcp.intel.ranking import PreparedQuery, prepare_query, rank_files
from codecot_mcp.intel.symbols import Symbol, nesting, render_outline
from codecot_mcp.intel.tokens import estimate_tokens
from codecot_mcp.intel.words import IDENTIFIER, identifier_tokens, normalize_name, split_identifier

__all__ = ["DATA_MARKER", "EMPTY_NOTE", "MIN_TOKEN_BUDGET", "build_pack"]

MIN_TOKEN_BUDGET = 200  # below this not even one function and its header fit
PACK_RANK_LIMIT = 20  # files listed in the pack's ranking
DETAIL_FILES = 10  # files that may contribute spans
MAX_DEFINITIONS_PER_FILE = 8  # dev set at 8k: 5 left edits in unmatched-enough definitions unshown
WHOLE_FILE_RANKS = 3  # only the best few files are worth including whole
WHOLE_FILE_MAX_TOKENS = 800
WHOLE_FILE_MAX_SHARE = 0.4  # of the budget: one whole file must not crowd out the others
WHOLE_FILE_MIN_SCORE = 0.3  # a weak match earns its matching parts, not its whole text
# The top file of code is shown whole when it fits in this share of the budget: the lines a fix
# changes are often in a definition the text does not describe (dev set at 8k: edit coverage
# 31.1% -> 40.7%; the multilingual set, never tuned on: 42.6% -> 52.5%, no repository lower).
WHOLE_TOP_FILE_SHARE = 0.9
HUGE_DEFINITION_SHARE = 0.35  # of the budget: larger classes are shown as header + matching members
HEADER_MAX_LINES = 20
WINDOW_LINES = 30  # for files without definitions (docs, config): lines around the best match

# Piece scores. A piece's priority is its score times its file's ranking score, so the best
# file's good pieces come before a weak file's best one.
TARGET_SYMBOL_SCORE = 10.0  # named by the task's target symbols
TRACEBACK_SCORE = 9.0  # the definition around a traceback frame's line (+1 for the deepest frame)
PHRASE_SCORE = 6.0  # holds a message the text quotes (an error, a warning): where it is raised
MIN_PHRASE_CHARS = 12  # shorter quotes ('None', 'utf-8') are everywhere
NAMED_SCORE = 8.0  # a definition the text names like code; plain words get half; rarity scales both
WHOLE_FILE_SCORE = 7.0  # a small, well-ranked file: everything at once
NAME_WORDS_SCORE = 3.0  # a name made of the query's words (IDF-weighted share of its parts)
BODY_WORDS_SCORE = 2.0  # a body using the query's words (IDF-weighted share of all of them)
CONTAINER_BODY_FACTOR = 0.5  # a class "uses" every word its methods use; prefer the methods
WINDOW_SCORE = 2.0  # docs/config without definitions: the lines around the best match
OUTLINE_SCORE = 1.5  # the map of a file's definitions
# An outline shows no code to change; below the top file only its top-level names, so the
# budget goes to code (dev set at 8k: outlines of files ranked 2-10 took over half of it).
OUTLINE_FULL_RANKS = 1
MIN_PIECE_SCORE = 0.3  # below this a definition shows only in the outline
# A fix often adds an import or a module constant: the top files' import block is worth its few
# lines once their matching definitions are in (dev set: 1 in 4 missed hunks sat in it).
IMPORTS_SCORE = 2.5
IMPORTS_RANKS = 3  # files whose import block is offered
IMPORTS_MAX_LINES = 40  # of a longer block, the end: where a new import goes
# A class the text names is changed in its constructor more often than anywhere else.
CONSTRUCTOR_FACTOR = 0.8  # of the class's score
CONSTRUCTOR_NAMES = frozenset({"__init__", "constructor", "initialize", "new", "__new__", "__post_init__"})
# Lines that import at the top of a file, in the languages the index reads.
_IMPORT_LINE = re.compile(
    r"(?:import|from|use|using|require|require_relative|package|extern crate|#\s*include)\b"
    r"|(?:const|let|var)\s+\S.*=\s*require\("
)


@dataclass(frozen=True)
class _Context:
    """Everything piece scoring needs about the query, computed once per pack."""

    terms: QueryTerms
    weights: dict[str, float]  # query token -> IDF in 0..1 (tokens absent from the repo left out)
    frames: dict[str, list[Frame]]  # repo path -> traceback frames in it
    deepest: Frame | None
    targets: frozenset[str]  # normalized target symbol names
    budget: int


def build_pack(
    index: CodeIndex,
    query: str,
    token_budget: int,
    *,
    task_id: str | None = None,
    boost_paths: Sequence[str] = (),
    boost_symbols: Sequence[str] = (),
) -> ContextPack:
    """Rank files for `query` and pack their most relevant spans within `token_budget` tokens."""
    if token_budget < MIN_TOKEN_BUDGET:
        raise InvalidInputError(
            f"token_budget {token_budget} is too small",
            hint=f"pass at least {MIN_TOKEN_BUDGET}; 4000-8000 is typical",
        )
    prepared = prepare_query(index, query)
    ranked = rank_files(
        index, prepared, boost_paths=boost_paths, boost_symbols=boost_symbols, limit=PACK_RANK_LIMIT
    )
    packer = Packer(token_budget)
    if ranked:
        context = _context(index, prepared, boost_symbols, token_budget)
        for item in _candidates(index, ranked, context):
            packer.offer(item)
    text = packer.text(empty=not ranked)
    return ContextPack(
        query=query,
        task_id=task_id,
        token_budget=token_budget,
        tokens_used=estimate_tokens(text),
        files=ranked,
        spans=packer.spans,
        text=text,
    )


def _context(
    index: CodeIndex, prepared: PreparedQuery, boost_symbols: Sequence[str], budget: int
) -> _Context:
    terms, names = prepared.terms, prepared.names
    total = max(1, len(index.files()))
    weights = {
        token: math.log(1 + total / len(hits)) / math.log(1 + total)
        for token, hits in prepared.postings.items()
    }
    frames: dict[str, list[Frame]] = {}
    deepest: Frame | None = None
    for frame in terms.frames:
        path = names.resolve(frame.path)
        if path:
            frames.setdefault(path, []).append(frame)
            deepest = frame
    targets = frozenset(normalize_name(name.rsplit(".", 1)[-1]) for name in boost_symbols if name.strip())
    return _Context(terms, weights, frames, deepest, targets, budget)


# ---------------------------------------------------------------- candidates


def _candidates(index: CodeIndex, ranked: list[RankedFile], context: _Context) -> list[PackItem]:
    """Every top file's pieces, ordered by piece score x file score (ties: rank, then piece order)."""
    scored: list[tuple[float, int, PackItem]] = []
    for rank, ranked_file in enumerate(ranked[:DETAIL_FILES], start=1):
        try:
            text = index.read_text(ranked_file.path)
        except CodecotError:
            continue  # deleted since the index was refreshed
        for score, item in _file_pieces(index, ranked_file, rank, text, context):
            scored.append((score * ranked_file.score, len(scored), item))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [item for _, _, item in scored]


def _file_pieces(
    index: CodeIndex, ranked: RankedFile, rank: int, text: str, context: _Context
) -> list[tuple[float, PackItem]]:
    lines = text.splitlines()
    symbols = index.definitions_in(ranked.path)
    fence = fence_for(info.language) if (info := index.file_info(ranked.path)) else ""
    base = PackItem(ranked.path, 1, max(1, len(lines)), "file", "", "", fence)
    matched = _match_definitions(symbols, lines, context, context.frames.get(ranked.path, []))
    pieces = [
        (score, _definition_item(base, lines, symbols, symbol, reason, context.budget))
        for symbol, score, reason in matched[:MAX_DEFINITIONS_PER_FILE]
    ]
    size = estimate_tokens(text)
    small = size <= min(WHOLE_FILE_MAX_TOKENS, context.budget * WHOLE_FILE_MAX_SHARE)
    code = info is not None and info.language is not None  # not a man page or release notes
    top = rank == 1 and code and size <= context.budget * WHOLE_TOP_FILE_SHARE
    if rank <= WHOLE_FILE_RANKS and ranked.score >= WHOLE_FILE_MIN_SCORE and (small or top):
        what = "small file" if small else "the top file, whole"
        whole = replace(base, body=text.rstrip("\n"), reason=_file_reason(ranked, rank, what))
        pieces.insert(0, (max([WHOLE_FILE_SCORE, *(score for score, _ in pieces)]), whole))
    elif not symbols and lines:
        pieces.append((WINDOW_SCORE, _window_item(base, lines, context, ranked, rank)))
    if symbols:
        pieces += _constructors(base, lines, symbols, matched, context.budget)
        pieces.append((OUTLINE_SCORE, _outline_item(base, symbols, rank, compact=rank > OUTLINE_FULL_RANKS)))
    imports = _imports_item(base, lines, symbols, ranked, rank) if rank <= IMPORTS_RANKS else None
    if imports is not None and not (pieces and pieces[0][1].kind == "file"):
        pieces.append((IMPORTS_SCORE, imports))
    return pieces


def _constructors(
    base: PackItem,
    lines: list[str],
    symbols: list[Symbol],
    matched: list[tuple[Symbol, float, str]],
    budget: int,
) -> list[tuple[float, PackItem]]:
    """The constructor of each class shown, when the class earned a place and its constructor did not."""
    shown = {symbol for symbol, _, _ in matched[:MAX_DEFINITIONS_PER_FILE]}
    found: list[tuple[float, PackItem]] = []
    for container, score, _ in matched[:MAX_DEFINITIONS_PER_FILE]:
        members = [
            s
            for s in symbols
            if s.name in CONSTRUCTOR_NAMES
            and s != container
            and s not in shown
            and container.start_line <= s.start_line <= container.end_line
        ]
        for member in members[:1]:
            reason = f"constructor of `{container.name}`"
            found.append(
                (score * CONSTRUCTOR_FACTOR, _definition_item(base, lines, symbols, member, reason, budget))
            )
    return found


def _imports_item(
    base: PackItem, lines: list[str], symbols: list[Symbol], ranked: RankedFile, rank: int
) -> PackItem | None:
    """The file's import block: from its first import to its last one before the first definition."""
    first_definition = min((s.start_line for s in symbols), default=len(lines) + 1)
    found = [n for n, line in enumerate(lines[: first_definition - 1], start=1) if _IMPORT_LINE.match(line)]
    if not found:
        return None
    start, end = found[0], found[-1]
    start = max(start, end - IMPORTS_MAX_LINES + 1)
    return _lines_item(base, lines, start, end, _file_reason(ranked, rank, "imports"), can_trim=False)


def _match_definitions(
    symbols: list[Symbol], lines: list[str], context: _Context, frames: list[Frame]
) -> list[tuple[Symbol, float, str]]:
    """Definitions worth showing on their own, best first, each with its score and reason."""
    terms, weights = context.terms, context.weights
    containers = {ancestor for _, ancestors in nesting(symbols) for ancestor in ancestors}
    line_words = _line_words(lines, weights)
    phrase_lines = _phrase_lines(lines, terms.phrases)
    all_weight = sum(weights.values()) or 1.0
    scored: list[tuple[Symbol, float, str]] = []
    for symbol in symbols:
        norm = normalize_name(symbol.name)
        framed = [
            f for f in frames if f.function == symbol.name and symbol.start_line <= f.line <= symbol.end_line
        ]
        if norm in context.targets:
            scored.append((symbol, TARGET_SYMBOL_SCORE, f"target symbol `{symbol.name}`"))
        elif framed:
            bonus = 1.0 if context.deepest in framed else 0.0
            reason = f"traceback frame at line {framed[-1].line}, in `{symbol.name}`"
            scored.append((symbol, TRACEBACK_SCORE + bonus, reason))
        elif quoted := [n for n in phrase_lines if symbol.start_line <= n <= symbol.end_line]:
            factor = CONTAINER_BODY_FACTOR if symbol in containers else 1.0
            scored.append(
                (symbol, PHRASE_SCORE * factor, f"holds a message quoted in the text (line {quoted[0]})")
            )
        elif norm in terms.identifiers:
            rarity = weights.get(terms.whole_token(norm), 1.0)
            style = 1.0 if norm in terms.code_like else 0.5
            score = NAMED_SCORE * (0.5 + 0.5 * rarity) * style
            scored.append((symbol, score, f"defines `{symbol.name}` named in the text"))
        else:
            parts = split_identifier(symbol.name) or (symbol.name.lower(),)
            hits = [part for part in dict.fromkeys(parts) if part in weights]
            name_score = NAME_WORDS_SCORE * sum(weights[part] for part in hits) / len(parts)
            used: set[str] = set().union(*line_words[symbol.start_line - 1 : symbol.end_line])
            body_score = BODY_WORDS_SCORE * math.fsum(weights[word] for word in used) / all_weight
            if symbol in containers:
                body_score *= CONTAINER_BODY_FACTOR
            if name_score + body_score >= MIN_PIECE_SCORE:
                best_used = sorted(used, key=lambda word: (-weights[word], word))[:4]
                reason = f"name matches: {', '.join(hits)}" if hits else f"uses: {', '.join(best_used)}"
                scored.append((symbol, name_score + body_score, reason))
    scored.sort(key=lambda item: (-item[1], item[0].end_line - item[0].start_line, item[0].start_line))
    return scored


def _phrase_lines(lines: list[str], phrases: Sequence[str]) -> list[int]:
    """Lines (1-based) that hold a message the text quotes, as code writes it (case aside)."""
    wanted = [p for p in phrases if len(p) >= MIN_PHRASE_CHARS]
    if not wanted:
        return []
    lowered = (line.lower() for line in lines)
    return [n for n, line in enumerate(lowered, start=1) if any(p in line for p in wanted)]


def _line_words(lines: list[str], weights: dict[str, float]) -> list[set[str]]:
    """For each line, the query words it contains (only those: the sets stay tiny)."""
    wanted: dict[str, frozenset[str]] = {}  # each name's query words, worked out once per file
    result: list[set[str]] = []
    for line in lines:
        found: set[str] = set()
        for name in IDENTIFIER.findall(line):
            words = wanted.get(name)
            if words is None:
                words = wanted[name] = frozenset(t for t in identifier_tokens(name) if t in weights)
            if words:
                found |= words
        result.append(found)
    return result


def _definition_item(
    base: PackItem, lines: list[str], symbols: list[Symbol], symbol: Symbol, reason: str, budget: int
) -> PackItem:
    """The whole definition, or for a huge container its header; smaller fallbacks attached."""
    whole = replace(
        base,
        start=symbol.start_line,
        end=symbol.end_line,
        kind="definition",
        body=_slice(lines, symbol.start_line, symbol.end_line),
        reason=reason,
        symbol=symbol.name,
        can_trim=True,
    )
    members = [s for s in symbols if s != symbol and symbol.start_line <= s.start_line <= symbol.end_line]
    header_end = min(symbol.end_line, symbol.start_line + HEADER_MAX_LINES - 1)
    if members:
        header_end = min(header_end, max(symbol.start_line, min(s.start_line for s in members) - 1))
    header = replace(
        whole,
        end=header_end,
        kind="lines",
        body=_slice(lines, symbol.start_line, header_end),
        reason=f"header of `{symbol.name}`: {reason}",
        can_trim=False,
    )
    signature = replace(
        whole,
        end=symbol.start_line,
        kind="lines",
        body=_slice(lines, symbol.start_line, symbol.start_line),
        reason=f"first line of `{symbol.name}`: {reason}",
        can_trim=False,
    )
    if members and estimate_tokens(whole.body) > budget * HUGE_DEFINITION_SHARE:
        header.alternatives = [signature]
        return header
    whole.alternatives = [header, signature] if members else [signature]
    return whole


def _outline_item(base: PackItem, symbols: list[Symbol], rank: int, *, compact: bool = False) -> PackItem:
    """The map of a file's definitions; below the top file only its top-level names."""
    outline = replace(
        base,
        kind="outline",
        body=render_outline(symbols, max_depth=0) if compact else render_outline(symbols),
        reason=f"outline of the file ranked {rank}",
        label="outline",
        can_trim=True,
        fence="",
    )
    outline.alternatives = [replace(outline, body=render_outline(symbols, max_depth=0))]
    return outline


def _window_item(
    base: PackItem, lines: list[str], context: _Context, ranked: RankedFile, rank: int
) -> PackItem:
    """For a file without definitions: the lines around its densest match with the query."""
    weights = context.weights
    # fsum: a set's order changes with the process's hash seed, and a float sum with its order
    scores = [math.fsum(weights[word] for word in words) for words in _line_words(lines, weights)]
    best_line = max(range(len(scores)), key=lambda i: (scores[i], -i)) + 1 if scores else 1
    start = max(1, best_line - WINDOW_LINES // 3)
    end = min(max(1, len(lines)), start + WINDOW_LINES - 1)
    return _lines_item(
        base, lines, start, end, _file_reason(ranked, rank, "best matching lines"), can_trim=True
    )


def _lines_item(
    base: PackItem, lines: list[str], start: int, end: int, reason: str, *, can_trim: bool
) -> PackItem:
    """A run of a file's lines that is not one definition."""
    return replace(
        base,
        start=start,
        end=end,
        kind="lines",
        body=_slice(lines, start, end),
        reason=reason,
        can_trim=can_trim,
    )


def _file_reason(ranked: RankedFile, rank: int, what: str) -> str:
    return f"{what}, ranked {rank}: {'; '.join(ranked.reasons[:2])}"


def _slice(lines: list[str], start: int, end: int) -> str:
    return "\n".join(lines[start - 1 : end])
