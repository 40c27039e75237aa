"""The archive as an Atom feed (feedgen): one entry per issue in the archive, newest first.

Entry ids are the issues' canonical archive URLs, which never change for a key; times
carry the Stockholm offset; the content is the page's sanitised HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator

from tryggnews.archive.public import ArchivedIssue

LOCAL = ZoneInfo("Europe/Stockholm")
FEED_TITLE = "Trygg i Österåker"
FEED_SUBTITLE = (
    "Nyhetsbrevet från Österåkers kommun och Polisen om trygghet och brottsförebyggande arbete"
)
# The feed's "updated" when the archive is empty: fixed, so the ETag stays stable.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEntry:
    issue: ArchivedIssue
    summary: str
    content_html: str


def archive_url(site_url: str, key: str) -> str:
    return f"{site_url.rstrip('/')}/arkiv/{key}"


def last_modified(issues: Sequence[ArchivedIssue]) -> datetime:
    return max((i.updated_at for i in issues), default=EPOCH)


def build_feed(site_url: str, entries: Sequence[FeedEntry], authors: Sequence[str]) -> bytes:
    site = site_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{site}/arkiv")
    fg.title(FEED_TITLE)
    fg.subtitle(FEED_SUBTITLE)
    fg.language("sv")
    fg.link(href=f"{site}/arkiv", rel="alternate", type="text/html")
    fg.link(href=f"{site}/arkiv.atom", rel="self", type="application/atom+xml")
    for name in authors:
        fg.author({"name": name})
    fg.updated(last_modified([e.issue for e in entries]).astimezone(LOCAL))
    for entry in entries:
        url = archive_url(site, entry.issue.key)
        fe = fg.add_entry(order="append")
        fe.id(url)
        fe.title(entry.issue.title)
        fe.link(href=url, rel="alternate", type="text/html")
        fe.summary(entry.summary)
        fe.content(entry.content_html, type="html")
        fe.published(entry.issue.sent_at.astimezone(LOCAL))
        fe.updated(entry.issue.updated_at.astimezone(LOCAL))
        for name in authors:
            fe.author({"name": name})
    result: bytes = fg.atom_str(pretty=True)
    return result
