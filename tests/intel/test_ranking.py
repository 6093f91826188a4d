from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from codecot_mcp.domain.scope import glob_match, is_test_path
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.query import analyze_query
from codecot_mcp.intel.ranking import (
    BM25_WEIGHT,
    MESSAGES,
    NON_CODE_FACTOR,
    PATH_MENTION_WEIGHT,
    WEIGHTS,
    Kind,
    Signal,
    explain,
    rank_files,
    score_files,
)
from tests.intel.helpers import build_repo


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CodeIndex]:
    root = build_repo(tmp_path_factory.mktemp("ranking") / "repo")
    with CodeIndex.open(root) as opened:
        yield opened


def reasons_of(index: CodeIndex, query: str, path: str, **boosts: list[str]) -> list[str]:
    ranked = {item.path: item.reasons for item in rank_files(index, query, **boosts)}  # type: ignore[arg-type]
    return ranked.get(path, [])


def signals_of(index: CodeIndex, query: str, path: str) -> tuple[Signal, ...]:
    return next((item.signals for item in score_files(index, query) if item.path == path), ())


def test_file_defining_a_mentioned_function_ranks_first_and_says_why(index: CodeIndex) -> None:
    ranked = rank_files(index, "parse_args returns the wrong rows when argv is empty")
    assert ranked[0].path == "src/shop/report.py"
    assert ranked[0].score == 1.0
    assert "defines `parse_args` named in the text" in ranked[0].reasons


@pytest.mark.parametrize(
    ("query", "top", "reason"),
    [
        ("the bug is in web/order.ts", "web/order.ts", "mentions path 'web/order.ts'"),
        (
            "see https://example.com/blob/main/rust/src/util.rs#L2",
            "rust/src/util.rs",
            "mentions path 'rust/src/util.rs'",
        ),
        ("shop.util joins rows wrong", "src/shop/util.py", "mentions module 'shop.util'"),
        ("Payment.cs rounds amounts", "cs/Payment.cs", "mentions file name 'Payment.cs'"),
        ("makeOrder should validate ids", "web/order.ts", "defines `makeOrder` named in the text"),
        ("make_order should validate ids", "web/order.ts", "defines `makeOrder` named in the text"),
    ],
)
def test_explicit_mentions_rank_their_file_first(index: CodeIndex, query: str, top: str, reason: str) -> None:
    ranked = rank_files(index, query)
    assert ranked[0].path == top
    assert reason in ranked[0].reasons


def test_bm25_explains_the_words_that_matched(index: CodeIndex) -> None:
    ranked = rank_files(index, "ledger entries balance")
    assert ranked[0].path == "rust/src/lib.rs"
    assert any(reason.startswith("BM25 match: ") and "ledger" in reason for reason in ranked[0].reasons)


def test_files_imported_by_the_top_match_are_pulled_in(index: CodeIndex) -> None:
    assert "imported by top match src/shop/report.py" in reasons_of(index, "parse_args", "src/shop/util.py")


def test_test_files_rank_below_the_code_they_test(index: CodeIndex) -> None:
    paths = [item.path for item in rank_files(index, "parse_args")]
    assert paths.index("src/shop/report.py") < paths.index("tests/test_report.py")
    assert "test file, weighted down" in reasons_of(index, "parse_args", "tests/test_report.py")


def test_test_files_are_not_weighted_down_when_the_text_is_about_tests(index: CodeIndex) -> None:
    reasons = reasons_of(index, "the test for parse_args fails", "tests/test_report.py")
    assert reasons
    assert "test file, weighted down" not in reasons


def test_allowed_paths_and_target_symbols_boost_files(index: CodeIndex) -> None:
    ranked = rank_files(index, "rounding", boost_paths=["ruby/**"], boost_symbols=["Ledger"])
    by_path = {item.path: item.reasons for item in ranked}
    assert "in the task's allowed paths" in by_path["ruby/invoice.rb"]
    assert "in the task's allowed paths" in by_path["ruby/helper.rb"]
    assert "defines target symbol `Ledger`" in by_path["rust/src/lib.rs"]


def test_scores_are_normalized_and_ordered_deterministically(index: CodeIndex) -> None:
    ranked = rank_files(index, "order ship status cart helper")
    assert ranked[0].score == 1.0
    assert all(0 < item.score <= 1 for item in ranked)
    assert [(-i.score, i.path) for i in ranked] == sorted((-i.score, i.path) for i in ranked)
    assert ranked == rank_files(index, "order ship status cart helper")


def test_limit_caps_the_number_of_files(index: CodeIndex) -> None:
    assert len(rank_files(index, "order ship status cart helper", limit=2)) == 2


def test_a_query_matching_nothing_ranks_nothing(index: CodeIndex) -> None:
    assert rank_files(index, "zyxwvut qqqq") == []
    assert rank_files(index, "") == []


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("src/**", "src/shop/report.py", True),
        ("src/**/*.py", "src/shop/report.py", True),
        ("**/report.py", "src/shop/report.py", True),
        ("src/*.py", "src/shop/report.py", False),
        ("src/shop/*.py", "src/shop/report.py", True),
        ("src/", "src/shop/report.py", True),
        ("web/?art.js", "web/cart.js", True),
        ("web/cart.js", "web/cart.jsx", False),
    ],
)
def test_globs_match_like_task_scopes(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(path, pattern) is matches


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/test_report.py", True),
        ("src/shop/test_x.py", True),
        ("pkg/store_test.go", True),
        ("web/cart.test.ts", True),
        ("web/__tests__/cart.js", True),
        ("src/test/java/AccountTest.java", True),
        ("spec/invoice_spec.rb", True),
        ("src/shop/report.py", False),
        ("src/contest.py", False),
    ],
)
def test_test_files_are_recognized_by_folder_or_name(path: str, is_test: bool) -> None:
    assert is_test_path(path) is is_test


def test_query_analysis_marks_code_like_identifiers() -> None:
    terms = analyze_query("When `render` is called, parse_args and ParseArgs and parseArgs break the Report")
    assert {"render", "parse_args"} <= terms.code_like
    assert "report" not in terms.code_like
    assert terms.identifiers["parse_args"] == "parse_args"
    assert "when" not in terms.tokens
    assert {"parse", "args", "parse_args", "render", "report"} <= set(terms.tokens)


TRACEBACK = """Crash when rendering:

Traceback (most recent call last):
  File "/home/me/venv/lib/python3.11/site-packages/shop/report.py", line 15, in parse_args
    return Report().render(argv)
  File "/home/me/venv/lib/python3.11/site-packages/shop/report.py", line 10, in render
    return helper(rows)
  File "/home/me/venv/lib/python3.11/site-packages/shop/util.py", line 2, in helper
    return ",".join(rows)
TypeError: sequence item 0: expected str instance, int found
"""


def test_traceback_frames_rank_their_files_and_the_deepest_counts_most(index: CodeIndex) -> None:
    ranked = rank_files(index, TRACEBACK)
    assert {item.path for item in ranked[:2]} == {"src/shop/util.py", "src/shop/report.py"}
    assert "deepest traceback frame, in `helper`" in reasons_of(index, TRACEBACK, "src/shop/util.py")
    assert "traceback frame 2/3, in `render`" in reasons_of(index, TRACEBACK, "src/shop/report.py")


def test_issue_template_comments_are_not_mentions(index: CodeIndex) -> None:
    query = "<!-- Please read README.md before filing -->\nparse_args drops rows"
    assert not any("README.md" in reason for reason in reasons_of(index, query, "README.md"))


def test_a_word_naming_a_file_stem_counts_as_a_mention(index: CodeIndex) -> None:
    assert "mentions file name 'Payment'" in reasons_of(index, "Payment rounding is off", "cs/Payment.cs")


def test_non_code_files_are_weighted_down_unless_named(index: CodeIndex) -> None:
    assert "not source code, weighted down" in reasons_of(index, "reports rendered as CSV", "README.md")
    assert "not source code, weighted down" not in reasons_of(index, "fix README.md wording", "README.md")


def test_a_top_matching_test_pulls_in_the_code_it_imports(index: CodeIndex) -> None:
    reasons = reasons_of(index, "test_parse_args_renders_rows fails", "src/shop/report.py")
    assert "imported by top match tests/test_report.py" in reasons


# ---------------------------------------------------------------- signals and their sentences


def test_a_mention_is_a_typed_signal_with_its_weight_and_evidence(index: CodeIndex) -> None:
    top = score_files(index, "the bug is in web/order.ts")[0]
    assert top.path == "web/order.ts"
    assert Signal(Kind.PATH, PATH_MENTION_WEIGHT, "web/order.ts") in top.signals


def test_a_traceback_frame_signal_keeps_its_depth_and_function(index: CodeIndex) -> None:
    frames = [s for s in signals_of(index, TRACEBACK, "src/shop/report.py") if s.kind is Kind.FRAME]
    assert [(s.evidence, s.depth, s.frames) for s in frames] == [("render", 2, 3)]
    deepest = signals_of(index, TRACEBACK, "src/shop/util.py")[0]
    assert (deepest.kind, deepest.evidence) == (Kind.DEEPEST_FRAME, "helper")


def test_a_named_non_code_file_is_kept_up_by_the_kind_of_its_signal(index: CodeIndex) -> None:
    named = {s.kind for s in signals_of(index, "fix README.md wording", "README.md")}
    assert Kind.PATH in named and Kind.NON_CODE not in named
    unnamed = signals_of(index, "reports rendered as CSV", "README.md")
    assert Signal(Kind.NON_CODE, NON_CODE_FACTOR) in unnamed


def test_the_weights_passed_are_the_ones_the_ranking_uses(index: CodeIndex) -> None:
    """`bench holdout` tunes a `Weights` value; the shipped constants must not leak past it."""
    other = dataclasses.replace(WEIGHTS, non_code=NON_CODE_FACTOR / 2, path_mention=5.0)
    unnamed = score_files(index, "reports rendered as CSV", weights=other)
    readme = next(f for f in unnamed if f.path == "README.md")
    assert Signal(Kind.NON_CODE, NON_CODE_FACTOR / 2) in readme.signals
    named = score_files(index, "fix README.md wording", weights=other)
    assert Signal(Kind.PATH, 5.0, "README.md") in next(f for f in named if f.path == "README.md").signals


@pytest.mark.parametrize(
    "query", ["fix README.md wording", "Payment rounding is off", "shop.util joins rows wrong", TRACEBACK]
)
def test_rewording_the_catalogue_changes_no_path_or_score(
    index: CodeIndex, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    before = rank_files(index, query)
    for kind in Kind:
        monkeypatch.setitem(MESSAGES, kind, f"reworded {kind.name}: {{evidence}}")
    after = rank_files(index, query)
    assert [(f.path, f.score) for f in after] == [(f.path, f.score) for f in before]
    assert all(reason.startswith("reworded ") for f in after for reason in f.reasons)
    assert [len(f.reasons) for f in after] == [len(f.reasons) for f in before]


def test_every_kind_has_a_sentence() -> None:
    assert set(MESSAGES) == set(Kind)


def test_sentences_are_rendered_from_the_catalogue_in_order_each_said_once() -> None:
    bm25 = Signal(Kind.BM25, 7.0, terms=((0.5, "b"), (2.0, "z"), (0.5, "a"), (1.0, "c"), (0.1, "d")))
    signals = [
        Signal(Kind.FRAME, 1.2, "render", 2, 3),
        bm25,
        Signal(Kind.DEFINITION, 2.0, "Report"),
        Signal(Kind.DEFINITION, 1.4, "Report"),
        Signal(Kind.MESSAGE, 2.5, "m" * 80),
        Signal(Kind.TEST_FILE, 0.7),
    ]
    assert explain(signals) == [
        "traceback frame 2/3, in `render`",
        "BM25 match: z, c, a, b",
        "defines `Report` named in the text",
        "contains the message '" + "m" * 60 + "'",
        "test file, weighted down",
    ]


def test_signals_come_in_catalogue_order(index: CodeIndex) -> None:
    order = list(Kind)
    for query in (TRACEBACK, "Payment rounding is off", "parse_args", "fix README.md wording"):
        for item in score_files(index, query):
            positions = [order.index(signal.kind) for signal in item.signals]
            assert positions == sorted(positions), item


def test_bm25_signals_keep_every_matched_term(index: CodeIndex) -> None:
    bm25 = next(
        s for s in signals_of(index, "ledger entries balance", "rust/src/lib.rs") if s.kind is Kind.BM25
    )
    assert {term for _, term in bm25.terms} >= {"ledger", "entries", "balance"}
    assert bm25.weight == BM25_WEIGHT  # the best BM25 match gets the full weight


def test_definitions_of_equal_weight_are_listed_by_name(tmp_path: Path) -> None:
    files = {"conf.py": "class Config:\n    pass\n\n\nclass Config2:\n    pass\n", "other.py": "x = 1\n"}
    with CodeIndex.open(build_repo(tmp_path / "repo", files)) as opened:
        reasons = rank_files(opened, "`Config` breaks `Config2`")[0].reasons
    assert reasons[1:] == ["defines `Config` named in the text", "defines `Config2` named in the text"]


def test_weighing_file_kinds_only_as_far_as_the_list_needs_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Weighed a file at a time and stopping early, the list is the one weighing every file gives."""
    from codecot_mcp.intel import ranking

    # many strong matches above weak ones that a factor would lower further: the weak ones
    # are weighed only when the list reaches them
    files = {
        f"pkg/widget_{n}.py": f"def widget_{n}():\n    return 'widget render widget render'\n"
        for n in range(80)
    }
    files |= {f"tests/test_{n}.py": f"def test_{n}():\n    assert widget\n" for n in range(30)}
    files |= {f"examples/demo_{n}.py": "render = 1\n" for n in range(10)}
    files |= {f"dist/bundle_{n}.js": "var widget = 1;\n" for n in range(5)}
    root = build_repo(tmp_path / "repo", files)
    query = "the widget does not render"
    with CodeIndex.open(root) as index:
        monkeypatch.setattr(ranking, "_WEIGH_CHUNK", 10**6)  # every file weighed at once
        everything = {limit: rank_files(index, query, limit=limit) for limit in (1, 5, 20, 90, 200)}
        monkeypatch.setattr(ranking, "_WEIGH_CHUNK", 1)  # stops as early as it may
        for limit, expected in everything.items():
            assert rank_files(index, query, limit=limit) == expected
    assert len(everything[200]) == 125 and any(r.path.startswith("tests/") for r in everything[200])
