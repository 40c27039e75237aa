"""Small builders for delivery tests: issues, subscribers, blocks and hand-written variants.

Real ORM rows in the test database; the rendered variants are hand-written
strings containing the two token placeholders, independent of the renderer.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from tryggnews.content.variants import VariantPlanner
from tryggnews.content.views import block_view
from tryggnews.db.models import Block, Issue, IssueStatus, Subscriber, SubscriberStatus
from tryggnews.delivery.ledger import snapshot_audience
from tryggnews.delivery.message import MessageTemplate
from tryggnews.render.model import (
    MANAGE_TOKEN_PLACEHOLDER,
    UNSUBSCRIBE_TOKEN_PLACEHOLDER,
    RenderedVariant,
)

T0 = datetime(2027, 3, 10, 8, 0, tzinfo=UTC)
BASE_URL = "https://trygg.example.se"
SUBJECT = "Trygg i Österåker nr 1 2027: påsklov, båtar och trygghet"


def make_issue(session: Session, key: str = "2027-1", number: int = 1) -> Issue:
    issue = Issue(
        key=key,
        year=2027,
        number=number,
        title=f"Nummer {number}",
        subject=SUBJECT,
        preheader="Påsklov, båtar och trygghet i Österåker.",
        intro_md="Hej! Här kommer vårens nyhetsbrev.",
    )
    session.add(issue)
    session.flush()
    return issue


def make_subscriber(
    session: Session,
    email: str,
    *,
    name: str | None = None,
    status: SubscriberStatus = SubscriberStatus.ACTIVE,
    audiences: Sequence[str] = (),
    topics: Sequence[str] = (),
    paused_until: datetime | None = None,
) -> Subscriber:
    subscriber = Subscriber(
        email=email,
        email_key=email.casefold(),
        name=name,
        status=status,
        audiences=list(audiences),
        topics=list(topics),
        paused_until=paused_until,
        token_salt=secrets.token_hex(16),
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def make_planner(session: Session) -> VariantPlanner:
    """Two blocks: one for parents of pupils in 7–9 (ANDTS), one shared with everyone."""
    blocks = [
        Block(
            title="Vuxna som inte bjuder",
            body_md="Köp inte ut.",
            organisation_key="polis",
            focus_area_key="andts",
            audiences=["parents-7-9"],
            author="kommunpolis@example.se",
        ),
        Block(
            title="Grannsamverkan",
            body_md="Träffas i maj.",
            organisation_key="kommun",
            focus_area_key="gemensamt",
            audiences=[],
            author="trygghet@example.se",
        ),
    ]
    session.add_all(blocks)
    session.flush()
    return VariantPlanner([block_view(b) for b in blocks], audience_labels={})


def rendered_variant(key: str, *, subject: str = SUBJECT, extra_html: str = "") -> RenderedVariant:
    manage, unsub = MANAGE_TOKEN_PLACEHOLDER, UNSUBSCRIBE_TOKEN_PLACEHOLDER
    html = (
        '<!doctype html>\n<html lang="sv"><body>\n'
        f"<h1>Trygg i Österåker</h1>\n<p>Variant {key}: åäö ÅÄÖ – ”citat” é</p>\n"
        f"{extra_html}"
        f'<p><a href="{BASE_URL}/p/{manage}">Ändra dina val</a> · '
        f'<a href="{BASE_URL}/u/{unsub}">Avsluta prenumerationen</a></p>\n'
        "</body></html>\n"
    )
    text = (
        f"Trygg i Österåker\n\nVariant {key}: åäö ÅÄÖ\n\n"
        f"Ändra dina val: {BASE_URL}/p/{manage}\n"
        f"Avsluta prenumerationen: {BASE_URL}/u/{unsub}\n"
    )
    return RenderedVariant(key=key, subject=subject, html=html, text=text)


def template_for(rendered: RenderedVariant) -> MessageTemplate:
    return MessageTemplate.from_variant(
        rendered,
        sender_name="Trygg i Österåker",
        sender_address="nyhetsbrev@trygg.example.se",
        list_id_domain="trygg.example.se",
        unsubscribe_address="avregistrera@trygg.example.se",
        base_url=BASE_URL,
        feedback_id="2027-1:trygg:1",
    )


def templates_for(keys: Sequence[str]) -> dict[str, MessageTemplate]:
    return {key: template_for(rendered_variant(key)) for key in keys}


def snapshot_sending_issue(
    session_factory: sessionmaker[Session], count: int = 6
) -> tuple[int, dict[str, MessageTemplate]]:
    """An issue in ``sending`` with ``count`` people snapshotted into its ledger, and the
    message template of each of its variants."""
    with session_factory.begin() as session:
        issue = make_issue(session)
        issue.status = IssueStatus.SENDING
        for n in range(count):
            make_subscriber(session, f"p{n}@example.org", name=f"Person {n}")
        planner = make_planner(session)
        snapshot_audience(session, issue.id, planner, now=T0)
        return issue.id, templates_for(list(planner.variants))
