"""audiences.toml: the shipped file matches the domain, and every mistake in an edited copy
is reported with file and line before anything can use it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tryggnews.content.vocabulary import FOCUS_AREAS, load_vocabulary
from tryggnews.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = REPO_ROOT / "audiences.toml"
SOURCE = SHIPPED.read_text(encoding="utf-8")


def test_the_shipped_file_declares_the_domain_audiences_topics_and_languages() -> None:
    vocabulary = load_vocabulary(SHIPPED)
    assert list(vocabulary.audiences) == [
        "parents-forskola",
        "parents-f-3",
        "parents-4-6",
        "parents-7-9",
        "parents-gymnasium",
        "staff-skola",
        "staff-fritid",
        "staff-myndighet",
        "forening",
        "foretag",
        "fastighetsagare",
        "batagare",
        "senior",
        "ovriga",
    ]
    assert vocabulary.audiences["fastighetsagare"] == "Fastighetsägare och BRF"
    focus_areas = [key for key in FOCUS_AREAS if key != "gemensamt"]
    assert list(vocabulary.topics) == [*focus_areas, "evenemang"]
    assert list(vocabulary.languages) == ["sv", "en", "ar", "so"]
    assert vocabulary.source == str(SHIPPED)


def test_the_mappings_cannot_be_changed_by_whoever_holds_them() -> None:
    vocabulary = load_vocabulary(SHIPPED)
    with pytest.raises(TypeError):
        vocabulary.audiences["x"] = "y"  # type: ignore[index]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audiences.toml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_an_edited_copy_with_a_new_audience_and_new_labels_loads(tmp_path: Path) -> None:
    text = SOURCE.replace('senior = "Senior"', 'senior = "Seniorer 65+"\nhundagare = "Hundägare"')
    vocabulary = load_vocabulary(write(tmp_path, text))
    assert vocabulary.audiences["senior"] == "Seniorer 65+"
    assert list(vocabulary.audiences)[-2:] == ["hundagare", "ovriga"]
    assert vocabulary.audience_keys([" hundagare", "senior", "hundagare"]) == [
        "hundagare",
        "senior",
    ]


@pytest.mark.parametrize(
    ("change", "line_text", "message"),
    [
        (
            ('senior = "Senior"', 'Senior = "Senior"'),
            'Senior = "Senior"',
            'audience key "Senior" must be lowercase',
        ),
        (
            ('senior = "Senior"', 'seniorer_65 = "Senior"'),
            "seniorer_65",
            "single hyphens",
        ),
        (('senior = "Senior"', 'senior = ""'), 'senior = ""', "senior must be a non-empty text"),
        (('senior = "Senior"', "senior = 65"), "senior = 65", "got 65"),
        (
            ('senior = "Senior"', f'senior = "{"S" * 81}"'),
            "senior =",
            "the label of senior is over 80 characters",
        ),
        (
            ('senior = "Senior"', 'senior = "<b>Senior</b>"'),
            "senior =",
            "may not hold <, > or line breaks",
        ),
        (
            ('vald = "Våldsprevention"', 'vald = "Våldsprevention"\ntrafik = "Trafik"'),
            'trafik = "Trafik"',
            'topic "trafik" is not a focus area, so it would select nothing',
        ),
        (
            ('vald = "Våldsprevention"', 'vald = "Våldsprevention"\ngemensamt = "Gemensamt"'),
            "gemensamt =",
            "blocks in that focus area reach everyone",
        ),
        (
            ('vald = "Våldsprevention"\n', ""),
            "[topics]",
            "[topics] lacks the focus area vald",
        ),
        (
            ('sv = "Svenska"\n', ""),
            "[languages]",
            '[languages] must include "sv"',
        ),
        (
            ('en = "English"', 'eng-gb = "English"'),
            "eng-gb",
            "ISO 639 code",
        ),
        (
            ("[languages]", "[language]"),
            "[language]",
            'unknown key "language" in the file — did you mean "languages"?',
        ),
    ],
)
def test_each_mistake_names_file_line_and_what_to_do(
    tmp_path: Path, change: tuple[str, str], line_text: str, message: str
) -> None:
    assert change[0] in SOURCE
    text = SOURCE.replace(*change)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_vocabulary(path)
    expected = f"{path}:{line_of(text, line_text)}: "
    assert any(
        line.startswith(expected) and message in line for line in str(caught.value).splitlines()
    ), str(caught.value)


def test_every_problem_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    text = SOURCE.replace('senior = "Senior"', 'Senior = "Senior"').replace(
        'en = "English"', 'en = ""'
    )
    with pytest.raises(ConfigError) as caught:
        load_vocabulary(write(tmp_path, text))
    lines = str(caught.value).splitlines()
    # The renamed key also orphans its label in each [translations.<lang>.audiences].
    assert len(lines) == 5
    assert "Senior" in lines[0] and "en must be a non-empty text" in lines[1]
    assert all('audience "senior" is not declared in [audiences]' in line for line in lines[2:])


@pytest.mark.parametrize("section", ["audiences", "topics", "languages"])
def test_a_missing_or_empty_section_is_an_error(tmp_path: Path, section: str) -> None:
    header = f"[{section}]"
    start = SOURCE.index(header)
    end = SOURCE.find("\n[", start + 1)
    without = SOURCE[:start] + (SOURCE[end + 1 :] if end >= 0 else "")
    with pytest.raises(ConfigError, match=rf"the file has no {section} \(it is required\)"):
        load_vocabulary(write(tmp_path, without))
    empty = SOURCE[:start] + header + "\n" + (SOURCE[end:] if end >= 0 else "")
    with pytest.raises(ConfigError, match=rf"\[{section}\] is empty"):
        load_vocabulary(write(tmp_path, empty))


def test_syntax_errors_and_unreadable_files_name_the_file(tmp_path: Path) -> None:
    text = SOURCE.replace('senior = "Senior"', 'senior = "Senior')
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=rf"^{path}:{line_of(text, 'senior =')}: TOML syntax"):
        load_vocabulary(path)
    path.write_bytes('[audiences]\nsenior = "Äldre"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_vocabulary(path)
    missing = tmp_path / "absent.toml"
    with pytest.raises(ConfigError, match=r"file not found — .* set TRYGGNEWS_AUDIENCES"):
        load_vocabulary(missing)
