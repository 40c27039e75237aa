"""The gettext catalogues: Swedish source strings, one ``.po`` file per language and domain.

``locales/<lang>/LC_MESSAGES/<domain>.po`` is read with Babel and compiled in memory
when a process starts, so no generated ``.mo`` file is committed or built, and a
broken file stops the start (and ``make test``) instead of a page. Domains:
``newsletter`` (the messages' fixed text, ``templates/*.j2``) and ``messages`` (the
public web pages). Swedish needs no catalogue: the source strings are Swedish.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations

from tryggnews.errors import ConfigError
from tryggnews.i18n.languages import SOURCE_LANGUAGE

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
NEWSLETTER = "newsletter"
MESSAGES = "messages"
DOMAINS = (NEWSLETTER, MESSAGES)


def N_(message: str) -> str:
    """Marks a Swedish source string for extraction where it is defined; translated later."""
    return message


def catalogue_path(lang: str, domain: str, root: Path = LOCALES_DIR) -> Path:
    return root / lang / "LC_MESSAGES" / f"{domain}.po"


# A line of a .po file: a comment, a keyword with one complete quoted string, or a
# continuation string. Babel's reader forgives an unterminated quote (it drops the last
# character) and a repeated msgid (the last wins): both would reach readers silently.
_PO_LINE = re.compile(
    r'\s*(?:#.*|(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*")?\s*'
)


def _syntax_problem(text: str) -> tuple[int, str] | None:
    """The first line that is not well-formed .po, or a repeated msgid, as (line, why)."""
    seen: dict[tuple[str, str], int] = {}
    context, current = "", None
    for number, line in enumerate(text.splitlines(), start=1):
        if not _PO_LINE.fullmatch(line):
            return number, "not a comment, keyword or complete quoted string"
        stripped = line.strip()
        if stripped.startswith("msgctxt"):
            context = stripped
        elif stripped.startswith("msgid ") and not line.startswith("#"):
            current = (context, stripped)
            context = ""
            if current in seen and stripped != 'msgid ""':
                return number, f"{stripped} repeats line {seen[current]}"
            seen[current] = number
    return None


def read_catalogue(path: Path, lang: str, domain: str) -> Catalog:
    """One ``.po`` file; ``ConfigError`` naming the file (and line) when it is broken."""
    try:
        raw = path.read_bytes()
        problem = _syntax_problem(raw.decode("utf-8"))
        if problem is not None:
            raise ConfigError(f"{path}:{problem[0]}: {problem[1]}")
        return read_po(BytesIO(raw), locale=lang, domain=domain, abort_invalid=True)
    except PoFileError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the catalogue: {exc}") from exc


def compile_catalogue(catalog: Catalog, domain: str) -> Translations:
    """The catalogue as gettext translations, compiled in memory (fuzzy entries left out)."""
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


class Catalogues:
    """Every catalogue under a locales directory, compiled once; looked up by language."""

    def __init__(self, translations: Mapping[tuple[str, str], Translations]) -> None:
        self._translations = dict(translations)
        self._source = gettext.NullTranslations()

    @classmethod
    def load(cls, root: Path = LOCALES_DIR) -> Catalogues:
        """Read and compile ``root/<lang>/LC_MESSAGES/<domain>.po`` for every file there."""
        found: dict[tuple[str, str], Translations] = {}
        for path in sorted(root.glob("*/LC_MESSAGES/*.po")):
            lang, domain = path.parent.parent.name, path.stem
            found[(lang, domain)] = compile_catalogue(read_catalogue(path, lang, domain), domain)
        return cls(found)

    def has(self, lang: str, domain: str) -> bool:
        return lang == SOURCE_LANGUAGE or (lang, domain) in self._translations

    def languages(self, domain: str) -> frozenset[str]:
        """The languages with a catalogue for ``domain``, and Swedish."""
        return frozenset({SOURCE_LANGUAGE} | {k[0] for k in self._translations if k[1] == domain})

    def translations(self, lang: str, domain: str) -> gettext.NullTranslations:
        """The language's translations; the Swedish source text when it has no catalogue."""
        return self._translations.get((lang, domain), self._source)

    def gettext(self, lang: str, domain: str) -> Callable[[str], str]:
        return self.translations(lang, domain).gettext


@cache
def shipped_catalogues() -> Catalogues:
    """The catalogues shipped in the package, loaded once per process."""
    return Catalogues.load()


def catalogue_problems(
    languages: Iterable[str],
    domain: str,
    *,
    expected_ids: Collection[str] | None = None,
    root: Path = LOCALES_DIR,
) -> list[str]:
    """Why the catalogues of ``domain`` do not serve ``languages``; empty when they do.

    Every language but Swedish needs a readable catalogue in which each message has a
    non-empty, non-fuzzy translation whose ``%(name)s`` placeholders match the source.
    With ``expected_ids`` (the strings extracted from the sources) a missing or an
    orphaned message id is named too.
    """
    problems: list[str] = []
    for lang in languages:
        if lang == SOURCE_LANGUAGE:
            continue
        path = catalogue_path(lang, domain, root)
        if not path.is_file():
            problems.append(f"{path}: missing (language {lang!r} is declared)")
            continue
        try:
            catalog = read_catalogue(path, lang, domain)
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        problems += _message_problems(path, catalog, expected_ids)
    return problems


def _message_problems(
    path: Path, catalog: Catalog, expected_ids: Collection[str] | None
) -> list[str]:
    problems = []
    ids = set()
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        ids.add(msgid)
        where = f"{path}:{message.lineno}"
        raw = message.string
        strings = [raw] if isinstance(raw, str) else list(raw or [""])
        if not all(s and s.strip() for s in strings):
            problems.append(f"{where}: no translation for {msgid!r}")
        elif message.fuzzy:
            problems.append(f"{where}: fuzzy (unchecked) translation of {msgid!r}")
    for message, errors in catalog.check():
        for error in errors:
            problems.append(f"{path}:{message.lineno}: {message.id!r}: {error}")
    if expected_ids is not None:
        problems += [f"{path}: no entry for {i!r}" for i in sorted(set(expected_ids) - ids)]
        problems += [f"{path}: {i!r} is no longer used" for i in sorted(ids - set(expected_ids))]
    return problems
