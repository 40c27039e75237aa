"""The public archive: ``/arkiv`` (every issue by year, filter by focus area),
``/arkiv/<key>`` (one issue's public blocks) and ``/arkiv.atom`` (the Atom feed).

No token, no personal data, no tracking: these pages may be cached by anyone. Which
issues and blocks are public is ``archive.public``'s; every page and the feed are
rendered once per issue version and kept in a ``PageCache``.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.sansio.blueprints import BlueprintSetupState

from tryggnews.archive.cache import PageCache, PublicIndex
from tryggnews.archive.feed import FeedEntry, archive_url, build_feed, last_modified
from tryggnews.archive.page import PublicIssue, public_issue
from tryggnews.archive.public import (
    ArchivedIssue,
    Standing,
    archived,
    find_public,
    public_blocks,
)
from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.i18n import NEWSLETTER, shipped_catalogues
from tryggnews.web.context import EXTENSION, web_context
from tryggnews.web.i18n import current_language

ARCHIVE_EXTENSION = "tryggnews.archive"
# Anyone may keep these pages for a while; a conditional GET revalidates after that.
PUBLIC_CACHE = "public, max-age=300"
FOCUS_PARAMETER = "amne"


@dataclass
class ArchiveState:
    """Per-app caches: issue pages, their content fragments (shared with the feed), the feed."""

    # The list of archived issues, rebuilt only when the archive changes.
    index: PublicIndex
    pages: PageCache = field(default_factory=PageCache)
    fragments: PageCache = field(default_factory=PageCache)
    feeds: PageCache = field(default_factory=lambda: PageCache(size=4))


def register(bp: Blueprint) -> None:
    bp.record_once(_set_up)
    bp.add_url_rule("/arkiv", view_func=archive_index, methods=["GET"])
    bp.add_url_rule("/arkiv.atom", view_func=archive_feed, methods=["GET"])
    bp.add_url_rule("/arkiv/<key>", view_func=archive_issue, methods=["GET"])


def _set_up(state: BlueprintSetupState) -> None:
    context = state.app.extensions[EXTENSION]
    index = PublicIndex(context.clock)
    index.watch(context.session_factory)  # this process's own changes are seen at once
    state.app.extensions[ARCHIVE_EXTENSION] = ArchiveState(index=index)


def archive_state() -> ArchiveState:
    state: ArchiveState = current_app.extensions[ARCHIVE_EXTENSION]
    return state


def _site_url() -> str:
    return web_context().settings.public_url.rstrip("/")


@lru_cache(maxsize=1024)
def _etag(key: Hashable) -> str:
    # Per cache key, computed once: the same key always names the same page.
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def _public(response: Response, etag: str) -> Response:
    response.headers["Cache-Control"] = PUBLIC_CACHE
    response.set_etag(etag)
    response.make_conditional(request)
    return response


def archive_index() -> Response:
    context = web_context()
    with context.session_factory() as session:
        issues = archive_state().index.current(session)
    areas = dict(area for issue in issues for area in issue.focus_areas)
    # A value that is not a known focus area is ignored, like any unknown parameter.
    chosen = request.args.get(FOCUS_PARAMETER, "")
    chosen = chosen if chosen in areas else ""
    shown = [i for i in issues if not chosen or chosen in dict(i.focus_areas)]
    # The page chrome is in the reader's language: one cached page per language.
    key = ("index", current_language(), chosen, tuple(i.fingerprint for i in issues))
    html = archive_state().pages.get(
        key,
        lambda: render_template(
            "public/archive_index.html",
            years=[(year, list(group)) for year, group in groupby(shown, key=lambda i: i.year)],
            areas=sorted(areas.items(), key=lambda item: item[1]),
            chosen=chosen,
            focus_parameter=FOCUS_PARAMETER,
            canonical=f"{_site_url()}/arkiv",
            feed_url=f"{_site_url()}/arkiv.atom",
        ),
    )
    return _public(Response(html, mimetype="text/html"), _etag(key))


def _fragment(page: PublicIssue) -> str:
    return archive_state().fragments.get(
        ("fragment", current_language(), page.entry.fingerprint),
        lambda: render_template("public/_archive_content.html", page=page),
    )


def archive_issue(key: str) -> Response | tuple[str, int]:
    context = web_context()
    site = _site_url()
    with context.session_factory() as session:
        # A public issue is found in the index (one aggregate query when nothing changed);
        # the issue and its blocks are loaded only to render a page not yet cached, or to
        # tell a withdrawn issue (410) from a missing one (404).
        entry = archive_state().index.by_key(session).get(key)
        if entry is None:
            standing, issue = find_public(session, key)
            if standing is Standing.MISSING or issue is None:
                abort(404)
            if standing is Standing.WITHDRAWN:
                return render_template("public/archive_withdrawn.html", key=issue.key), 410
            entry = archived(issue, public_blocks(issue))
        cache_key = ("page", current_language(), entry.fingerprint)

        def render() -> str:
            standing, stored = find_public(session, key)
            if standing is not Standing.PUBLIC or stored is None:
                abort(404)  # withdrawn between the two reads: gone at the next request too
            language = current_language()
            page = public_issue(
                stored,
                context.vocabulary.audiences_in(language),
                site,
                language=language,
                translate=newsletter_words(language),
            )
            return render_template(
                "public/archive_issue.html",
                page=page,
                content=_fragment(page),
                canonical=archive_url(site, page.entry.key),
                feed_url=f"{site}/arkiv.atom",
            )

        html = archive_state().pages.get(cache_key, render)
    return _public(Response(html, mimetype="text/html"), _etag(cache_key))


def newsletter_words(language: str) -> Callable[[str], str]:
    """The newsletter's own translation of its fixed words and the focus areas' names, so
    the archive page says them as the message did."""
    catalogues = shipped_catalogues()
    if language == "sv" or not catalogues.has(language, NEWSLETTER):
        return lambda text: text
    return catalogues.gettext(language, NEWSLETTER)


def _feed_entries(issues: list[ArchivedIssue]) -> list[FeedEntry]:
    context = web_context()
    entries = []
    with context.session_factory() as session:
        for issue in issues:
            standing, stored = find_public(session, issue.key)
            if standing is not Standing.PUBLIC or stored is None:
                continue
            page = public_issue(stored, context.vocabulary.audiences, _site_url())
            entries.append(FeedEntry(page.entry, page.description, _fragment(page)))
    return entries


def archive_feed() -> Response:
    context = web_context()
    with context.session_factory() as session:
        issues = archive_state().index.current(session)
    key = ("feed", tuple(i.fingerprint for i in issues))
    body = archive_state().feeds.get(
        key,
        lambda: build_feed(
            _site_url(), _feed_entries(issues), list(SIGNING_ORGANISATIONS.values())
        ).decode(),
    )
    plain, gzipped = _feed_bytes(body)
    etag = _etag(key)
    # The feed holds every issue in full (~270 KB for 20 issues): sending it compressed,
    # compressed once per feed version, is most of what a feed request costs to serve.
    if request.accept_encodings["gzip"]:
        response = Response(gzipped, mimetype="application/atom+xml")
        response.content_encoding = "gzip"
        etag += "-gzip"  # another representation: its own validator
    else:
        response = Response(plain, mimetype="application/atom+xml")
    response.vary.add("Accept-Encoding")
    response.last_modified = last_modified(issues)
    return _public(response, etag)


@lru_cache(maxsize=4)
def _feed_bytes(body: str) -> tuple[bytes, bytes]:
    # Keyed by the cached feed text itself (the same object while the feed is unchanged,
    # whose hash Python keeps): the encoded body and its gzip, made once.
    plain = body.encode()
    return plain, gzip.compress(plain, compresslevel=6, mtime=0)
