"""`tryggnews worker`, `tryggnews issue pause|resume`, and what every send shares.

The helpers here (delivery options from settings, the loud warnings, a clean
stop on Ctrl-C or SIGTERM) serve both `issue send` and `worker`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import FrameType

import click
from rich.console import Console
from rich.text import Text

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.cli.issue import issue
from tryggnews.clock import SystemClock
from tryggnews.config import Settings
from tryggnews.content.issues import get_issue
from tryggnews.delivery.control import pause_sending, resume_sending
from tryggnews.delivery.ratelimit import RateLimiter, SystemTicker
from tryggnews.delivery.sender import DeliveryOptions, SendSummary, check_transport
from tryggnews.delivery.worker import run_worker
from tryggnews.errors import TryggnewsError
from tryggnews.transports.base import Transport


def delivery_options(
    settings: Settings, *, stop: threading.Event, ticker: SystemTicker
) -> DeliveryOptions:
    """How this process sends, from the settings; one limiter for the process's life."""
    limited = settings.send_rate or settings.send_hourly_cap
    return DeliveryOptions(
        limiter=RateLimiter(settings.send_rate, settings.send_hourly_cap, ticker=ticker)
        if limited
        else None,
        redirect_to=settings.redirect_all_to or None,
        give_up_after=timedelta(hours=settings.send_give_up_hours),
        lease=timedelta(seconds=settings.send_lease_seconds),
        suppression_key=settings.require_secret_key(),
        stop=stop.is_set,
    )


def warn(message: str) -> None:
    """One bold red line on stderr: something a person must not miss."""
    # soft_wrap: one line whatever the terminal width, so it reads (and greps) whole.
    Console(stderr=True).print(Text(f"WARNING: {message}", style="bold red"), soft_wrap=True)


def warn_about_sending(settings: Settings, transport: Transport) -> None:
    """The redirect override and the transport's own warnings (clear text SMTP)."""
    if settings.redirect_all_to:
        warn(
            f"TRYGGNEWS_REDIRECT_ALL_TO is set: every message goes to {settings.redirect_all_to}, "
            "not to the subscribers (development only)"
        )
    for line in getattr(transport, "warnings", ()):
        warn(str(line))


@contextmanager
def stop_on_signal(ticker: SystemTicker) -> Iterator[threading.Event]:
    """The first Ctrl-C or SIGTERM asks for a stop after the current batch; a second
    one interrupts at once (the batch goes back to the ledger, sent again later)."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        ticker.wake()
        click.echo("Stopping after the current batch (again to interrupt at once)…", err=True)

    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals can only be caught in the main thread
        return
    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@cli.command()
@click.option("--once", is_flag=True, help="Exit as soon as nothing is due, instead of waiting.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.05),
    default=5.0,
    show_default=True,
    help="Seconds to wait before looking again when nothing is due.",
)
@pass_app
@handle_errors
def worker(app: AppContext, once: bool, poll: float) -> None:
    """Deliver every issue that is sending, batch by batch, until stopped.

    Run as many workers as you like, on one machine or several: they share the
    work through the ledger. Ctrl-C or SIGTERM stops after the current batch.
    """
    settings = app.settings
    publisher = wiring.publisher(settings)
    signer = wiring.signer(settings)
    worker_id = wiring.worker_id()
    transport = wiring.transport(settings)
    ticker = SystemTicker()
    try:
        with stop_on_signal(ticker) as stop:
            warn_about_sending(settings, transport)
            check_transport(transport)
            options = delivery_options(settings, stop=stop, ticker=ticker)
            click.echo(f"Worker {worker_id} sending through {transport.name}.", err=True)

            def deliver(issue_id: int) -> SendSummary:
                return publisher.send(
                    app.session_factory,
                    str(issue_id),
                    transport=transport,
                    signer=signer,
                    clock=SystemClock(),
                    worker_id=worker_id,
                    batch_size=settings.send_batch_size,
                    options=options,
                    # The worker only resumes sends already started (and checked).
                    require_approval=True,
                )

            def report(issue_id: int, summary: SendSummary) -> None:
                state = "complete" if summary.complete else f"{summary.outstanding} outstanding"
                click.echo(
                    f"issue id {issue_id}: {summary.accepted_now}/{summary.attempted_now} accepted"
                    f" now; sent {summary.sent}, retrying {summary.retrying}, failed "
                    f"{summary.failed}, bounced {summary.bounced}, skipped {summary.skipped}"
                    f" ({state})",
                    err=True,
                )

            def on_error(issue_id: int, exc: TryggnewsError) -> None:
                click.echo(f"Error: issue id {issue_id} cannot be sent: {exc}", err=True)

            totals = run_worker(
                app.session_factory,
                deliver,
                poll=poll,
                once=once,
                stop=stop.is_set,
                sleep=ticker.sleep,
                report=report,
                on_error=on_error,
            )
    finally:
        transport.close()
    click.echo(
        f"Worker {worker_id} stopped: {totals.accepted} accepted of {totals.attempted} "
        f"handled in {totals.passes} passes.",
        err=True,
    )
    if settings.redirect_all_to:
        warn(f"every message of this run went to {settings.redirect_all_to} (redirect)")


@issue.command("pause")
@click.argument("issue_ref", metavar="ISSUE")
@pass_app
@handle_errors
def issue_pause(app: AppContext, issue_ref: str) -> None:
    """Pause the send of ISSUE: every sender stops after its current batch."""
    with app.session_factory.begin() as session:
        target = get_issue(session, issue_ref)
        pause_sending(session, target, now=SystemClock().now())
        key = target.key
    click.echo(
        f"Issue {key} paused: senders stop after their current batch. "
        f"`tryggnews issue resume {key}` goes on where it stopped."
    )


@issue.command("resume")
@click.argument("issue_ref", metavar="ISSUE")
@pass_app
@handle_errors
def issue_resume(app: AppContext, issue_ref: str) -> None:
    """Resume the paused send of ISSUE (a running worker picks it up)."""
    with app.session_factory.begin() as session:
        target = get_issue(session, issue_ref)
        resume_sending(session, target, now=SystemClock().now())
        key = target.key
    click.echo(
        f"Issue {key} is sending again: a running `tryggnews worker` picks it up, "
        f"or run `tryggnews issue send {key}`."
    )
