"""The figures of a sent issue as text, for `tryggnews issue status` (no commands here)."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from tryggnews.db.models import Issue
from tryggnews.followup.figures import LABELS_SV, NO_TRACKING_SV, Counts, issue_figures


def echo_figures(session: Session, issue: Issue) -> None:
    """Print the issue's figures in total and per audience variant (in words)."""
    figures = issue_figures(session, issue)
    if not figures.variants:
        return
    click.echo("Siffror (uppföljning):")
    _echo_counts(figures.total, indent="  ")
    for variant in figures.variants:
        click.echo(f"  Variant: {variant.description}")
        _echo_counts(variant.counts, indent="    ")
    click.echo(NO_TRACKING_SV)


def _echo_counts(counts: Counts, *, indent: str) -> None:
    values = counts.as_dict()
    for name, label in LABELS_SV.items():
        if name == "outstanding" and not values[name]:
            continue
        click.echo(f"{indent}{label}: {values[name]}")
