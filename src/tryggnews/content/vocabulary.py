"""The vocabulary blocks and subscribers refer to: keys with Swedish labels.

Keys are stable identifiers stored in the database and CSV files; labels are what
readers and editors see. An unknown key anywhere is an error, never silently dropped.

Focus areas are fixed by the medborgarlöfte and seeded by the first migration, so they
live here (the organisations in ``organisations.py``). Audiences, topics and languages are
each kommun's own choice and are declared in ``audiences.toml`` (setting
TRYGGNEWS_AUDIENCES), read once at start by ``load_vocabulary`` and handed to whoever needs
them as a ``Vocabulary``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from tryggnews.errors import ConfigError, ValidationError
from tryggnews.i18n import N_
from tryggnews.tomlfile.fields import Problems, Table
from tryggnews.tomlfile.lines import LineLocator
from tryggnews.tomlfile.read import read_toml

# N_ marks the names for the newsletter catalogue: a message's area headings are translated.
FOCUS_AREAS: Mapping[str, str] = {
    "andts": N_("ANDTS – alkohol, narkotika, doping, tobak och spel om pengar"),
    "vald": N_("Våldsprevention"),
    "offentlig-miljo": N_("Säkerhet och trygghet i offentlig miljö"),
    "tillgrepp": N_("Tillgreppsbrott"),
    "organiserad": N_("Organiserad brottslighet"),
    "gemensamt": N_("Gemensamt"),
}

# The focus area whose blocks reach everyone whatever topics they chose; not a topic.
EVERYONE_AREA = "gemensamt"
# The topic that selects the calendar of upcoming activities rather than blocks.
EVENTS_TOPIC = "evenemang"
DEFAULT_LANGUAGE = "sv"

# Keys are stored in JSON lists and written in CSV cells separated by "|" or ",", and
# the importer lowercases them: so lowercase letters, digits and single hyphens only.
_KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# A language key is also the page's lang="" attribute: an ISO 639 code.
_LANGUAGE_KEY = re.compile(r"[a-z]{2,3}")
MAX_KEY_CHARS = 40
MAX_LABEL_CHARS = 80


@dataclass(frozen=True)
class AudienceRestriction:
    """The e-mail domains an audience accepts (``domains = [...]`` in audiences.toml)."""

    domains: tuple[str, ...]
    # Who the audience is for, in words: "anställda inom Österåkers kommun och Polisen".
    who: str = "anställda"

    def accepts(self, domain: str) -> bool:
        """The domain itself or any subdomain of it (skola.osteraker.se)."""
        return any(domain == d or domain.endswith("." + d) for d in self.domains)

    def message(self, label: str) -> str:
        """Why an address may not choose the audience ``label`` (Swedish)."""
        return (
            f"Målgruppen ”{label}” är bara för {self.who} (adresser på {self._listed()}). "
            "Välj en annan grupp, eller använd din e-postadress på jobbet."
        )

    def note(self) -> str:
        """Who may choose the audience, said beside it in the forms (Swedish)."""
        return f"Bara för {self.who}, med en adress på {self._listed()}."

    def _listed(self) -> str:
        if len(self.domains) == 1:
            return self.domains[0]
        return f"{', '.join(self.domains[:-1])} eller {self.domains[-1]}"


@dataclass(frozen=True)
class Vocabulary:
    """Audiences, topics and languages as declared in ``audiences.toml``, in file order."""

    audiences: Mapping[str, str]
    topics: Mapping[str, str]
    languages: Mapping[str, str]
    source: str = "audiences.toml"
    # Audiences only some addresses may choose (staff material): key → who may.
    restricted: Mapping[str, AudienceRestriction] = field(default_factory=dict)
    # Labels in the other declared languages ([translations.<lang>] in the file):
    # language → key → label. A key without one shows its Swedish label.
    audience_translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    topic_translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def audiences_in(self, language: str) -> Mapping[str, str]:
        """Audience labels in ``language``, in file order, Swedish where none is given."""
        return _in_language(self.audiences, self.audience_translations.get(language, {}))

    def topics_in(self, language: str) -> Mapping[str, str]:
        """Topic labels in ``language``, in file order, Swedish where none is given."""
        return _in_language(self.topics, self.topic_translations.get(language, {}))

    def refusal(self, audiences: Iterable[str], email: str) -> str | None:
        """Why ``email`` may not choose one of ``audiences`` (Swedish), or None if it may.

        Sign-up, the preference centre and the importer all ask here, so the rule and
        its wording live in one place.
        """
        key = self.refused_audience(audiences, email)
        return None if key is None else self.restricted[key].message(self.audiences.get(key, key))

    def refused_audience(self, audiences: Iterable[str], email: str) -> str | None:
        """The first of ``audiences`` that ``email`` may not choose, or None."""
        domain = email.rpartition("@")[2].strip().lower().rstrip(".")
        for key in audiences:
            rule = self.restricted.get(key)
            if rule is not None and not rule.accepts(domain):
                return key
        return None

    def audience_keys(self, keys: Iterable[str]) -> list[str]:
        return check_keys("audience", keys, self.audiences)

    def topic_keys(self, keys: Iterable[str]) -> list[str]:
        return check_keys("topic", keys, self.topics)

    def language(self, key: str) -> str:
        if key not in self.languages:
            raise ValidationError(
                f"unknown language {key!r}: choose from {', '.join(self.languages)}"
            )
        return key


def load_vocabulary(path: Path) -> Vocabulary:
    """Read and check ``path``; ``ConfigError`` names file and line of every problem."""
    name = str(path)
    source, data = read_toml(
        path, error=ConfigError, missing="run from the project folder or set TRYGGNEWS_AUDIENCES"
    )
    problems = Problems(name, LineLocator(source))
    root = Table(data, (), problems, "the file")
    restricted: dict[str, AudienceRestriction] = {}
    audiences = _labels(root, "audiences", "audience", restricted)
    topics = _labels(root, "topics", "topic")
    languages = _labels(root, "languages", "language")
    audience_translations, topic_translations = _translations(root, languages, audiences, topics)
    root.finish()
    for key in languages:
        if _KEY.fullmatch(key) and not _LANGUAGE_KEY.fullmatch(key):
            problems.add(
                ("languages", key),
                f'language key "{key}" must be an ISO 639 code of two or three letters (e.g. en)',
            )
    _check_topics(problems, topics)
    if languages and DEFAULT_LANGUAGE not in languages:
        root.problem(
            "languages",
            f'[languages] must include "{DEFAULT_LANGUAGE}" (Svenska): it is the default',
        )
    problems.raise_if_any()
    return Vocabulary(
        audiences=MappingProxyType(audiences),
        topics=MappingProxyType(topics),
        languages=MappingProxyType(languages),
        source=name,
        restricted=MappingProxyType(restricted),
        audience_translations=MappingProxyType(audience_translations),
        topic_translations=MappingProxyType(topic_translations),
    )


def _in_language(swedish: Mapping[str, str], translated: Mapping[str, str]) -> dict[str, str]:
    return {key: translated.get(key) or label for key, label in swedish.items()}


def _translations(
    root: Table,
    languages: Mapping[str, str],
    audiences: Mapping[str, str],
    topics: Mapping[str, str],
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """``[translations.<lang>.audiences]`` and ``.topics``: ``key = "label"`` per language.

    One table per language keeps a translator's work in one place, and the Swedish
    lines of [audiences] and [topics] stay as short as before. Every entry is optional.
    """
    by_kind: dict[str, dict[str, dict[str, str]]] = {"audiences": {}, "topics": {}}
    table = root.table("translations", "[translations]")
    if table is None:
        return by_kind["audiences"], by_kind["topics"]
    for language in table.data:
        entry = table.table(language, f"[translations.{language}]")
        if entry is None:
            continue
        if language == DEFAULT_LANGUAGE:
            table.problem(
                language,
                "Swedish labels are the lines of [audiences] and [topics], not a translation",
            )
        elif language not in languages:
            table.problem(
                language,
                f'language "{language}" is not declared in [languages] '
                f"(declared: {', '.join(languages)})",
            )
        for section, kind, declared in (
            ("audiences", "audience", audiences),
            ("topics", "topic", topics),
        ):
            labels = entry.table(section, f"[translations.{language}.{section}]")
            if labels is None:
                continue
            found = by_kind[section].setdefault(language, {})
            for key in labels.data:
                label = labels.string(key)
                if key not in declared:
                    labels.problem(key, f'{kind} "{key}" is not declared in [{section}]')
                elif _label_ok(labels, key, label):
                    found[key] = label
            labels.finish()
        entry.finish()
    table.finish()
    return by_kind["audiences"], by_kind["topics"]


def _label_ok(table: Table, key: str, label: str) -> bool:
    """Check one label's length and characters; False (with the problem added) if bad."""
    if not label:
        return False
    if len(label) > MAX_LABEL_CHARS:
        table.problem(key, f"the label of {key} is over {MAX_LABEL_CHARS} characters")
        return False
    if any(char in label for char in "<>\r\n"):
        table.problem(key, f"the label of {key} may not hold <, > or line breaks")
        return False
    return True


def _labels(
    root: Table,
    section: str,
    kind: str,
    restricted: dict[str, AudienceRestriction] | None = None,
) -> dict[str, str]:
    """``key = "label"`` lines of one required, non-empty table, checked.

    With ``restricted`` (the audiences), a line may instead be an inline table
    ``key = { label = "…", domains = ["osteraker.se"], who = "…" }``; its rule is
    put in ``restricted``.
    """
    table = root.table(section, f"[{section}]", required=True)
    if table is None:
        return {}
    if not table.data:
        table.problems.add(table.path, f"[{section}] is empty: declare at least one {kind}")
    labels: dict[str, str] = {}
    for key, value in table.data.items():
        if not _KEY.fullmatch(key) or len(key) > MAX_KEY_CHARS:
            table.problem(
                key,
                f'{kind} key "{key}" must be lowercase a–z, 0–9 and single hyphens, '
                f"at most {MAX_KEY_CHARS} characters (e.g. parents-4-6)",
            )
        if restricted is not None and isinstance(value, Mapping):
            label = _restricted(table, key, restricted)
        else:
            label = table.string(key)
        _label_ok(table, key, label)
        labels[key] = label
    table.finish()
    return labels


# A domain as written after "@": labels of a–z, 0–9 and hyphens, at least one dot.
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _restricted(table: Table, key: str, restricted: dict[str, AudienceRestriction]) -> str:
    """Read ``{ label, domains, who }`` of one audience; its label (empty on a problem)."""
    entry = table.table(key, f"audience {key}")
    if entry is None:
        return ""
    label = entry.string("label")
    raw = entry.data.get("domains")
    entry.has("domains")
    domains: list[str] = []
    if not isinstance(raw, list) or not raw or not all(isinstance(d, str) for d in raw):
        entry.problem(
            "domains",
            f'domains of {key} must be a list of e-mail domains, e.g. ["osteraker.se"]',
        )
    else:
        for domain in raw:
            cleaned = domain.strip().lower().lstrip("@")
            if not _DOMAIN.fullmatch(cleaned):
                entry.problem(
                    "domains", f'"{domain}" in domains of {key} is not a domain like osteraker.se'
                )
            elif cleaned not in domains:
                domains.append(cleaned)
    who = entry.string("who", default="anställda")
    if any(char in who for char in "<>\r\n"):
        entry.problem("who", f"who of {key} may not hold <, > or line breaks")
    entry.finish()
    if domains:
        restricted[key] = AudienceRestriction(domains=tuple(domains), who=who)
    return label


def _check_topics(problems: Problems, topics: Mapping[str, str]) -> None:
    # A topic selects blocks by focus area, so only focus areas (and the calendar)
    # can be topics, and a focus area missing here would be unreachable for everyone
    # who picks topics.
    if not topics:
        return
    allowed = [key for key in FOCUS_AREAS if key != EVERYONE_AREA] + [EVENTS_TOPIC]
    for key in topics:
        if key == EVERYONE_AREA:
            problems.add(
                ("topics", key),
                f'topic "{key}" is not needed: blocks in that focus area reach everyone',
            )
        elif key not in allowed:
            problems.add(
                ("topics", key),
                f'topic "{key}" is not a focus area, so it would select nothing: '
                f"topics are {', '.join(allowed)}",
            )
    missing = [key for key in allowed if key != EVENTS_TOPIC and key not in topics]
    if missing:
        problems.add(
            ("topics",),
            f"[topics] lacks the focus area {', '.join(missing)}: a reader who picks "
            "topics could never get those blocks",
        )


def check_keys(kind: str, keys: Iterable[str], allowed: Mapping[str, str]) -> list[str]:
    """Return ``keys`` stripped and de-duplicated in order; raise on any unknown key."""
    result: list[str] = []
    for raw in keys:
        key = raw.strip()
        if not key:
            continue
        if key not in allowed:
            raise ValidationError(
                f"unknown {kind} {key!r}: choose from {', '.join(sorted(allowed))}"
            )
        if key not in result:
            result.append(key)
    return result
