"""Plain frozen views of content that the renderer and the sender take: no ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from tryggnews.content.language_views import BlockText, IssueText, block_digest, issue_digest
from tryggnews.content.promise_view import PromiseSummaryView
from tryggnews.db.models import Block, Issue, LanguagePolicy


@dataclass(frozen=True)
class BlockView:
    """One section as the templates see it. ``body_md`` is rendered and sanitised by render/."""

    id: int
    title: str
    body_md: str
    organisation_key: str
    organisation_name: str
    focus_area_key: str
    focus_area_name: str
    focus_area_position: int
    audiences: tuple[str, ...] = ()
    image_url: str | None = None
    image_alt: str | None = None
    cta_url: str | None = None
    cta_label: str | None = None
    # What readers of a language without a translation get, and the translations.
    language_policy: str = LanguagePolicy.FALLBACK.value
    translations: tuple[BlockText, ...] = ()
    # The language the texts above are in; ``fallback``: Swedish standing in for a
    # missing translation, which the message says in the reader's language.
    language: str = "sv"
    fallback: bool = False

    def translation(self, lang: str) -> BlockText | None:
        return next((t for t in self.translations if t.language == lang), None)

    def in_language(self, lang: str) -> BlockView | None:
        """The block as a reader of ``lang`` gets it; None when it is left out for them."""
        if lang == "sv" or self.language_policy == LanguagePolicy.SWEDISH_ONLY:
            return self
        text = self.translation(lang)
        if text is None:
            if self.language_policy == LanguagePolicy.SKIP:
                return None
            return replace(self, fallback=True)
        return replace(
            self,
            title=text.title,
            body_md=text.body_md,
            cta_label=text.cta_label or self.cta_label,
            image_alt=text.image_alt or self.image_alt,
            language=lang,
        )


@dataclass(frozen=True)
class ActivityView:
    """An upcoming activity for the "Kommande aktiviteter" section."""

    start: date
    title: str
    end: date | None = None
    risk_weekend: bool = False
    description: str = ""
    # Set when the activity is on the public calendar: its one-event file is
    # ``/kalender/<event_id>.ics`` ("Lägg i kalendern").
    event_id: str = ""


@dataclass(frozen=True)
class IssueView:
    key: str
    year: int
    number: int
    title: str
    subject: str
    preheader: str
    intro_md: str
    send_date: date | None
    # The issue's public archive page ("Läs i webbläsaren"); empty when it will have none.
    web_url: str = ""
    # "Så går det med löftet", when the editor switched it on for the issue.
    promise: PromiseSummaryView | None = None
    translations: tuple[IssueText, ...] = ()
    # The language of title, subject, preheader and intro (Swedish when untranslated).
    language: str = "sv"

    def in_language(self, lang: str) -> IssueView:
        """The issue's texts for a reader of ``lang``; Swedish when it has no translation."""
        text = next((t for t in self.translations if t.language == lang), None)
        if lang == "sv" or text is None:
            return self
        return replace(
            self,
            title=text.title,
            subject=text.subject,
            preheader=text.preheader or self.preheader,
            intro_md=text.intro_md,
            language=lang,
        )


@dataclass(frozen=True)
class VariantSpec:
    """One audience variant: the blocks it contains, and whether it lists activities."""

    key: str
    blocks: tuple[BlockView, ...]
    include_activities: bool = True
    # Human description of who gets this variant ("Föräldrar – årskurs 7–9, Senior").
    audience_label: str = ""
    # The topics the first reader of this variant chose ("Tillgreppsbrott"); empty: all.
    topic_label: str = ""
    # The reader language it is rendered in; its blocks are already in that language.
    language: str = "sv"
    # The audiences in the reader's language, for the message's footer ("Innehållet är
    # valt för: …"); empty when the reader chose none outside Swedish ("Alla").
    reader_label: str = ""


def block_view(block: Block) -> BlockView:
    """The renderer's view of a stored block."""
    return BlockView(
        id=block.id,
        title=block.title,
        body_md=block.body_md,
        organisation_key=block.organisation_key,
        organisation_name=block.organisation.name,
        focus_area_key=block.focus_area_key,
        focus_area_name=block.focus_area.name,
        focus_area_position=block.focus_area.position,
        audiences=tuple(block.audiences),
        image_url=block.image_url,
        image_alt=block.image_alt,
        cta_url=block.cta_url,
        cta_label=block.cta_label,
        language_policy=block.language_policy.value,
        translations=block_texts(block),
    )


def block_texts(block: Block) -> tuple[BlockText, ...]:
    """The block's translations, each marked stale when the Swedish changed since."""
    digest = block_digest(block.title, block.body_md, block.cta_label, block.image_alt)
    return tuple(
        BlockText(
            language=t.language,
            title=t.title,
            body_md=t.body_md,
            cta_label=t.cta_label,
            image_alt=t.image_alt,
            stale=t.source_digest != digest,
        )
        for t in block.translations
    )


def issue_texts(issue: Issue) -> tuple[IssueText, ...]:
    digest = issue_digest(issue.title, issue.subject, issue.preheader, issue.intro_md)
    return tuple(
        IssueText(
            language=t.language,
            title=t.title,
            subject=t.subject,
            preheader=t.preheader,
            intro_md=t.intro_md,
            stale=t.source_digest != digest,
        )
        for t in issue.translations
    )


def issue_view(issue: Issue) -> IssueView:
    send_date = None
    if issue.planned_send_at is not None:
        send_date = issue.planned_send_at.astimezone(ZoneInfo(issue.timezone)).date()
    return IssueView(
        key=issue.key,
        year=issue.year,
        number=issue.number,
        title=issue.title,
        subject=issue.subject,
        preheader=issue.preheader,
        intro_md=issue.intro_md,
        send_date=send_date,
        translations=issue_texts(issue),
    )
