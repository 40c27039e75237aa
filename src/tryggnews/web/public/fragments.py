"""Rendered pieces of the public forms kept in memory: the choice fields.

The audiences, topics and languages of the sign-up form and the preference centre are
some seventy labelled inputs; rendering them is most of those pages' template work,
and what they look like depends only on the vocabulary (fixed per app), the form,
which boxes are ticked and the page's language. So a form without errors in those
fields is rendered once per combination of choices (and language) and kept
(``PageCache``, bounded); a form with errors is rendered as it is. Templates call
``choices_fields(form)`` instead of the macro; the preference page, which shows a
person's stored choices, asks ``preference_choices(choices)`` and builds no form at all
unless the combination is new.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.sansio.blueprints import BlueprintSetupState
from markupsafe import Markup

from tryggnews.archive.cache import PageCache
from tryggnews.subscribers.lifecycle import Choices
from tryggnews.web.context import web_context
from tryggnews.web.i18n import current_language
from tryggnews.web.public.forms import ChoicesFields, PreferencesForm

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


def preference_choices(choices: Choices) -> Markup:
    """The preference form's choice fields showing ``choices``, without errors: what
    ``choices_fields`` gives for that form, but the form (WTForms objects are a measurable
    part of a page, docs/performance.md) is built only when the combination is new."""
    # Five parts where choices_fields's keys have six: the two never share an entry.
    key = (
        current_language(),
        PreferencesForm.__name__,
        frozenset(choices.audiences),
        frozenset(choices.topics),
        choices.language,
    )

    def render() -> str:
        form = PreferencesForm(
            data=choices.as_dict(),
            formdata=None,
            vocabulary=web_context().vocabulary,
        )
        return render_template(TEMPLATE, form=form)

    return Markup(fragment_cache().get(key, render))  # noqa: S704 (a rendered template)
