from codecot_mcp.intel import testfiles

FILES = [
    "src/pkg/fields.py",
    "src/pkg/utils.py",
    "tests/test_fields.py",
    "tests/test_fields_nested.py",
    "tests/test_schema.py",
    "tests/unit/test_utils.py",
    "pkg/server/handler.go",
    "pkg/server/handler_test.go",
    "web/src/__tests__/button.test.tsx",
    "web/src/button.tsx",
]


def test_tests_named_after_the_file_come_first_then_importers() -> None:
    found = testfiles.tests_for(
        "src/pkg/fields.py", FILES, ["tests/test_schema.py", "src/pkg/utils.py"], limit=5
    )
    assert found == ["tests/test_fields.py", "tests/test_fields_nested.py", "tests/test_schema.py"]


def test_layouts_beyond_python_are_found_by_name() -> None:
    assert testfiles.tests_for("pkg/server/handler.go", FILES, [], limit=3) == ["pkg/server/handler_test.go"]
    assert testfiles.tests_for("web/src/button.tsx", FILES, [], limit=3) == [
        "web/src/__tests__/button.test.tsx"
    ]


def test_generic_stems_rely_on_imports_and_the_limit_holds() -> None:
    assert testfiles.tests_for("src/pkg/utils.py", FILES, [], limit=3) == []
    assert testfiles.tests_for("src/pkg/utils.py", FILES, ["tests/unit/test_utils.py"], limit=3) == [
        "tests/unit/test_utils.py"
    ]
    assert len(testfiles.tests_for("src/pkg/fields.py", FILES, ["tests/test_schema.py"], limit=1)) == 1
    assert testfiles.tests_for("tests/test_fields.py", FILES, [], limit=3) == []
