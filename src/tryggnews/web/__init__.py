"""The web app (Flask): public subscriber pages, provider webhooks, the editors' workspace.

``create_app`` builds the app explicitly from Settings and the parts it needs, so
tests hand it a temporary database, another transport or a fixed clock.
"""

from __future__ import annotations

from tryggnews.web.app import create_app

__all__ = ["create_app"]
