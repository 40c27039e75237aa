"""Every setting declared as data: name, default, parser and help text.

A test checks that each one is documented in ``.env.example`` and in the README's
configuration table, and that ``Settings`` has a field for each.
"""

from __future__ import annotations

from tryggnews.config.setting import (
    PREFIX,
    Setting,
    choice,
    flag,
    minimum_counts,
    non_negative_float,
    non_negative_int,
    optional_url,
    origins,
    positive_int,
    url,
)

__all__ = ["PREFIX", "SETTINGS", "Setting"]


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "sqlite:///var/tryggnews.db",
        "SQLAlchemy URL of the database. A SQLite file by default; "
        "postgresql://user@host/db for production.",
    ),
    Setting(
        "transport",
        "outbox",
        "How messages leave: outbox writes a local Maildir and sends nothing; "
        "smtp sends through a mail server; brevo through the Brevo HTTP API.",
        choice("outbox", "smtp", "brevo"),
    ),
    Setting(
        "outbox_dir",
        "var/outbox",
        "Maildir that the outbox transport writes to; any mail client can open it.",
    ),
    Setting(
        "base_url",
        "http://127.0.0.1:8000",
        "Public address of the web app; preference and unsubscribe links start with it.",
        url,
    ),
    Setting(
        "secret_key",
        "",
        "Signs the links in every email. Generated into .env by `tryggnews init`; "
        "changing it invalidates every link already sent.",
        secret=True,
    ),
    Setting(
        "sender_address",
        "nyhetsbrev@trygg.example.se",
        "From address of the newsletter.",
    ),
    Setting(
        "sender_name",
        "Trygg i Österåker",
        "Display name in the From header.",
    ),
    Setting(
        "unsubscribe_address",
        "avregistrera@trygg.example.se",
        "Mailbox behind the mailto: alternative in List-Unsubscribe.",
    ),
    Setting(
        "list_id",
        "trygg.example.se",
        "Domain-style identifier in the List-Id header (ASCII).",
    ),
    Setting(
        "templates_dir",
        "templates",
        "Folder with newsletter.mjml.j2, newsletter.txt.j2 and their partials.",
    ),
    Setting(
        "schedule",
        "schedule.toml",
        "The editorial plan: issues per year, send dates, deadlines, calendar overrides.",
    ),
    Setting(
        "audiences",
        "audiences.toml",
        "Audiences, topics and languages readers choose from, with Swedish labels.",
    ),
    # --- delivery -------------------------------------------------------------------
    Setting(
        "smtp_host",
        "",
        "Mail server for TRANSPORT=smtp.",
    ),
    Setting(
        "smtp_port",
        "587",
        "Port of the mail server: 587 with STARTTLS, 465 with implicit TLS.",
        positive_int,
    ),
    Setting(
        "smtp_security",
        "starttls",
        "starttls, ssl (implicit TLS) or none (clear text; warned about unless the host "
        "is loopback).",
        choice("starttls", "ssl", "none"),
    ),
    Setting("smtp_username", "", "Login for the mail server; empty for none."),
    Setting("smtp_password", "", "Password for the mail server.", secret=True),
    Setting(
        "smtp_timeout",
        "30",
        "Seconds to wait for the mail server before the attempt counts as failed.",
        positive_int,
    ),
    Setting(
        "smtp_messages_per_connection",
        "100",
        "Messages sent over one SMTP connection before it is renewed.",
        positive_int,
    ),
    Setting("brevo_api_key", "", "API key for TRANSPORT=brevo.", secret=True),
    Setting(
        "brevo_base_url",
        "https://api.brevo.com",
        "Address of the Brevo API (tests point it at a local stub).",
        url,
    ),
    Setting(
        "brevo_batch_size",
        "50",
        "Message versions per Brevo API call (at most 1000).",
        positive_int,
    ),
    Setting(
        "send_connections",
        "2",
        "Parallel SMTP connections or API calls while sending.",
        positive_int,
    ),
    Setting(
        "send_rate",
        "0",
        "Most messages per second while sending; 0 for no limit.",
        non_negative_float,
    ),
    Setting(
        "send_hourly_cap",
        "0",
        "Most messages per hour (a provider's quota); 0 for no cap.",
        non_negative_int,
    ),
    Setting(
        "send_give_up_hours",
        "48",
        "Hours after which a message that keeps failing temporarily counts as failed.",
        positive_int,
    ),
    Setting(
        "send_lease_seconds",
        "120",
        "Seconds a sender's claim on a batch lasts unless renewed; a crashed sender's "
        "rows are taken over after at most this long.",
        positive_int,
    ),
    Setting(
        "redirect_all_to",
        "",
        "Development only: deliver every message to this one address instead.",
    ),
    Setting("dkim_domain", "", "Domain to sign with DKIM (d=); empty to not sign."),
    Setting("dkim_selector", "", "DKIM selector (s=)."),
    Setting("dkim_private_key_file", "", "PEM file with the DKIM private key."),
    Setting(
        "dkim_ed25519_selector",
        "",
        "Selector (s=) of an optional second, Ed25519 DKIM signature (RFC 8463).",
    ),
    Setting(
        "dkim_ed25519_private_key_file",
        "",
        "PEM file with the Ed25519 DKIM private key; empty for RSA alone.",
    ),
    Setting(
        "webhook_secret",
        "",
        "Shared secret the mail provider's bounce/complaint webhook must present.",
        secret=True,
    ),
    Setting(
        "soft_bounce_limit",
        "5",
        "Temporary bounces in a row after which an address is suppressed.",
        positive_int,
    ),
    Setting(
        "bounce_address",
        "",
        "Mailbox that receives bounces (bounces@trygg.example.se). When set, each message's "
        "envelope sender is bounces+<signed delivery id>@… (VERP), so a bounce names its "
        "delivery. Empty: the envelope sender is SENDER_ADDRESS.",
    ),
    Setting(
        "bounce_maildir",
        "",
        "Local Maildir the bounce mail is delivered to, read by `bounces fetch`; "
        "or use BOUNCE_IMAP_HOST.",
    ),
    Setting(
        "bounce_imap_host",
        "",
        "IMAP server (over TLS) holding the bounce mailbox, read by `bounces fetch` and, "
        "every few minutes, by the scheduler.",
    ),
    Setting(
        "bounce_imap_port",
        "993",
        "Port of the bounce mailbox's IMAP server (993: IMAP over TLS).",
        positive_int,
    ),
    Setting("bounce_imap_username", "", "Login for the bounce mailbox."),
    Setting("bounce_imap_password", "", "Password for the bounce mailbox.", secret=True),
    Setting("bounce_imap_folder", "INBOX", "Folder the bounces arrive in."),
    Setting(
        "bounce_imap_processed_folder",
        "",
        "Folder processed bounces are moved to; empty: they are marked read and stay. "
        "Nothing is ever deleted.",
    ),
    # --- subscribers ----------------------------------------------------------------
    Setting(
        "legal_basis",
        "consent",
        "GDPR legal basis recorded for sign-ups: consent or public-task.",
        choice("consent", "public-task"),
    ),
    Setting(
        "confirm_token_hours",
        "72",
        "Hours a sign-up confirmation link stays valid.",
        positive_int,
    ),
    Setting(
        "purge_unconfirmed_days",
        "30",
        "Days after which sign-ups that were never confirmed are deleted.",
        positive_int,
    ),
    # --- scheduler and editors ------------------------------------------------------
    Setting(
        "send_grace_hours",
        "24",
        "After downtime, an issue whose send time passed less than this long ago is "
        "sent at once; older ones are held and reported.",
        positive_int,
    ),
    Setting(
        "media_dir",
        "var/media",
        "Where images uploaded by editors are stored.",
    ),
    Setting(
        "session_hours",
        "8",
        "Hours an editor stays logged in without activity.",
        positive_int,
    ),
    Setting(
        "hsts",
        "true",
        "Send Strict-Transport-Security (one year) when BASE_URL is https; false to leave "
        "it to the reverse proxy.",
        flag,
    ),
    Setting(
        "embed_origins",
        "",
        "Websites that may show the sign-up page /prenumerera in an iframe and post a "
        "sign-up form to it: https origins separated by commas "
        "(https://www.osteraker.se,https://polisen.se); empty: none. See docs/embedding.md.",
        origins,
    ),
    Setting(
        "proxy_count",
        "0",
        "Reverse proxies in front of the web app whose X-Forwarded-For and X-Forwarded-Proto "
        "are trusted; 0 when clients connect directly.",
        non_negative_int,
    ),
    Setting(
        "send_batch_size",
        "500",
        "How many ledger rows a sender claims and sends per database transaction.",
        positive_int,
    ),
    Setting(
        "public_base_url",
        "",
        "Public address of the archive, feed and calendar, used in their canonical URLs "
        'and in the emails\' "Läs i webbläsaren" links; empty: BASE_URL.',
        optional_url,
    ),
    Setting(
        "promise",
        "promise.toml",
        "The medborgarlöfte as data: its period, signing roles, focus areas with their "
        "commitments and the recurring joint activities.",
    ),
    Setting(
        "issue_min_blocks",
        "polis=1",
        "Approved blocks each organisation must own (alone or jointly) before an issue can "
        "be approved: organisation=count, separated by commas; empty: no minimum.",
        minimum_counts,
    ),
    Setting(
        "logo_kommun",
        "",
        "Image file (PNG or SVG) with the kommun's logo for the masthead; empty: none.",
    ),
    Setting("logo_kommun_alt", "Österåkers kommun", "Alt text of the kommun's logo."),
    Setting(
        "logo_polis",
        "",
        "Image file (PNG or SVG) with the police's logo for the masthead; empty: none.",
    ),
    Setting("logo_polis_alt", "Polisen", "Alt text of the police's logo."),
    Setting(
        "log_format",
        "text",
        "text for people, or json: one JSON object a line for a log collector.",
        choice("text", "json"),
    ),
    Setting(
        "metrics_token",
        "",
        "Bearer token that /metrics requires; empty: /metrics answers only on loopback.",
        secret=True,
    ),
    Setting(
        "expect_scheduler",
        "false",
        "Whether /readyz requires a fresh scheduler lease (true where a scheduler runs).",
        flag,
    ),
    Setting(
        "keep_deliveries_days",
        "400",
        "Days a per-recipient delivery row is kept after its issue was sent; older rows are "
        "rolled up into per-issue counts. 0: keep for ever.",
        non_negative_int,
    ),
    Setting(
        "keep_consent_days",
        "1095",
        "Days the consent history of an ended subscription is kept (proof of consent). "
        "0: keep for ever.",
        non_negative_int,
    ),
    Setting(
        "keep_audit_days",
        "1095",
        "Days entries of the audit log are kept. 0: keep for ever.",
        non_negative_int,
    ),
    Setting(
        "keep_bounce_mail_days",
        "30",
        "Days received bounce messages are kept. 0: keep for ever.",
        non_negative_int,
    ),
)
