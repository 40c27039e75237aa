"""Sample issues for the render tests: views built directly, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.content.views import ActivityView, BlockView, IssueView, VariantSpec
from tryggnews.content.vocabulary import FOCUS_AREAS
from tryggnews.render.model import Sender

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
BASE_URL = "https://trygg.osteraker.example"
IMAGE_HOST = "bilder.osteraker.example"

# The positions the first migration gives the focus areas.
AREA_POSITIONS = {
    "gemensamt": 0,
    "andts": 1,
    "vald": 2,
    "offentlig-miljo": 3,
    "tillgrepp": 4,
    "organiserad": 5,
}

SENDER = Sender(
    name="Trygg i Österåker", address="nyhetsbrev@osteraker.example", base_url=BASE_URL + "/"
)


def make_block(
    block_id: int,
    area: str = "gemensamt",
    organisation: str = "polis",
    *,
    title: str | None = None,
    body_md: str = "Prata med ditt barn om **helgens planer**.",
    audiences: tuple[str, ...] = (),
    image_url: str | None = None,
    image_alt: str | None = None,
    cta_url: str | None = None,
    cta_label: str | None = None,
) -> BlockView:
    return BlockView(
        id=block_id,
        title=title if title is not None else f"Rubrik för block {block_id}",
        body_md=body_md,
        organisation_key=organisation,
        organisation_name=BLOCK_OWNERS[organisation],
        focus_area_key=area,
        focus_area_name=FOCUS_AREAS[area],
        focus_area_position=AREA_POSITIONS[area],
        audiences=audiences,
        image_url=image_url,
        image_alt=image_alt,
        cta_url=cta_url,
        cta_label=cta_label,
    )


def make_issue(**changes: object) -> IssueView:
    issue = IssueView(
        key="2027-2",
        year=2027,
        number=2,
        title="Valborg, langning och föreläsningen för föräldrar",
        subject="Trygg i Österåker nr 2 2027: inför valborg",
        preheader="Så förbereder du valborgshelgen – och välkommen på onsdagsföreläsningen.",
        intro_md=(
            "Hej!\n\nVåren är här och valborg närmar sig. I det här numret berättar vi om "
            "**langning**, föreläsningen för föräldrar och vad du kan göra som vuxen."
        ),
        send_date=date(2027, 4, 7),
    )
    return replace(issue, **changes)  # type: ignore[arg-type]


def rich_blocks() -> tuple[BlockView, ...]:
    """Blocks in every focus area, in a deliberately shuffled order, with images and buttons."""
    return (
        make_block(
            11,
            "andts",
            "kommun",
            title="Langning inför valborg",
            body_md=(
                "Det är olagligt att köpa ut alkohol till någon under 20 år. Inför valborg "
                "gör vi en gemensam kampanj mot langning.\n\n"
                "- Prata med ditt barn om alkohol\n- Vet var ditt barn är\n- Hämta hellre "
                "än att oroa dig\n\nLäs mer hos [Föräldraskolan](https://polisen.se/foraldraskolan)."
            ),
            audiences=("parents-7-9", "parents-gymnasium"),
            image_url=f"https://{IMAGE_HOST}/2027/langning.jpg",
            image_alt="Två vuxna nattvandrare i gula västar vid busstationen",
            cta_url="https://www.osteraker.se/langning",
            cta_label="Läs om kampanjen mot langning",
        ),
        make_block(
            10,
            "gemensamt",
            "gemensam",
            title="Föreläsning för föräldrar onsdagen innan valborg",
            body_md=(
                "Välkommen till Åkersberga gymnasium **onsdag 28 april kl. 18.30**. "
                "Polisen och kommunens fältassistenter berättar om valborgshelgen.\n\n"
                "Ingen föranmälan behövs."
            ),
            cta_url="https://www.osteraker.se/foreläsning",
            cta_label="Anmäl dig till föreläsningen",
        ),
        make_block(
            12,
            "vald",
            "kommun",
            title="En vecka fri från våld",
            body_md=(
                "Vecka 47 uppmärksammar vi våld i nära relation. Behöver du stöd? Ring "
                "Kvinnofridslinjen [020-50 50 50](tel:020505050) eller BRIS [116 111](tel:116111)."
            ),
            audiences=("staff-skola", "staff-fritid", "parents-4-6"),
        ),
        make_block(
            13,
            "offentlig-miljo",
            "gemensam",
            title="Medborgardialog i Åkersberga centrum",
            body_md="Kom och berätta var du känner dig otrygg. Vi finns på torget *lördag 8 maj*.",
            image_url=f"https://{IMAGE_HOST}/2027/dialog.jpg",
            image_alt="Poliser och kommunens personal samtalar med invånare på torget",
        ),
        make_block(
            14,
            "tillgrepp",
            "polis",
            title="Båtstölder ökar på våren",
            body_md=(
                "Märk din båtmotor och gå med i **båtsamverkan**.\n\n"
                "1. Lås motorn\n2. Ta bort nyckeln\n3. Skriv upp serienumret"
            ),
            audiences=("batagare",),
        ),
        make_block(
            15,
            "organiserad",
            "polis",
            title="Rekrytering av unga",
            body_md=(
                "Kriminella nätverk rekryterar unga via sociala medier. Tecken att vara "
                "uppmärksam på:\n\n- nya dyra kläder\n- nya vänner som är äldre\n\n"
                "Kontakta Polisen på 114 14 eller <trygg@osteraker.example>."
            ),
            audiences=("parents-7-9", "staff-skola"),
        ),
        make_block(
            16,
            "gemensamt",
            "kommun",
            title="Nattvandring under valborgshelgen",
            body_md="Vill du nattvandra? Föreningen Nattvandrarna i Österåker söker vuxna.",
        ),
    )


def rich_activities() -> tuple[ActivityView, ...]:
    return (
        ActivityView(
            start=date(2027, 4, 30),
            end=date(2027, 5, 2),
            title="Valborgshelgen",
            risk_weekend=True,
            description="Polis och fältassistenter är ute i hela kommunen.",
        ),
        ActivityView(
            start=date(2027, 4, 28),
            title="Föreläsning för föräldrar",
            description="Åkersberga gymnasium kl. 18.30.",
        ),
        ActivityView(
            start=date(2027, 11, 22), end=date(2027, 11, 28), title="En vecka fri från våld"
        ),
    )


def rich_variant(**changes: object) -> VariantSpec:
    variant = VariantSpec(
        key="vrich",
        blocks=rich_blocks(),
        include_activities=True,
        audience_label="Föräldrar – årskurs 7–9, Personal – skola",
        reader_label="Föräldrar – årskurs 7–9, Personal – skola",
    )
    return replace(variant, **changes)  # type: ignore[arg-type]


def minimal_variant() -> VariantSpec:
    return VariantSpec(
        key="vmin",
        blocks=(make_block(1, title="Ett enda block", body_md="Kort text."),),
        include_activities=False,
        audience_label="",
    )
