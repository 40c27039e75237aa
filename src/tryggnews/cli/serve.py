"""`tryggnews serve`: the web app behind waitress."""

from __future__ import annotations

import signal
from types import FrameType

import click

from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.web import create_app
from tryggnews.web.server import DEFAULT_THREADS, make_server


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--threads", default=DEFAULT_THREADS, show_default=True, type=int, help="Worker threads."
)
@pass_app
@handle_errors
def serve(app: AppContext, host: str, port: int, threads: int) -> None:
    """Serve the sign-up, preference and editor pages (waitress)."""
    server = make_server(create_app(app.settings), host=host, port=port, threads=threads)
    click.echo(f"Serving on http://{host}:{port} (Ctrl-C stops)")
    # SIGTERM (systemd's and a container runtime's "stop") ends it as Ctrl-C does. As a
    # container's first process it would otherwise be ignored, and the runtime would wait
    # its grace period and then kill it.
    signal.signal(signal.SIGTERM, _stop)
    server.run()


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
