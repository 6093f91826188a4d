from pathlib import Path

import pytest

from codecot_mcp.errors import ArtifactError, InvalidInputError
from codecot_mcp.store.config import Config, load_config, parse_config, render_config, with_check


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
        'lint = ["ruff", "check", "."]',
        'tests = ["pytest"]  # keep',
        "",
        "[scope]",
        'policy = "fail"',
    ]
    config = parse_config(updated, "c")
    assert config.checks == {"lint": ["ruff", "check", "."], "tests": ["pytest"]}
    assert config.scope_policy == "fail"
    assert parse_config(with_check("", "t", ["x"]), "c").checks == {"t": ["x"]}


@pytest.mark.parametrize(("name", "argv"), [("bad name", ["x"]), ('a"]\nevil = ["', ["x"]), ("ok", [])])
def test_a_check_that_would_not_read_back_is_refused(name: str, argv: list[str]) -> None:
    with pytest.raises(InvalidInputError):
        with_check("[checks]\n", name, argv)
