"""What a new user meets first: the demo approved by both organisations and sent, its
previews named after their readers, its picture served by the app, the masthead logos,
and the CLI's languages kept apart."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tryggnews import wiring
from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.content.variants import VariantPlanner
from tryggnews.content.views import BlockView, IssueView, VariantSpec
from tryggnews.db.models import Approval, Block, Issue, IssueStatus, User
from tryggnews.errors import ConfigError
from tryggnews.render.lint import lint_issue
from tryggnews.render.slug import slug, unique_names
from tryggnews.web.app import create_app

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CSV = REPO / "subscribers" / "sample.csv"
PNG = (REPO / "src/tryggnews/sample/oppen-forelasning.png").read_bytes()
ISSUE = IssueView(
    key="2027-2",
    year=2027,
    number=2,
    title="Inför valborg",
    subject="Trygg i Österåker: inför valborg",
    preheader="Så förbereder du valborgshelgen.",
    intro_md="Hej! Valborg närmar sig.",
    send_date=date(2027, 4, 7),
)
BOAT_BLOCK = BlockView(
    id=1,
    title="Båtstölder",
    body_md="Lås fast motorn och märk den.",
    organisation_key="polis",
    organisation_name="Polisen",
    focus_area_key="tillgrepp",
    focus_area_name="Tillgreppsbrott",
    focus_area_position=4,
    audiences=("batagare",),
)
VARIANT = VariantSpec(key="vone", blocks=(BOAT_BLOCK,), audience_label="Båtägare")


@pytest.fixture
def project(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRYGGNEWS_DATABASE_URL", db_url)
    monkeypatch.setenv("TRYGGNEWS_TEMPLATES_DIR", str(REPO / "templates"))
    monkeypatch.setenv("TRYGGNEWS_SCHEDULE", str(REPO / "schedule.toml"))
    monkeypatch.setenv("TRYGGNEWS_AUDIENCES", str(REPO / "audiences.toml"))
    monkeypatch.setenv("TRYGGNEWS_BASE_URL", "https://trygg.example.se")
    monkeypatch.delenv("TRYGGNEWS_SECRET_KEY", raising=False)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_demo_is_approved_by_both_organisations_before_it_is_sent(
    project: Path, db_url: str
) -> None:
    assert run("init").exit_code == 0
    result = run("demo", "--subscribers", str(SAMPLE_CSV))
    assert result.exit_code == 0, result.output
    assert "demo-polis@example.org" in result.output and "demo-kommun@example.org" in result.output
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            issue = session.scalars(select(Issue)).one()
            assert issue.status is IssueStatus.SENT
            approvals = session.scalars(select(Approval)).all()
            assert {a.organisation_key for a in approvals} == {"polis", "kommun"}
            assert all(a.issue_version == issue.version for a in approvals)
            editors = {u.email: u.organisation_key for u in session.scalars(select(User))}
            assert editors == {
                "demo-polis@example.org": "polis",
                "demo-kommun@example.org": "kommun",
            }
            # The picture is on this app's media, stored in the media folder.
            image_url = session.scalars(select(Block.image_url).where(Block.image_url.is_not(None)))
            (url,) = list(image_url)
            assert url.startswith("https://trygg.example.se/media/")
            assert (project / "var/media" / url.rsplit("/", 1)[1]).read_bytes() == PNG
    finally:
        engine.dispose()

    previews = sorted(p.name for p in (project / "var/preview").glob("*-*.html"))
    assert previews, "the demo writes one preview per variant"
    assert any("foraldrar" in name for name in previews), previews
    # Named after readers, never after a variant's internal key ("v" and 12 hex digits).
    assert not [name for name in previews if any(part.startswith("v") and len(part) == 13
                                                 for part in name[:-5].split("-"))]  # fmt: skip

    again = run("demo", "--subscribers", str(SAMPLE_CSV))
    assert again.exit_code == 0, again.output  # a second run approves and sends nothing new


def test_preview_names_are_made_from_the_readers_words() -> None:
    assert slug("Föräldrar – årskurs 7–9") == "foraldrar-arskurs-7-9"
    assert slug("Båtägare, Senior") == "batagare-senior"
    assert slug("  ") == "alla"
    assert len(slug("Föräldrar – förskola " * 10)) <= 80
    assert unique_names(["senior", "senior", "senior-2"]) == ["senior", "senior-2", "senior-2-2"]


def test_cli_preview_file_is_named_by_audience(project: Path) -> None:
    assert run("init").exit_code == 0
    assert run("demo", "--subscribers", str(SAMPLE_CSV)).exit_code == 0
    result = run("issue", "list")
    key = next(word for word in result.output.split() if word[:4].isdigit() and "-" in word)
    preview = run("issue", "preview", key, "--audience", "parents-7-9")
    assert preview.exit_code == 0, preview.output
    assert preview.output.strip().endswith(f"{key}-foraldrar-arskurs-7-9.html")


def test_an_empty_variant_names_every_audience_it_leaves_without_blocks() -> None:
    block = BOAT_BLOCK
    labels = {
        "batagare": "Båtägare",
        "parents-forskola": "Föräldrar – förskola",
        "senior": "Senior",
    }
    planner = VariantPlanner([block], labels)
    planner.variant_for(["parents-forskola"], [])
    planner.variant_for(["senior"], [])
    planner.variant_for(["batagare"], [])
    empty = [spec for spec in planner.variants.values() if not spec.blocks]
    assert len(empty) == 1
    assert empty[0].audience_label == "Föräldrar – förskola, Senior"


def test_the_lint_of_a_real_empty_variant_has_words_not_hashes(settings: Settings) -> None:
    publisher = wiring.publisher(settings)
    block = BOAT_BLOCK
    planner = publisher.planner([block])
    spec = planner.variant_for(["parents-forskola"], [])
    rendered = publisher.render(ISSUE, [spec])
    problems = lint_issue(list(rendered.variants.values()), [spec])
    assert problems == [
        "Läsare i Föräldrar – förskola skulle få ett tomt nyhetsbrev: inget block i utskicket "
        "är för dem. Lägg till ett block för alla eller för Föräldrar – förskola."
    ]
    assert spec.key not in problems[0]


def test_an_empty_subject_preheader_or_ingress_fails_issue_check(project: Path) -> None:
    assert run("init").exit_code == 0
    assert run("demo", "--subscribers", str(SAMPLE_CSV)).exit_code == 0
    created = run("issue", "create", "--key", "2030-9", "--title", "Utan texter")
    assert created.exit_code == 0, created.output
    assert run("issue", "add-block", "2030-9", "1").exit_code == 0
    checked = run("issue", "check", "2030-9")
    assert checked.exit_code == 2
    lines = checked.output.splitlines()
    # An English frame, then the editors' Swedish items as their own list.
    assert lines[0] == "Error: the issue fails the pre-send checks (lint):"
    items = [line for line in lines[1:] if line.startswith("  - ")]
    assert any(item.startswith("  - förhandstext: förhandstexten är tom; skriv") for item in items)
    assert any(item.startswith("  - ingress: ingressen är tom; skriv") for item in items)


def test_the_masthead_logos_are_absolute_urls_served_by_the_app(
    settings: Settings, tmp_path: Path
) -> None:
    logo = tmp_path / "kommun.png"
    logo.write_bytes(PNG)
    svg = tmp_path / "polis.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    configured = dataclasses.replace(
        settings,
        base_url="https://trygg.example.se",
        logo_kommun=str(logo),
        logo_polis=str(svg),
    )
    logos = wiring.logos(configured)
    assert [logo.alt for logo in logos] == ["Österåkers kommun", "Polisen"]
    assert all(logo.url.startswith("https://trygg.example.se/media/logo/") for logo in logos)

    publisher = wiring.publisher(configured)
    html = publisher.render(ISSUE, [VARIANT]).variants["vone"].html
    for found in logos:
        assert f'src="{found.url.replace("&", "&amp;")}" alt="{found.alt}"' in html

    app = create_app(configured)
    client = app.test_client()
    with client.get("/media/logo/kommun") as served:
        assert served.status_code == 200 and served.data == PNG
        assert served.mimetype == "image/png"
        assert "sandbox" in served.headers["Content-Security-Policy"]
    with client.get("/media/logo/polis") as served:
        assert served.mimetype == "image/svg+xml"
    assert client.get("/media/logo/gemensam").status_code == 404

    # Unset: no logo in the message and nothing served.
    plain = dataclasses.replace(configured, logo_kommun="", logo_polis="")
    assert wiring.logos(plain) == ()
    html = wiring.publisher(plain).render(ISSUE, [VARIANT]).variants["vone"].html
    assert "/media/logo/" not in html
    assert create_app(plain).test_client().get("/media/logo/kommun").status_code == 404


def test_a_logo_that_is_no_image_names_the_setting(settings: Settings, tmp_path: Path) -> None:
    text = tmp_path / "logo.png"
    text.write_text("not an image")
    with pytest.raises(ConfigError, match=r"TRYGGNEWS_LOGO_POLIS=.*not a PNG"):
        wiring.logos(dataclasses.replace(settings, logo_polis=str(text)))
    with pytest.raises(ConfigError, match=r"TRYGGNEWS_LOGO_KOMMUN=.*no such file"):
        wiring.logos(dataclasses.replace(settings, logo_kommun=str(tmp_path / "none.png")))
