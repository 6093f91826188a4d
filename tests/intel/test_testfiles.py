import pytest

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


LAYOUTS = [
    "pydicom/jsonrep.py",
    "pydicom/pixel_data_handlers/numpy_handler.py",
    "astroid/brain/brain_typing.py",
    "astroid/nodes/node_classes.py",
    "pydicom/tests/test_json.py",
    "pydicom/tests/test_numpy_pixel_data.py",
    "pydicom/tests/test_dataset.py",
    "tests/brain/test_typing.py",
    "tests/unittest_node_classes.py",
    "tests/test_data.py",
]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pydicom/jsonrep.py", ["pydicom/tests/test_json.py"]),  # a test named by the stem's prefix
        ("pydicom/pixel_data_handlers/numpy_handler.py", ["pydicom/tests/test_numpy_pixel_data.py"]),
        ("astroid/brain/brain_typing.py", ["tests/brain/test_typing.py"]),  # a shared word, nearest first
        ("astroid/nodes/node_classes.py", ["tests/unittest_node_classes.py"]),  # unittest_ is a test prefix
    ],
)
def test_tests_that_share_a_distinctive_word_are_found(path: str, expected: list[str]) -> None:
    assert testfiles.tests_for(path, LAYOUTS, [], limit=3) == expected


def test_a_generic_shared_word_is_no_evidence() -> None:
    assert "tests/test_data.py" not in testfiles.tests_for(
        "pydicom/pixel_data_handlers/numpy_handler.py", LAYOUTS, [], limit=5
    )
