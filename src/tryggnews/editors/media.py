"""Images editors upload for their blocks: checked by content, stored under random names.

The type is read from the file's first bytes (PNG, JPEG, WebP, GIF), never from its
name or the browser's claim, so a renamed HTML or SVG file cannot be served as an
image from our origin. Names are random, so one upload cannot replace another and
names reveal nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from pathlib import Path

from tryggnews.errors import ValidationError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Stored name: 22 URL-safe random characters and the type's extension.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}\.(png|jpg|webp|gif)")
MIME_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


def image_type(data: bytes) -> str | None:
    """The extension for these image bytes, or None when they are no image we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def store_image(media_dir: Path, data: bytes) -> str:
    """Check and store an uploaded image; returns its new file name."""
    if not data:
        raise ValidationError("bild: filen är tom")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(
            f"bild: filen är {len(data) / 1_048_576:.1f} MB, högst "
            f"{MAX_IMAGE_BYTES // 1_048_576} MB; förminska bilden"
        )
    kind = image_type(data)
    if kind is None:
        raise ValidationError("bild: välj en bild i formatet PNG, JPEG, WebP eller GIF")
    media_dir.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(16)}.{kind}"
    target = media_dir / name
    # Write beside and rename, so a reader never gets half a file.
    partial = media_dir / f".{name}.part"
    partial.write_bytes(data)
    partial.replace(target)
    return name


def store_shipped_image(media_dir: Path, data: bytes) -> str:
    """Store an image we ship (the demo's sample) under a name made from its content.

    Checked like an upload; the same bytes always get the same name, so running the
    demo again neither copies the file again nor changes the block's address.
    """
    kind = image_type(data)
    if kind is None or len(data) > MAX_IMAGE_BYTES:
        raise ValidationError("bild: välj en bild i formatet PNG, JPEG, WebP eller GIF")
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode("ascii")
    name = f"{digest[:22]}.{kind}"
    target = media_dir / name
    if not target.is_file():
        media_dir.mkdir(parents=True, exist_ok=True)
        partial = media_dir / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(target)
    return name


def logo_mime_type(path: Path) -> str | None:
    """The type of a masthead logo file (PNG, JPEG, WebP, GIF or SVG), or None.

    Logos come from the operator's settings, not from uploads, so SVG is allowed;
    it is still served under a sandboxing policy, like every media file.
    """
    head = path.read_bytes()[:2048]
    kind = image_type(head)
    if kind is not None:
        return MIME_TYPES[kind]
    if path.suffix.lower() == ".svg" and b"<svg" in head:
        return "image/svg+xml"
    return None


def media_path(media_dir: Path, name: str) -> Path | None:
    """The stored file for ``name``, or None for anything that is not one of our names."""
    if not NAME_PATTERN.fullmatch(name):
        return None
    path = media_dir / name
    return path if path.is_file() else None
