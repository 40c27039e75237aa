"""The report as a PDF for the kommunstyrelse's minutes, with WeasyPrint and Debian's fonts.

Nothing is downloaded: the document has its styles and charts inline, and the URL
fetcher refuses every URL that is not ``data:`` (WeasyPrint would otherwise fetch
images, stylesheets and fonts a document names). Fonts come from fontconfig, i.e.
Debian's packages (``fonts-dejavu-core``).
"""

from __future__ import annotations

from typing import Any

from tryggnews.errors import TryggnewsError
from tryggnews.followup.html import standalone_html
from tryggnews.followup.report import Report


class RefusedFetch(TryggnewsError):
    """A PDF tried to load something from outside the document."""


def local_only_fetcher(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint's url_fetcher: ``data:`` URLs only; anything else is refused."""
    if url.startswith("data:"):
        # Imported here, not at the top: WeasyPrint loads Pango, and only a PDF needs it
        # (every CLI command imports this module through its registration).
        from weasyprint.urls import default_url_fetcher

        result: dict[str, Any] = default_url_fetcher(url, *args, **kwargs)
        return result
    raise RefusedFetch(f"the report PDF loads nothing from outside: refused {url[:80]!r}")


def report_pdf(report: Report, *, public: bool = False) -> bytes:
    """The standalone HTML of the report, printed to PDF (A4)."""
    from weasyprint import HTML  # see local_only_fetcher for why it is imported here

    source = standalone_html(report, public=public, printed=True)
    document = HTML(string=source, url_fetcher=local_only_fetcher)
    pdf: bytes = document.write_pdf()
    return pdf
