"""Rank repository files for a free-text query, with the reasons for each score.

Stages, each a separate function so a benchmark can show what it adds:
  mentions     paths, traceback frames, dotted modules and file names written in the text
  bm25         lexical match of the text's words against each file's words and path
  definitions  identifiers in the text that a file defines, weighted by rarity (IDF)
  messages     quoted or raised messages from the text found verbatim in a file
  boosts       the task's allowed paths and target symbols
  propagation  one hop along imports from the best matches
  tests        test files slightly down-weighted unless the text is about tests
Scores are then normalized so the best file has 1.0.

Stages record typed signals (a kind from `Kind`, the weight it added, its evidence)
and later stages decide on kinds, never on wording: a sentence can be reworded
without moving a file. Only `explain` turns signals into the sentences a
`RankedFile` carries, from the one catalogue `MESSAGES`.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum, auto
from pathlib import Path

from codecot_mcp.domain.models import RankedFile
from codecot_mcp.domain.scope import first_match, is_test_path
from codecot_mcp.intel.generated import attribute_matcher, generated_by_header, generated_by_path
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.mentions import FileNames
from codecot_mcp.intel.query import QueryTerms, analyze_query, looks_like_code, normalize_line
from codecot_mcp.intel.words import query_tokens

# ---------------------------------------------------------------- weights (one place, with the why)

# A path written in the text is the strongest evidence there is: people name the file they mean.
PATH_MENTION_WEIGHT = 3.0
# Traceback frames are paths too, but the outer ones are mostly plumbing: weight grows with depth,
# from TRACEBACK_OUTER_FACTOR of a path mention for the outermost repo frame to a full one.
TRACEBACK_OUTER_FACTOR = 0.4
# The deepest frame inside the repository is where the error surfaced: usually the file to change.
TRACEBACK_DEEPEST_BONUS = 1.0
# A dotted module (pkg.mod) is nearly as explicit as a path, but may also be an attribute chain.
MODULE_MENTION_WEIGHT = 2.5
# A bare file name (fields.py, or the stem L036) can match several files; the weight is shared.
BASENAME_MENTION_WEIGHT = 2.0
# Defining a named identifier is strong; the weight is scaled by how rare the name is (IDF in 0..1).
DEFINITION_WEIGHT = 2.0
# Each further name a file defines counts this much less than the one before; 0.7 scored best on
# the dev split (0.5 and 0.85 lost a little).
DEFINITION_DECAY = 0.7
# `parseArgs` in the text for `parse_args` in code: same name, less certain.
NORMALIZED_NAME_FACTOR = 0.7
# A plain lowercase word ("report") that happens to be a name is weaker than one written like code.
PLAIN_WORD_FACTOR = 0.35
# A Capitalized word mid-text is often a class name ("the Nested field"), but may start a sentence.
CAPITALIZED_WORD_FACTOR = 0.7
# BM25 is the broad lexical net, normalized to 0..1 over the repository. With the title weighted
# and template text stripped it is the most reliable single signal: on the SWE-bench dev split MRR
# rose from 0.73 at 1.5 to 0.78 at 7 and fell again at 10 and 14. The other signals then decide
# among files that BM25 already finds close.
BM25_WEIGHT = 7.0
BM25_K1 = 1.2
# An issue's title states its subject; its words count this many times as much as body words
# (3 beat 1.5 and 2 on the dev split).
TITLE_TERM_FACTOR = 3.0
# Words only found in pasted blocks (code, config, logs, SQL) are noisier than the reporter's prose
# (0.25 beat 0.5 and 1.0 on the dev split).
PASTED_TERM_FACTOR = 0.25
# Less length normalization than the usual 0.75: long central modules are where fixes often land
# (0.5 beat 0.3, 0.4, 0.75 and 0.9 on the dev split).
BM25_B = 0.5
# The task says where the change belongs; that is a prior, not proof, so it is below a mention.
BOOST_PATH_WEIGHT = 1.0
# Target symbols are chosen by whoever scoped the task: as strong as a definition named in the text.
BOOST_SYMBOL_WEIGHT = 2.0
# One hop along imports from the top matches: what they use is often what must change too.
# Gains are shares of the source's own score, so they stay small next to it.
PROPAGATION_SOURCES = 5
IMPORTED_BY_TOP_SHARE = 0.2  # files a top match imports
IMPORTED_BY_TEST_SHARE = 0.3  # files a top-matching test imports: the code under test (0.5 overfed hubs)
IMPORTS_TOP_SHARE = 0.08  # files that import a top match (callers), weaker: often many
MAX_IMPORTERS_PER_SOURCE = 20
# (e) co-change: a weak signal from the repository's own history, where it has one.
CO_CHANGE_SOURCES = 3  # top matches whose partners are looked up
CO_CHANGE_PARTNERS = 10  # partners per top match, most frequent first
CO_CHANGE_MIN = 2  # commits two files shared before they count as coupled
CO_CHANGE_CEILING = 0.99  # of the source's score: a partner stays below the file it came from
CO_CHANGE_SHARE = 0.3  # of the top match's score, times the share of its commits they shared
# Tests mention the code they test, so they match nearly as well; the code is usually what to read.
TEST_FILE_FACTOR = 0.7
# Docs, notebooks and data files share the code's words but are rarely what a change is about,
# unless the text names them (then the mention keeps them on top).
NON_CODE_FACTOR = 0.6
# A generated, vendored or bundled file holds its source's words (a bundle every function, a
# parser every grammar rule) but is not where a fix goes, unless the text names it.
GENERATED_FACTOR = 0.3
# Examples, demos and benchmarks use the code's names, often more plainly than the code does;
# a fix goes into the code unless the text names them ("example" alone says nothing: issues
# bring "a minimal example" of their own).
SAMPLE_FACTOR = 0.6
SAMPLE_FOLDERS = frozenset({"example", "examples", "demo", "demos", "sample", "samples"})
# Benchmarks are samples too, unless the text is about speed: then a fix often updates them.
BENCHMARK_FOLDERS = frozenset({"benchmarks", "bench", "asv_bench"})
_SPEED_TALK = re.compile(
    r"\b(?:perf|performance|slow|slower|speed|speedup|faster|benchmarks?)\b", re.IGNORECASE
)
GENERATED_HEADER_FILES = 60  # top files whose first lines are read for a "generated" header
HEADER_BYTES = 2000
ATTRIBUTES_BYTES = 64_000
# A message from the issue found verbatim in a file: that file printed it. Shared when several do.
PHRASE_WEIGHT = 2.5
PHRASE_MAX_FILES = 5

_PATH_CANDIDATE = re.compile(r"[A-Za-z0-9_.\-/\\]+")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")

Postings = dict[str, list[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class Weights:
    """The weights above, as one value: the ranking reads them from here, so `bench holdout` can tune
    them on four repositories and measure the fifth without touching the shipped ones."""

    path_mention: float = PATH_MENTION_WEIGHT
    traceback_outer: float = TRACEBACK_OUTER_FACTOR
    traceback_deepest: float = TRACEBACK_DEEPEST_BONUS
    module_mention: float = MODULE_MENTION_WEIGHT
    basename_mention: float = BASENAME_MENTION_WEIGHT
    definition: float = DEFINITION_WEIGHT
    definition_decay: float = DEFINITION_DECAY
    normalized_name: float = NORMALIZED_NAME_FACTOR
    plain_word: float = PLAIN_WORD_FACTOR
    capitalized_word: float = CAPITALIZED_WORD_FACTOR
    bm25: float = BM25_WEIGHT
    bm25_k1: float = BM25_K1
    title_term: float = TITLE_TERM_FACTOR
    pasted_term: float = PASTED_TERM_FACTOR
    bm25_b: float = BM25_B
    boost_path: float = BOOST_PATH_WEIGHT
    boost_symbol: float = BOOST_SYMBOL_WEIGHT
    imported_by_top: float = IMPORTED_BY_TOP_SHARE
    imported_by_test: float = IMPORTED_BY_TEST_SHARE
    imports_top: float = IMPORTS_TOP_SHARE
    co_change: float = CO_CHANGE_SHARE
    test_file: float = TEST_FILE_FACTOR
    non_code: float = NON_CODE_FACTOR
    generated: float = GENERATED_FACTOR
    sample: float = SAMPLE_FACTOR
    phrase: float = PHRASE_WEIGHT


WEIGHTS = Weights()


# ---------------------------------------------------------------- signals


class Kind(Enum):
    """Every kind of evidence the stages record, declared in the order the stages add them.

    A file's reasons are listed in this order, which is why it follows the stages.
    """

    PATH = auto()  # a repository path written in the text
    FILE_NAME = auto()  # a file name or stem written in the text
    MODULE = auto()  # a dotted module written in the text
    FRAME = auto()  # a traceback frame in the file, not the deepest
    DEEPEST_FRAME = auto()  # the deepest traceback frame inside the repository
    BM25 = auto()  # the text's words, matched lexically
    DEFINITION = auto()  # defines a name written in the text
    MESSAGE = auto()  # contains a message from the text verbatim
    ALLOWED_PATH = auto()  # inside the task's allowed paths
    TARGET_SYMBOL = auto()  # defines one of the task's target symbols
    IMPORTED_BY_TOP = auto()  # imported by a top match
    IMPORTS_TOP = auto()  # imports a top match
    CO_CHANGE = auto()  # changed together with a top match in the recent history
    TEST_FILE = auto()  # a test file, weighted down
    NON_CODE = auto()  # not source code, weighted down
    GENERATED = auto()  # generated, vendored or bundled, weighted down
    SAMPLE = auto()  # an example, demo or benchmark, weighted down


# The text names the file itself, so whatever its kind it is what the text is about and is not
# weighted down. Traceback frames are not among these: a frame in a doc or data file does not keep it up.
NAMING_KINDS = frozenset({Kind.PATH, Kind.FILE_NAME, Kind.MODULE})
_KIND_ORDER = {kind: position for position, kind in enumerate(Kind)}


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence for one file: its kind, what it weighed and what it rests on."""

    kind: Kind
    weight: float  # score added; for TEST_FILE and NON_CODE the factor the score was multiplied by
    evidence: str = ""  # the path, file name, module, function, name, message or top match
    depth: int = 0  # traceback frames: this frame's depth among the repository's frames
    frames: int = 0  # traceback frames: how many frames fall inside the repository
    terms: tuple[tuple[float, str], ...] = ()  # BM25: each matched term's gain, unsorted


@dataclass(frozen=True)
class ScoredFile:
    """A ranked file with the signals behind its score, before they are put into words."""

    path: str
    score: float
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class _Bm25Hits:
    """BM25 touches most files, so its signals are built only for the files in the final list."""

    weights: dict[str, float]
    terms: dict[str, list[tuple[float, str]]]

    def signal(self, path: str) -> Signal | None:
        weight = self.weights.get(path)
        return None if weight is None else Signal(Kind.BM25, weight, terms=tuple(self.terms[path]))


@dataclass
class _Scores:
    """Each file's running score and the signals behind it, as the stages add them."""

    weights: Weights = WEIGHTS
    value: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    signals: dict[str, list[Signal]] = field(default_factory=lambda: defaultdict(list))
    bm25: _Bm25Hits | None = None

    def add(self, path: str, signal: Signal) -> None:
        if signal.weight <= 0:
            return
        self.value[path] += signal.weight
        self.signals[path].append(signal)

    def drop(self, paths: Collection[str]) -> None:
        for path in paths:
            self.value.pop(path, None)
            self.signals.pop(path, None)

    def scale(self, path: str, signal: Signal) -> None:
        """A factor: the file's score is multiplied by the signal's weight."""
        self.value[path] *= signal.weight
        self.signals[path].append(signal)

    def has(self, path: str, kinds: frozenset[Kind]) -> bool:
        """Whether the file has a signal of one of `kinds`: what decisions test, never the wording."""
        if Kind.BM25 in kinds and self.bm25 is not None and path in self.bm25.weights:
            return True
        return any(signal.kind in kinds for signal in self.signals.get(path, ()))

    def signals_of(self, path: str) -> tuple[Signal, ...]:
        """The file's signals in `Kind` order, its BM25 signal built now and put in its place."""
        found = list(self.signals.get(path, ()))
        if self.bm25 is not None and (bm25 := self.bm25.signal(path)):
            found.append(bm25)
        return tuple(sorted(found, key=lambda signal: _KIND_ORDER[signal.kind]))


@dataclass(frozen=True)
class PreparedQuery:
    """A query read once: the pack and the ranking both need its terms, postings and file names."""

    terms: QueryTerms
    postings: Postings
    names: FileNames


def prepare_query(index: CodeIndex, query: str) -> PreparedQuery:
    terms = analyze_query(query, issue_template_lines(index))
    return PreparedQuery(terms, index.postings(terms.tokens), FileNames(index.files()))


def rank_files(
    index: CodeIndex,
    query: str | PreparedQuery,
    *,
    boost_paths: Sequence[str] = (),
    boost_symbols: Sequence[str] = (),
    exclude: Collection[str] = (),
    limit: int = 50,
    weights: Weights = WEIGHTS,
) -> list[RankedFile]:
    """Files best first (score desc, path asc), scores normalized to 1.0 for the top file.

    `exclude` files neither rank nor pass a score on through their imports: a scope is not
    derived from files the change already touched.
    """
    scored = score_files(
        index,
        query,
        boost_paths=boost_paths,
        boost_symbols=boost_symbols,
        exclude=exclude,
        limit=limit,
        weights=weights,
    )
    return [RankedFile(path=item.path, score=item.score, reasons=explain(item.signals)) for item in scored]


def score_files(
    index: CodeIndex,
    query: str | PreparedQuery,
    *,
    boost_paths: Sequence[str] = (),
    boost_symbols: Sequence[str] = (),
    exclude: Collection[str] = (),
    limit: int = 50,
    weights: Weights = WEIGHTS,
) -> list[ScoredFile]:
    """`rank_files` with each file's signals instead of sentences."""
    prepared = query if isinstance(query, PreparedQuery) else prepare_query(index, query)
    terms, postings, names = prepared.terms, prepared.postings, prepared.names
    scores = _Scores(weights)
    _score_mentions(names, terms, scores)
    _score_bm25(index, terms, postings, scores)
    _score_definitions(index, terms, postings, scores)
    _score_phrases(index, terms, scores)
    _score_boosts(index, boost_paths, boost_symbols, scores)
    scores.drop(exclude)
    _score_propagation(index, scores)
    scores.drop(exclude)
    weigher = _KindWeigher(index, terms, scores)
    weigher.weigh(max(1, limit))
    _score_co_change(index, scores, exclude, weigher)
    top = max(scores.value.values(), default=0.0)
    if top <= 0:
        return []
    normalized = sorted(
        ((round(value / top, 4), path) for path, value in scores.value.items() if value > 0),
        key=lambda item: (-item[0], item[1]),
    )
    return [
        ScoredFile(path=path, score=score, signals=scores.signals_of(path))
        for score, path in normalized[: max(0, limit)]
    ]


_ISSUE_TEMPLATE = re.compile(r"^\.github/(?:ISSUE_TEMPLATE[^/]*|ISSUE_TEMPLATE/.+)$", re.I)
_TEMPLATE_KEY = re.compile(
    r"^\s*-?\s*(?:label|description|placeholder|value|title|about|name)\s*:\s*[|>]?", re.I
)
MIN_TEMPLATE_LINE_CHARS = 8  # shorter lines ("```", "---") also occur in real issue text


def issue_template_lines(index: CodeIndex) -> frozenset[str]:
    """Normalized lines of the repository's issue templates, to strip from an issue's text."""
    templates = tuple(
        (path, info.blob)
        for path in index.files()
        if _ISSUE_TEMPLATE.match(path) and (info := index.file_info(path))
    )
    return _template_lines(str(index.root), templates) if templates else frozenset()


@functools.lru_cache(maxsize=32)
def _template_lines(root: str, templates: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """Cached by template path and blob id: a query and its pack read the templates once."""
    lines: set[str] = set()
    for path, _ in templates:
        try:
            text = (Path(root) / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            normalized = normalize_line(_TEMPLATE_KEY.sub("", line))
            if len(normalized) >= MIN_TEMPLATE_LINE_CHARS:
                lines.add(normalized)
    return frozenset(lines)


# ---------------------------------------------------------------- (a) mentions


def _score_mentions(names: FileNames, terms: QueryTerms, scores: _Scores) -> None:
    """Paths, traceback frames, dotted modules and file names; each file keeps its best mention."""
    weights = scores.weights
    best: dict[str, Signal] = {}

    def offer(path: str, signal: Signal) -> None:
        if path not in best or signal.weight > best[path].weight:
            best[path] = signal

    in_repo = [(frame, path) for frame in terms.frames if (path := names.resolve(frame.path))]
    for depth, (frame, path) in enumerate(in_repo, start=1):
        share = weights.traceback_outer + (1 - weights.traceback_outer) * depth / len(in_repo)
        if depth == len(in_repo):
            weight, kind = weights.path_mention + weights.traceback_deepest, Kind.DEEPEST_FRAME
        else:
            weight, kind = weights.path_mention * share, Kind.FRAME
        offer(path, Signal(kind, weight, frame.function, depth, len(in_repo)))
    framed = {frame.path for frame in terms.frames}
    for raw in dict.fromkeys(_PATH_CANDIDATE.findall(terms.text)):
        candidate = raw.rstrip(".-/")
        if candidate in framed or not candidate:
            continue
        matches = names.match_path(candidate)
        for match in matches:
            if match.full:
                offer(match.path, Signal(Kind.PATH, weights.path_mention, match.path))
            else:
                written = candidate.replace("\\", "/").rsplit("/", 1)[-1]
                offer(match.path, Signal(Kind.FILE_NAME, weights.basename_mention / match.owners, written))
        if not matches and "/" not in candidate and _DOTTED.fullmatch(candidate):
            for path, module in names.match_module(candidate):
                offer(path, Signal(Kind.MODULE, weights.module_mention, module))
    for norm, spelled in terms.identifiers.items():
        owners = names.by_stem.get(spelled, [])
        style = 1.0 if norm in terms.code_like else _style_factor(spelled, weights)
        for path in owners:
            offer(path, Signal(Kind.FILE_NAME, weights.basename_mention * style / len(owners), spelled))
    for path in sorted(best):
        scores.add(path, best[path])


# ---------------------------------------------------------------- (a2) messages


def _score_phrases(index: CodeIndex, terms: QueryTerms, scores: _Scores) -> None:
    """Files that contain a quoted or raised message verbatim (candidates from the postings first)."""
    weights = scores.weights
    flat: dict[str, str] = {}  # each candidate file is read once, however many phrases it is tried for
    for phrase in terms.phrases:
        tokens = query_tokens(phrase)
        if not tokens:
            continue
        postings = index.postings(tokens)
        if len(postings) < len(tokens):
            continue  # some word occurs nowhere: the message is not in this repository
        candidates = set.intersection(*({path for path, _ in hits} for hits in postings.values()))
        for path in candidates - flat.keys():
            flat[path] = " ".join(index.read_text(path).lower().split())
        holders = [path for path in sorted(candidates) if phrase in flat[path]]
        if 0 < len(holders) <= PHRASE_MAX_FILES:
            for path in holders:
                scores.add(path, Signal(Kind.MESSAGE, weights.phrase / len(holders), phrase))


# ---------------------------------------------------------------- (b) BM25


def _score_bm25(index: CodeIndex, terms: QueryTerms, postings: Postings, scores: _Scores) -> None:
    weights = scores.weights
    files = index.files()
    if not files or not postings:
        return
    lengths = {path: max(1, info.n_tokens) for path in files if (info := index.file_info(path))}
    average = sum(lengths.values()) / max(1, len(lengths))
    total = len(files)
    raw: dict[str, float] = defaultdict(float)
    parts: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for term, hits in postings.items():
        idf = math.log(1 + (total - len(hits) + 0.5) / (len(hits) + 0.5))
        if term in terms.title_tokens:
            idf *= weights.title_term
        elif term not in terms.prose_tokens:
            idf *= weights.pasted_term
        for path, tf in hits:
            norm = 1 - weights.bm25_b + weights.bm25_b * lengths.get(path, average) / average
            gain = idf * tf * (weights.bm25_k1 + 1) / (tf + weights.bm25_k1 * norm)
            raw[path] += gain
            parts[path].append((gain, term))
    best = max(raw.values(), default=0.0)
    if best <= 0:
        return
    normalized = {path: weights.bm25 * value / best for path, value in raw.items() if value > 0}
    for path, weight in normalized.items():
        scores.value[path] += weight
    scores.bm25 = _Bm25Hits(normalized, parts)


# ---------------------------------------------------------------- (c) definitions


def _score_definitions(index: CodeIndex, terms: QueryTerms, postings: Postings, scores: _Scores) -> None:
    """Files defining a name from the text; rarity is the name's IDF over every file's text."""
    weights = scores.weights
    total = max(1, len(index.files()))
    gains: dict[str, list[tuple[float, str]]] = defaultdict(list)  # path -> (weight, name as shown)
    for norm, symbols in index.definitions_by_norm(terms.identifiers).items():
        spelled = terms.identifiers[norm]
        by_path: dict[str, list[str]] = defaultdict(list)
        for symbol in symbols:
            by_path[symbol.path].append(symbol.name)
        frequency = max(len(by_path), len(postings.get(terms.whole_token(norm), [])))
        rarity = math.log(1 + total / frequency) / math.log(1 + total)
        style = 1.0 if norm in terms.code_like else _style_factor(spelled, weights)
        for path, defined in by_path.items():
            exact = spelled in defined
            weight = weights.definition * rarity * style * (1.0 if exact else weights.normalized_name)
            shown = spelled if exact else defined[0]
            gains[path].append((weight, shown))
    for path, found in gains.items():
        # Diminishing returns: a big module defining many common names named in a pasted snippet
        # must not outweigh the one file that defines the rare name the issue is about. Equal
        # weights go by name, so the order of the reasons does not depend on their wording.
        for rank, (weight, shown) in enumerate(sorted(found, key=lambda item: (-item[0], item[1]))):
            scores.add(path, Signal(Kind.DEFINITION, weight * weights.definition_decay**rank, shown))


def _style_factor(spelled: str, weights: Weights) -> float:
    """How much a name as written looks like code rather than an English word."""
    if looks_like_code(spelled):
        return 1.0
    return weights.capitalized_word if spelled[:1].isupper() else weights.plain_word


# ---------------------------------------------------------------- (e) boosts


def _score_boosts(
    index: CodeIndex, boost_paths: Sequence[str], boost_symbols: Sequence[str], scores: _Scores
) -> None:
    weights = scores.weights
    patterns = [pattern for pattern in boost_paths if pattern.strip()]
    if patterns:
        for path in index.files():
            if first_match(path, patterns):
                scores.add(path, Signal(Kind.ALLOWED_PATH, weights.boost_path))
    for wanted in boost_symbols:
        name = wanted.rsplit(".", 1)[-1].rsplit(":", 1)[-1].strip()
        if not name:
            continue
        symbols = index.definitions(name) or index.search_identifier(name)
        for path in dict.fromkeys(symbol.path for symbol in symbols):
            scores.add(path, Signal(Kind.TARGET_SYMBOL, weights.boost_symbol, name))


# ---------------------------------------------------------------- (d) propagation


def _score_propagation(index: CodeIndex, scores: _Scores) -> None:
    weights = scores.weights
    ordered = sorted(scores.value.items(), key=lambda item: (-item[1], item[0]))[:PROPAGATION_SOURCES]
    if not ordered:
        return
    gains: dict[str, Signal] = {}
    for source, value in ordered:
        share = weights.imported_by_test if is_test_path(source) else weights.imported_by_top
        for target in index.imports_of(source):
            _keep_best(gains, target, Signal(Kind.IMPORTED_BY_TOP, share * value, source))
        for target in index.importers_of(source)[:MAX_IMPORTERS_PER_SOURCE]:
            _keep_best(gains, target, Signal(Kind.IMPORTS_TOP, weights.imports_top * value, source))
    for target in sorted(gains):
        scores.add(target, gains[target])


def _score_co_change(
    index: CodeIndex, scores: _Scores, exclude: Collection[str], weigher: _KindWeigher
) -> None:
    """Source files that changed together with a top match before, by the share of its commits.

    After the file kinds are weighed, so a partner is lifted at most to the final score of
    the file it came from; tests, non-code and `exclude` files are not lifted.
    """
    weights = scores.weights
    history = index.co_change()
    if not history.commits:
        return
    ordered = sorted(scores.value.items(), key=lambda item: (-item[1], item[0]))
    sources = [(path, value) for path, value in ordered if not is_test_path(path)][:CO_CHANGE_SOURCES]
    gains: dict[str, Signal] = {}
    for source, value in sources:
        seen = history.commits.get(source, 0)
        for partner, together in history.partners(source)[:CO_CHANGE_PARTNERS]:
            if together >= CO_CHANGE_MIN and partner not in exclude and _is_code(index, partner):
                weigher.ensure(partner)
                # Derived evidence: it may lift a partner up to its source, never past it.
                room = CO_CHANGE_CEILING * value - scores.value.get(partner, 0.0)
                gain = min(weights.co_change * value * together / seen, room)
                _keep_best(gains, partner, Signal(Kind.CO_CHANGE, gain, source))
    for target in sorted(gains):
        scores.add(target, gains[target])


def _is_code(index: CodeIndex, path: str) -> bool:
    info = index.file_info(path)
    return info is not None and info.language is not None and not is_test_path(path)


class _KindWeigher:
    """(f) Tests below the code they test, unless the text is about tests; non-code, samples
    and generated files lower.

    A factor only lowers a score, so files are weighed best first, and only until the ones
    left cannot reach the list (`need` files, and CO_CHANGE_SOURCES of code, above the best
    of the rest): a common word touches most files of a repository, and they never rank.
    The result is the same as weighing every file. Co-change weighs a partner it lifts first.
    """

    def __init__(self, index: CodeIndex, terms: QueryTerms, scores: _Scores) -> None:
        self.index, self.scores = index, scores
        weights = scores.weights
        # Shared by every file they apply to: they carry no evidence of their own.
        self.test_file = Signal(Kind.TEST_FILE, weights.test_file)
        self.non_code = Signal(Kind.NON_CODE, weights.non_code)
        self.generated = Signal(Kind.GENERATED, weights.generated)
        self.sample = Signal(Kind.SAMPLE, weights.sample)
        self.about_tests = terms.about_tests
        self.speed = bool(_SPEED_TALK.search(terms.text))
        self.marked = attribute_matcher(index.read_head(".gitattributes", ATTRIBUTES_BYTES))
        self.order = sorted(scores.value, key=lambda path: (-scores.value[path], path))
        self.before = dict(scores.value)
        self.partial: set[str] = set()  # tests, non-code and samples weighed
        self.weighed: set[str] = set()  # generated too
        self.header_top: set[str] = set()

    def weigh(self, need: int) -> None:
        self.header_top = self._header_top()
        self._best_first(self.ensure, lambda rest: self._settled(rest, need))

    def _best_first(self, step: Callable[[str], None], enough: Callable[[float], bool]) -> None:
        """`step` each file best first, a chunk at a time, until `enough(the best score left)`."""
        done = 0
        while done < len(self.order):
            for path in self.order[done : done + _WEIGH_CHUNK]:
                step(path)
            done += _WEIGH_CHUNK
            if done < len(self.order) and enough(self.before[self.order[done]]):
                return

    def ensure(self, path: str) -> None:
        """Weigh one file fully, once (a file without a score is left alone)."""
        if path in self.weighed or path not in self.before:
            return
        self._weigh_partial(path)
        self.weighed.add(path)
        if not self.scores.has(path, NAMING_KINDS) and (
            self.marked(path)
            or generated_by_path(path, self.index.has_file)
            or (path in self.header_top and generated_by_header(self.index.read_head(path, HEADER_BYTES)))
        ):
            self.scores.scale(path, self.generated)

    def _weigh_partial(self, path: str) -> None:
        if path in self.partial:
            return
        self.partial.add(path)
        scores = self.scores
        if is_test_path(path) and not self.about_tests:
            scores.scale(path, self.test_file)
        info = self.index.file_info(path)
        if info is not None and info.language is None and not scores.has(path, NAMING_KINDS):
            scores.scale(path, self.non_code)
        if _is_sample(path, self.speed) and not scores.has(path, NAMING_KINDS):
            scores.scale(path, self.sample)

    def _header_top(self) -> set[str]:
        """The files whose header is read: the best GENERATED_HEADER_FILES after the other factors."""
        value = self.scores.value
        self._best_first(
            self._weigh_partial,
            lambda rest: sum(1 for path in self.partial if value[path] > rest) >= GENERATED_HEADER_FILES,
        )
        weighed = [path for path in value if path in self.partial]  # the scores' own order, for ties
        return set(heapq.nlargest(GENERATED_HEADER_FILES, weighed, key=value.__getitem__))

    def _settled(self, rest: float, need: int) -> bool:
        """Whether `need` weighed files, CO_CHANGE_SOURCES of them code, score above `rest`."""
        above = [path for path in self.weighed if self.scores.value[path] > rest]
        return len(above) >= need and sum(1 for path in above if not is_test_path(path)) >= CO_CHANGE_SOURCES


_WEIGH_CHUNK = 32


def _is_sample(path: str, about_speed: bool) -> bool:
    folders = SAMPLE_FOLDERS if about_speed else SAMPLE_FOLDERS | BENCHMARK_FOLDERS
    return any(part in folders for part in path.split("/")[:-1])


def _keep_best(gains: dict[str, Signal], path: str, signal: Signal) -> None:
    if path not in gains or signal.weight > gains[path].weight:
        gains[path] = signal


# ---------------------------------------------------------------- reasons: signals put into words

# The one catalogue of sentences. Wording may change freely: no decision reads it.
MESSAGES: dict[Kind, str] = {
    Kind.PATH: "mentions path '{evidence}'",
    Kind.FILE_NAME: "mentions file name '{evidence}'",
    Kind.MODULE: "mentions module '{evidence}'",
    Kind.FRAME: "traceback frame {depth}/{frames}, in `{evidence}`",
    Kind.DEEPEST_FRAME: "deepest traceback frame, in `{evidence}`",
    Kind.BM25: "BM25 match: {terms}",
    Kind.DEFINITION: "defines `{evidence}` named in the text",
    Kind.MESSAGE: "contains the message '{evidence:.60}'",
    Kind.ALLOWED_PATH: "in the task's allowed paths",
    Kind.TARGET_SYMBOL: "defines target symbol `{evidence}`",
    Kind.IMPORTED_BY_TOP: "imported by top match {evidence}",
    Kind.IMPORTS_TOP: "imports top match {evidence}",
    Kind.CO_CHANGE: "changed together with top match {evidence} before",
    Kind.TEST_FILE: "test file, weighted down",
    Kind.NON_CODE: "not source code, weighted down",
    Kind.GENERATED: "generated, vendored or bundled, weighted down",
    Kind.SAMPLE: "an example, demo or benchmark, weighted down",
}
BM25_REASON_TERMS = 4  # the best-matching words are enough to see why; more is noise


def explain(signals: Iterable[Signal]) -> list[str]:
    """Signals as sentences, in order; a sentence two signals share (same name twice) is said once."""
    sentences = (
        MESSAGES[signal.kind].format(
            evidence=signal.evidence,
            depth=signal.depth,
            frames=signal.frames,
            terms=_best_terms(signal.terms),
        )
        for signal in signals
    )
    return list(dict.fromkeys(sentences))


def _best_terms(terms: Iterable[tuple[float, str]]) -> str:
    """The highest-gain terms, ties by term; sorted here, for listed files only, as sorting costs."""
    ranked = sorted(terms, key=lambda item: (-item[0], item[1]))
    return ", ".join(term for _, term in ranked[:BM25_REASON_TERMS])
