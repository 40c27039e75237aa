"""Rendered pieces of the public forms kept in memory: the choice fields.

The audiences, topics and languages of the sign-up form and the preference centre are
some seventy labelled inputs; rendering them is most of those pages' template work,
and what they look like depends only on the vocabulary (fixed per app), the form,
which boxes are ticked and the page's language. So a form without errors in those
fields is rendered once per combination of choices (and language) and kept
(``PageCache``, bounded); a form with errors is rendered as it is. Templates call
``choices_fields(form)`` instead of the macro.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.sansio.blueprints import BlueprintSetupState
from markupsafe import Markup

from tryggnews.archive.cache import PageCache
from tryggnews.web.i18n import current_language
from tryggnews.web.public.forms import ChoicesFields

FRAGMENTS_EXTENSION = "tryggnews.public.fragments"
TEMPLATE = "public/_choices.html"
SIZE = 1024


def register(bp: Blueprint) -> None:
    bp.record_once(_set_up)
    bp.context_processor(lambda: {"choices_fields": choices_fields})


def _set_up(state: BlueprintSetupState) -> None:
    state.app.extensions[FRAGMENTS_EXTENSION] = PageCache(size=SIZE)


def fragment_cache() -> PageCache:
    cache: PageCache = current_app.extensions[FRAGMENTS_EXTENSION]
    return cache


def choices_fields(form: ChoicesFields) -> Markup:
    """The form's audience, topic and language fields as HTML."""
    fields = (form.audiences, form.topics, form.language)
    if any(field.errors for field in fields):
        return Markup(render_template(TEMPLATE, form=form))  # noqa: S704 (a rendered template)
    key = (
        current_language(),  # legends, hints and labels are in the reader's language
        type(form).__name__,
        tuple((field.id, tuple(field.options)) for field in fields),
        frozenset(form.audiences.data or ()),
        frozenset(form.topics.data or ()),
        form.language.data,
    )
    html = fragment_cache().get(key, lambda: render_template(TEMPLATE, form=form))
    return Markup(html)  # noqa: S704 (a rendered template)
