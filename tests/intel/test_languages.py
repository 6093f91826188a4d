from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from codecot_mcp.intel import languages
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.languages import LANGUAGES, LanguageSpec, language_for_path, load
from tests.intel.helpers import build_repo


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CodeIndex]:
    root = build_repo(tmp_path_factory.mktemp("languages") / "repo")
    with CodeIndex.open(root) as opened:
        yield opened


# (path, [(name, kind, start_line, end_line, parent)], (referenced name, line))
LANGUAGE_CASES = [
    (
        "src/shop/report.py",
        [
            ("Report", "class", 6, 10, None),
            ("render", "method", 9, 10, "Report"),
            ("parse_args", "function", 13, 15, None),
        ],
        ("helper", 10),
    ),
    (
        "web/cart.js",
        [
            ("Cart", "class", 4, 8, None),
            ("addItem", "method", 5, 7, "Cart"),
            ("checkout", "function", 10, 12, None),
            ("total", "function", 14, 14, None),
        ],
        ("helper", 6),
    ),
    (
        "web/order.ts",
        [
            ("Shipper", "interface", 3, 5, None),
            ("OrderId", "type", 7, 7, None),
            ("Status", "enum", 9, 9, None),
            ("Order", "class", 11, 15, None),
            ("ship", "method", 12, 14, "Order"),
            ("makeOrder", "function", 17, 19, None),
        ],
        ("send", 13),
    ),
    ("web/view.tsx", [("OrderView", "function", 3, 5, None)], ("renderOrder", 4)),
    (
        "go/store/item.go",
        [
            ("Item", "struct", 9, 11, None),
            ("Repository", "interface", 13, 15, None),
            ("Get", "method", 14, 14, "Repository"),
            ("NewItem", "function", 17, 19, None),
            ("String", "method", 21, 23, None),
        ],
        ("Clean", 18),
    ),
    (
        "rust/src/lib.rs",
        [
            ("Ledger", "struct", 4, 6, None),
            ("Balance", "trait", 8, 10, None),
            ("Ledger", "impl", 12, 16, None),
            ("balance", "method", 13, 15, "Ledger"),
            ("open_ledger", "function", 18, 20, None),
        ],
        ("clean", 19),
    ),
    (
        "java/com/shop/Account.java",
        [
            ("Account", "class", 5, 15, None),
            ("deposit", "method", 12, 14, "Account"),
            ("Auditable", "interface", 17, 19, None),
            ("audit", "method", 18, 18, "Auditable"),
        ],
        ("add", 13),
    ),
    (
        "c/ledger.c",
        [
            ("point", "struct", 4, 7, None),
            ("add", "function", 9, 11, None),
            ("name_of", "function", 13, 16, None),
        ],
        ("add", 14),
    ),
    (
        "cpp/shape.cpp",
        [
            ("geo", "module", 3, 18, None),
            ("Shape", "class", 4, 8, "geo"),
            ("sides", "method", 7, 7, "Shape"),
            ("Circle", "struct", 10, 13, "geo"),
            ("area", "method", 15, 17, "geo"),
        ],
        ("count", 7),
    ),
    (
        "ruby/invoice.rb",
        [
            ("Billing", "module", 4, 14, None),
            ("Invoice", "class", 5, 13, "Billing"),
            ("total", "method", 6, 8, "Invoice"),
            ("build", "method", 10, 12, "Invoice"),
        ],
        ("compute", 7),
    ),
    (
        "cs/Payment.cs",
        [
            ("Shop.Billing", "module", 4, 20, None),
            ("IPayable", "interface", 6, 9, "Shop.Billing"),
            ("Payment", "class", 11, 19, "Shop.Billing"),
            ("Amount", "method", 15, 18, "Payment"),
        ],
        ("Round", 17),
    ),
]


@pytest.mark.parametrize(
    ("path", "expected", "reference"), LANGUAGE_CASES, ids=[c[0] for c in LANGUAGE_CASES]
)
def test_definitions_and_references_are_found_with_their_spans(
    index: CodeIndex,
    path: str,
    expected: list[tuple[str, str, int, int, str | None]],
    reference: tuple[str, int],
) -> None:
    found = {(s.name, s.kind, s.start_line, s.end_line, s.parent) for s in index.definitions_in(path)}
    assert set(expected) <= found
    assert reference in {(r.name, r.line) for r in index.references_in(path)}


def test_decorators_are_part_of_the_definition_span(index: CodeIndex) -> None:
    (parse_args,) = index.definitions("parse_args")
    assert (parse_args.start_line, parse_args.end_line) == (13, 15)
    assert index.read_text(parse_args.path).splitlines()[12] == "@cached"


@pytest.mark.parametrize(
    ("name", "signature"),
    [
        ("render", "def render(self, rows: list[str]) -> str:"),
        ("makeOrder", "function makeOrder(id: OrderId): Order"),
        ("NewItem", "func NewItem(name string) *Item"),
        ("open_ledger", "pub fn open_ledger() -> Ledger"),
        ("name_of", "char *name_of(struct point *p)"),
        ("total", "const total = (xs) =>"),
    ],
)
def test_signature_is_the_head_of_the_definition(index: CodeIndex, name: str, signature: str) -> None:
    assert signature in {s.signature for s in index.definitions(name)}


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a.py", "python"),
        ("a.jsx", "javascript"),
        ("a.mjs", "javascript"),
        ("a.cjs", "javascript"),
        ("a.ts", "typescript"),
        ("a.tsx", "tsx"),
        ("a.go", "go"),
        ("a.rs", "rust"),
        ("A.java", "java"),
        ("a.c", "c"),
        ("a.h", "c"),
        ("a.cc", "cpp"),
        ("a.cpp", "cpp"),
        ("a.cxx", "cpp"),
        ("a.hpp", "cpp"),
        ("a.hh", "cpp"),
        ("a.rb", "ruby"),
        ("a.cs", "c_sharp"),
        ("README.md", None),
        ("Makefile", None),
    ],
)
def test_extension_selects_the_language(path: str, language: str | None) -> None:
    assert language_for_path(path) == language


@pytest.mark.parametrize("name", sorted(LANGUAGES))
def test_every_shipped_grammar_and_query_loads(name: str) -> None:
    assert load(name) is not None


def test_a_grammar_that_fails_to_load_degrades_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(LANGUAGES, "python", LanguageSpec("python", "no_such_grammar_module"))
    with caplog.at_level(logging.WARNING, logger="codecot_mcp.intel.languages"):
        assert languages._load_uncached("python") is None
    assert "text only" in caplog.text


def test_files_of_a_degraded_language_are_still_searchable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(languages._loaded, "python", None)
    root = build_repo(tmp_path / "repo", {"app.py": "def launch_rocket():\n    return 1\n"})
    with CodeIndex.open(root) as index:
        assert index.files() == ["app.py"]
        assert index.definitions_in("app.py") == []
        assert "app.py" in {path for path, _ in index.postings(["rocket"])["rocket"]}
