"""Translations as content: checking and storing them, and what is missing or stale.

Swedish is the source. A translation is stored with the digest of the Swedish text it
was made from (``language_views``); when the Swedish changes it turns stale, and is
still used until someone updates it (a stale translation is usually nearly right,
and the approval page says which ones are). Only languages declared in
audiences.toml may be translated into; Swedish itself never is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tryggnews.content.language_views import block_digest, issue_digest
from tryggnews.content.text import text_problems
from tryggnews.content.views import BlockView, IssueView
from tryggnews.content.vocabulary import DEFAULT_LANGUAGE, Vocabulary
from tryggnews.db.models import (
    Block,
    BlockTranslation,
    Issue,
    IssueTranslation,
    LanguagePolicy,
    Subscriber,
    SubscriberStatus,
)

TITLE_MAX = 200
SUBJECT_MAX = 200
PREHEADER_MAX = 300
# Swedish words for the languages, as adjective and noun: "arabisk översättning",
# "läser arabiska". A language not listed is named by its own label from audiences.toml.
SWEDISH_NAMES = {
    "en": ("engelsk", "engelska"),
    "ar": ("arabisk", "arabiska"),
    "so": ("somalisk", "somaliska"),
    "fi": ("finsk", "finska"),
    "fa": ("persisk", "persiska"),
    "ti": ("tigrinsk", "tigrinja"),
    "uk": ("ukrainsk", "ukrainska"),
}
POLICY_LABELS = {
    LanguagePolicy.FALLBACK.value: "Visa på svenska med en notis när översättning saknas",
    LanguagePolicy.SWEDISH_ONLY.value: "Endast på svenska",
    LanguagePolicy.SKIP.value: "Hoppa över utan översättning",
}
# A block's state per language, as the workspace shows it.
STATE_WORDS = {
    "done": "finns",
    "stale": "inaktuell – svenskan har ändrats",
    "missing": "saknas",
    "swedish-only": "endast på svenska",
}


@dataclass
class TranslationInput:
    """What an editor or the CLI gives for one language; empty optional fields: Swedish."""

    language: str
    title: str
    body_md: str = ""
    cta_label: str | None = None
    image_alt: str | None = None
    # For an issue: the subject and preheader (title and body_md are title and intro).
    subject: str = ""
    preheader: str = ""


def translation_languages(vocabulary: Vocabulary) -> list[str]:
    """The languages a translation may be in: every declared one but Swedish."""
    return [lang for lang in vocabulary.languages if lang != DEFAULT_LANGUAGE]


def adjective(lang: str, vocabulary: Vocabulary) -> str:
    """``"arabisk översättning"``; an unlisted language: ``"översättning till <label>"``."""
    if lang in SWEDISH_NAMES:
        return f"{SWEDISH_NAMES[lang][0]} översättning"
    return f"översättning till {vocabulary.languages.get(lang, lang)}"


def language_problem(lang: str, vocabulary: Vocabulary) -> str | None:
    if lang in translation_languages(vocabulary):
        return None
    allowed = ", ".join(translation_languages(vocabulary)) or "inga"
    if lang == DEFAULT_LANGUAGE:
        return "språk: svenska är originalet; ändra blockets egen text i stället"
    return f"språk: {lang!r} finns inte bland [languages] i audiences.toml (välj {allowed})"


def block_translation_problems(data: TranslationInput, vocabulary: Vocabulary) -> list[str]:
    """Every problem with a block translation, in Swedish, each naming its field."""
    lang = data.language
    problem = language_problem(lang, vocabulary)
    if problem:
        return [problem]
    problems = []
    title = data.title.strip()
    if not title:
        problems.append(f"rubrik ({lang}): översättningen behöver en rubrik")
    elif len(title) > TITLE_MAX:
        problems.append(f"rubrik ({lang}): högst {TITLE_MAX} tecken (nu {len(title)})")
    if not data.body_md.strip():
        problems.append(f"text ({lang}): översättningen behöver en text")
    problems += text_problems(
        (
            (f"rubrik ({lang})", title),
            (f"text ({lang})", data.body_md),
            (f"knapptext ({lang})", data.cta_label),
            (f"alt-text ({lang})", data.image_alt),
        ),
        multiline=(f"text ({lang})",),
    )
    return problems


def issue_translation_problems(data: TranslationInput, vocabulary: Vocabulary) -> list[str]:
    lang = data.language
    problem = language_problem(lang, vocabulary)
    if problem:
        return [problem]
    problems = []
    for field, value, limit in (
        ("rubrik", data.title, TITLE_MAX),
        ("ämnesrad", data.subject, SUBJECT_MAX),
    ):
        if not value.strip():
            problems.append(f"{field} ({lang}): översättningen behöver en {field}")
        elif len(value.strip()) > limit:
            problems.append(f"{field} ({lang}): högst {limit} tecken (nu {len(value.strip())})")
    if len(data.preheader.strip()) > PREHEADER_MAX:
        problems.append(f"förhandstext ({lang}): högst {PREHEADER_MAX} tecken")
    problems += text_problems(
        (
            (f"rubrik ({lang})", data.title),
            (f"ämnesrad ({lang})", data.subject),
            (f"förhandstext ({lang})", data.preheader),
            (f"ingress ({lang})", data.body_md),
        ),
        multiline=(f"ingress ({lang})",),
    )
    return problems


def _optional(value: str | None) -> str | None:
    return (value or "").strip() or None


def store_block_translation(
    session: Session, block: Block, data: TranslationInput, *, author: str, now: datetime
) -> bool:
    """Insert or replace the block's translation (checked by the caller); True if changed."""
    row = session.get(BlockTranslation, (block.id, data.language))
    new = {
        "title": data.title.strip(),
        "body_md": data.body_md.strip() + "\n",
        "cta_label": _optional(data.cta_label),
        "image_alt": _optional(data.image_alt),
        "source_version": block.version,
        "source_digest": block_digest(block.title, block.body_md, block.cta_label, block.image_alt),
    }
    if row is None:
        row = BlockTranslation(block_id=block.id, language=data.language, author=author)
        block.translations.append(row)
    elif all(getattr(row, k) == v for k, v in new.items() if k != "source_version"):
        return False
    for field, value in new.items():
        setattr(row, field, value)
    row.author, row.updated_at = author, now
    session.flush()
    return True


def store_issue_translation(
    session: Session, issue: Issue, data: TranslationInput, *, author: str, now: datetime
) -> bool:
    row = session.get(IssueTranslation, (issue.id, data.language))
    intro = data.body_md.strip()
    new = {
        "title": data.title.strip(),
        "subject": data.subject.strip(),
        "preheader": data.preheader.strip(),
        "intro_md": intro + "\n" if intro else "",
        "source_digest": issue_digest(issue.title, issue.subject, issue.preheader, issue.intro_md),
    }
    if row is None:
        row = IssueTranslation(issue_id=issue.id, language=data.language, author=author)
        issue.translations.append(row)
    elif all(getattr(row, k) == v for k, v in new.items()):
        return False
    for field, value in new.items():
        setattr(row, field, value)
    row.source_version, row.author, row.updated_at = issue.version, author, now
    session.flush()
    return True


def block_states(block: BlockView, languages: Sequence[str]) -> dict[str, str]:
    """Per language: "done", "stale", "missing" or "swedish-only" (see ``STATE_WORDS``)."""
    states = {}
    for lang in languages:
        text = block.translation(lang)
        if text is not None:
            states[lang] = "stale" if text.stale else "done"
        elif block.language_policy == LanguagePolicy.SWEDISH_ONLY:
            states[lang] = "swedish-only"
        else:
            states[lang] = "missing"
    return states


def readers_by_language(session: Session) -> dict[str, int]:
    """Active subscribers per language, for "… (12 läser arabiska)"."""
    rows = session.execute(
        select(Subscriber.language, func.count())
        .where(Subscriber.status == SubscriberStatus.ACTIVE)
        .group_by(Subscriber.language)
    )
    return {language: count for language, count in rows}


def translation_gaps(
    issue: IssueView,
    blocks: Sequence[BlockView],
    vocabulary: Vocabulary,
    readers: Mapping[str, int],
) -> list[str]:
    """What approvers should know before approving, one Swedish line per language and kind.

    Every declared language is listed, read by anyone or not: subscribers may choose
    a language between approval and send, and an approver should see the whole gap.
    """
    lines = []
    for lang in translation_languages(vocabulary):
        who = readers.get(lang, 0)
        noun = SWEDISH_NAMES.get(lang, ("", vocabulary.languages.get(lang, lang)))[1]
        tail = f" – {who} {'prenumerant' if who == 1 else 'prenumeranter'} läser {noun}"
        states = [block_states(b, [lang])[lang] for b in blocks]
        missing, stale = states.count("missing"), states.count("stale")
        kind = adjective(lang, vocabulary)
        if missing:
            skipped = sum(
                1
                for b, s in zip(blocks, states, strict=True)
                if s == "missing" and b.language_policy == LanguagePolicy.SKIP
            )
            note = f", {skipped} av dem hoppas över" if skipped else ""
            lines.append(f"{missing} block saknar {kind}{note}{tail}")
        if stale:
            lines.append(f"{stale} block har en inaktuell {kind} (svenskan har ändrats){tail}")
        text = next((t for t in issue.translations if t.language == lang), None)
        if text is None:
            lines.append(f"Utskickets rubrik, ämnesrad och ingress saknar {kind}{tail}")
        elif text.stale:
            lines.append(f"Utskickets rubrik, ämnesrad och ingress har en inaktuell {kind}{tail}")
    return lines
