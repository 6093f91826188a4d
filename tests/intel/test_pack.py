from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.pack import DATA_MARKER, MIN_TOKEN_BUDGET, build_pack
from codecot_mcp.intel.tokens import estimate_tokens
from tests.intel.helpers import build_repo
from tests.intel.samples import SAMPLE_FILES

BIG_CLASS = 'class Engine:\n    """Many small methods."""\n\n' + "".join(
    f"    def step_{n}(self, value):\n        total = value + {n}\n        return total * {n}\n\n"
    for n in range(600)  # too big to be packed whole, even as the top file at 8k
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CodeIndex]:
    files = {**SAMPLE_FILES, "engine/core.py": BIG_CLASS, "docs/guide.md": "# Guide\n\n```py\nx = 1\n```\n"}
    root = build_repo(tmp_path_factory.mktemp("pack") / "repo", files)
    with CodeIndex.open(root) as opened:
        yield opened


QUERIES = [
    "parse_args returns the wrong rows",
    "Engine step_42 overflows for large values",
    "ledger balance and order shipping and cart checkout",
    "see docs/guide.md",
]


@pytest.mark.parametrize("budget", [200, 300, 500, 1000, 2500, 8000])
@pytest.mark.parametrize("query", QUERIES)
def test_pack_stays_within_budget_with_valid_spans(index: CodeIndex, query: str, budget: int) -> None:
    pack = build_pack(index, query, budget)
    assert pack.tokens_used == estimate_tokens(pack.text) <= budget
    assert sum(span.tokens for span in pack.spans) <= budget
    assert pack.text.startswith(DATA_MARKER)
    for span in pack.spans:
        lines = len(index.read_text(span.path).splitlines())
        assert 1 <= span.start_line <= span.end_line <= max(1, lines)
        assert f"## {span.path}:{span.start_line}-{span.end_line}" in pack.text


def test_pack_contains_the_named_function_with_its_reason(index: CodeIndex) -> None:
    pack = build_pack(index, "parse_args returns the wrong rows", 2000)
    first = pack.spans[0]
    assert first.path == "src/shop/report.py"
    assert first.start_line <= 13 and first.end_line >= 15
    assert "def parse_args(argv):" in pack.text
    assert "defines `parse_args` named in the text" in pack.text


def test_a_huge_class_is_packed_as_header_plus_matching_method(index: CodeIndex) -> None:
    pack = build_pack(index, "Engine step_42 overflows for large values", 1500)
    engine = [span for span in pack.spans if span.path == "engine/core.py"]
    assert ("step_42", "definition") in {(span.symbol, span.kind) for span in engine}
    header = next(span for span in engine if span.symbol == "Engine")
    assert header.kind == "lines"
    assert header.end_line - header.start_line < 20
    assert "total * 41" not in pack.text  # the other methods appear only in the outline, if at all


def test_outline_follows_the_matching_definitions(index: CodeIndex) -> None:
    pack = build_pack(index, "Engine step_42 overflows for large values", 8000)
    kinds = [span.kind for span in pack.spans if span.path == "engine/core.py"]
    assert "outline" in kinds
    assert kinds.index("outline") > kinds.index("definition")


def test_small_top_files_are_packed_whole(index: CodeIndex) -> None:
    pack = build_pack(index, "parse_args returns the wrong rows", 8000)
    assert ("src/shop/report.py", "file") in {(span.path, span.kind) for span in pack.spans}
    assert SAMPLE_FILES["src/shop/report.py"].rstrip("\n") in pack.text


def test_fences_are_longer_than_any_backtick_run_in_the_content(index: CodeIndex) -> None:
    pack = build_pack(index, "see docs/guide.md", 1000)
    assert pack.spans[0].path == "docs/guide.md"
    assert re.search(r"^````markdown$|^````$", pack.text, re.M)


def test_a_query_matching_nothing_gives_an_empty_pack(index: CodeIndex) -> None:
    pack = build_pack(index, "zyxwvut qqqq", 1000, task_id="T-1")
    assert (pack.files, pack.spans, pack.task_id) == ([], [], "T-1")
    assert pack.text.startswith(DATA_MARKER)
    assert pack.tokens_used <= 1000


def test_a_budget_below_the_minimum_is_refused_with_a_hint(index: CodeIndex) -> None:
    with pytest.raises(InvalidInputError) as raised:
        build_pack(index, "parse_args", MIN_TOKEN_BUDGET - 1)
    assert raised.value.hint


def test_boosts_bring_task_files_into_the_pack(index: CodeIndex) -> None:
    pack = build_pack(index, "rounding", 3000, boost_paths=["cs/**"], boost_symbols=["Amount"])
    assert pack.files[0].path == "cs/Payment.cs"
    assert "cs/Payment.cs" in {span.path for span in pack.spans}


def test_pack_is_deterministic(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "repo")
    with CodeIndex.open(root) as first, CodeIndex.open(root) as second:
        assert build_pack(first, "order ship cart", 1200) == build_pack(second, "order ship cart", 1200)


def test_the_definition_around_a_traceback_frame_is_packed_first(index: CodeIndex) -> None:
    query = (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/engine/core.py", line 173, in step_42\n'
        "    return total * 42\n"
        "OverflowError: too big\n"
    )
    pack = build_pack(index, query, 3000)
    first = pack.spans[0]
    assert (first.path, first.symbol, first.start_line, first.end_line) == (
        "engine/core.py",
        "step_42",
        172,
        174,
    )
    assert first.reason == "traceback frame at line 173, in `step_42`"


def _padded_module(header: str, body: str) -> str:
    """A module too big to be packed whole: its header, the code under test, and filler functions."""
    filler = "".join(f"\n\ndef unrelated_{n}(value):\n    return value * {n} + {n}\n" for n in range(1200))
    return header + body + filler


def test_the_top_file_is_shown_whole_when_it_fits_in_most_of_the_budget(tmp_path: Path) -> None:
    """The edit is often in a definition the text does not describe (here `_load`, under `read`)."""
    body = "\n\ndef read(path):\n    return _load(path)\n\n\ndef _load(path):\n    return open(path).read()\n"
    filler = "".join(f"\n\ndef unrelated_{n}(value):\n    return value * {n} + {n}\n" for n in range(60))
    root = build_repo(tmp_path / "repo", {"app/reader.py": body + filler, "app/other.py": "X = 1\n"})
    with CodeIndex.open(root) as index:
        size = estimate_tokens(index.read_text("app/reader.py"))
        whole = build_pack(index, "read fails on a missing path", 8000)
        small = build_pack(index, "read fails on a missing path", size)  # below 0.9 of it: in parts
    assert 800 < size < 0.9 * 8000  # above the small-file limit, so only the top-file rule shows it
    assert [(s.path, s.kind) for s in whole.spans][:1] == [("app/reader.py", "file")]
    assert "the top file, whole" in whole.text and "def _load(path):" in whole.text
    assert "file" not in {s.kind for s in small.spans if s.path == "app/reader.py"}


def test_the_top_files_import_block_is_packed(tmp_path: Path) -> None:
    header = '"""Widgets."""\n\nimport os\nimport sys\nfrom typing import Any\n\nLIMIT = 3\n'
    body = "\n\ndef render_widget(widget: Any) -> str:\n    return os.fspath(widget)\n"
    root = build_repo(tmp_path / "repo", {"app/widgets.py": _padded_module(header, body)})
    with CodeIndex.open(root) as index:
        pack = build_pack(index, "render_widget fails for a Path widget", 3000)
    imports = [s for s in pack.spans if s.path == "app/widgets.py" and s.start_line == 3]
    assert imports and imports[0].end_line == 5, pack.spans
    assert "imports, ranked 1" in pack.text


def test_a_named_class_brings_its_constructor(tmp_path: Path) -> None:
    body = (
        "\n\nclass Blueprint:\n    def __init__(self, name):\n        self.name = name\n\n"
        "    def register(self, app):\n        app.blueprints[self.name] = self\n"
    )
    filler = "".join(f"\n    def helper_{n}(self):\n        return {n}\n" for n in range(200))
    root = build_repo(tmp_path / "repo", {"app/blueprints.py": _padded_module("", body + filler)})
    with CodeIndex.open(root) as index:
        pack = build_pack(index, "Blueprint names with dots should raise an error in register", 2000)
    constructor = [s for s in pack.spans if s.start_line == 4 and s.end_line == 5]
    assert constructor, pack.spans
    assert "constructor of `Blueprint`" in pack.text


def test_below_the_top_files_an_outline_lists_only_top_level_names(tmp_path: Path) -> None:
    files = {
        f"app/ledger_{n}.py": f"class Ledger{n}:\n    def balance(self):\n        return {n}\n"
        + "".join(
            f"\n    def entry_{m}(self):\n        first = self.balance() * {m}\n"
            f"        second = first + {m} * {m} - self.balance()\n        return first + second\n"
            for m in range(400)  # long bodies: too big to be packed whole, a short outline
        )
        for n in range(6)
    }
    root = build_repo(tmp_path / "repo", files)
    with CodeIndex.open(root) as index:
        pack = build_pack(index, "ledger balance is wrong", 16000)
    ranks = {f.path: n for n, f in enumerate(pack.files, start=1)}
    outlines = {s.path: s for s in pack.spans if s.kind == "outline"}
    deep = [p for p in outlines if ranks[p] > 1]
    assert deep, pack.spans

    def shown(path: str) -> str:
        span = outlines[path]
        return pack.text.split(f"## {path}:{span.start_line}-{span.end_line}", 1)[1].split("\n## ", 1)[0]

    assert "entry_1" not in shown(deep[0]) and "Ledger" in shown(deep[0])  # members left out
    assert "entry_1" in shown(next(p for p in outlines if ranks[p] == 1))


def test_the_definition_that_raises_a_quoted_message_is_shown(tmp_path: Path) -> None:
    body = (
        "\n\ndef check_settings(settings):\n    if settings.depth > 3:\n"
        '        raise ValueError("nesting deeper than three levels is not supported")\n'
        "    return settings\n"
    )
    root = build_repo(tmp_path / "repo", {"app/settings.py": _padded_module("", body)})
    with CodeIndex.open(root) as index:
        pack = build_pack(
            index, 'Loading fails with "Nesting deeper than three levels is not supported"', 2000
        )
    assert any(s.start_line == 3 and s.end_line == 6 for s in pack.spans), pack.spans
    assert "holds a message quoted in the text" in pack.text


# Three words on one line whose float sum depends on the order they are added in (0.1 + 0.2 +
# 0.3 is 0.6000000000000001, 0.3 + 0.2 + 0.1 is 0.6), and a line of one word worth 0.6 before
# them: the window must be the same under every hash seed (a set's order follows the seed).
_WINDOW_SCRIPT = """
from types import SimpleNamespace
from codecot_mcp.intel.pack import _window_item
from codecot_mcp.intel.packer import PackItem
from codecot_mcp.domain.models import RankedFile
lines = ["delta"] + ["filler"] * 60 + ["alpha beta gamma"]
weights = {"alpha": 0.1, "beta": 0.2, "gamma": 0.3, "delta": 0.6}
base = PackItem("notes.txt", 1, 1, "lines", "", "", "")
ranked = RankedFile(path="notes.txt", score=1.0, reasons=[])
item = _window_item(base, lines, SimpleNamespace(weights=weights), ranked, 1)
print(item.start)
"""


def test_the_window_of_a_file_without_definitions_does_not_depend_on_the_hash_seed() -> None:
    starts = set()
    for seed in range(8):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        done = subprocess.run(
            [sys.executable, "-c", _WINDOW_SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        starts.add(int(done.stdout))
    assert starts == {1}
