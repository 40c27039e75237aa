"""`tryggnews worker` and `tryggnews issue pause|resume`.

What they share with `issue send` (options, warnings, a clean stop) is in ``sending``.
"""

from __future__ import annotations

import click

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.cli.issue import issue
from tryggnews.cli.sending import stop_on_signal, warn, warn_about_sending
from tryggnews.clock import SystemClock
from tryggnews.content.issues import get_issue
from tryggnews.delivery.control import pause_sending, resume_sending
from tryggnews.delivery.ratelimit import SystemTicker
from tryggnews.delivery.sender import SendSummary, check_transport
from tryggnews.delivery.worker import run_worker
from tryggnews.errors import ConfigError, TryggnewsError
from tryggnews.operations.metrics import WorkerMetrics, serve_worker_metrics


@cli.command()
@click.option("--once", is_flag=True, help="Exit as soon as nothing is due, instead of waiting.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.05),
    default=5.0,
    show_default=True,
    help="Seconds to wait before looking again when nothing is due.",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve this worker's own Prometheus metrics (batch latency, the transport's "
    "answers) on this port; see docs/deployment.md.",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="Interface for --metrics-port.",
)
@pass_app
@handle_errors
def worker(
    app: AppContext, once: bool, poll: float, metrics_port: int | None, metrics_host: str
) -> None:
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
    metrics = WorkerMetrics() if metrics_port is not None else None
    stop_metrics = None
    try:
        if metrics is not None and metrics_port is not None:
            metrics.start_for(transport.name)
            try:
                stop_metrics = serve_worker_metrics(metrics, metrics_host, metrics_port)
            except OSError as exc:
                raise ConfigError(
                    f"--metrics-port {metrics_port}: cannot listen ({exc.strerror})"
                ) from None
        with stop_on_signal(ticker) as stop:
            warn_about_sending(settings, transport)
            check_transport(transport)
            options = wiring.delivery_options(
                settings,
                app.session_factory,
                stop=stop.is_set,
                ticker=ticker,
                on_batch=metrics.observe if metrics is not None else None,
            )
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
        if stop_metrics is not None:
            stop_metrics()
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
