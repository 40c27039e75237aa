"""The Atom feed is sent gzip-compressed to a client that accepts it (compressed once per
feed version): the same feed once decompressed, its own ETag, ``Vary: Accept-Encoding``,
and a 304 for a conditional GET of either representation. A client that does not accept
gzip gets the plain feed.

The real app on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import gzip

import feedparser
from archive_site import Part, send_issue
from public_site import Site, site_fixture  # noqa: F401

GZIP = {"Accept-Encoding": "gzip, deflate"}


def test_the_feed_is_compressed_for_a_client_that_accepts_gzip(site: Site) -> None:
    send_issue(site.settings, site.sessions, "2027-1", [Part("Trygghetsvandring i Åkersberga")])
    plain = site.get("/arkiv.atom")
    packed = site.get("/arkiv.atom", headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert "Accept-Encoding" in plain.headers["Vary"]
    body = gzip.decompress(packed.get_data())
    assert body == plain.get_data()
    assert len(packed.get_data()) < len(body) / 2
    assert [e.title for e in feedparser.parse(body).entries] == ["Stöd efter brott"]
    # Two representations, two validators; each answers its own conditional GET with 304.
    assert plain.headers["ETag"] != packed.headers["ETag"]
    again = site.get("/arkiv.atom", headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
    assert (
        site.get("/arkiv.atom", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    )
    # The plain validator does not match the compressed representation.
    crossed = site.get("/arkiv.atom", headers={**GZIP, "If-None-Match": plain.headers["ETag"]})
    assert crossed.status_code == 200


def test_a_client_that_refuses_gzip_gets_the_plain_feed(site: Site) -> None:
    send_issue(site.settings, site.sessions, "2027-1", [Part("Trygghetsvandring i Åkersberga")])
    for header in ("identity", "gzip;q=0", "br"):
        response = site.get("/arkiv.atom", headers={"Accept-Encoding": header})
        assert "Content-Encoding" not in response.headers, header
        assert feedparser.parse(response.get_data()).bozo == 0, header
