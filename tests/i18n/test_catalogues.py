"""The catalogues: every declared language has every fixed text translated, and a broken
catalogue is found by `make test` (and at start), never by a reader's page."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file

from tryggnews.content.vocabulary import FOCUS_AREAS, Vocabulary
from tryggnews.errors import ConfigError
from tryggnews.i18n import (
    DOMAINS,
    LOCALES_DIR,
    NEWSLETTER,
    Catalogues,
    catalogue_path,
    catalogue_problems,
    shipped_catalogues,
)

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"t": None, "N_": None}


def newsletter_ids() -> set[str]:
    """The Swedish source strings, extracted as `make catalogues` does (newsletter.cfg)."""
    templates = extract_from_dir(
        ROOT / "templates",
        method_map=[("**.j2", "jinja2")],
        options_map={"**.j2": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        keywords=KEYWORDS,
    )
    vocabulary = extract_from_file(
        "python", ROOT / "src/tryggnews/content/vocabulary.py", keywords=KEYWORDS
    )
    found = {message for _file, _line, message, *_ in templates}
    found |= {message for _line, message, *_ in vocabulary}
    return {m if isinstance(m, str) else m[0] for m in found}


def test_every_declared_language_has_the_whole_newsletter_catalogue(
    vocabulary: Vocabulary,
) -> None:
    expected = newsletter_ids()
    # The extraction itself works: the footer's text and the area names are in it.
    assert "Avsluta prenumerationen på Trygg i Österåker" in expected
    assert set(FOCUS_AREAS.values()) <= expected
    assert set(vocabulary.languages) >= {"sv", "en", "ar", "so"}
    assert catalogue_problems(vocabulary.languages, NEWSLETTER, expected_ids=expected) == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_shipped_catalogue_of_a_domain_translates_every_message(
    vocabulary: Vocabulary, domain: str
) -> None:
    """Also the web pages' domain, once it has catalogues: none may be half translated."""
    if not list(LOCALES_DIR.glob(f"*/LC_MESSAGES/{domain}.po")):
        pytest.skip(f"no {domain} catalogue yet")
    assert catalogue_problems(vocabulary.languages, domain) == []


def test_the_shipped_catalogues_load_and_translate() -> None:
    catalogues = Catalogues.load()
    assert catalogues.gettext("ar", NEWSLETTER)("Läs i webbläsaren") == "اقرأ في المتصفح"
    assert catalogues.gettext("en", NEWSLETTER)("Kommande aktiviteter") == "Upcoming activities"
    assert catalogues.gettext("so", NEWSLETTER)("Gemensamt") == "Qof walba"
    # Swedish is the source: no catalogue, the text itself.
    assert catalogues.gettext("sv", NEWSLETTER)("Gemensamt") == "Gemensamt"
    assert catalogues.languages(NEWSLETTER) >= {"sv", "en", "ar", "so"}
    assert shipped_catalogues() is shipped_catalogues()


def _write(root: Path, lang: str, text: str) -> Path:
    path = catalogue_path(lang, NEWSLETTER, root)
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'


def test_a_broken_catalogue_stops_the_load_naming_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "en", HEADER + 'msgid "Gemensamt"\nmsgstr "For everyone\n')
    with pytest.raises(ConfigError) as raised:
        Catalogues.load(tmp_path)
    # Babel alone would read "For everyon" and carry on; the line is named instead.
    assert str(raised.value).startswith(f"{path}:6: not a comment, keyword or complete")
    assert catalogue_problems(["sv", "en"], NEWSLETTER, root=tmp_path)[0].startswith(f"{path}:6")


def test_a_repeated_message_id_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "so", HEADER + 'msgid "Bild"\nmsgstr "Sawir"\n\nmsgid "Bild"\nmsgstr "X"\n'
    )
    with pytest.raises(ConfigError, match=f'{path}:8: msgid "Bild" repeats line 5'):
        Catalogues.load(tmp_path)


def test_missing_empty_fuzzy_and_mismatched_translations_are_named(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "en",
        HEADER
        + 'msgid "Gemensamt"\nmsgstr ""\n\n'
        + '#, fuzzy\nmsgid "Bild"\nmsgstr "Image"\n\n'
        + '#, python-format\nmsgid "Nummer %(number)s"\nmsgstr "Issue %(nummer)s"\n',
    )
    problems = catalogue_problems(
        ["sv", "en", "ar"], NEWSLETTER, expected_ids={"Gemensamt", "Bild", "Ny"}, root=tmp_path
    )
    text = "\n".join(problems)
    assert f"{path}:5: no translation for 'Gemensamt'" in text
    assert "fuzzy (unchecked) translation of 'Bild'" in text
    assert "nummer" in text  # the placeholder that does not exist in the source
    assert "no entry for 'Ny'" in text
    assert "'Nummer %(number)s' is no longer used" in text
    assert f"{catalogue_path('ar', NEWSLETTER, tmp_path)}: missing (language 'ar' is declared)" in (
        text
    )
