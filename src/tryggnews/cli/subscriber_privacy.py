"""`tryggnews subscribers …` for data protection: one person's consent history, their
data export and erasure (GDPR requests), and the purge of unconfirmed sign-ups.

Separate from the list commands (import, export, counts), which work on everyone at
once: these answer for one person, or delete what may no longer be kept.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from tryggnews.cli.base import AppContext, handle_errors, pass_app
from tryggnews.cli.subscriber_storage import open_database, write_private
from tryggnews.cli.subscribers import subscribers
from tryggnews.clock import SystemClock
from tryggnews.subscribers.consent import history
from tryggnews.subscribers.emails import normalise_email
from tryggnews.subscribers.gdpr import erase_address, export_person, purge_unconfirmed
from tryggnews.subscribers.lifecycle import Actor, find_subscriber
from tryggnews.subscribers.suppression import address_hash

# Consent events made from this command line say so.
CHANNEL = "cli"


@subscribers.command("history")
@click.argument("email")
@pass_app
@handle_errors
def history_command(app: AppContext, email: str) -> None:
    """List the consent events of EMAIL, oldest first: when, what, through which channel,
    under which legal basis, and for sign-ups the version and SHA-256 of the text shown.

    Works also for an erased address: its events are kept under a keyed hash.
    """
    secret_key = app.settings.require_secret_key()
    address, email_key = normalise_email(email)
    with open_database(app) as session_factory, session_factory() as session:
        subscriber = find_subscriber(session, email_key)
        events = history(session, address_hash(secret_key, email_key))
        if subscriber is None:
            stored = "no subscriber is stored for it"
        else:
            stored = f"stored as subscriber {subscriber.id}, status {subscriber.status.value}"
    click.echo(f"Consent history of {address}: {len(events)} event(s); {stored}.")
    for event in events:
        text = ""
        if event.text_version:
            text = f"  text {event.text_version} sha256 {event.text_sha256}"
        details = json.dumps(event.details, ensure_ascii=False, sort_keys=True)
        click.echo(
            f"{event.created_at.isoformat(timespec='seconds')}  {event.kind.value:<19}"
            f"  {event.channel:<16}  {event.legal_basis:<11}{text}  {details}"
        )


@subscribers.command("export-person")
@click.argument("email")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the JSON to FILE (readable only by you) instead of standard output.",
)
@pass_app
@handle_errors
def export_person_command(app: AppContext, email: str, out: Path | None) -> None:
    """Export everything stored about EMAIL as JSON (a GDPR access request): the
    subscriber, their consent events, the issues sent to them, any suppression."""
    secret_key = app.settings.require_secret_key()
    _address, email_key = normalise_email(email)
    with open_database(app) as session_factory, session_factory() as session:
        data = export_person(
            session, email_key=email_key, secret_key=secret_key, now=SystemClock().now()
        )
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        write_private(out, "utf-8", lambda handle: handle.write(text))
        click.echo(f"Wrote the data of {email} to {out}.", err=True)


@subscribers.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
@handle_errors
def erase_command(app: AppContext, email: str, yes: bool) -> None:
    """Erase EMAIL (a GDPR erasure request): delete the subscriber and keep only a keyed
    hash of the address, on the suppression list, so no import or sign-up adds it again.

    Consent events and the send log stay, without the person. An address that is not
    stored is put on the suppression list all the same.
    """
    secret_key = app.settings.require_secret_key()
    address, email_key = normalise_email(email)
    if not yes:
        click.confirm(f"Erase everything stored about {address}? This cannot be undone", abort=True)
    by = Actor(channel=CHANNEL, now=SystemClock().now(), secret_key=secret_key)
    with open_database(app) as session_factory, session_factory.begin() as session:
        stored = erase_address(session, email_key, by=by)
    if stored:
        click.echo(f"Erased {address}; the address is on the suppression list.")
    else:
        click.echo(f"Nothing was stored for {address}; the address is now on the suppression list.")


@subscribers.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    help="Delete sign-ups not confirmed within this many days. "
    "Default: TRYGGNEWS_PURGE_UNCONFIRMED_DAYS.",
)
@pass_app
@handle_errors
def purge_command(app: AppContext, days: int | None) -> None:
    """Delete sign-ups that were never confirmed (the scheduler also does this daily)."""
    days = days or app.settings.purge_unconfirmed_days
    with open_database(app) as session_factory, session_factory.begin() as session:
        count = purge_unconfirmed(
            session, now=SystemClock().now(), older_than=timedelta(days=days), channel=CHANNEL
        )
    click.echo(f"Deleted {count} sign-up(s) not confirmed within {days} day(s).")
