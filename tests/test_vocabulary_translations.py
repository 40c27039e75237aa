"""Audience and topic labels in the other declared languages ([translations.<lang>] in
audiences.toml): the shipped file labels every key in en/ar/so, a key without a label falls
back to Swedish, and a broken entry is reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.errors import ConfigError

SHIPPED = Path(__file__).resolve().parent.parent / "audiences.toml"
SOURCE = SHIPPED.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audiences.toml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, after: str = "") -> int:
    start = text.index(after) if after else 0
    offset = text.index(needle, start)
    return text.count("\n", 0, offset) + 1


def test_the_shipped_file_labels_every_audience_and_topic_in_every_language() -> None:
    vocabulary = load_vocabulary(SHIPPED)
    for language in ("en", "ar", "so"):
        audiences = vocabulary.audiences_in(language)
        topics = vocabulary.topics_in(language)
        assert list(audiences) == list(vocabulary.audiences)  # same keys, file order
        assert list(topics) == list(vocabulary.topics)
        assert not set(audiences.values()) & set(vocabulary.audiences.values()), language
        assert not set(topics.values()) & set(vocabulary.topics.values()), language
    assert vocabulary.audiences_in("ar")["senior"] == "كبار السن"
    assert vocabulary.topics_in("en")["vald"] == "Preventing violence"
    # Swedish, and a language without a table, are the Swedish labels.
    assert vocabulary.audiences_in("sv") == dict(vocabulary.audiences)
    assert vocabulary.topics_in("de") == dict(vocabulary.topics)


def test_a_missing_label_falls_back_to_swedish(tmp_path: Path) -> None:
    text = SOURCE.replace('senior = "كبار السن"\n', "")
    vocabulary = load_vocabulary(write(tmp_path, text))
    assert vocabulary.audiences_in("ar")["senior"] == "Senior"
    assert vocabulary.audiences_in("ar")["ovriga"] == "آخرون"


@pytest.mark.parametrize(
    ("old", "new", "after", "message"),
    [
        (
            "[translations.so.audiences]",
            "[translations.de.audiences]",
            "",
            'language "de" is not declared in [languages] (declared: sv, en, ar, so)',
        ),
        (
            "[translations.en.topics]",
            "[translations.sv.topics]",
            "",
            "Swedish labels are the lines of [audiences] and [topics], not a translation",
        ),
        (
            'senior = "كبار السن"',
            'senior = ""',
            "[translations.ar.audiences]",
            'senior must be a non-empty text in quotes, got ""',
        ),
        (
            'vald = "Preventing violence"',
            'vald = "Preventing <b>violence</b>"',
            "[translations.en.topics]",
            "the label of vald may not hold <, > or line breaks",
        ),
        (
            'batagare = "Boat owners"',
            'hundagare = "Dog owners"',
            "[translations.en.audiences]",
            'audience "hundagare" is not declared in [audiences]',
        ),
        (
            'evenemang = "Munaasabadaha iyo hawlaha"',
            "evenemang = 1",
            "[translations.so.topics]",
            "evenemang must be a non-empty text in quotes, got 1",
        ),
    ],
)
def test_a_broken_label_entry_names_file_and_line(
    tmp_path: Path, old: str, new: str, after: str, message: str
) -> None:
    start = SOURCE.index(after) if after else 0
    assert old in SOURCE[start:]
    text = SOURCE[:start] + SOURCE[start:].replace(old, new, 1)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_vocabulary(path)
    line = line_of(text, new.split(" = ")[0], after)
    assert str(caught.value) == f"{path}:{line}: {message}"
