"""Reads the sample translations (translations.toml) and stores the missing ones, once.

Checked with the same rules as an editor's translation (declared language, a title and
a text), each problem naming the file and the field; nothing is stored when any is bad.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tryggnews.content.translations import (
    POLICY_LABELS,
    TranslationInput,
    block_translation_problems,
    issue_translation_problems,
    store_block_translation,
    store_issue_translation,
)
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import Block, Issue, LanguagePolicy
from tryggnews.errors import ValidationError


@dataclass(frozen=True)
class SampleTranslations:
    issue: tuple[TranslationInput, ...]
    # Swedish block title → its translations.
    blocks: Mapping[str, tuple[TranslationInput, ...]]
    policies: Mapping[str, str]


def _text(raw: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f"{where}.{key}: a non-empty string is required")
    return value.strip()


def _optional(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    return _text(raw, key, where, required=False) or None


def read_sample_translations(
    vocabulary: Vocabulary, path: Path | None = None
) -> SampleTranslations:
    """Parse and check the sample translations (default: the packaged file)."""
    if path is None:
        name = "translations.toml"
        text = resources.files("tryggnews.sample").joinpath(name).read_text(encoding="utf-8")
    else:
        name, text = str(path), path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{name}: {exc}") from None
    issue = []
    for lang, raw in dict(data.get("issue", {})).items():
        where = f"{name}: [issue.{lang}]"
        item = TranslationInput(
            language=lang,
            title=_text(raw, "title", where),
            subject=_text(raw, "subject", where),
            preheader=_text(raw, "preheader", where, required=False),
            body_md=_text(raw, "intro", where, required=False),
        )
        _check(where, issue_translation_problems(item, vocabulary))
        issue.append(item)
    blocks: dict[str, tuple[TranslationInput, ...]] = {}
    for n, raw in enumerate(data.get("blocks", []), 1):
        source = _text(raw, "source", f"{name}: block {n}")
        items = []
        for lang, fields in raw.items():
            if lang == "source":
                continue
            where = f"{name}: block {n} [blocks.{lang}]"
            if not isinstance(fields, Mapping):
                raise ValidationError(f"{where}: a table of title, body, … is required")
            item = TranslationInput(
                language=lang,
                title=_text(fields, "title", where),
                body_md=_text(fields, "body", where),
                cta_label=_optional(fields, "cta_label", where),
                image_alt=_optional(fields, "image_alt", where),
            )
            _check(where, block_translation_problems(item, vocabulary))
            items.append(item)
        blocks[source] = tuple(items)
    policies = dict(data.get("policies", {}))
    for title, policy in policies.items():
        if policy not in POLICY_LABELS:
            raise ValidationError(
                f"{name}: [policies] {title!r}: unknown {policy!r}, use {', '.join(POLICY_LABELS)}"
            )
    return SampleTranslations(tuple(issue), blocks, policies)


def _check(where: str, problems: Sequence[str]) -> None:
    if problems:
        raise ValidationError(f"{where}: " + "; ".join(problems))


def load_sample_translations(
    session: Session,
    issue: Issue,
    blocks: Sequence[Block],
    *,
    vocabulary: Vocabulary,
    author: str,
    now: datetime,
) -> int:
    """Store the sample's translations the issue and blocks lack, and the language policies
    of blocks never edited; returns how many translations were added."""
    sample = read_sample_translations(vocabulary)
    added = 0
    have = {t.language for t in issue.translations}
    for item in sample.issue:
        if item.language not in have:
            added += store_issue_translation(session, issue, item, author=author, now=now)
    for block in blocks:
        have = {t.language for t in block.translations}
        for item in sample.blocks.get(block.title, ()):
            if item.language not in have:
                added += store_block_translation(session, block, item, author=author, now=now)
        policy = sample.policies.get(block.title)
        # Only on a block nobody has edited: an editor's later choice stands.
        if policy and block.version == 1 and block.language_policy == LanguagePolicy.FALLBACK:
            block.language_policy = LanguagePolicy(policy)
    session.flush()
    return added
