"""The public pages' catalogue (domain "messages"): every Swedish source string of the
pages and the subscriber notices is translated for every declared language, and a broken
``.po`` file is reported with its file and line by the loader, before any page is served."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from tryggnews.content.vocabulary import Vocabulary
from tryggnews.errors import ConfigError
from tryggnews.i18n import LOCALES_DIR, MESSAGES, Catalogues, catalogue_path, catalogue_problems

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "tryggnews"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "N_": None}


def page_ids() -> set[str]:
    """The Swedish source strings, extracted as i18n/messages.cfg says."""
    found: set[str] = set()
    for _file, _line, message, *_ in extract_from_dir(
        PACKAGE,
        method_map=[
            ("web/app.py", "python"),
            ("web/i18n.py", "python"),
            ("web/public/**.py", "python"),
            ("subscribers/notices.py", "python"),
            ("web/templates/*.html", "jinja2"),
            ("web/templates/public/**.html", "jinja2"),
        ],
        options_map={
            "web/templates/*.html": {"trimmed": "true"},
            "web/templates/public/**.html": {"trimmed": "true"},
        },
        keywords=KEYWORDS,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_page_string_is_translated_for_every_declared_language(
    vocabulary: Vocabulary,
) -> None:
    expected = page_ids()
    # The extraction reaches templates, Python views, forms and the notices.
    assert {"Dina inställningar", "Skriv din e-postadress.", "Hej!", "Välj språk"} <= expected
    assert len(expected) > 150
    assert set(vocabulary.languages) >= {"sv", "en", "ar", "so"}
    assert catalogue_problems(vocabulary.languages, MESSAGES, expected_ids=expected) == []


def test_a_missing_translation_is_named(tmp_path: Path) -> None:
    root = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, root)
    path = catalogue_path("so", MESSAGES, root)
    text = path.read_text(encoding="utf-8")
    # Blank out the Somali translation of one message.
    broken = text.replace('msgstr "Goobahaaga"', 'msgstr ""', 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    problems = catalogue_problems(["so"], MESSAGES, expected_ids=page_ids(), root=root)
    line = _line_of(broken, 'msgid "Dina inställningar"')
    assert problems == [f"{path}:{line}: no translation for 'Dina inställningar'"]


def test_a_po_file_with_a_syntax_error_is_reported_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, root)
    path = catalogue_path("ar", MESSAGES, root)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith('msgid "Hej!"'))
    lines.insert(at + 2, 'msgstr_typo "x"\n')
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Catalogues.load(root)
    message = str(caught.value)
    assert message.startswith(f"{path}:{at + 3}:"), message


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1
