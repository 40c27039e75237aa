"""The reader's language in the newsletter templates: fixed text, direction, dates, bidi.

Every variant is rendered in one language. The templates get ``lang`` and ``dir``,
``start``/``end`` (the CSS side text starts and ends on), and functions:

- ``t(msgid, **values)``: the fixed text from the ``newsletter`` catalogue, with
  ``%(name)s`` values filled in. In the HTML template the translation is escaped and
  the values are escaped unless they are markup (a link built in the template).
- ``ltr(value)``: a run that must read left to right inside right-to-left text (a
  phone number, URL, e-mail address, Swedish words): ``<span dir="ltr">`` in HTML,
  LRI … PDI (Unicode isolates) in the text part. Unchanged in left-to-right messages.
- ``sv(value)``: Swedish text inside another language (an audience label, an
  activity's name): ``lang="sv"`` for screen readers, isolated as ``ltr`` does.

Filters ``day``, ``long_date`` and ``date_range(end)`` format dates in the variant's
language; Swedish keeps ``render.dates``'s spelling exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from jinja2 import Environment, pass_context, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup, escape

from tryggnews import i18n
from tryggnews.i18n import NEWSLETTER, SOURCE_LANGUAGE, Catalogues, direction
from tryggnews.render import dates
from tryggnews.render.markdown import markdown_to_text, render_markdown

# Unicode isolates for the text part: LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE.
LRI, PDI = "\u2066", "\u2069"
# Runs the bidi algorithm gets wrong in right-to-left text: numbers split by spaces or
# dashes ("114 14" would read "14 114", "020-50 50 50" worse), URLs and e-mail addresses.
_LTR_RUN = re.compile(
    r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\+?\d+(?:[ \u00a0-]\d+)+",
    re.ASCII,
)
# Text between tags in sanitised HTML (attribute values never match: they are inside < >).
_TEXT_NODE = re.compile(r">([^<]+)<")


def isolate_text(text: str) -> str:
    """Wrap the left-to-right runs of a right-to-left plain text in LRI … PDI."""
    return _LTR_RUN.sub(lambda m: f"{LRI}{m.group()}{PDI}", text)


def isolate_html(html: str) -> str:
    """Wrap the left-to-right runs in the text of sanitised HTML in ``<span dir="ltr">``."""

    def node(match: re.Match[str]) -> str:
        inner = _LTR_RUN.sub(lambda m: f'<span dir="ltr">{m.group()}</span>', match.group(1))
        return f">{inner}<"

    return _TEXT_NODE.sub(node, html)


def language_context(lang: str, catalogues: Catalogues) -> dict[str, Any]:
    """What the templates need to write a variant in ``lang``."""
    gettext = catalogues.gettext(lang, NEWSLETTER)
    rtl = direction(lang) == "rtl"
    foreign = lang != SOURCE_LANGUAGE

    @pass_eval_context
    def t(eval_ctx: EvalContext, msgid: str, **values: Any) -> str:
        translated = gettext(msgid)
        if eval_ctx.autoescape:
            # escape() gives Markup; its % escapes every value that is not markup itself.
            return escape(translated) % values if values else escape(translated)
        return translated % values if values else translated

    @pass_eval_context
    def ltr(eval_ctx: EvalContext, value: Any) -> str:
        if not rtl:
            return escape(value) if eval_ctx.autoescape else str(value)
        if eval_ctx.autoescape:
            return Markup('<span dir="ltr">{}</span>').format(value)
        return f"{LRI}{value}{PDI}"

    @pass_eval_context
    def sv(eval_ctx: EvalContext, value: Any) -> str:
        if not foreign:
            return escape(value) if eval_ctx.autoescape else str(value)
        if eval_ctx.autoescape:
            if rtl:
                return Markup('<span lang="sv" dir="ltr">{}</span>').format(value)
            return Markup('<span lang="sv">{}</span>').format(value)
        return f"{LRI}{value}{PDI}" if rtl else str(value)

    return {
        "lang": lang,
        "dir": direction(lang),
        "start": "right" if rtl else "left",
        "end": "left" if rtl else "right",
        "t": t,
        "ltr": ltr,
        "sv": sv,
    }


def _in_language(swedish: Callable[..., str], other: Callable[..., str]) -> Callable[..., str]:
    @pass_context
    def formatted(context: Context, value: date, *args: Any) -> str:
        lang = context.get("lang", SOURCE_LANGUAGE)
        if lang == SOURCE_LANGUAGE:
            return swedish(value, *args)
        return other(value, *args, lang)

    return formatted


def register_language_filters(env: Environment) -> None:
    """``|day``, ``|long_date``, ``|date_range(end)`` in the variant's language; and
    ``|markdown``/``|md_text`` isolating left-to-right runs in right-to-left variants."""
    env.filters["day"] = _in_language(dates.format_day, i18n.format_day)
    env.filters["long_date"] = _in_language(dates.format_long, i18n.format_long)
    env.filters["date_range"] = _in_language(dates.format_range, i18n.format_range)

    @pass_context
    def markdown(context: Context, value: str) -> str:
        html = render_markdown(value)
        rtl = direction(context.get("lang", SOURCE_LANGUAGE)) == "rtl"
        return isolate_html(html) if rtl else html

    @pass_context
    def md_text(context: Context, value: str) -> str:
        text = markdown_to_text(value)
        rtl = direction(context.get("lang", SOURCE_LANGUAGE)) == "rtl"
        return isolate_text(text) if rtl else text

    env.filters["markdown"] = markdown
    env.filters["md_text"] = md_text
