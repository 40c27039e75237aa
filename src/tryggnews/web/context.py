"""What every part of the web app shares: CSRF protection and the per-app context.

Blueprints import these from here, never from ``app.py``: the application factory
imports the blueprints, so anything they need from it must live in a room below it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.clock import Clock
from tryggnews.config import Settings
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.subscribers.tokens import TokenSigner
from tryggnews.transports.base import Transport

csrf = CSRFProtect()

# The key under which the app keeps its WebContext in ``app.extensions``.
EXTENSION = "tryggnews"


@dataclass
class WebContext:
    """What request handlers need, built once per app by ``create_app``."""

    settings: Settings
    vocabulary: Vocabulary
    session_factory: sessionmaker[Session]
    reader: Engine  # single-row reads of the hot public pages (db.reads.make_reader)
    transport: Transport
    clock: Clock
    signer: TokenSigner


def web_context() -> WebContext:
    """The current app's context (inside a request or an app context)."""
    context: WebContext = current_app.extensions[EXTENSION]
    return context
