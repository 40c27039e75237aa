"""The render samples in other languages: translations of some blocks and of the issue,
planned into a variant per language exactly as a send plans them."""

from __future__ import annotations

from dataclasses import replace

from render_samples import make_issue, rich_blocks

from tryggnews.content.language_views import BlockText, IssueText
from tryggnews.content.variants import VariantPlanner
from tryggnews.content.views import BlockView, IssueView, VariantSpec

LANGUAGES = ("sv", "en", "ar", "so")
EVERY_AUDIENCE = ("parents-7-9", "parents-gymnasium", "parents-4-6", "staff-skola", "batagare")

ARABIC_BLOCKS = {
    11: BlockText(
        "ar",
        "لا تشترِ الكحول للقاصرين قبل فالبوري",
        "شراء الكحول لمن هم دون سن العشرين جريمة.\n\n- تحدّث مع طفلك عن الكحول\n"
        "- اعرف أين طفلك\n\nاقرأ المزيد لدى [مدرسة الوالدين](https://polisen.se/foraldraskolan).",
        cta_label="اقرأ عن حملة مكافحة شراء الكحول للقاصرين",
        image_alt="اثنان من البالغين بسترات صفراء عند محطة الحافلات",
    ),
    10: BlockText(
        "ar",
        "محاضرة للآباء يوم الأربعاء قبل فالبوري",
        "مرحباً بكم في ثانوية Åkersberga **الأربعاء 28 أبريل الساعة 18.30**.",
        cta_label="سجّل في المحاضرة",
    ),
    12: BlockText(
        "ar",
        "أسبوع خالٍ من العنف",
        "هل تحتاج إلى دعم؟ اتصل بخط Kvinnofridslinjen على 020-50 50 50 أو BRIS على 116 111، "
        "أو بالشرطة على 114 14. راسلنا على trygg@osteraker.example.",
    ),
}
ENGLISH_BLOCKS = {
    10: BlockText("en", "Lecture for parents on the Wednesday before Valborg", "Welcome."),
}
ISSUE_TEXTS = (
    IssueText(
        "ar",
        "فالبوري، شراء الكحول للقاصرين والمحاضرة للآباء",
        "Trygg i Österåker العدد 2 2027: قبل فالبوري",
        "كيف تستعد لعطلة فالبوري.",
        "مرحباً!\n\nفي هذا العدد نخبرك عن المحاضرة للآباء. للطوارئ اتصل بالرقم 112.",
    ),
    IssueText("en", "Valborg and the lecture for parents", "Trygg i Österåker no. 2 2027"),
)


def translated_blocks() -> tuple[BlockView, ...]:
    """The rich blocks with Arabic for three and English for one; block 14 is Swedish
    only, block 15 is left out where it lacks a translation, the rest fall back."""
    policies = {14: "swedish-only", 15: "skip"}
    out = []
    for block in rich_blocks():
        texts = tuple(t for t in (ARABIC_BLOCKS.get(block.id), ENGLISH_BLOCKS.get(block.id)) if t)
        out.append(
            replace(
                block,
                translations=texts,
                language_policy=policies.get(block.id, "fallback"),
            )
        )
    return tuple(out)


def translated_issue() -> IssueView:
    return replace(make_issue(), translations=ISSUE_TEXTS)


def variant_in(language: str) -> VariantSpec:
    planner = VariantPlanner(translated_blocks(), {}, languages=LANGUAGES)
    return planner.variant_for(EVERY_AUDIENCE, (), language)
