"""An edited audiences.toml reaches every part that takes keys — the importer, blocks, the
variant planner — and `tryggnews subscribers vocabulary` catches keys the database holds
that the file no longer declares. Runs on a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from subscriber_cli import Invoke, run_cli

from tryggnews.content.blocks import BlockInput, create_block
from tryggnews.content.variants import VariantPlanner
from tryggnews.content.views import block_view
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.errors import ValidationError
from tryggnews.subscribers.import_plan import parse_csv

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED = REPO_ROOT / "audiences.toml"
SAMPLE = REPO_ROOT / "subscribers" / "sample.csv"
SECRET = "vocabulary-test-secret-key-long-enough-0123"
# Another kommun's choices: seniors relabelled, dog owners added, boat owners gone, and
# no labels in other languages ([translations.*] is optional).
EDITED = (
    SHIPPED.read_text(encoding="utf-8")
    .partition("\n[translations.")[0]
    .replace('senior = "Senior"', 'senior = "Seniorer 65+"\nhundagare = "Hundägare"')
    .replace('batagare = "Båtägare"\n', "")
)


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    path = tmp_path / "audiences.toml"
    path.write_text(EDITED, encoding="utf-8")
    return path


def test_the_importer_takes_the_keys_of_the_file_it_is_given(tmp_path: Path, edited: Path) -> None:
    csv = tmp_path / "lista.csv"
    csv.write_text(
        "email;audiences\nanna@example.org;hundagare|senior\nbo@example.org;batagare\n",
        encoding="utf-8",
    )
    plan = parse_csv(csv, load_vocabulary(edited))
    assert [(row.email, row.audiences) for row in plan.rows] == [
        ("anna@example.org", ("hundagare", "senior"))
    ]
    [problem] = plan.problems
    assert (problem.line, problem.column, problem.value) == (3, "audiences", "batagare")
    assert "unknown audience 'batagare'" in problem.reason
    shipped = parse_csv(csv, load_vocabulary(SHIPPED))
    assert [problem.value for problem in shipped.problems] == ["hundagare|senior"]


def test_a_block_may_be_aimed_only_at_a_declared_audience(session: Session, edited: Path) -> None:
    vocabulary = load_vocabulary(edited)

    def block(audiences: list[str]) -> BlockInput:
        return BlockInput(
            title="Koppla hunden i skogen",
            body_md="Text.",
            organisation="kommun",
            focus_area="offentlig-miljo",
            audiences=audiences,
            author="test",
        )

    created = create_block(session, block(["hundagare"]), vocabulary)
    assert created.audiences == ["hundagare"]
    with pytest.raises(ValidationError, match="målgrupper: unknown audience 'batagare'"):
        create_block(session, block(["batagare"]), vocabulary)


def test_variants_are_named_with_the_files_labels(session: Session, edited: Path) -> None:
    vocabulary = load_vocabulary(edited)
    created = create_block(
        session,
        BlockInput(
            title="Bedrägerier mot äldre",
            body_md="Text.",
            organisation="polis",
            focus_area="tillgrepp",
            audiences=["senior"],
            author="test",
        ),
        vocabulary,
    )
    planner = VariantPlanner([block_view(created)], vocabulary.audiences)
    assert planner.variant_for(["senior", "hundagare"], []).audience_label == (
        "Hundägare, Seniorer 65+"
    )


@pytest.fixture
def invoke(engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `tryggnews ...` on the test database, from a folder without a .env file."""
    monkeypatch.chdir(tmp_path)
    return functools.partial(run_cli, database_url=db_url, secret=SECRET)


def test_the_vocabulary_command_counts_each_key_and_finds_orphaned_ones(
    invoke: Invoke, edited: Path
) -> None:
    assert invoke("subscribers", "import", str(SAMPLE)).exit_code == 0
    shipped = invoke("subscribers", "vocabulary")
    assert shipped.exit_code == 0
    assert f"{SHIPPED}: OK, 40 subscriber(s)" in shipped.stdout
    assert "Båtägare" in shipped.stdout and "Evenemang och aktiviteter" in shipped.stdout
    assert "does not declare" not in shipped.output

    orphaned = invoke("subscribers", "vocabulary", audiences=edited)
    assert orphaned.exit_code == 1
    assert f"The database holds keys that {edited} does not declare:" in orphaned.stderr
    [line] = [line for line in orphaned.stderr.splitlines() if "batagare" in line]
    assert line.strip().startswith('audience "batagare": ') and "subscriber(s)" in line
    # `subscribers list` flags the same key in its per-audience table.
    listed = invoke("subscribers", "list", audiences=edited)
    [row] = [row for row in listed.stdout.splitlines() if "batagare" in row]
    assert "(not in" in row


def test_a_broken_file_stops_every_command_that_needs_it_with_the_line(
    invoke: Invoke, tmp_path: Path
) -> None:
    broken = tmp_path / "trasig.toml"
    broken.write_text(EDITED.replace('ovriga = "Övriga"', "ovriga = Övriga"), encoding="utf-8")
    line = next(n for n, text in enumerate(EDITED.splitlines(), 1) if text.startswith("ovriga"))
    for command in (("subscribers", "vocabulary"), ("subscribers", "import", str(SAMPLE))):
        result = invoke(*command, audiences=broken)
        assert result.exit_code == 2
        assert result.stderr.startswith(f"Error: {broken}:{line}: TOML syntax error"), command
