"""`tryggnews report YEAR`: the yearly follow-up as HTML, JSON, CSV or PDF."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.clock import SystemClock
from tryggnews.errors import ValidationError
from tryggnews.followup.figures import LABELS_SV
from tryggnews.followup.html import standalone_html
from tryggnews.followup.pdf import report_pdf
from tryggnews.followup.report import Report, as_json, build_report, parse_year
from tryggnews.followup.report_text import press_text, short_text

FORMATS = ("html", "json", "csv", "pdf")


@cli.command("report")
@click.argument("year")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@click.option("--public", is_flag=True, help="The public version: no per-variant figures.")
@pass_app
@handle_errors
def report(app: AppContext, year: str, fmt: str, out: Path | None, public: bool) -> None:
    """The yearly follow-up of YEAR (e.g. 2027) for the kommunstyrelse and the public."""
    number = parse_year(year)
    if fmt == "pdf" and out is None and sys.stdout.isatty():
        raise ValidationError("--format pdf: ange --out FIL (en PDF skrivs inte till terminalen)")
    settings = app.settings
    with app.session_factory() as session:
        data = build_report(
            session,
            number,
            schedule=wiring.schedule(settings),
            promise=wiring.promise(settings),
            audience_labels=app.vocabulary.audiences,
            language_labels=app.vocabulary.languages,
            now=SystemClock().now(),
        )
    if fmt == "pdf":
        _write(out, report_pdf(data, public=public))
        return
    text = {
        "html": lambda: standalone_html(data, public=public),
        "json": lambda: json_text(data, public=public),
        "csv": lambda: csv_text(data, public=public),
    }[fmt]()
    _write(out, text.encode("utf-8"))


def json_text(data: Report, *, public: bool) -> str:
    document = as_json(data, public=public)
    document["texts"] = {"short": short_text(data), "press": press_text(data)}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def csv_text(data: Report, *, public: bool) -> str:
    """One row per figure: section, subject, figure, value (docs/report.md)."""
    document = as_json(data, public=public)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "subject", "figure", "value"])
    issues = document["issues"]
    for name in ("minimum", "planned", "sent"):
        writer.writerow(["issues", data.year, name, issues[name]])
    for issue in issues["list"]:
        writer.writerow(["issue", issue["key"], "planned_on", issue["planned_on"] or ""])
        writer.writerow(["issue", issue["key"], "sent_on", issue["sent_on"] or ""])
        writer.writerow(["issue", issue["key"], "police_blocks", len(issue["police_blocks"])])
        for name in LABELS_SV:
            if issue["figures"] is not None:
                writer.writerow(["delivery", issue["key"], name, issue["figures"][name]])
        for variant in issue.get("variants", []):
            for name in LABELS_SV:
                subject = f"{issue['key']} {variant['description']}"
                writer.writerow(["variant", subject, name, variant["figures"][name]])
    for section in ("per_focus_area", "per_organisation"):
        for row in document["blocks"][section]:
            writer.writerow([f"blocks_{section}", row["key"], "blocks", row["count"]])
    for moment in ("start", "end"):
        snapshot = document["subscribers"][moment]
        writer.writerow([f"subscribers_{moment}", "total", "subscribers", snapshot["total"]])
        for kind in ("per_audience", "per_language"):
            for row in snapshot[kind]:
                writer.writerow(
                    [f"subscribers_{moment}_{kind}", row["key"], "subscribers", row["count"]]
                )
    for month in document["subscribers"]["per_month"]:
        writer.writerow(["month", month["month"], "signups", month["signups"]])
        writer.writerow(["month", month["month"], "unsubscriptions", month["unsubscriptions"]])
    for name, value in document["delivery"].items():
        writer.writerow(["delivery_year", data.year, name, value])
    return buffer.getvalue()


def _write(out: Path | None, content: bytes) -> None:
    if out is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise ValidationError(f"--out {out}: kan inte skriva filen ({exc.strerror})") from None
    click.echo(f"Wrote {out} ({len(content)} bytes)", err=True)
