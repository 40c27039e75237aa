"""Typed SQLAlchemy models, one module per concern; every table is importable from here.

The package imports every table module, so the mapper registry is complete (string
relationships resolve, Alembic sees all tables) whichever model a caller uses first.
Tables are plural, classes singular.
"""

from tryggnews.db.models.base import NAMING_CONVENTION, Base, UTCDateTime, utcnow
from tryggnews.db.models.bounce_mail import BounceMessage
from tryggnews.db.models.content import (
    Block,
    BlockStatus,
    FocusArea,
    Issue,
    IssueBlock,
    IssueStatus,
    IssueVariant,
    Organisation,
)
from tryggnews.db.models.editors import Approval, AuditEvent, EditorSession, User, UserRole
from tryggnews.db.models.ledger import (
    OUTSTANDING_DELIVERY_STATES,
    Delivery,
    DeliveryRollup,
    DeliveryStatus,
    ProviderEvent,
)
from tryggnews.db.models.promise import PromiseStatus, PromiseUpdate
from tryggnews.db.models.ratelimits import RateLimitCounter
from tryggnews.db.models.scheduling import Lease, Notification
from tryggnews.db.models.subscribers import (
    ConsentEvent,
    ConsentEventKind,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from tryggnews.db.models.translations import BlockTranslation, IssueTranslation, LanguagePolicy

__all__ = [
    "NAMING_CONVENTION",
    "OUTSTANDING_DELIVERY_STATES",
    "Approval",
    "AuditEvent",
    "Base",
    "Block",
    "BlockStatus",
    "BlockTranslation",
    "BounceMessage",
    "ConsentEvent",
    "ConsentEventKind",
    "Delivery",
    "DeliveryRollup",
    "DeliveryStatus",
    "EditorSession",
    "FocusArea",
    "Issue",
    "IssueBlock",
    "IssueStatus",
    "IssueTranslation",
    "IssueVariant",
    "LanguagePolicy",
    "Lease",
    "Notification",
    "Organisation",
    "PromiseStatus",
    "PromiseUpdate",
    "ProviderEvent",
    "RateLimitCounter",
    "Subscriber",
    "SubscriberStatus",
    "Suppression",
    "UTCDateTime",
    "User",
    "UserRole",
    "utcnow",
]
