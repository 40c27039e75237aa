"""Words for social media and local media, built from the report's own figures.

Two Swedish texts the organisations can copy: a short one (at most 280 characters,
for a post) and a longer press text. Every number in them comes from the same
``Report`` the tables show, so they cannot disagree.
"""

from __future__ import annotations

from tryggnews.db.models import PromiseStatus
from tryggnews.followup.report import Report
from tryggnews.render.dates import format_date

SHORT_MAX = 280


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def short_text(report: Report) -> str:
    """At most 280 characters; a year with nothing sent says so."""
    sent = len(report.sent)
    police = sum(len(e.police_blocks) for e in report.sent)
    if sent == 0:
        text = (
            f"Trygg i Österåker {report.year}: inga nyhetsbrev har skickats ännu. "
            f"Löftet är minst {report.minimum} per år. "
            "Kommunen och polisen arbetar tillsammans för ett tryggare Österåker."
        )
    else:
        text = (
            f"Trygg i Österåker {report.year}: {_n(sent, 'nyhetsbrev', 'nyhetsbrev')} "
            f"av minst {report.minimum} utlovade, {report.delivery.delivered} levererade "
            f"e-postmeddelanden och {_n(police, 'tips', 'tips')} från polisen. "
            f"{report.audience.end.total} prenumeranter vid årets slut. "
            "Kommunen och polisen – tillsammans för ett tryggare Österåker."
        )
    return text if len(text) <= SHORT_MAX else text[: SHORT_MAX - 1].rstrip() + "…"


def press_text(report: Report) -> str:
    """A few paragraphs for local media, in plain Swedish."""
    sent = report.sent
    year = report.year
    paragraphs = [
        f"Uppföljning av medborgarlöftet Trygg i Österåker {year}",
    ]
    if not sent:
        paragraphs.append(
            f"Under {year} har inget nyhetsbrev skickats ännu. I medborgarlöftet lovar "
            f"Österåkers kommun och lokalpolisområde Södra Roslagen minst {report.minimum} "
            "nyhetsbrev per år."
        )
    else:
        dates = ", ".join(format_date(e.sent_on) for e in sent if e.sent_on)
        verdict = (
            "Löftet är uppfyllt."
            if len(sent) >= report.minimum
            else f"Det är {report.minimum - len(sent)} kvar till löftet."
        )
        police = sum(len(e.police_blocks) for e in sent)
        joint = sum(len(e.joint_blocks) for e in sent)
        paragraphs.append(
            f"Under {year} skickade Österåkers kommun och lokalpolisområde Södra Roslagen "
            f"{_n(len(sent), 'nyhetsbrev', 'nyhetsbrev')} ({dates}). I medborgarlöftet lovas "
            f"minst {report.minimum} per år. {verdict} Polisen bidrog med "
            f"{_n(police, 'eget avsnitt', 'egna avsnitt')} och "
            f"{_n(joint, 'gemensamt avsnitt', 'gemensamma avsnitt')} skrevs tillsammans."
        )
        d = report.delivery
        paragraphs.append(
            f"Totalt levererades {d.delivered} av {d.recipients} e-postmeddelanden. "
            f"{d.bounced_hard + d.bounced_soft} studsade och {d.failed} kunde inte skickas. "
            f"{d.unsubscriptions} personer avslutade prenumerationen via ett nyhetsbrev. "
            "Nyhetsbrevet mäter inte öppningar eller klick."
        )
        if report.per_focus_area:
            areas = ", ".join(
                f"{name.lower()} ({count})" for _, name, count in report.per_focus_area
            )
            paragraphs.append(f"Avsnitten handlade om {areas}.")
    a = report.audience
    joined = sum(a.signups.values())
    left = sum(a.unsubscriptions.values())
    paragraphs.append(
        f"Vid årets början hade nyhetsbrevet {a.start.total} prenumeranter och vid årets slut "
        f"{a.end.total}. Under året anmälde sig {joined} och {left} avslutade sin prenumeration."
    )
    if report.commitments:
        done = sum(1 for c in report.commitments if c["status"] == PromiseStatus.DONE.value)
        going = sum(1 for c in report.commitments if c["status"] == PromiseStatus.ONGOING.value)
        paragraphs.append(
            f"Av löftets {len(report.commitments)} åtaganden är {done} genomförda och "
            f"{going} pågår."
        )
    paragraphs.append("Prenumerera på nyhetsbrevet på kommunens webbplats.")
    return "\n\n".join(paragraphs)
