"""Translations in the workspace: the states per language, a form per language with CSRF,
refusals shown on the form, the policy, the gaps on the issue page, and the audit log."""

from __future__ import annotations

from typing import Any

from editor_helpers import KOMMUN, POLIS, login, outbox_messages
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import AuditEvent, Block, BlockTranslation, LanguagePolicy


def test_an_editor_translates_a_block_and_the_issue_page_counts_the_gaps(
    app: Any, issue_with_blocks: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    block_id = issue_with_blocks["polis_block"]
    issue_page = client.get("/redaktion/utskick/2027-1").text
    # Approval covers the translations: the gaps are listed before anyone approves.
    assert "2 block saknar arabisk översättning – 0 prenumeranter läser arabiska" in issue_page
    assert "Utskickets rubrik, ämnesrad och ingress saknar somalisk översättning" in issue_page

    overview = client.get(f"/redaktion/block/{block_id}/oversattningar")
    assert overview.status_code == 200 and overview.text.count("<td>saknas</td>") == 3
    url = f"/redaktion/block/{block_id}/oversattningar/ar"
    form = client.get(url).text
    assert 'lang="ar" dir="rtl"' in form
    # No CSRF token: refused, nothing stored.
    assert client.post(url, data={"title": "x", "body_md": "y"}).status_code == 400
    empty = client.post(url, data={"csrf_token": token, "title": " ", "body_md": "نص"})
    assert empty.status_code == 400
    assert "rubrik (ar): översättningen behöver en rubrik" in empty.text
    saved = client.post(
        url, data={"csrf_token": token, "title": "الشراء للقاصرين", "body_md": "لا تشترِ الكحول."}
    )
    assert saved.status_code == 302
    assert client.get("/redaktion/utskick/2027-1").text.count("1 block saknar arabisk") == 1
    assert client.get(f"/redaktion/block/{block_id}/oversattningar/fi").status_code == 404

    policy = client.post(
        f"/redaktion/block/{block_id}/sprakval", data={"csrf_token": token, "policy": "skip"}
    )
    assert policy.status_code == 302
    with session_factory() as session:
        assert session.get_one(BlockTranslation, (block_id, "ar")).author == POLIS
        assert session.get_one(Block, block_id).language_policy is LanguagePolicy.SKIP
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"block.translate", "block.language_policy"} <= actions

    issue_form = "/redaktion/utskick/2027-1/oversattningar/en"
    done = client.post(
        issue_form,
        data={"csrf_token": token, "title": "Support", "subject": "Trygg i Österåker: support"},
    )
    assert done.status_code == 302
    page = client.get("/redaktion/utskick/2027-1").text
    assert "ingress saknar engelsk översättning" not in page
    assert "ingress saknar arabisk översättning" in page


def test_someone_elses_block_cannot_be_translated(
    app: Any, issue_with_blocks: dict[str, int]
) -> None:
    client = app.test_client()
    token = login(client, KOMMUN)
    url = f"/redaktion/block/{issue_with_blocks['polis_block']}/oversattningar/en"
    refused = client.post(url, data={"csrf_token": token, "title": "T", "body_md": "B"})
    assert refused.status_code == 403


def test_the_preview_shows_and_tests_the_message_in_a_chosen_language(
    app: Any,
    issue_with_blocks: dict[str, int],
    session_factory: sessionmaker[Session],
    editor_settings: Any,
) -> None:
    client = app.test_client()
    token = login(client, POLIS)
    block_id = issue_with_blocks["polis_block"]
    saved = client.post(
        f"/redaktion/block/{block_id}/oversattningar/ar",
        data={"csrf_token": token, "title": "الشراء للقاصرين", "body_md": "لا تشترِ الكحول."},
    )
    assert saved.status_code == 302
    page = client.get("/redaktion/utskick/2027-1/forhandsgranska?sprak=ar").text
    assert '<option value="ar" lang="ar" selected>' in page
    assert "forhandsgranska/meddelande?malgrupp=alla&amp;sprak=ar" in page
    arabic = client.get("/redaktion/utskick/2027-1/forhandsgranska/meddelande?sprak=ar").text
    swedish = client.get("/redaktion/utskick/2027-1/forhandsgranska/meddelande").text
    assert "الشراء للقاصرين" in arabic and 'dir="rtl"' in arabic
    assert "الشراء للقاصرين" not in swedish and 'dir="rtl"' not in swedish
    # A language not declared in audiences.toml is the Swedish message.
    unknown = client.get("/redaktion/utskick/2027-1/forhandsgranska/meddelande?sprak=fi").text
    assert unknown == swedish

    sent = client.post(
        "/redaktion/utskick/2027-1/testutskick",
        data={"csrf_token": token, "malgrupp": "alla", "sprak": "ar"},
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith("sprak=ar")
    [mail] = outbox_messages(editor_settings.outbox_dir)
    html = mail.get_body(("html",)).get_content()
    assert "الشراء للقاصرين" in html
    with session_factory() as session:
        entry = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "issue.test_sent")
        ).one()
    assert entry.details["language"] == "ar"
