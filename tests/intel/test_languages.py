from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from codecot_mcp.intel import languages
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.languages import (
    EXTENSIONS,
    LANGUAGES,
    LanguageSpec,
    fence_for,
    language_for,
    language_for_path,
    load,
    queries_fingerprint,
)
from codecot_mcp.intel.tags import CLASS_LIKE_KINDS, extract_tags
from tests.intel.helpers import build_repo
from tests.intel.samples import MORE_LANGUAGE_FILES, SAMPLE_FILES

# Every query names definitions from one vocabulary, so that kinds mean the same everywhere.
DEFINITION_KINDS = CLASS_LIKE_KINDS | {"function", "method", "macro", "module", "type"}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CodeIndex]:
    root = build_repo(tmp_path_factory.mktemp("languages") / "repo", {**SAMPLE_FILES, **MORE_LANGUAGE_FILES})
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
    (
        "php/src/Billing/Invoice.php",
        [
            ("App\\Billing", "module", 3, 3, None),
            ("Invoiceable", "interface", 9, 12, None),
            ("total", "method", 11, 11, "Invoiceable"),
            ("Discounts", "trait", 14, 20, None),
            ("discount", "method", 16, 19, "Discounts"),
            ("Invoice", "class", 22, 32, None),
            ("__construct", "method", 26, 26, "Invoice"),
            ("total", "method", 28, 31, "Invoice"),
            ("Status", "enum", 34, 37, None),
            ("format_invoice", "function", 39, 42, None),
        ],
        ("round_cents", 30),
    ),
    (
        "kotlin/src/main/kotlin/shop/billing/Invoice.kt",
        [
            ("Payable", "interface", 7, 9, None),
            ("amount", "method", 8, 8, "Payable"),
            ("Invoice", "class", 11, 21, None),
            ("render", "method", 14, 16, "Invoice"),
            ("empty", "method", 19, 19, "Invoice"),
            ("Registry", "class", 23, 25, None),
            ("Status", "enum", 27, 27, None),
            ("Ledger", "type", 29, 29, None),
            ("total", "function", 31, 32, None),
        ],
        ("roundCents", 15),
    ),
    (
        "kotlin/src/main/kotlin/shop/util/Money.kt",
        [
            ("Money", "class", 3, 9, None),
            ("constructor", "method", 4, 4, "Money"),
            ("of", "method", 7, 7, "Money"),
        ],
        ("Money", 7),
    ),
    (
        "swift/Sources/Billing/Ledger.swift",
        [
            ("Payable", "interface", 4, 6, None),
            ("amount", "method", 5, 5, "Payable"),
            ("Invoice", "struct", 8, 14, None),
            ("amount", "method", 11, 13, "Invoice"),
            ("Ledger", "class", 16, 26, None),
            ("init", "method", 19, 21, "Ledger"),
            ("add", "method", 23, 25, "Ledger"),
            ("Ledger", "impl", 28, 30, None),
            ("Status", "enum", 32, 34, None),
            ("total", "function", 36, 38, None),
        ],
        ("roundCents", 12),
    ),
    (
        "scala/src/main/scala/com/shop/billing/Invoice.scala",
        [
            ("Payable", "trait", 7, 9, None),
            ("amount", "method", 8, 8, "Payable"),
            ("Invoice", "class", 11, 17, None),
            ("render", "method", 14, 16, "Invoice"),
            ("Invoice", "class", 19, 21, None),
            ("empty", "method", 20, 20, "Invoice"),
            ("Status", "enum", 23, 23, None),
            ("Ledger", "type", 25, 25, None),
        ],
        ("formatCents", 15),
    ),
    (
        "lua/shop/invoice.lua",
        [
            ("new", "function", 7, 11, None),
            ("render", "method", 13, 15, None),
            ("round_cents", "function", 17, 19, None),
            ("describe", "function", 21, 23, None),
        ],
        ("format", 14),
    ),
    (
        "elixir/lib/shop/billing/invoice.ex",
        [
            ("Shop.Billing.Invoice", "module", 1, 26, None),
            ("total", "function", 10, 15, "Shop.Billing.Invoice"),
            ("render", "function", 17, 17, "Shop.Billing.Invoice"),
            ("round_cents", "function", 19, 21, "Shop.Billing.Invoice"),
            ("Printable", "interface", 23, 25, "Shop.Billing.Invoice"),
            ("print", "method", 24, 24, "Printable"),
        ],
        ("round_cents", 14),
    ),
    (
        "scripts/deploy.sh",
        [("build_image", "function", 8, 12, None), ("push_image", "function", 14, 17, None)],
        ("build_image", 15),
    ),
    ("bin/release", [("release", "function", 4, 6, None)], ("log_info", 5)),
    (
        "cpp/polygon.h",
        [
            ("geo", "module", 4, 16, None),
            ("Polygon", "class", 5, 13, "geo"),
            ("perimeter", "method", 9, 9, "Polygon"),
            ("count_sides", "function", 15, 15, "geo"),
        ],
        ("sum", 9),
    ),
]

# (path, some of the modules its imports name, the repository files they resolve to)
IMPORT_CASES = [
    (
        "php/src/Billing/Invoice.php",
        {"App\\Support\\Money", "App\\Contracts\\Payable", "App\\Contracts\\Refundable", "./../helpers.php"},
        ["php/src/Support/Money.php", "php/src/helpers.php"],
    ),
    (
        "kotlin/src/main/kotlin/shop/billing/Invoice.kt",
        {"com.shop.util.Money", "com.shop.util.formatCents", "kotlinx.coroutines.*"},
        ["kotlin/src/main/kotlin/shop/util/Money.kt"],
    ),
    (
        "swift/Sources/Billing/Ledger.swift",
        {"Foundation", "ShopCore"},
        ["swift/Sources/ShopCore/Rounding.swift"],
    ),
    (
        "scala/src/main/scala/com/shop/billing/Invoice.scala",
        {"com.shop.util.Money", "com.shop.util.Rounding", "scala.concurrent.*"},
        ["scala/src/main/scala/com/shop/util/Money.scala"],
    ),
    ("lua/shop/invoice.lua", {"cjson", "shop.util.money"}, ["lua/shop/util/money.lua"]),
    (
        "elixir/lib/shop/billing/invoice.ex",
        {"Shop.Billing.Line", "Shop.Billing.Tax", "Ecto.Query", "Logger"},
        ["elixir/lib/shop/billing/line.ex"],
    ),
    ("scripts/deploy.sh", {"$SCRIPT_DIR/lib/log.sh", "./missing.sh"}, ["scripts/lib/log.sh"]),
    ("bin/release", {'$(dirname "$0")/../scripts/lib/log.sh'}, ["scripts/lib/log.sh"]),
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


@pytest.mark.parametrize(("path", "modules", "resolved"), IMPORT_CASES, ids=[c[0] for c in IMPORT_CASES])
def test_imports_are_named_and_resolved_to_repository_files(
    index: CodeIndex, path: str, modules: set[str], resolved: list[str]
) -> None:
    data = MORE_LANGUAGE_FILES[path].encode()
    language = language_for(path, data)
    loaded = load(language) if language else None
    assert loaded is not None
    assert modules <= {found.module for found in extract_tags(loaded, data).imports}
    assert index.imports_of(path) == resolved


@pytest.mark.parametrize(
    ("path", "language"),
    [("cpp/polygon.h", "cpp"), ("c/shop_api.h", "c"), ("c/ledger.h", "c"), ("bin/release", "bash")],
)
def test_the_index_reads_headers_and_scripts_by_their_content(
    index: CodeIndex, path: str, language: str
) -> None:
    info = index.file_info(path)
    assert info is not None and info.language == language


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
        ("a.php", "php"),
        ("a.phtml", "php"),
        ("a.kt", "kotlin"),
        ("build.gradle.kts", "kotlin"),
        ("a.swift", "swift"),
        ("a.scala", "scala"),
        ("a.sc", "scala"),
        ("a.lua", "lua"),
        ("a.ex", "elixir"),
        ("a_test.exs", "elixir"),
        ("a.sh", "bash"),
        ("a.bash", "bash"),
        ("bin/deploy", None),
        ("README.md", None),
        ("Makefile", None),
    ],
)
def test_extension_selects_the_language(path: str, language: str | None) -> None:
    assert language_for_path(path) == language


@pytest.mark.parametrize(
    ("language", "fence"),
    [
        ("php", "php"),
        ("kotlin", "kotlin"),
        ("swift", "swift"),
        ("scala", "scala"),
        ("lua", "lua"),
        ("elixir", "elixir"),
        ("bash", "bash"),
        ("c_sharp", "csharp"),
        (None, ""),
    ],
)
def test_a_language_names_its_markdown_fence(language: str | None, fence: str) -> None:
    assert fence_for(language) == fence


CPP_HEADER_CASES = [
    ("class", b"#pragma once\nclass Shape {\npublic:\n    int sides() const;\n};\n"),
    ("namespace", b"namespace geo {\nint area(int r);\n}\n"),
    ("template", b"template <typename T>\nT twice(T x) { return x + x; }\n"),
    ("scope", b"int geo::area(int r);\n"),
    ("standard header", b"#include <vector>\nint count(void);\n"),
    ("enum class", b"enum class Color : int { Red };\n"),
    ("newer standard", b"#if __cplusplus >= 201703L\ntemplate <class T> struct Box;\n#endif\n"),
]

C_HEADER_CASES = [
    ("plain", b"typedef struct point point_t;\nint point_add(point_t *a, const point_t *b);\n"),
    (
        "extern C guard",
        b'#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n#ifdef __cplusplus\n}\n#endif\n',
    ),
    (
        "comment and string",
        b'/* This class of functions: see geo::area. */\n#define NAME "std::string"\nint f(void);\n',
    ),
    ("kernel struct class", b"struct class;\nextern struct class *class_create(const char *name);\n"),
    (
        "C++ overloads for C++ callers",
        b"int f(int);\n#ifdef __cplusplus\ntemplate <class T> T f(T x);\n#endif\n",
    ),
    (
        "guard with a condition",
        b"#if defined(__cplusplus) && __cplusplus >= 201103L\nnamespace c { }\n#else\nint g(void);\n#endif\n",
    ),
    ("negative guard", b"#ifndef __cplusplus\nint g(void);\n#else\nclass G;\n#endif\n"),
    ("C23 attribute", b"[[gnu::pure]] int h(int x);\n"),
    (
        "C++ words as C names",
        b"int subclass_count;\nstatic int pick(int private) { return x ? private : 0; }\n",
    ),
    ("nested ifs in a guard", b"#ifdef __cplusplus\n#if X\nint a;\n#endif\nclass A;\n#endif\nint b;\n"),
]


@pytest.mark.parametrize(("case", "head"), CPP_HEADER_CASES, ids=[c[0] for c in CPP_HEADER_CASES])
def test_a_header_with_cpp_syntax_is_read_as_cpp(case: str, head: bytes) -> None:
    assert language_for("include/shape.h", head) == "cpp"
    assert language_for_path("include/shape.h") == "c"  # the path alone cannot tell


@pytest.mark.parametrize(("case", "head"), C_HEADER_CASES, ids=[c[0] for c in C_HEADER_CASES])
def test_a_c_header_stays_c(case: str, head: bytes) -> None:
    assert language_for("include/point.h", head) == "c"


@pytest.mark.parametrize(
    ("path", "head", "language"),
    [
        ("bin/deploy", b"#!/bin/bash\necho hi\n", "bash"),
        ("bin/deploy", b"#! /bin/sh\n", "bash"),
        ("configure", b"#!/usr/bin/env sh\n", "bash"),
        ("bin/deploy", b"#!/usr/bin/env -S bash -e\n", "bash"),
        ("bin/deploy", b"#!/usr/bin/env python3\n", None),
        ("bin/deploy", b"echo no shebang\n", None),
        ("notes.txt", b"#!/bin/sh\n", None),
        ("a.py", b"#!/bin/sh\n", "python"),
    ],
)
def test_a_shebang_names_the_language_of_a_file_without_extension(
    path: str, head: bytes, language: str | None
) -> None:
    assert language_for(path, head) == language


@pytest.mark.parametrize("name", sorted(LANGUAGES))
def test_every_shipped_grammar_and_query_loads(name: str) -> None:
    assert load(name) is not None


@pytest.mark.parametrize("name", sorted(LANGUAGES))
def test_every_query_uses_the_shared_capture_names(name: str) -> None:
    loaded = load(name)
    assert loaded is not None
    names = [loaded.query.capture_name(i) for i in range(loaded.query.capture_count)]
    for capture in names:
        role, _, kind = capture.rpartition(".")
        if capture.startswith("_"):  # a predicate's operand
            continue
        assert role in {"definition", "name.definition", "name.reference"}, capture
        if role != "name.reference":
            assert kind in DEFINITION_KINDS, capture
    assert any(capture.startswith("name.definition.") for capture in names)
    assert any(capture.startswith("name.reference.") for capture in names)


def test_the_cache_fingerprint_covers_every_language_and_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    before = queries_fingerprint()
    monkeypatch.setitem(
        LANGUAGES, "elixir", LanguageSpec("elixir", "tree_sitter_elixir", query_file="ruby.scm")
    )
    changed_query = queries_fingerprint()
    monkeypatch.setitem(EXTENSIONS, ".exs", "ruby")
    assert len({before, changed_query, queries_fingerprint()}) == 3


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
