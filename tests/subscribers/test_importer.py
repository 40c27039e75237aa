"""The CSV importer checks a whole file before writing, writes all or nothing, and is idempotent.

Also: address normalisation, export that imports again unchanged, and the format
README listing every key. Runs on a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.models import ConsentEvent, Subscriber, SubscriberStatus
from tryggnews.errors import ValidationError
from tryggnews.followup.audience import UNKNOWN, audience_year
from tryggnews.subscribers.emails import normalise_email
from tryggnews.subscribers.export import export_subscribers
from tryggnews.subscribers.import_plan import ImportPlan, parse_csv
from tryggnews.subscribers.importer import ImportResult, apply_import

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "subscribers" / "sample.csv"
README = REPO_ROOT / "subscribers" / "README.md"
VOCABULARY = load_vocabulary(REPO_ROOT / "audiences.toml")
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HEADER = "email;name;language;audiences;topics\n"


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8", name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(session: Session, plan: ImportPlan, **options: Any) -> ImportResult:
    arguments: dict[str, Any] = {"basis": "public-task", "source": "test", "now": NOW}
    arguments.update(options)
    result = apply_import(session, plan, **arguments)
    session.commit()
    return result


def subscribers(session: Session) -> dict[str, Subscriber]:
    session.expire_all()
    return {s.email_key: s for s in session.scalars(select(Subscriber))}


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Subscriber)) or 0


# --- addresses ---------------------------------------------------------------


def test_normalise_email_lowercases_domain_and_keys_case_insensitively() -> None:
    assert normalise_email("  Anna.Lindqvist@EXAMPLE.org ") == (
        "Anna.Lindqvist@example.org",
        "anna.lindqvist@example.org",
    )


def test_normalise_email_keys_an_international_domain_by_its_ascii_form() -> None:
    unicode_form = normalise_email("test@räksmörgås.example")
    ascii_form = normalise_email("test@xn--rksmrgs-5wao1o.example")
    assert unicode_form == ascii_form
    assert unicode_form[0] == "test@räksmörgås.example"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("a@@b", "after the @-sign"),
        ("", "empty"),
        ("åsa@example.org", "before the @-sign"),
        ("Anna <anna@example.org>", "display name"),
        ("anna@example.org\nBcc: x@example.org", "invalid characters"),
    ],
)
def test_normalise_email_refuses_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        normalise_email(raw)


# --- reading -----------------------------------------------------------------


def test_the_sample_list_is_valid_and_varied() -> None:
    plan = parse_csv(SAMPLE, VOCABULARY)
    assert plan.problems == []
    assert plan.delimiter == ";"
    assert SAMPLE.read_bytes().startswith(b"\xef\xbb\xbf")  # as Excel's "CSV UTF-8" saves
    assert len(plan.rows) == 40
    assert all(row.email.endswith("@example.org") for row in plan.rows)
    audiences = {key for row in plan.rows for key in row.audiences}
    # Every audience but those for staff addresses: the sample people are at example.org.
    assert audiences == set(VOCABULARY.audiences) - set(VOCABULARY.restricted)
    assert VOCABULARY.restricted
    assert {row.language for row in plan.rows} == set(VOCABULARY.languages)
    assert any(len(row.audiences) > 1 for row in plan.rows)
    assert any(row.topics for row in plan.rows)


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_reads_bom_or_not_comma_or_semicolon(
    tmp_path: Path, bom: bool, delimiter: str, newline: str
) -> None:
    lines = [
        ["email", "name", "language", "audiences", "topics"],
        ["anna@example.org", "Anna Åström", "sv", "parents-7-9|senior", ""],
        ["bo@example.org", "Bo", "en", '"parents-f-3, staff-skola"', "andts"],
    ]
    text = newline.join(delimiter.join(cells) for cells in lines) + newline
    path = write(tmp_path, ("\ufeff" if bom else "") + text)
    plan = parse_csv(path, VOCABULARY)
    assert plan.problems == []
    assert plan.delimiter == delimiter
    assert [(r.email, r.name, r.language, r.audiences, r.topics) for r in plan.rows] == [
        ("anna@example.org", "Anna Åström", "sv", ("parents-7-9", "senior"), ()),
        ("bo@example.org", "Bo", "en", ("parents-f-3", "staff-skola"), ("andts",)),
    ]
    assert [r.line for r in plan.rows] == [2, 3]


def test_header_names_ignore_case_and_order_and_only_email_is_required(tmp_path: Path) -> None:
    path = write(tmp_path, "Topics;EMAIL\nandts;Anna@example.org\n;;\n\n")
    plan = parse_csv(path, VOCABULARY)
    assert plan.columns == ("topics", "email")
    assert [(r.email_key, r.topics, r.language) for r in plan.rows] == [
        ("anna@example.org", ("andts",), "sv")
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("email;name;telefon\n", "unknown column 'telefon'"),
        ("name;language\n", "the column 'email' is missing"),
        ("email;name;email\n", "column 'email' appears twice"),
        ("email\tname\n", "tab-separated"),
        ("", "the file is empty"),
    ],
)
def test_wrong_columns_refuse_the_file_naming_the_header(
    tmp_path: Path, header: str, message: str
) -> None:
    path = write(tmp_path, header + "anna@example.org;Anna;sv\n" if header else "")
    with pytest.raises(ValidationError, match=message) as caught:
        parse_csv(path, VOCABULARY)
    assert str(path) in str(caught.value)


def test_a_latin1_file_is_refused_with_line_and_byte_offset(tmp_path: Path) -> None:
    text = HEADER + "anna@example.org;Anna;sv;;\nbo@example.org;Bo Åkesson;sv;;\n"
    path = write(tmp_path, text, encoding="latin-1")
    offset = len((HEADER + "anna@example.org;Anna;sv;;\nbo@example.org;Bo ").encode())
    with pytest.raises(ValidationError) as caught:
        parse_csv(path, VOCABULARY)
    message = str(caught.value)
    assert str(path) in message
    assert "line 3 is not UTF-8" in message
    assert f"byte 0xc5 at byte offset {offset}" in message
    assert "CSV UTF-8" in message


def test_a_utf16_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff" + HEADER, encoding="utf-16-le")
    with pytest.raises(ValidationError, match="UTF-16"):
        parse_csv(path, VOCABULARY)


def test_row_problems_name_line_column_value_and_reason(tmp_path: Path) -> None:
    name = "N" * 201
    text = HEADER + (
        "a@@b;Anna;sv;;\n"
        "bo@example.org;Bo;sv;parents-7-9|pensionar;\n"
        "cy@example.org;Cy;sv;;inbrott\n"
        "di@example.org;Di;fi;;\n"
        f"ed@example.org;{name};sv;;\n"
        'fa@example.org;"Fa\nBcc: x@example.org";sv;;\n'
        "gu@example.org;Gu;sv\n"
        "ok@example.org;Ok;sv;;\n"
    )
    plan = parse_csv(write(tmp_path, text), VOCABULARY)
    found = {(p.line, p.column): p for p in plan.problems}
    assert found[(2, "email")].value == "a@@b"
    assert "after the @-sign" in found[(2, "email")].reason
    assert "unknown audience 'pensionar'" in found[(3, "audiences")].reason
    assert "unknown topic 'inbrott'" in found[(4, "topics")].reason
    assert "unknown language" in found[(5, "language")].reason
    assert "longer than 200 characters (201)" in found[(6, "name")].reason
    assert "line break" in found[(7, "name")].reason
    assert "has 3 fields but the header has 5" in found[(9, "")].reason
    assert plan.invalid_rows == 7
    assert [row.line for row in plan.rows] == [10]  # a quoted line break spans lines 7-8
    assert str(found[(2, "email")]).startswith("line 2, email 'a@@b': ")
    # The editors' workspace shows the same report in Swedish, with the same values.
    swedish = {key: problem.swedish for key, problem in found.items()}
    assert swedish[(2, "email")] == "inte en giltig e-postadress (kontrollera @ och domänen)"
    assert swedish[(3, "audiences")].startswith("okänd målgrupp ”pensionar”: välj bland ")
    assert swedish[(4, "topics")].startswith("okänt ämne ”inbrott”: välj bland ")
    assert swedish[(5, "language")] == "okänt språk: välj bland sv, en, ar, so"
    assert swedish[(6, "name")] == "längre än 200 tecken (201)"
    assert swedish[(7, "name")].startswith("innehåller en radbrytning")
    assert swedish[(9, "")].startswith("raden har 3 fält men rubrikraden har 5")


def test_a_duplicate_differing_only_in_case_is_refused_naming_the_first(tmp_path: Path) -> None:
    text = HEADER + "anna@example.org;Anna;sv;;\nbo@example.org;Bo;sv;;\nANNA@Example.ORG;A;sv;;\n"
    plan = parse_csv(write(tmp_path, text), VOCABULARY)
    assert [row.line for row in plan.rows] == [2, 3]
    [problem] = plan.problems
    assert (problem.line, problem.column, problem.value) == (4, "email", "ANNA@Example.ORG")
    assert "same address as line 2" in problem.reason


def test_a_10_mb_line_is_reported_without_reading_it_into_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.write(HEADER.encode())
        huge = b"anna@example.org;" + b"A" * 10_000_000 + b";sv;;\n"
        fh.write(huge)
        fh.write(b"bo@example.org;Bo;sv;;\n")
        fh.write(b"cy@example.org;" + b"x;" * 3_000_000 + b"\n")  # many tiny fields
        fh.write(b"di@example.org;Di;sv;;\n")
    tracemalloc.start()
    try:
        plan = parse_csv(path, VOCABULARY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, f"parsing used {peak} bytes at peak"
    assert [(p.line, p.column) for p in plan.problems] == [(2, ""), (4, "")]
    assert f"over 64 KB ({len(huge)} bytes)" in plan.problems[0].reason
    assert plan.problems[0].value.startswith("anna@example.org;AAA")
    assert len(plan.problems[0].value) < 100
    assert [row.email for row in plan.rows] == ["bo@example.org", "di@example.org"]


def test_broken_quoting_is_a_row_problem(tmp_path: Path) -> None:
    text = HEADER + '"anna@example.org"x;Anna;sv;;\nbo@example.org;Bo;sv;;\n'
    plan = parse_csv(write(tmp_path, text), VOCABULARY)
    [problem] = plan.problems
    assert problem.line == 2
    assert "not valid CSV" in problem.reason
    assert [row.line for row in plan.rows] == [3]


# --- writing -----------------------------------------------------------------


def test_the_sample_imports_as_forty_active_subscribers(session: Session) -> None:
    result = run(session, parse_csv(SAMPLE, VOCABULARY), source="import:sample.csv")
    assert result.written
    assert result.totals.as_dict() == {
        "new": 40,
        "updated": 0,
        "unchanged": 0,
        "invalid": 0,
        "suppressed": 0,
        "unsubscribed": 0,
    }
    stored = subscribers(session)
    assert len(stored) == 40
    assert {s.status for s in stored.values()} == {SubscriberStatus.ACTIVE}
    assert {s.source for s in stored.values()} == {"import:sample.csv"}
    assert len({s.token_salt for s in stored.values()}) == 40
    assert all(len(s.token_salt) >= 20 for s in stored.values())
    bo = stored["bo.demo@example.org"]
    assert bo.email == "Bo.Demo@example.org"
    assert (bo.audiences, bo.topics) == (["parents-7-9"], ["andts", "vald"])
    assert bo.created_at == NOW
    assert stored["malin.demo@example.org"].audiences == []
    assert stored["test.person@example.org"].name is None


def test_a_second_import_of_the_same_file_changes_nothing(session: Session) -> None:
    run(session, parse_csv(SAMPLE, VOCABULARY))
    before = {key: (s.updated_at, s.token_salt) for key, s in subscribers(session).items()}
    result = run(session, parse_csv(SAMPLE, VOCABULARY), now=NOW.replace(hour=10))
    assert (result.totals.new, result.totals.updated, result.totals.unchanged) == (0, 0, 40)
    after = {key: (s.updated_at, s.token_salt) for key, s in subscribers(session).items()}
    assert after == before


def test_nothing_is_written_when_one_row_is_invalid(session: Session, tmp_path: Path) -> None:
    text = HEADER + "anna@example.org;Anna;sv;;\na@@b;X;sv;;\nbo@example.org;Bo;sv;;\n"
    result = run(session, parse_csv(write(tmp_path, text), VOCABULARY))
    assert result.refused and not result.written
    assert (result.totals.new, result.totals.invalid) == (2, 1)  # what would have happened
    assert count(session) == 0


def test_skip_invalid_writes_the_valid_rows(session: Session, tmp_path: Path) -> None:
    text = HEADER + "anna@example.org;Anna;sv;;\na@@b;X;sv;;\nbo@example.org;Bo;sv;;\n"
    result = run(session, parse_csv(write(tmp_path, text), VOCABULARY), skip_invalid=True)
    assert result.written and not result.refused
    assert (result.totals.new, result.totals.invalid) == (2, 1)
    assert set(subscribers(session)) == {"anna@example.org", "bo@example.org"}


def test_a_dry_run_writes_nothing(session: Session) -> None:
    result = run(session, parse_csv(SAMPLE, VOCABULARY), dry_run=True)
    assert result.totals.new == 40 and not result.written
    assert count(session) == 0


def test_changed_rows_update_and_missing_columns_leave_choices_alone(
    session: Session, tmp_path: Path
) -> None:
    first = HEADER + "anna@example.org;Anna;sv;parents-7-9;andts\nbo@example.org;Bo;sv;senior;\n"
    run(session, parse_csv(write(tmp_path, first), VOCABULARY))
    changed = (
        HEADER
        + "Anna@Example.org;Anna L;en;parents-7-9|staff-skola;\nbo@example.org;Bo;sv;senior;\n"
    )
    result = run(session, parse_csv(write(tmp_path, changed), VOCABULARY), now=NOW.replace(hour=11))
    assert (result.totals.updated, result.totals.unchanged) == (1, 1)
    anna = subscribers(session)["anna@example.org"]
    assert (anna.name, anna.language, anna.audiences, anna.topics) == (
        "Anna L",
        "en",
        ["parents-7-9", "staff-skola"],
        [],
    )
    assert anna.email == "anna@example.org"  # the address as first stored
    assert anna.updated_at == NOW.replace(hour=11)
    only_email = run(session, parse_csv(write(tmp_path, "email\nanna@example.org\n"), VOCABULARY))
    assert only_email.totals.unchanged == 1
    assert subscribers(session)["anna@example.org"].audiences == ["parents-7-9", "staff-skola"]


def test_unsubscribed_people_are_never_subscribed_again(session: Session, tmp_path: Path) -> None:
    run(session, parse_csv(SAMPLE, VOCABULARY))
    anna = subscribers(session)["anna.lindqvist@example.org"]
    anna.status = SubscriberStatus.UNSUBSCRIBED
    session.commit()
    result = run(session, parse_csv(SAMPLE, VOCABULARY))
    assert (result.totals.unsubscribed, result.totals.unchanged) == (1, 39)
    [skipped] = result.skipped
    assert (skipped.line, skipped.value) == (2, "anna.lindqvist@example.org")
    assert "unsubscribed" in skipped.reason
    assert skipped.swedish.startswith("har avslutat prenumerationen tidigare")
    assert subscribers(session)["anna.lindqvist@example.org"].status is (
        SubscriberStatus.UNSUBSCRIBED
    )


def test_suppressed_addresses_are_skipped_and_counted(session: Session) -> None:
    suppressed = {"erik.johansson@example.org", "bo.demo@example.org"}
    result = run(session, parse_csv(SAMPLE, VOCABULARY), is_suppressed=suppressed.__contains__)
    assert (result.totals.new, result.totals.suppressed) == (38, 2)
    assert {note.value for note in result.skipped} == {
        "erik.johansson@example.org",
        "Bo.Demo@example.org",
    }
    assert not suppressed & set(subscribers(session))


def test_a_pending_sign_up_becomes_active_and_paused_stays_paused(
    session: Session, tmp_path: Path
) -> None:
    for key, status in (("anna", SubscriberStatus.PENDING), ("bo", SubscriberStatus.PAUSED)):
        address = f"{key}@example.org"
        session.add(
            Subscriber(
                email=address,
                email_key=address,
                status=status,
                token_salt="salt",
                audiences=["senior"],
                topics=[],
            )
        )
    session.commit()
    text = HEADER + "anna@example.org;;sv;senior;\nbo@example.org;;sv;senior;\n"
    result = run(session, parse_csv(write(tmp_path, text), VOCABULARY))
    assert (result.totals.updated, result.totals.unchanged) == (1, 1)
    stored = subscribers(session)
    assert stored["anna@example.org"].status is SubscriberStatus.ACTIVE
    assert stored["bo@example.org"].status is SubscriberStatus.PAUSED


def test_small_chunks_give_the_same_result(session: Session) -> None:
    seen: list[int] = []
    result = run(session, parse_csv(SAMPLE, VOCABULARY), chunk_size=7, progress=seen.append)
    assert result.totals.new == 40
    assert seen == [7, 7, 7, 7, 7, 5]
    assert count(session) == 40
    again = run(session, parse_csv(SAMPLE, VOCABULARY), chunk_size=3)
    assert again.totals.unchanged == 40


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"basis": "whim"}, "legal basis"),
        ({"source": ""}, "source"),
        ({"source": "x" * 101}, "source"),
    ],
)
def test_bad_basis_or_source_is_refused(
    session: Session, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        run(session, parse_csv(SAMPLE, VOCABULARY), **options)


# --- export ------------------------------------------------------------------


def test_a_csv_export_imports_again_unchanged(session: Session, tmp_path: Path) -> None:
    run(session, parse_csv(SAMPLE, VOCABULARY))
    out = io.StringIO()
    assert export_subscribers(session, "csv", out) == 40
    exported = write(tmp_path, out.getvalue(), name="export.csv")

    def shape(plan: ImportPlan) -> set[tuple[object, ...]]:
        return {(r.email, r.name, r.language, r.audiences, r.topics) for r in plan.rows}

    plan = parse_csv(exported, VOCABULARY)
    assert plan.problems == []
    assert shape(plan) == shape(parse_csv(SAMPLE, VOCABULARY))
    result = run(session, plan)
    assert result.totals.unchanged == 40


def test_the_csv_export_leaves_out_people_who_left(session: Session) -> None:
    run(session, parse_csv(SAMPLE, VOCABULARY))
    subscribers(session)["anna.lindqvist@example.org"].status = SubscriberStatus.UNSUBSCRIBED
    session.commit()
    out = io.StringIO()
    assert export_subscribers(session, "csv", out) == 39
    assert "anna.lindqvist" not in out.getvalue()
    only = io.StringIO()
    export_subscribers(session, "csv", only, statuses=[SubscriberStatus.UNSUBSCRIBED])
    assert only.getvalue().splitlines()[1].startswith("anna.lindqvist@example.org;")


def test_the_json_export_lists_everyone_with_status(session: Session) -> None:
    run(session, parse_csv(SAMPLE, VOCABULARY))
    subscribers(session)["anna.lindqvist@example.org"].status = SubscriberStatus.UNSUBSCRIBED
    session.commit()
    out = io.StringIO()
    assert export_subscribers(session, "json", out) == 40
    records = {record["email"]: record for record in json.loads(out.getvalue())}
    assert len(records) == 40
    anna = records["anna.lindqvist@example.org"]
    assert {"email", "status", "audiences", "topics", "language"} <= set(anna)
    assert (anna["status"], anna["audiences"], anna["language"]) == (
        "unsubscribed",
        ["parents-7-9"],
        "sv",
    )
    assert records["cecilia.ahl@example.org"]["name"] == "Cecilia Åhl"


def test_an_empty_json_export_is_an_empty_list(session: Session) -> None:
    out = io.StringIO()
    assert export_subscribers(session, "json", out) == 0
    assert json.loads(out.getvalue()) == []


# --- documentation -----------------------------------------------------------


def test_the_format_readme_lists_every_key_with_its_label() -> None:
    readme = README.read_text(encoding="utf-8")
    for declared in (VOCABULARY.audiences, VOCABULARY.topics, VOCABULARY.languages):
        for key, label in declared.items():
            assert f"| `{key}` | {label} |" in readme, f"{key} is missing from {README}"


def test_the_import_records_each_new_persons_scope_of_consent(session: Session) -> None:
    """The ledger says what each imported person chose, as a sign-up's event does: the
    yearly report counts them by audience and language, never as "okänd"."""
    plan = parse_csv(SAMPLE, VOCABULARY)
    run(session, plan, email_hash=lambda key: f"hash:{key}")
    events = session.execute(select(ConsentEvent.email_hash, ConsentEvent.details)).all()
    stored = subscribers(session)
    assert len(events) == len(stored) == 40
    for email_hash, details in events:
        person = stored[email_hash.removeprefix("hash:")]
        assert details == {
            "source": "test",
            "audiences": person.audiences,
            "topics": person.topics,
            "language": person.language,
        }
    end = audience_year(session, NOW.year).end
    assert end.total == 40
    assert end.per_language == Counter(s.language for s in stored.values())
    assert UNKNOWN not in end.per_language
    # Only a person who chose no audience counts as "okänd" there.
    assert end.per_audience[UNKNOWN] == sum(1 for s in stored.values() if not s.audiences)
