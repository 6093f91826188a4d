from __future__ import annotations

from collections.abc import Iterator

import pytest

from codecot_mcp.domain.scope import glob_match, is_test_path
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.query import analyze_query
from codecot_mcp.intel.ranking import rank_files
from tests.intel.helpers import build_repo


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CodeIndex]:
    root = build_repo(tmp_path_factory.mktemp("ranking") / "repo")
    with CodeIndex.open(root) as opened:
        yield opened


def reasons_of(index: CodeIndex, query: str, path: str, **boosts: list[str]) -> list[str]:
    ranked = {item.path: item.reasons for item in rank_files(index, query, **boosts)}  # type: ignore[arg-type]
    return ranked.get(path, [])


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
