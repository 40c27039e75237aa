"""Each activity on the public calendar gets "Lägg i kalendern" in the email, in the HTML
and the text part, linking to its one-event .ics under the public base URL; an activity
that is not published (a risk weekend) gets no link."""

from __future__ import annotations

import re
from datetime import date

from render_samples import BASE_URL, SENDER, TEMPLATES_DIR, make_issue, rich_variant

from tryggnews.content.views import ActivityView
from tryggnews.render.newsletter import NewsletterRenderer

ACTIVITIES = (
    ActivityView(start=date(2027, 9, 25), title="Tryggvedagen", event_id="2027-tryggvedagen"),
    ActivityView(start=date(2027, 10, 31), title="Halloween", risk_weekend=True),
)
LINK = f"{BASE_URL}/kalender/2027-tryggvedagen.ics"


def test_a_published_activity_links_to_its_ics_and_others_do_not() -> None:
    result = NewsletterRenderer(TEMPLATES_DIR).render_variant(
        make_issue(), rich_variant(), ACTIVITIES, SENDER
    )
    links = re.findall(r'<a href="([^"]+)"[^>]*>Lägg i kalendern</a>', result.html)
    assert links == [LINK]
    assert f"Lägg i kalendern: {LINK}" in result.text
    assert result.text.count("Lägg i kalendern") == 1
    halloween = result.html[result.html.index("Halloween") :]
    assert "kalender/" not in halloween.split("</li>")[0]
