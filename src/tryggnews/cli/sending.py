"""What every send from the command line shares: `issue send`, `worker` and the demo.

Delivery options from the settings, the loud warnings, a clean stop on Ctrl-C or
SIGTERM, and a send with a progress bar and a summary table.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tryggnews import wiring
from tryggnews.cli.base import AppContext
from tryggnews.cli.progress import progress_bar
from tryggnews.clock import SystemClock
from tryggnews.config import Settings
from tryggnews.delivery.ratelimit import SystemTicker
from tryggnews.delivery.sender import SendSummary
from tryggnews.transports.base import Transport


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


def send_with_progress(app: AppContext, issue_ref: str, *, require_approval: bool) -> SendSummary:
    settings = app.settings
    publisher = wiring.publisher(settings)
    transport = wiring.transport(settings)
    ticker = SystemTicker()
    try:
        warn_about_sending(settings, transport)
        with stop_on_signal(ticker) as stop, progress_bar(f"Sending {issue_ref}") as bar:
            summary = publisher.send(
                app.session_factory,
                issue_ref,
                transport=transport,
                signer=wiring.signer(settings),
                clock=SystemClock(),
                worker_id=wiring.worker_id(),
                batch_size=settings.send_batch_size,
                on_start=bar.start,
                progress=bar.advance,
                options=wiring.delivery_options(
                    settings, app.session_factory, stop=stop.is_set, ticker=ticker
                ),
                require_approval=require_approval,
            )
    finally:
        transport.close()
    if settings.redirect_all_to:
        warn(f"every message of this send went to {settings.redirect_all_to} (redirect)")
    if summary.paused:
        click.echo(f"Paused: `tryggnews issue resume {issue_ref}` goes on.", err=True)
    elif summary.stopped:
        click.echo(f"Stopped: `tryggnews issue send {issue_ref}` goes on.", err=True)
    return summary


def print_summary(summary: SendSummary) -> None:
    table = Table("sent", "retrying", "failed", "bounced", "skipped", title="Delivery")
    table.add_row(
        str(summary.sent),
        str(summary.retrying),
        str(summary.failed),
        str(summary.bounced),
        str(summary.skipped),
    )
    Console().print(table)
