"""The one composition root: builds the object graph from Settings.

The only place that knows every concrete part. The entry points (``cli/``, ``web/``)
read the settings once and ask this module for an engine, sessions, the publisher, a
transport, the token signer and the scheduler's parts; nothing below builds them.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock, SystemClock
from tryggnews.config import Settings
from tryggnews.content.owner_blocks import check_minimums
from tryggnews.content.vocabulary import Vocabulary, load_vocabulary
from tryggnews.db.counters import SharedCounters
from tryggnews.db.engine import make_engine, make_session_factory
from tryggnews.db.reads import make_reader
from tryggnews.delivery.bounce_mail import BounceRules
from tryggnews.delivery.bounce_mailbox import BounceMailbox, MailboxConfig, open_mailbox
from tryggnews.delivery.options import BatchReport, DeliveryOptions
from tryggnews.delivery.ratelimit import RateLimiter, SystemTicker
from tryggnews.delivery.verp import VerpAddresses
from tryggnews.editors.media import logo_mime_type
from tryggnews.errors import ConfigError
from tryggnews.operations.metrics import database_registry
from tryggnews.operations.readiness import Readiness
from tryggnews.planning.promise_block import PromiseRules
from tryggnews.planning.promise_file import Promise, load_promise
from tryggnews.planning.schedule import Schedule, load_schedule
from tryggnews.publishing import MessageSettings, Publisher
from tryggnews.render.model import Logo
from tryggnews.render.newsletter import NewsletterRenderer
from tryggnews.retention import RetentionPeriods
from tryggnews.scheduler.bounce_mail import BounceFetch
from tryggnews.scheduler.failures import FailureReporter
from tryggnews.scheduler.lease import SCHEDULER_LEASE
from tryggnews.scheduler.runner import SchedulerParts
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import Transport
from tryggnews.transports.brevo import BrevoTransport
from tryggnews.transports.dkim import DkimSigner
from tryggnews.transports.outbox import MaildirTransport
from tryggnews.transports.smtp import SmtpTransport
from tryggnews.transports.smtp.protocol import SmtpConfig


def engine(database_url: str) -> Engine:
    """An engine for ``database_url`` (usually the setting); the caller disposes it."""
    return make_engine(database_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def reader(engine: Engine) -> Engine:
    """The engine the hot public pages read a single row on (``db.reads.make_reader``)."""
    return make_reader(engine)


def shared_counters(sessions: sessionmaker[Session], settings: Settings) -> SharedCounters:
    """The rate-limit counters every process shares through the database (keys hashed)."""
    return SharedCounters(sessions, settings.require_secret_key())


def schedule(settings: Settings) -> Schedule | None:
    """The editorial plan, or None when the file is absent (no calendar section then)."""
    if not settings.schedule.exists():
        return None
    return load_schedule(settings.schedule)


def vocabulary(settings: Settings) -> Vocabulary:
    """Audiences, topics and languages from audiences.toml; a mistake names file and line."""
    return load_vocabulary(settings.audiences)


def renderer(settings: Settings) -> NewsletterRenderer:
    if not settings.templates_dir.is_dir():
        raise ConfigError(
            f"TRYGGNEWS_TEMPLATES_DIR={settings.templates_dir}: no such folder "
            "(run from the project folder or set the path)"
        )
    return NewsletterRenderer(settings.templates_dir)


def publisher(settings: Settings, vocabulary: Vocabulary | None = None) -> Publisher:
    """``vocabulary`` is the one the caller already read; else audiences.toml is read."""
    plan = schedule(settings)
    return Publisher(
        renderer=renderer(settings),
        vocabulary=vocabulary or load_vocabulary(settings.audiences),
        messages=MessageSettings(
            sender_name=settings.sender_name,
            sender_address=settings.sender_address,
            list_id_domain=settings.list_id,
            unsubscribe_address=settings.unsubscribe_address,
            base_url=settings.base_url,
            public_url=settings.public_url,
            logos=logos(settings),
        ),
        schedule=plan,
        # An issue that cannot be built is reported to the plan's administrators.
        report_failure=FailureReporter(lambda: plan, base_url=settings.base_url),
        promise=promise_rules(settings),
    )


def promise(settings: Settings) -> Promise | None:
    """The medborgarlöfte from promise.toml, or None when the file is absent."""
    if not settings.promise.exists():
        return None
    return load_promise(settings.promise)


def promise_rules(settings: Settings) -> PromiseRules:
    """The police in every issue (the checked minimums) and the promise block's source.

    promise.toml is read each time an issue with the block is drawn, so an edit shows at
    once; a broken file then becomes a lint problem on that issue, not a failed start.
    """
    return PromiseRules(
        min_blocks=check_minimums(settings.issue_min_blocks),
        load_promise=lambda: promise(settings),
    )


def logos(settings: Settings) -> tuple[Logo, ...]:
    """The masthead's logos as the emails link them: served by the app at /media/logo/…

    A set path that is not a PNG or SVG image (or has no alt text) stops here with the
    setting named, not in the middle of a send. ``?v=`` changes with the file, so mail
    programs that cached the old logo fetch the new one.
    """
    found: list[Logo] = []
    for organisation, value, alt in (
        ("kommun", settings.logo_kommun, settings.logo_kommun_alt),
        ("polis", settings.logo_polis, settings.logo_polis_alt),
    ):
        if not value:
            continue
        name = f"TRYGGNEWS_LOGO_{organisation.upper()}"
        path = Path(value)
        if not path.is_file():
            raise ConfigError(f"{name}={value}: no such file")
        if logo_mime_type(path) is None:
            raise ConfigError(f"{name}={value}: not a PNG, JPEG, WebP, GIF or SVG image")
        if not alt.strip():
            raise ConfigError(f"{name}_ALT is empty: a logo needs a text for who cannot see it")
        version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        url = f"{settings.base_url.rstrip('/')}/media/logo/{organisation}?v={version}"
        found.append(Logo(url=url, alt=alt.strip()))
    return tuple(found)


def transport(settings: Settings) -> Transport:
    if settings.transport == "outbox":
        return MaildirTransport(settings.outbox_dir)
    if settings.transport == "smtp":
        return SmtpTransport(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=settings.smtp_security,
                envelope_from=settings.sender_address,
                username=settings.smtp_username,
                password=settings.smtp_password,
                timeout=settings.smtp_timeout,
                messages_per_connection=settings.smtp_messages_per_connection,
            ),
            connections=settings.send_connections,
            dkim=DkimSigner.from_file(
                domain=settings.dkim_domain,
                selector=settings.dkim_selector,
                key_file=settings.dkim_private_key_file,
                ed25519_selector=settings.dkim_ed25519_selector,
                ed25519_key_file=settings.dkim_ed25519_private_key_file,
            )
            if settings.dkim_domain
            else None,
        )
    if settings.transport == "brevo":
        return BrevoTransport(
            settings.brevo_api_key,
            settings.brevo_base_url,
            settings.brevo_batch_size,
            connections=settings.send_connections,
        )
    raise ConfigError(f"TRYGGNEWS_TRANSPORT={settings.transport}: not available")


def signer(settings: Settings) -> TokenSigner:
    return TokenSigner(settings.require_secret_key())


def verp(settings: Settings) -> VerpAddresses | None:
    """Per-delivery envelope senders when ``TRYGGNEWS_BOUNCE_ADDRESS`` is set, else None."""
    if not settings.bounce_address:
        return None
    try:
        return VerpAddresses(settings.bounce_address, settings.require_secret_key())
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def delivery_options(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    stop: Callable[[], bool] | None = None,
    ticker: SystemTicker | None = None,
    on_batch: Callable[[BatchReport], None] | None = None,
) -> DeliveryOptions:
    """How this process sends, from the settings: pacing, redirect, retries, lease,
    suppression of hard bounces and VERP. The rate and hourly cap are counted in the
    database reached through ``sessions``, so every process and host sending through
    the same relay shares them (``docs/scaling.md``).
    """
    limited = settings.send_rate or settings.send_hourly_cap
    return DeliveryOptions(
        limiter=RateLimiter(
            settings.send_rate,
            settings.send_hourly_cap,
            ticker=ticker or SystemTicker(),
            clock=SystemClock(),
            counters=shared_counters(sessions, settings),
        )
        if limited
        else None,
        redirect_to=settings.redirect_all_to or None,
        give_up_after=timedelta(hours=settings.send_give_up_hours),
        lease=timedelta(seconds=settings.send_lease_seconds),
        suppression_key=settings.require_secret_key(),
        stop=stop,
        verp=verp(settings),
        on_batch=on_batch,
    )


def bounce_mailbox_config(settings: Settings) -> MailboxConfig:
    return MailboxConfig(
        maildir=settings.bounce_maildir,
        imap_host=settings.bounce_imap_host,
        imap_port=settings.bounce_imap_port,
        imap_username=settings.bounce_imap_username,
        imap_password=settings.bounce_imap_password,
        imap_folder=settings.bounce_imap_folder,
        imap_processed_folder=settings.bounce_imap_processed_folder,
    )


def bounce_mailbox(settings: Settings) -> BounceMailbox:
    """The bounce mailbox, opened (IMAP: connected and logged in); the caller closes it."""
    return open_mailbox(bounce_mailbox_config(settings))


def bounce_rules(settings: Settings) -> BounceRules:
    return BounceRules(
        verp=verp(settings),
        secret_key=settings.require_secret_key(),
        soft_bounce_limit=settings.soft_bounce_limit,
    )


def worker_id() -> str:
    """Who holds a claim in the ledger: host and process, readable in `issue status`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def scheduler_parts(engine: Engine, settings: Settings, clock: Clock) -> SchedulerParts:
    """The scheduler's parts from settings.

    audiences.toml is read here, once: a mistake in it stops the scheduler at start
    with the line, never a send at night. (schedule.toml is re-read every pass.)
    """
    vocabulary = load_vocabulary(settings.audiences)
    mailbox = bounce_mailbox_config(settings)
    sessions = session_factory(engine)
    return SchedulerParts(
        engine=engine,
        session_factory=sessions,
        clock=clock,
        load_schedule=lambda: schedule(settings),
        make_publisher=lambda: publisher(settings, vocabulary),
        make_transport=lambda: transport(settings),
        signer=signer(settings),
        worker_id=worker_id(),
        batch_size=settings.send_batch_size,
        base_url=settings.base_url,
        grace=timedelta(hours=settings.send_grace_hours),
        purge_after=timedelta(days=settings.purge_unconfirmed_days),
        options=delivery_options(settings, sessions),
        bounce_fetch=BounceFetch(mailbox, bounce_rules(settings)) if mailbox.configured else None,
        retention=retention_periods(settings),
    )


def retention_periods(settings: Settings) -> RetentionPeriods:
    """How long each kind of personal data is kept (``TRYGGNEWS_KEEP_*_DAYS``)."""
    return RetentionPeriods(
        deliveries_days=settings.keep_deliveries_days,
        consent_days=settings.keep_consent_days,
        audit_days=settings.keep_audit_days,
        bounce_mail_days=settings.keep_bounce_mail_days,
        unconfirmed_days=settings.purge_unconfirmed_days,
    )


def readiness(settings: Settings, engine: Engine, clock: Clock) -> Readiness:
    """The checks of ``/readyz`` and ``doctor``: the outbox only when it is the transport,
    the scheduler's lease only where a scheduler is expected."""
    return Readiness(
        engine=engine,
        now=clock.now,
        outbox_dir=settings.outbox_dir if settings.transport == "outbox" else None,
        scheduler_lease=SCHEDULER_LEASE if settings.expect_scheduler else None,
    )


def metrics_registry(settings: Settings, engine: Engine, clock: Clock) -> CollectorRegistry:
    """What ``/metrics`` serves: the figures read from the database at each scrape."""
    return database_registry(
        engine, transport=settings.transport, now=clock.now, scheduler_lease=SCHEDULER_LEASE
    )
