"""Do the settings hang together? The settings part of ``tryggnews doctor``.

Each setting is parsed and typed when it is read (``config``); what is checked here
is what only makes sense together: an https address once mail goes out for real,
credentials for the chosen transport, a bounce address that someone reads, a
redirect left on from testing. A check names the setting to change.

"For real" means the transport is ``smtp`` or ``brevo``: the outbox sends nothing,
so an http address on a developer's machine is fine there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tryggnews.config import Settings
from tryggnews.errors import ConfigError, ValidationError
from tryggnews.operations.readiness import Check
from tryggnews.subscribers.emails import normalise_email

SENDING_TRANSPORTS = ("smtp", "brevo")
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def settings_checks(settings: Settings) -> list[Check]:
    return [
        check_secret_key(settings),
        *check_urls(settings),
        check_addresses(settings),
        check_transport(settings),
        check_bounces(settings),
        check_redirect(settings),
    ]


def check_secret_key(settings: Settings) -> Check:
    try:
        settings.require_secret_key()
    except ConfigError as exc:
        return Check("secret key", False, str(exc))
    return Check("secret key", True, f"set ({len(settings.secret_key)} characters)")


def check_urls(settings: Settings) -> list[Check]:
    real = settings.transport in SENDING_TRANSPORTS
    checks = [_check_url("base URL", "TRYGGNEWS_BASE_URL", settings.base_url, real)]
    if settings.public_base_url:
        checks.append(
            _check_url("public URL", "TRYGGNEWS_PUBLIC_BASE_URL", settings.public_base_url, real)
        )
    return checks


def _check_url(name: str, setting: str, url: str, real: bool) -> Check:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Check(name, False, f"{setting}={url!r} is not an http(s) address")
    if parts.query or parts.fragment or url.endswith("/"):
        return Check(name, False, f"{setting}={url!r}: give it without a trailing /, ? or #")
    if parts.scheme != "https":
        if real:
            return Check(
                name,
                False,
                f"{setting}={url} is not https, but mail goes out for real: every link in "
                "every email would travel in clear text, and no cookie would be Secure",
            )
        return Check(name, True, f"{url} (http is fine while the transport is the outbox)")
    if parts.hostname in _LOOPBACK and real:
        return Check(name, False, f"{setting}={url}: readers cannot open links to this machine")
    return Check(name, True, url)


def check_addresses(settings: Settings) -> Check:
    problems = []
    named = [
        ("TRYGGNEWS_SENDER_ADDRESS", settings.sender_address),
        ("TRYGGNEWS_UNSUBSCRIBE_ADDRESS", settings.unsubscribe_address),
    ]
    if settings.bounce_address:
        named.append(("TRYGGNEWS_BOUNCE_ADDRESS", settings.bounce_address))
    for setting, value in named:
        try:
            normalise_email(value)
        except ValidationError as exc:
            problems.append(f"{setting}={value!r}: {exc}")
    if problems:
        return Check("addresses", False, "; ".join(problems))
    domain = settings.sender_address.rpartition("@")[2]
    if settings.dkim_domain and not _aligned(domain, settings.dkim_domain):
        return Check(
            "addresses",
            False,
            f"TRYGGNEWS_DKIM_DOMAIN={settings.dkim_domain} is not the sender's domain {domain} "
            "(nor a parent of it): DMARC would not pass on DKIM",
        )
    return Check("addresses", True, f"sender {settings.sender_address}")


def _aligned(sender_domain: str, dkim_domain: str) -> bool:
    """DMARC's relaxed alignment, near enough: the same domain or a parent of it."""
    sender, signer = sender_domain.lower(), dkim_domain.lower()
    return sender == signer or sender.endswith("." + signer)


def check_transport(settings: Settings) -> Check:
    if settings.transport == "outbox":
        return Check("transport", True, f"outbox: messages are written to {settings.outbox_dir}")
    if settings.transport == "brevo":
        if not settings.brevo_api_key:
            return Check("transport", False, "brevo: TRYGGNEWS_BREVO_API_KEY is empty")
        return Check("transport", True, f"brevo at {settings.brevo_base_url}")
    if not settings.smtp_host:
        return Check("transport", False, "smtp: TRYGGNEWS_SMTP_HOST is empty")
    if bool(settings.smtp_username) != bool(settings.smtp_password):
        return Check(
            "transport",
            False,
            "smtp: set both TRYGGNEWS_SMTP_USERNAME and TRYGGNEWS_SMTP_PASSWORD, or neither",
        )
    if settings.smtp_security == "none" and settings.smtp_host not in _LOOPBACK:
        return Check(
            "transport",
            False,
            f"smtp: TRYGGNEWS_SMTP_SECURITY=none to {settings.smtp_host}: messages and the "
            "password would cross the network in clear text (use starttls or ssl)",
        )
    login = "with login" if settings.smtp_username else "without login"
    return Check(
        "transport",
        True,
        f"smtp {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security}, {login})",
    )


def check_bounces(settings: Settings) -> Check:
    reader = settings.bounce_imap_host or settings.bounce_maildir
    if settings.bounce_imap_host and settings.bounce_maildir:
        return Check(
            "bounces",
            False,
            "TRYGGNEWS_BOUNCE_IMAP_HOST and TRYGGNEWS_BOUNCE_MAILDIR are both set: choose one",
        )
    if settings.bounce_imap_host and not (
        settings.bounce_imap_username and settings.bounce_imap_password
    ):
        return Check(
            "bounces",
            False,
            "TRYGGNEWS_BOUNCE_IMAP_HOST needs TRYGGNEWS_BOUNCE_IMAP_USERNAME and _PASSWORD",
        )
    if settings.transport == "brevo":
        if not settings.webhook_secret:
            return Check(
                "bounces",
                False,
                "brevo reports bounces and complaints to POST /webhooks/brevo, which exists "
                "only when TRYGGNEWS_WEBHOOK_SECRET is set",
            )
        if settings.bounce_address:
            return Check(
                "bounces",
                False,
                "TRYGGNEWS_BOUNCE_ADDRESS is set but Brevo uses its own envelope sender: "
                "leave it empty and rely on the webhook",
            )
        return Check("bounces", True, "by the Brevo webhook")
    if settings.bounce_address and not reader:
        return Check(
            "bounces",
            False,
            f"bounces go to {settings.bounce_address} but nothing reads them: set "
            "TRYGGNEWS_BOUNCE_IMAP_HOST or TRYGGNEWS_BOUNCE_MAILDIR",
        )
    if reader and not settings.bounce_address:
        return Check(
            "bounces",
            False,
            "a bounce mailbox is set but TRYGGNEWS_BOUNCE_ADDRESS is empty: bounces go to "
            "the sender address, and cannot name their delivery",
        )
    if settings.transport == "smtp" and not reader:
        return Check(
            "bounces",
            False,
            "smtp without a bounce mailbox: hard bounces are never suppressed (set "
            "TRYGGNEWS_BOUNCE_ADDRESS and TRYGGNEWS_BOUNCE_IMAP_HOST or _MAILDIR)",
        )
    if reader:
        return Check("bounces", True, f"to {settings.bounce_address}, read from {reader}")
    return Check("bounces", True, "the outbox has no bounces")


def check_redirect(settings: Settings) -> Check:
    if settings.redirect_all_to:
        return Check(
            "redirect",
            settings.transport not in SENDING_TRANSPORTS,
            f"TRYGGNEWS_REDIRECT_ALL_TO={settings.redirect_all_to}: every message goes there, "
            "not to the subscribers (development only)",
        )
    return Check("redirect", True, "off: messages go to the subscribers")
