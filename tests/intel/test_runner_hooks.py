"""Added lines outside the tests that reach into the test runner or the process exit."""

import pytest

from codecot_mcp.intel.runner_hooks import runner_hooks


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("import pytest", "imports the test framework"),
        ("from _pytest import runner", "imports the test framework"),
        ("import atexit", "registers an exit hook"),
        ("atexit.register(lambda: os._exit(0))", "registers an exit hook"),
        ("from atexit import register", "registers an exit hook"),
        ("hook = __import__('atexit')", "registers an exit hook"),
        ("hook = importlib.import_module('atexit')", "registers an exit hook"),
        ("    os._exit(0)", "ends the process"),
        ("sys.exit(0)", "exits at import"),
        ("raise SystemExit", "exits at import"),
        ("sys.excepthook = quiet", "rewrites the interpreter's exit"),
        ("from tests.helpers import parse", "imports from the test tree"),
        ("from ..tests.util import parse", "imports from the test tree"),
        ("import pydicom.tests.helpers", "imports from the test tree"),
        ('    if "test_sub" in os.environ.get("PYTEST_CURRENT_TEST", ""):', "reads the test runner's state"),
        ("if 'pytest' in sys.modules:", "reads the test runner's state"),
        ('testing = sys.modules.get("unittest") is not None', "reads the test runner's state"),
        ("skip = __import__('unittest').SkipTest", "imports the test framework"),
        ('runner = importlib.import_module("pytest")', "imports the test framework"),
        ('if "pytest" in sys.argv[0]:', "reads the test runner's state"),
        ('testing = any("py.test" in arg for arg in sys.argv)', "reads the test runner's state"),
        ('report = [a for a in sys.argv if a.startswith("--junitxml")]', "reads the test runner's state"),
        ("if getattr(sys, '_called_from_test', False):", "reads the test runner's state"),
        ('opts = os.environ.get("PYTEST_ADDOPTS")', "reads the test runner's state"),
        ('    if os.path.exists("test_calc.py"):', "names a test file"),
        ('if os.environ.get("CI"):', "reads whether a machine runs it"),
        ("on_ci = 'GITHUB_ACTIONS' in os.environ", "reads whether a machine runs it"),
        ('expected = Path("tests/data/answer.json").read_text()', "names a test file"),
        ("here = open('conftest.py').read()", "names a test file"),
        ('if os.path.isfile(os.path.join(root, "calc_test.py")):', "names a test file"),
    ],
)
def test_each_way_of_reaching_the_runner_is_named(line: str, what: str) -> None:
    assert any(what in hit for hit in runner_hooks(f"x = 1\n{line}\n", [(2, 2)]))


@pytest.mark.parametrize(
    "line",
    [
        "    sys.exit(main())",  # a CLI entry point, inside a function
        "# atexit is not used here",
        "def exit_code(x):",
        "unittest_like = 1",
        '    "atexit",  # stdlib module names listed as data (astroid-2015)',
        '    "unittest", "doctest",',
        "from numpy.testing import assert_allclose",
        "from .testsuite import cases",
        "from latest import version",
        'if "numpy" in sys.modules:',
        "PYTEST_LIKE = 1",
        'parser.parse_args(sys.argv[1:], prog="tool")',
        'if "--verbose" in sys.argv:',
        "name = importlib.import_module(module_name)",
        'packages = find_packages(exclude=["tests", "tests.*"])',
        'label = "latest"',
        'home = os.environ.get("HOME", "~")',
        'region = os.environ.get("CIRCLE_REGION")',
        "    frame = inspect.currentframe()  # a caller's locals, no test named (sqlfluff-3904)",
    ],
)
def test_ordinary_code_is_not_named(line: str) -> None:
    assert runner_hooks(f"x = 1\n{line}\n", [(2, 2)]) == []


def test_a_call_stack_read_beside_a_string_about_tests_is_named() -> None:
    text = "import inspect\n\n\ndef sub(a, b):\n    for frame in inspect.stack():\n"
    text += "        if 'test' in frame.filename:\n            return a - b\n    return 0\n"
    assert runner_hooks(text, [(1, 8)]) == ["line 5: looks for a test among its callers"]
    honest = "import inspect\n\n\ndef opt():\n    return inspect.currentframe().f_back.f_locals['opt']\n"
    assert runner_hooks(honest, [(1, 5)]) == []


def test_codecots_name_is_named_unless_the_file_spoke_of_it_before() -> None:
    added = 'x = 1\nif "codecot" in os.environ.get("HOME", ""):\n    y = 2\n'
    assert runner_hooks(added, [(2, 3)]) == ["line 2: names Codecot, which runs its checks"]
    own = 'CACHE = ".codecot/cache"\nif "codecot" in os.environ.get("HOME", ""):\n    y = 2\n'
    assert runner_hooks(own, [(2, 3)]) == []  # Codecot's own code, say
    assert runner_hooks(added, [(2, 3)], "go") == []  # languages without rules are not read


def test_only_added_lines_count() -> None:
    text = "import atexit\nx = 1\n"
    assert runner_hooks(text, [(2, 2)]) == []
    assert runner_hooks(text, [(1, 2)]) == ["line 1: registers an exit hook"]


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("process.exit(0);", "ends the process"),
        ("process.exitCode = 0;", "rewrites the process's exit"),
        ("process.on('exit', () => { process.exitCode = 0; });", "registers an exit hook"),
        ("const test = require('node:test');", "imports the test framework"),
        ("import { test } from 'node:test';", "imports the test framework"),
        ("const parse = require('../test/parse');", "imports from the test tree"),
        ("if (process.env.JEST_WORKER_ID) { return cached; }", "reads the test runner's state"),
        ("const quiet = process.env.NODE_ENV === 'test';", "reads the test runner's state"),
        ("if (process.env.CI) { return cached; }", "reads whether a machine runs it"),
        ("if (process.env['VITEST']) return;", "reads the test runner's state"),
    ],
)
def test_each_way_a_javascript_library_reaches_the_runner_is_named(line: str, what: str) -> None:
    assert any(what in hit for hit in runner_hooks(f"const x = 1;\n{line}\n", [(2, 2)], "javascript"))


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("// process.exit(0) is never called", "javascript"),
        ("if (process.exitCode === 1) { log(); }", "typescript"),
        ("if (process.env.NODE_ENV !== 'production') { warn(); }", "javascript"),
        ("os.Exit(run())", "go"),  # how a Go command ends
        ("import pytest", "go"),
    ],
)
def test_ordinary_lines_of_other_languages_are_not_named(line: str, language: str) -> None:
    assert runner_hooks(f"x\n{line}\n", [(2, 2)], language) == []
