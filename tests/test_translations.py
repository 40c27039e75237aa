"""Translations as content, end to end on SQLite and PostgreSQL: one variant per
(audiences, topics, language) with recipients, rendered once each; fallback, "endast på
svenska" and "hoppa över"; stale translations; refusals; approvals withdrawn and audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from test_publishing import (
    NOW,
    VOCABULARY,
    _approve,
    _editors,
    _issue_with_blocks,
    _messages,
    _send,
    make_subscriber,
)
from tryggnews import wiring
from tryggnews.cli import cli
from tryggnews.config import Settings
from tryggnews.content.approvals import standing_approvals
from tryggnews.content.blocks import BlockInput
from tryggnews.content.issues import get_issue, issue_blocks
from tryggnews.content.translations import (
    TranslationInput,
    block_states,
    readers_by_language,
    translation_gaps,
)
from tryggnews.content.views import block_view, issue_view
from tryggnews.db.models import (
    AuditEvent,
    Block,
    BlockTranslation,
    Delivery,
    IssueVariant,
    Subscriber,
)
from tryggnews.editors.blocks import edit_block
from tryggnews.editors.translations import set_language_policy, translate_block, translate_issue
from tryggnews.errors import ValidationError

ARABIC_NOTE = "هذا القسم متوفر باللغة السويدية فقط."


def _block_id(session: Session, title: str) -> int:
    return session.scalars(select(Block.id).where(Block.title == title)).one()


def _reader(session: Session, address: str, language: str) -> None:
    make_subscriber(session, address, audiences=["parents-7-9"]).language = language


def _translate(session: Session, block_id: int, lang: str, title: str) -> None:
    data = TranslationInput(language=lang, title=title, body_md=f"{title}: ring 114 14.")
    translate_block(session, "test", block_id, data, vocabulary=VOCABULARY, now=NOW)


def test_each_reader_language_is_its_own_variant_rendered_once(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        issue = _issue_with_blocks(session)
        school = _block_id(session, "Föräldraskolan för tonårsföräldrar")
        _translate(session, school, "ar", "مدرسة الوالدين للمراهقين")
        _translate(session, school, "en", "The Parents' School for parents of teenagers")
        translate_issue(
            session,
            "test",
            issue.id,
            TranslationInput("ar", "الدعم بعد الجريمة", subject="Trygg i Österåker: الدعم"),
            vocabulary=VOCABULARY,
            now=NOW,
        )
        for n in range(4):
            _reader(session, f"sv{n}@example.org", "sv")
        for n in range(3):
            _reader(session, f"ar{n}@example.org", "ar")
        _reader(session, "en@example.org", "en")
        # A language no longer declared in audiences.toml reads Swedish.
        _reader(session, "fi@example.org", "fi")
    publisher = wiring.publisher(settings)

    summary = _send(publisher, settings, session_factory, "2027-1")

    assert summary.sent == 9
    # Parents in sv (with the "fi" reader), ar and en: three variants, three renders;
    # Somali has no reader, so nothing is rendered for it.
    with session_factory() as session:
        used = session.scalar(select(func.count(func.distinct(Delivery.variant))))
        languages = sorted(session.scalars(select(IssueVariant.language)))
    assert used == 3 == publisher.renderer.mjml_renders
    assert languages == ["ar", "en", "sv"]
    messages = _messages(settings.outbox_dir)
    arabic = messages["ar0@example.org"]
    assert arabic["Subject"] == "Trygg i Österåker: الدعم"
    html = str(arabic.get_body(preferencelist=("html",)).get_content())  # type: ignore[union-attr]
    assert '<html lang="ar" dir="rtl"' in html
    assert "مدرسة الوالدين للمراهقين" in html and '<span dir="ltr">114 14</span>' in html
    # "Trygghetsvandring i Åkersberga" has no Arabic: Swedish, with the note.
    assert "Trygghetsvandring i Åkersberga" in html and html.count(ARABIC_NOTE) == 1
    english = str(messages["en@example.org"].get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    assert "The Parents' School for parents of teenagers" in english
    assert "This section is only available in Swedish." in english  # untranslated issue, block
    assert messages["fi@example.org"]["Subject"] == messages["sv0@example.org"]["Subject"]


def test_swedish_only_has_no_note_and_skip_leaves_the_block_out(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        _issue_with_blocks(session)
        walk = _block_id(session, "Trygghetsvandring i Åkersberga")
        school = _block_id(session, "Föräldraskolan för tonårsföräldrar")
        set_language_policy(session, "test", walk, "swedish-only", now=NOW)
        set_language_policy(session, "test", school, "skip", now=NOW)
        _reader(session, "ar@example.org", "ar")
        _reader(session, "sv@example.org", "sv")
    publisher = wiring.publisher(settings)
    _send(publisher, settings, session_factory, "2027-1")
    messages = _messages(settings.outbox_dir)
    arabic = str(messages["ar@example.org"].get_body(preferencelist=("html",)).get_content())  # type: ignore[union-attr]
    assert "Trygghetsvandring i Åkersberga" in arabic
    assert ARABIC_NOTE not in arabic.split("Trygghetsvandring i Åkersberga")[0].split("<h2")[-1]
    assert "Föräldraskolan för tonårsföräldrar" not in arabic
    swedish = str(messages["sv@example.org"].get_body(preferencelist=("html",)).get_content())  # type: ignore[union-attr]
    assert "Föräldraskolan för tonårsföräldrar" in swedish
    assert publisher.renderer.mjml_renders == 2


def test_a_translation_made_before_the_last_swedish_edit_is_stale(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        issue = _issue_with_blocks(session)
        editors = _editors(session)
        school = _block_id(session, "Föräldraskolan för tonårsföräldrar")
        _translate(session, school, "ar", "مدرسة الوالدين")
        block = session.get_one(Block, school)
        assert block_states(block_view(block), ["ar", "en"]) == {"ar": "done", "en": "missing"}
        # A save that changes no text (only the audiences) leaves the translation current.
        data = BlockInput(
            title=block.title,
            body_md=block.body_md,
            organisation="polis",
            focus_area="andts",
            audiences=["parents-7-9", "parents-gymnasium"],
            author="x",
        )
        edit_block(
            session,
            editors["polis"],
            school,
            data,
            vocabulary=VOCABULARY,
            expected_version=block.version,
            now=NOW,
        )
        assert block_states(block_view(block), ["ar"]) == {"ar": "done"}
        data.body_md = "En ny svensk text om Föräldraskolan."
        edit_block(
            session,
            editors["polis"],
            school,
            data,
            vocabulary=VOCABULARY,
            expected_version=block.version,
            now=NOW,
        )
        assert block_states(block_view(block), ["ar"]) == {"ar": "stale"}
        blocks = [block_view(b) for b in issue_blocks(issue)]
        gaps = translation_gaps(issue_view(issue), blocks, VOCABULARY, {"ar": 3})
        # The block in the issue whose Swedish changed is stale; the other two lack Arabic.
        assert [g for g in gaps if "arabisk" in g] == [
            "2 block saknar arabisk översättning – 3 prenumeranter läser arabiska",
            "1 block har en inaktuell arabisk översättning (svenskan har ändrats) – 3 "
            "prenumeranter läser arabiska",
            "Utskickets rubrik, ämnesrad och ingress saknar arabisk översättning – 3 "
            "prenumeranter läser arabiska",
        ]
        assert "3 block saknar engelsk översättning – 0 prenumeranter läser engelska" in gaps
        # Saving the translation again (checked against the new Swedish) makes it current.
        _translate(session, school, "ar", "مدرسة الوالدين")
        assert block_states(block_view(block), ["ar"]) == {"ar": "done"}


def test_an_undeclared_language_or_an_empty_title_is_refused_and_nothing_stored(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        issue = _issue_with_blocks(session)
        school = _block_id(session, "Föräldraskolan för tonårsföräldrar")
        with pytest.raises(ValidationError, match=r"språk: 'fi' finns inte bland \[languages\]"):
            _translate(session, school, "fi", "Vanhempien koulu")
        with pytest.raises(ValidationError, match="svenska är originalet"):
            _translate(session, school, "sv", "Föräldraskolan")
        with pytest.raises(ValidationError, match=r"rubrik \(ar\): översättningen behöver"):
            _translate(session, school, "ar", "   ")
        with pytest.raises(ValidationError, match=r"ämnesrad \(en\): översättningen behöver"):
            translate_issue(
                session,
                "test",
                issue.id,
                TranslationInput("en", "Title", subject=""),
                vocabulary=VOCABULARY,
                now=NOW,
            )
        assert session.scalar(select(func.count()).select_from(BlockTranslation)) == 0
        assert get_issue(session, "2027-1").translations == []


def test_a_translation_withdraws_the_approvals_and_is_audited(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        issue = _issue_with_blocks(session)
        editors = _editors(session)
        _approve(session, issue, editors["polis"])
        _approve(session, issue, editors["kommun"])
        version = issue.version
        school = _block_id(session, "Föräldraskolan för tonårsföräldrar")
        data = TranslationInput("so", "Dugsiga Waalidka", body_md="Qoraal.")
        told = translate_block(
            session, editors["polis"], school, data, vocabulary=VOCABULARY, now=NOW
        )
        session.refresh(issue)
        assert issue.version == version + 1
        assert standing_approvals(session, issue) == {}
        assert [t.organisation for t in told] == ["kommun"]  # the other approver is told
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "block.translate"))
        assert [(e.actor, e.details["language"]) for e in event] == [
            ("redaktor@polis.example.se", "so")
        ]
        # The same text again changes nothing: no new version, no audit line.
        assert (
            translate_block(session, editors["polis"], school, data, vocabulary=VOCABULARY, now=NOW)
            == []
        )
        session.refresh(issue)
        assert issue.version == version + 1
        assert readers_by_language(session) == {}


def test_the_command_line_translates_and_refuses_with_one_line(
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with session_factory.begin() as session:
        _issue_with_blocks(session)
        school = _block_id(session, "Föräldraskolan för tonårsföräldrar")
        session.add(Subscriber(email="a@example.org", email_key="a@example.org", token_salt="s"))
    monkeypatch.setenv("TRYGGNEWS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRYGGNEWS_AUDIENCES", str(Path(__file__).parents[1] / "audiences.toml"))
    body = tmp_path / "ar.md"
    body.write_text("مدرسة الوالدين: اتصل بالرقم 114 14.\n", encoding="utf-8")
    runner = CliRunner()
    args = ["block", "translate", str(school), "--body-file", str(body), "--author", "cli"]
    refused = runner.invoke(cli, [*args, "--lang", "de", "--title", "Elternschule"])
    assert refused.exit_code == 2
    assert "språk: 'de' finns inte bland [languages] i audiences.toml" in refused.output
    empty = runner.invoke(cli, [*args, "--lang", "ar", "--title", ""])
    assert empty.exit_code == 2 and "rubrik (ar)" in empty.output
    done = runner.invoke(cli, [*args, "--lang", "ar", "--title", "مدرسة الوالدين"])
    assert done.exit_code == 0, done.output
    shown = runner.invoke(cli, ["block", "translations", str(school)])
    assert "finns" in shown.output and "saknas" in shown.output
    policy = runner.invoke(cli, ["block", "language-policy", str(school), "skip"])
    assert policy.exit_code == 0 and "Hoppa över utan översättning" in policy.output
    with session_factory() as session:
        assert session.get_one(BlockTranslation, (school, "ar")).author == "cli"
