"""The consent texts shown at sign-up: one current text per legal basis, and a published
text never changes (its SHA-256 is pinned, since the consent ledger records it)."""

from __future__ import annotations

import hashlib

import pytest

from tryggnews.config import SETTINGS
from tryggnews.errors import ConfigError
from tryggnews.subscribers.texts import TEXTS, current_text, text_by_version

# Published texts and their hashes. Never edit one: add a new version to TEXTS.
PUBLISHED = {
    "consent-1": "2b19ae25e139d85b2bc7e2e275a06ad2abf0a11371291c5d2d91ef7708062e2a",
    "public-task-1": "64289c22d6483d7cd3ce2eced2260968ffe299adbe438bcfe9705b256ce1c3b3",
}


@pytest.mark.parametrize(("version", "sha256"), sorted(PUBLISHED.items()))
def test_a_published_text_keeps_its_hash(version: str, sha256: str) -> None:
    text = text_by_version(version)
    assert text is not None, f"{version} was removed: old consent events refer to it"
    assert text.sha256 == sha256, f"{version} was edited: publish a new version instead"


def test_the_hash_is_of_the_exact_text_shown() -> None:
    text = current_text("consent")
    assert text.sha256 == hashlib.sha256(text.full_text.encode("utf-8")).hexdigest()
    assert text.full_text.startswith(text.title + "\n\n")
    assert "\n\n".join(text.paragraphs) == text.body


def test_every_legal_basis_setting_has_a_current_text_in_swedish() -> None:
    [setting] = [s for s in SETTINGS if s.name == "legal_basis"]
    for basis in ("consent", "public-task"):
        assert setting.parse(basis) == basis
        text = current_text(basis)
        assert text.legal_basis == basis
        assert "Österåkers kommun" in text.body
        assert len(text.version) <= 30  # consent_events.text_version


def test_versions_are_unique_and_every_text_is_accounted_for() -> None:
    versions = [text.version for text in TEXTS]
    assert len(versions) == len(set(versions))
    assert set(versions) == set(PUBLISHED)


def test_an_unknown_basis_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="TRYGGNEWS_LEGAL_BASIS"):
        current_text("whim")
