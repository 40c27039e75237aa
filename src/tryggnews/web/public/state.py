"""The public site's per-app state: rate limits, the mail queue and notice settings.

Separate from the pages because it is built once per app, when the Blueprint is
registered, and every page reads it; tests reach it here to inspect or reset it.
Who acts for a request (``actor``) is derived from the same app context.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask.sansio.blueprints import BlueprintSetupState

from tryggnews import wiring
from tryggnews.subscribers.lifecycle import Actor
from tryggnews.subscribers.notices import NoticeSettings
from tryggnews.web.context import EXTENSION, WebContext, web_context
from tryggnews.web.public.limits import PublicLimits
from tryggnews.web.public.mailer import BackgroundMailer

# The key under which the app keeps its PublicState in ``app.extensions``.
STATE_EXTENSION = "tryggnews.public"


@dataclass
class PublicState:
    """Per-app parts of the public pages: rate limits, the mail queue, notice settings."""

    limits: PublicLimits
    mailer: BackgroundMailer
    notices: NoticeSettings


def set_up(state: BlueprintSetupState) -> None:
    context: WebContext = state.app.extensions[EXTENSION]
    state.app.extensions[STATE_EXTENSION] = PublicState(
        limits=PublicLimits(
            context.clock, wiring.shared_counters(context.session_factory, context.settings)
        ),
        mailer=BackgroundMailer(context.transport, state.app.logger),
        notices=NoticeSettings.from_settings(context.settings),
    )


def public_state() -> PublicState:
    state: PublicState = current_app.extensions[STATE_EXTENSION]
    return state


def actor(channel: str) -> Actor:
    context = web_context()
    return Actor(
        channel=channel, now=context.clock.now(), secret_key=context.settings.require_secret_key()
    )
