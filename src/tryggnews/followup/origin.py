"""Which issue an unsubscription through a link came from, written down when it happens.

The links in a newsletter carry the person's token, not the issue (a token is per
person and never expires), so the page cannot know which message was clicked. What is
recorded is the issue most recently sent to that person before they left: nearly
always the one they clicked in. The exact issue is known only for reports from the
provider (Brevo's webhook names the message); those come through ``delivery.bounces``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.db.models import Delivery, DeliveryStatus, Issue


def latest_issue_origin(session: Session, subscriber_id: int) -> dict[str, str]:
    """``{"issue": key, "variant": key, "attributed": "latest-sent"}``, or ``{}`` when
    nothing was ever sent to this person (the link cannot have come from an issue)."""
    row = session.execute(
        select(Issue.key, Delivery.variant)
        .join(Issue, Issue.id == Delivery.issue_id)
        .where(
            Delivery.subscriber_id == subscriber_id,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.sent_at.is_not(None),
        )
        .order_by(Delivery.sent_at.desc(), Delivery.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return {}
    return {"issue": row[0], "variant": row[1], "attributed": "latest-sent"}
