"""Settings: every one is documented in .env.example; environ beats .env beats the default;
a bad value is a ConfigError that names the variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tryggnews.config import SETTINGS, load_settings
from tryggnews.errors import ConfigError

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
_ASSIGNMENT = re.compile(r"^(TRYGGNEWS_[A-Z0-9_]+)=")


def documented() -> dict[str, str]:
    """Each variable in .env.example with the comment block right above it, joined."""
    result: dict[str, str] = {}
    comment: list[str] = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            comment.append(line.lstrip("#").strip())
        elif match := _ASSIGNMENT.match(line):
            result[match.group(1)] = " ".join(comment)
            comment = []
        else:
            comment = []
    return result


def test_every_setting_is_in_env_example_with_its_help() -> None:
    docs = documented()
    for setting in SETTINGS:
        assert setting.env_name in docs, f"{setting.env_name} is missing from .env.example"
        assert setting.help in docs[setting.env_name], (
            f"the comment above {setting.env_name} in .env.example is not its help text"
        )


def test_env_example_names_no_setting_that_does_not_exist() -> None:
    known = {setting.env_name for setting in SETTINGS}
    assert set(documented()) <= known


def test_env_example_gives_the_defaults_and_an_empty_secret() -> None:
    from_file = load_settings(environ={}, dotenv_path=ENV_EXAMPLE)
    defaults = load_settings(environ={}, dotenv_path=None)
    assert from_file == defaults
    assert from_file.secret_key == ""
    assert "tryggnews init" in documented()["TRYGGNEWS_SECRET_KEY"]


def test_environment_wins_over_dotenv_which_wins_over_the_default(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "TRYGGNEWS_SEND_BATCH_SIZE=50\nTRYGGNEWS_OUTBOX_DIR=from-dotenv\n", encoding="utf-8"
    )
    settings = load_settings(environ={"TRYGGNEWS_SEND_BATCH_SIZE": "7"}, dotenv_path=dotenv)
    assert settings.send_batch_size == 7  # environment
    assert settings.outbox_dir == Path("from-dotenv")  # .env
    assert settings.base_url == "http://127.0.0.1:8000"  # default


def test_a_missing_dotenv_file_is_fine(tmp_path: Path) -> None:
    settings = load_settings(environ={}, dotenv_path=tmp_path / "absent.env")
    assert settings.database_url == "sqlite:///var/tryggnews.db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRYGGNEWS_TRANSPORT", "pigeon"),
        ("TRYGGNEWS_SEND_BATCH_SIZE", "0"),
        ("TRYGGNEWS_SEND_BATCH_SIZE", "many"),
        ("TRYGGNEWS_BASE_URL", "trygg.example.se"),
    ],
)
def test_a_bad_value_names_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}="):
        load_settings(environ={name: value}, dotenv_path=None)
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"{name}={value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{name}="):
        load_settings(environ={}, dotenv_path=dotenv)
