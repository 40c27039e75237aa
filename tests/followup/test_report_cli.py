"""`tryggnews report YEAR` through the real command line: every figure equals a direct count.

JSON is validated against the schema documented in docs/report.md (the schema block
is read from the doc itself, so the doc cannot drift); the PDF is opened with
pdftotext and its text must hold the real figures; CSV has the documented layout; an
empty year is an honest empty report; a malformed year exits 2 with a message.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker
from truth import year_truth
from year_data import YEAR, build_year

from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.followup.charts import COLOURS

REPO = Path(__file__).resolve().parents[2]


def cli_env(settings: Settings) -> dict[str, str]:
    return {
        "TRYGGNEWS_DATABASE_URL": settings.database_url,
        "TRYGGNEWS_SECRET_KEY": settings.secret_key,
        "TRYGGNEWS_TEMPLATES_DIR": str(settings.templates_dir),
        "TRYGGNEWS_SCHEDULE": str(settings.schedule),
        "TRYGGNEWS_AUDIENCES": str(settings.audiences),
        "TRYGGNEWS_OUTBOX_DIR": str(settings.outbox_dir),
    }


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: bytes
    stderr: bytes


def run(settings: Settings, *args: str) -> Done:
    """The `tryggnews` command in this process (a fresh interpreter per call costs
    seconds of start-up; the command's code is the same)."""
    result = CliRunner().invoke(cli, list(args), env=cli_env(settings), catch_exceptions=False)
    return Done(result.exit_code, result.stdout_bytes, result.stderr_bytes)


def documented_schema() -> dict[str, Any]:
    doc = (REPO / "docs" / "report.md").read_text(encoding="utf-8")
    match = re.search(r"```json schema\n(.*?)\n```", doc, re.S)
    assert match, "docs/report.md must hold the schema in a ```json schema block"
    schema: dict[str, Any] = json.loads(match.group(1))
    return schema


@pytest.fixture
def year(settings: Settings, session_factory: sessionmaker[Session]) -> dict[str, Any]:
    build_year(settings, session_factory)
    with session_factory() as session:
        return year_truth(session, YEAR)


def test_json_equals_direct_counts(settings: Settings, year: dict[str, Any]) -> None:
    done = run(settings, "report", str(YEAR), "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    jsonschema.validate(data, documented_schema())
    issues = data["issues"]
    assert issues["sent"] == len(year["sent"]) == 2
    assert issues["minimum"] == 4
    sent = {i["key"]: i for i in issues["list"] if i["sent_on"]}
    assert sorted(sent) == year["sent"]
    for key, figures in year["figures"].items():
        assert sent[key]["figures"] == figures, key
        summed = {name: sum(v["figures"][name] for v in sent[key]["variants"]) for name in figures}
        assert summed == figures
        assert len(sent[key]["police_blocks"]) == year["police"][key]
    assert data["delivery"] == {
        name: sum(f[name] for f in year["figures"].values()) for name in data["delivery"]
    }
    assert {r["key"]: r["count"] for r in data["blocks"]["per_focus_area"]} == year["per_area"]
    subs = data["subscribers"]
    assert subs["start"]["total"] == year["start_total"] == 3
    assert subs["end"]["total"] == year["end_total"] == 7
    assert {r["key"]: r["count"] for r in subs["end"]["per_audience"]} == year["end_audience"]
    months = {m["month"]: m for m in subs["per_month"] if m["signups"] or m["unsubscriptions"]}
    assert {
        k: {"signups": v["signups"], "unsubscriptions": v["unsubscriptions"]}
        for k, v in months.items()
    } == year["months"]
    assert len(data["texts"]["short"]) <= 280
    assert f"{data['delivery']['delivered']} levererade" in data["texts"]["short"]
    # The public version has no per-variant figures.
    public = json.loads(run(settings, "report", str(YEAR), "--format", "json", "--public").stdout)
    jsonschema.validate(public, documented_schema())
    assert all("variants" not in i for i in public["issues"]["list"])


def test_pdf_text_holds_the_figures(
    settings: Settings, year: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "rapport.pdf"
    done = run(settings, "report", str(YEAR), "--format", "pdf", "--out", str(out))
    assert done.returncode == 0, done.stderr.decode()
    assert out.read_bytes().startswith(b"%PDF-")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed: .ci/run installs it"
    text = subprocess.run(
        [pdftotext, str(out), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode()
    flat = " ".join(text.split())
    assert f"Uppföljning av Trygg i Österåker {YEAR}" in flat
    delivered = sum(f["delivered"] for f in year["figures"].values())
    recipients = sum(f["recipients"] for f in year["figures"].values())
    assert f"Totalt levererades {delivered} av {recipients} e-postmeddelanden" in flat
    assert "Vid årets början hade nyhetsbrevet 3 prenumeranter och vid årets slut 7" in flat
    assert "Vuxna som inte bjuder" in flat  # a police block of issue 1
    # WeasyPrint had nothing to warn about (unknown CSS, ids defined twice).
    assert b"WARNING" not in done.stderr, done.stderr.decode()
    # The first page's chart is drawn in its colour, not filled black.
    pixels = _first_page_pixels(out, tmp_path)
    bar = bytes(int(COLOURS[0][i : i + 2], 16) for i in (1, 3, 5))
    assert pixels.count(bar) > 0.03 * len(pixels)
    assert pixels.count(b"\x00\x00\x00") < 0.01 * len(pixels)


def _first_page_pixels(pdf: Path, folder: Path) -> list[bytes]:
    """The first page at 30 dpi, as RGB pixels (poppler's pdftoppm, a binary PPM)."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is needed: .ci/run installs it"
    prefix = folder / "page"
    command = [pdftoppm, "-r", "30", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)]
    subprocess.run(command, check=True, timeout=60)
    data = prefix.with_suffix(".ppm").read_bytes()
    magic, size, depth, raster = data.split(b"\n", 3)
    assert (magic, depth) == (b"P6", b"255")
    width, height = map(int, size.split())
    return [raster[i : i + 3] for i in range(0, width * height * 3, 3)]


def test_csv_and_html(settings: Settings, year: dict[str, Any]) -> None:
    done = run(settings, "report", str(YEAR), "--format", "csv")
    assert done.returncode == 0, done.stderr.decode()
    rows = list(csv.reader(io.StringIO(done.stdout.decode())))
    assert rows[0] == ["section", "subject", "figure", "value"]
    found = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    for key, figures in year["figures"].items():
        for name, value in figures.items():
            assert found[("delivery", key, name)] == str(value)
    html = run(settings, "report", str(YEAR), "--format", "html").stdout.decode()
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "Vi mäter inte öppningar eller klick" in html


def test_empty_year_and_bad_years(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    done = run(settings, "report", "2031", "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    jsonschema.validate(data, documented_schema())
    assert data["issues"]["sent"] == 0 and data["delivery"]["recipients"] == 0
    assert data["subscribers"]["end"]["total"] == 0
    assert "inga nyhetsbrev har skickats" in data["texts"]["short"]
    html = run(settings, "report", "2031").stdout.decode()
    assert "Rapporten är tom" in html
    for bad in ("20x6", "99999", "", "２０２７"):
        done = run(settings, "report", bad)
        assert done.returncode == 2, bad
        assert b"Traceback" not in done.stderr
        assert "skriv ett årtal" in done.stderr.decode()


def test_issue_status_shows_the_figures(settings: Settings, year: dict[str, Any]) -> None:
    done = run(settings, "issue", "status", f"{YEAR}-1")
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    figures = year["figures"][f"{YEAR}-1"]
    assert f"  Mottagare: {figures['recipients']}\n" in out
    assert f"  Studsade, permanent (hård studs): {figures['bounced_hard']}\n" in out
    assert f"  Anmälda som skräppost: {figures['complaints']}\n" in out
    assert "  Variant: Föräldrar – årskurs 7–9" in out
    assert "Vi mäter inte öppningar eller klick" in out


def test_the_pdf_fetches_nothing_from_outside() -> None:
    from weasyprint import HTML

    from tryggnews.followup.pdf import RefusedFetch, local_only_fetcher

    for url in ("https://example.org/logo.png", "file:///etc/passwd", "http://127.0.0.1/x.css"):
        with pytest.raises(RefusedFetch):
            local_only_fetcher(url)
    # WeasyPrint reports a refused resource and goes on: the PDF is made without it.
    html = '<p>Hej</p><img src="https://example.org/spår.png" alt="">'
    pdf = HTML(string=html, url_fetcher=local_only_fetcher).write_pdf()
    assert pdf.startswith(b"%PDF-")
