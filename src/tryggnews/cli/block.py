"""`tryggnews block …`: write and list content blocks."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.content.blocks import BlockInput, create_block, list_blocks
from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.content.text import require_plain_text
from tryggnews.content.vocabulary import FOCUS_AREAS
from tryggnews.db.models import BlockStatus
from tryggnews.errors import ValidationError


def read_text_file(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: {what} is not UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read {what}: {exc.strerror}") from None


@cli.group()
def block() -> None:
    """Content blocks: the sections editors write."""


@block.command("add")
@click.option("--title", required=True, help="Heading of the section (Swedish).")
@click.option(
    "--org",
    "organisation",
    required=True,
    help=f"Owning organisation: {', '.join(BLOCK_OWNERS)}.",
)
@click.option("--area", "focus_area", required=True, help=f"Focus area: {', '.join(FOCUS_AREAS)}.")
@click.option(
    "--audience",
    "audiences",
    multiple=True,
    help="Audience key from audiences.toml, repeatable; none means the block is for everyone "
    "(`tryggnews subscribers vocabulary` lists the keys).",
)
@click.option(
    "--body-file",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Markdown file with the text.",
)
@click.option("--image-url", help="https:// address of an image on the sender's own site.")
@click.option("--image-alt", help="What the image shows (required with --image-url).")
@click.option("--cta-url", help="Link of an optional button.")
@click.option("--cta-label", help="Text of the optional button.")
@click.option(
    "--status",
    type=click.Choice([s.value for s in BlockStatus]),
    default=BlockStatus.DRAFT.value,
    show_default=True,
    help="Editorial state.",
)
@click.option("--evergreen", is_flag=True, help="Reusable in later issues.")
@click.option("--author", default=getpass.getuser, help="Who wrote it (default: you).")
@pass_app
@handle_errors
def block_add(
    app: AppContext,
    title: str,
    organisation: str,
    focus_area: str,
    audiences: tuple[str, ...],
    body_file: Path,
    image_url: str | None,
    image_alt: str | None,
    cta_url: str | None,
    cta_label: str | None,
    status: str,
    evergreen: bool,
    author: str,
) -> None:
    """Add a block from a Markdown file."""
    body = read_text_file(body_file, "the body")
    require_plain_text(
        (
            ("--title", title.strip()),
            ("the body", body),
            ("--image-url", image_url),
            ("--image-alt", (image_alt or "").strip()),
            ("--cta-url", cta_url),
            ("--cta-label", (cta_label or "").strip()),
            ("--author", author),
        ),
        multiline=("the body",),
    )
    data = BlockInput(
        title=title,
        body_md=body,
        organisation=organisation,
        focus_area=focus_area,
        audiences=list(audiences),
        image_url=image_url,
        image_alt=image_alt,
        cta_url=cta_url,
        cta_label=cta_label,
        status=status,
        evergreen=evergreen,
        author=author,
    )
    with app.session_factory.begin() as session:
        created = create_block(session, data, app.vocabulary)
        click.echo(f"Block {created.id} added: {created.title}")


@block.command("list")
@click.option(
    "--status", type=click.Choice([s.value for s in BlockStatus]), help="Only this state."
)
@click.option("--org", "organisation", help="Only this organisation.")
@pass_app
@handle_errors
def block_list(app: AppContext, status: str | None, organisation: str | None) -> None:
    """List blocks with their area, owner, audiences and state."""
    with app.session_factory() as session:
        blocks = list_blocks(session, status=status, organisation=organisation)
        table = Table("id", "title", "org", "area", "audiences", "status")
        for b in blocks:
            table.add_row(
                str(b.id),
                b.title,
                b.organisation_key,
                b.focus_area_key,
                ", ".join(b.audiences) or "alla",
                b.status.value,
            )
    Console().print(table if blocks else "No blocks yet (add one with `tryggnews block add`).")
