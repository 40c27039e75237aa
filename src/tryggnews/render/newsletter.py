"""Render one audience variant: Jinja2 → MJML → HTML, and Jinja2 → plain text.

A variant is rendered once and shared by every recipient who gets it; the
per-recipient links carry placeholders that delivery substitutes later. That is
why nothing here knows a recipient, and why ``mjml_renders`` is counted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import mjml

from tryggnews.content.views import ActivityView, BlockView, IssueView, VariantSpec
from tryggnews.errors import TemplateError
from tryggnews.i18n import Catalogues, shipped_catalogues
from tryggnews.render.dates import register_date_filters
from tryggnews.render.language import language_context, register_language_filters
from tryggnews.render.model import (
    MANAGE_TOKEN_PLACEHOLDER,
    UNSUBSCRIBE_TOKEN_PLACEHOLDER,
    RenderedVariant,
    Sender,
)

MJML_TEMPLATE = "newsletter.mjml.j2"
TEXT_TEMPLATE = "newsletter.txt.j2"
# The area every reader gets; it opens the message whatever its position says.
EVERYONE_AREA = "gemensamt"


@dataclass(frozen=True)
class AreaGroup:
    """The blocks of one focus area, as the templates iterate them."""

    key: str
    name: str
    position: int
    blocks: tuple[BlockView, ...]


def group_blocks(blocks: Sequence[BlockView]) -> list[AreaGroup]:
    """Blocks grouped by focus area: "Gemensamt" first, then by area position.

    Within an area the blocks keep the order they were given in (the issue's order).
    """
    grouped: dict[str, list[BlockView]] = {}
    for block in blocks:
        grouped.setdefault(block.focus_area_key, []).append(block)
    groups = [
        AreaGroup(
            key=key,
            name=members[0].focus_area_name,
            position=members[0].focus_area_position,
            blocks=tuple(members),
        )
        for key, members in grouped.items()
    ]
    groups.sort(key=lambda g: (g.key != EVERYONE_AREA, g.position, g.key))
    return groups


def join_organisations(names: Sequence[str]) -> str:
    """``"A och B"``, ``"A, B och C"`` — Swedish has no serial comma."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " och " + names[-1]


def normalise_text(text: str) -> str:
    """Trim trailing spaces and collapse runs of blank lines to one."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


class NewsletterRenderer:
    """Renders variants from the templates in one directory.

    The Jinja environment is built once and caches compiled templates, so a
    send renders each variant in well under a millisecond of Jinja work.
    """

    def __init__(self, templates_dir: Path, catalogues: Catalogues | None = None) -> None:
        self.templates_dir = Path(templates_dir)
        # The fixed text per language; loaded (and checked) once, before any render.
        self.catalogues = catalogues or shipped_catalogues()
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.templates_dir),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # HTML-escape everything in the message; the text part is not HTML.
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("mjml.j2",), disabled_extensions=("txt.j2",), default=True
            ),
            keep_trailing_newline=True,
        )
        register_date_filters(self.env)
        register_language_filters(self.env)
        # Counted so a test can prove MJML is rendered per variant, not per recipient.
        self.mjml_renders = 0

    def render_variant(
        self,
        issue: IssueView,
        variant: VariantSpec,
        activities: Sequence[ActivityView],
        sender: Sender,
    ) -> RenderedVariant:
        """The finished HTML and text of one variant, with per-recipient placeholders.

        Raises ``TemplateError`` naming template and line for a template fault,
        and ``TemplateError("ogiltig MJML: …")`` when mjml-python cannot parse.
        """
        return self.render_variant_and_source(issue, variant, activities, sender)[0]

    def render_variant_and_source(
        self,
        issue: IssueView,
        variant: VariantSpec,
        activities: Sequence[ActivityView],
        sender: Sender,
    ) -> tuple[RenderedVariant, str]:
        """``render_variant`` plus the MJML it rendered, for lint without a second Jinja pass."""
        context = self._context(issue, variant, activities, sender)
        source = self._render(MJML_TEMPLATE, context)
        html = self.mjml_to_html(source)
        text = normalise_text(self._render(TEXT_TEMPLATE, context))
        rendered = RenderedVariant(
            key=variant.key,
            subject=context["issue"].subject,
            html=html,
            text=text,
            block_ids=tuple(block.id for block in variant.blocks),
        )
        return rendered, source

    def render_mjml_source(
        self,
        issue: IssueView,
        variant: VariantSpec,
        activities: Sequence[ActivityView],
        sender: Sender,
    ) -> str:
        """The MJML that Jinja produces for a variant (for structure checks and lint)."""
        return self._render(MJML_TEMPLATE, self._context(issue, variant, activities, sender))

    def render_text(
        self,
        issue: IssueView,
        variant: VariantSpec,
        activities: Sequence[ActivityView],
        sender: Sender,
    ) -> str:
        """Only the plain-text part of a variant."""
        context = self._context(issue, variant, activities, sender)
        return normalise_text(self._render(TEXT_TEMPLATE, context))

    def mjml_to_html(self, source: str) -> str:
        """MJML → HTML, with no third-party font import."""
        self.mjml_renders += 1
        try:
            # fonts={} is mandatory: the default imports Google Fonts, which would
            # send every reader's IP address to Google on each open.
            return mjml.mjml2html(source, fonts={}, disable_comments=True)
        except ValueError as exc:
            raise TemplateError(f"ogiltig MJML: {exc}") from exc

    def _context(
        self,
        issue: IssueView,
        variant: VariantSpec,
        activities: Sequence[ActivityView],
        sender: Sender,
    ) -> dict[str, Any]:
        base_url = sender.base_url.rstrip("/")
        shown = (
            sorted(activities, key=lambda a: (a.start, a.title))
            if variant.include_activities
            else []
        )
        return {
            **language_context(variant.language, self.catalogues),
            # Title, subject, preheader and intro in the variant's language, when translated.
            "issue": issue.in_language(variant.language),
            "variant": variant,
            "sender": sender,
            "groups": group_blocks(variant.blocks),
            "activities": shown,
            "organisations": join_organisations(sender.organisations),
            "base_url": base_url,
            "public_url": (sender.public_url or base_url).rstrip("/"),
            "manage_url": f"{base_url}/p/{MANAGE_TOKEN_PLACEHOLDER}",
            "unsubscribe_url": f"{base_url}/u/{UNSUBSCRIBE_TOKEN_PLACEHOLDER}",
        }

    def _render(self, name: str, context: Mapping[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            filename = exc.filename or exc.name or name
            message = exc.message or str(exc)
            raise TemplateError(f"{self._relative(filename)}:{exc.lineno}: {message}") from exc
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"mallen {exc.name} finns inte i {self.templates_dir}") from exc
        except jinja2.TemplateError as exc:
            frame = self._template_frame(exc.__traceback__)
            where = f"{self._relative(frame[0])}:{frame[1]}" if frame else name
            raise TemplateError(f"{where}: {exc.message or exc}") from exc

    def _relative(self, filename: str) -> str:
        path = Path(filename)
        try:
            return path.resolve().relative_to(self.templates_dir.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def _template_frame(self, tb: TracebackType | None) -> tuple[str, int] | None:
        """The innermost traceback frame in a template file (Jinja rewrites frames to them)."""
        root = self.templates_dir.resolve()
        found: tuple[str, int] | None = None
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith(".j2"):
                path = Path(filename).resolve()
                if path.is_relative_to(root):
                    found = (filename, tb.tb_lineno)
            tb = tb.tb_next
        return found
