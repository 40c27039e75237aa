"""`tryggnews block translate|language-policy|translations` and `tryggnews issue translate`:
translations of blocks and issues into the languages audiences.toml declares.

An operator on the server is trusted like `tryggnews block add`: no editor account is
needed, the change is logged under ``--author``. The same checks as the workspace
apply (declared language, non-empty title and text, a block in a started send is
locked), and a change withdraws approvals of the issues that hold the block.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from tryggnews.cli.base import AppContext, handle_errors, pass_app
from tryggnews.cli.block import block, read_text_file
from tryggnews.cli.issue import issue
from tryggnews.clock import SystemClock
from tryggnews.content.issues import get_issue
from tryggnews.content.text import require_plain_text
from tryggnews.content.translations import (
    POLICY_LABELS,
    STATE_WORDS,
    TranslationInput,
    block_states,
    translation_languages,
)
from tryggnews.content.views import block_view
from tryggnews.editors.blocks import get_block
from tryggnews.editors.translations import set_language_policy, translate_block, translate_issue

BODY_FILE = click.Path(path_type=Path, dir_okay=False)


def _withdrawn(count: int) -> str:
    return f" ({count} approval(s) withdrawn)" if count else ""


@block.command("translate")
@click.argument("block_id", type=int)
@click.option("--lang", "language", required=True, help="Language key from audiences.toml.")
@click.option("--title", required=True, help="The heading in that language.")
@click.option("--body-file", type=BODY_FILE, required=True, help="Markdown file with the text.")
@click.option("--cta-label", help="The button's text (default: the Swedish one).")
@click.option("--image-alt", help="What the image shows (default: the Swedish alt text).")
@click.option("--author", default=getpass.getuser, help="Who translated it (default: you).")
@pass_app
@handle_errors
def block_translate(
    app: AppContext,
    block_id: int,
    language: str,
    title: str,
    body_file: Path,
    cta_label: str | None,
    image_alt: str | None,
    author: str,
) -> None:
    """Add or replace a block's translation into one language."""
    body = read_text_file(body_file, "the body")
    require_plain_text((("--author", author),))
    data = TranslationInput(
        language=language, title=title, body_md=body, cta_label=cta_label, image_alt=image_alt
    )
    with app.session_factory.begin() as session:
        told = translate_block(
            session, author, block_id, data, vocabulary=app.vocabulary, now=SystemClock().now()
        )
    click.echo(f"Block {block_id}: translation ({language}) saved{_withdrawn(len(told))}")


@block.command("language-policy")
@click.argument("block_id", type=int)
@click.argument("policy", type=click.Choice(list(POLICY_LABELS)))
@click.option("--author", default=getpass.getuser, help="Who decided (default: you).")
@pass_app
@handle_errors
def block_language_policy(app: AppContext, block_id: int, policy: str, author: str) -> None:
    """What readers of a language without a translation get: Swedish with a note
    (fallback), Swedish without one (swedish-only), or nothing (skip)."""
    with app.session_factory.begin() as session:
        told = set_language_policy(session, author, block_id, policy, now=SystemClock().now())
    click.echo(f"Block {block_id}: {POLICY_LABELS[policy]}{_withdrawn(len(told))}")


@block.command("translations")
@click.argument("block_id", type=int)
@pass_app
@handle_errors
def block_translations(app: AppContext, block_id: int) -> None:
    """Which languages the block has, lacks, or has an outdated translation for."""
    languages = translation_languages(app.vocabulary)
    with app.session_factory() as session:
        view = block_view(get_block(session, block_id))
    table = Table(title=f"Block {block_id}: {view.title}")
    table.add_column("language")
    table.add_column("state")
    table.add_column("title")
    for lang, state in block_states(view, languages).items():
        text = view.translation(lang)
        table.add_row(lang, STATE_WORDS[state], text.title if text else "")
    Console().print(table)
    click.echo(f"Language policy: {POLICY_LABELS[view.language_policy]}")


@issue.command("translate")
@click.argument("ref")
@click.option("--lang", "language", required=True, help="Language key from audiences.toml.")
@click.option("--title", required=True, help="The issue's title in that language.")
@click.option("--subject", required=True, help="The subject line in that language.")
@click.option("--preheader", default="", help="The preview text in that language.")
@click.option("--intro-file", type=BODY_FILE, help="Markdown file with the introduction.")
@click.option("--author", default=getpass.getuser, help="Who translated it (default: you).")
@pass_app
@handle_errors
def issue_translate(
    app: AppContext,
    ref: str,
    language: str,
    title: str,
    subject: str,
    preheader: str,
    intro_file: Path | None,
    author: str,
) -> None:
    """Add or replace an issue's title, subject, preheader and intro in one language."""
    intro = read_text_file(intro_file, "the introduction") if intro_file else ""
    require_plain_text((("--author", author),))
    data = TranslationInput(
        language=language, title=title, body_md=intro, subject=subject, preheader=preheader
    )
    with app.session_factory.begin() as session:
        target = get_issue(session, ref)
        told = translate_issue(
            session, author, target.id, data, vocabulary=app.vocabulary, now=SystemClock().now()
        )
        key = target.key
    click.echo(f"Issue {key}: translation ({language}) saved{_withdrawn(len(told))}")
