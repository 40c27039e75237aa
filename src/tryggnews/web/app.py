"""The Flask application factory, security defaults and error pages."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from tryggnews import wiring
from tryggnews.clock import Clock, SystemClock
from tryggnews.config import Settings
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.editors.accounts import prepare_login_timing
from tryggnews.transports.base import Transport
from tryggnews.web import operations, webhooks
from tryggnews.web.context import EXTENSION, WebContext, csrf
from tryggnews.web.editor import editor_blueprint
from tryggnews.web.framing import CONTENT_SECURITY_POLICY, framed_by_others
from tryggnews.web.i18n import gettext as _
from tryggnews.web.i18n import set_up_languages
from tryggnews.web.public.blueprint import public_blueprint
from tryggnews.web.sessions import CookieSessions

# One year, as the HSTS preload list asks; subdomains are the kommun's to decide, not ours.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def create_app(
    settings: Settings,
    *,
    transport: Transport | None = None,
    clock: Clock | None = None,
    session_factory: sessionmaker[Session] | None = None,
    vocabulary: Vocabulary | None = None,
) -> Flask:
    """Build the app; parts not given are built from ``settings``.

    audiences.toml is read here, so a mistake in it stops the app at start, not a reader.
    """
    app = Flask(__name__)
    secure = settings.base_url.startswith("https://")
    app.config.update(
        SECRET_KEY=settings.require_secret_key(),
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="__Host-tryggnews" if secure else "tryggnews",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead, which expires
        TEMPLATES_AUTO_RELOAD=False,
    )
    if settings.proxy_count:
        # Behind a reverse proxy the socket's address is the proxy's: take the client's from
        # the X-Forwarded-* headers the trusted proxies set (login throttling needs it).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count
        )
    app.session_interface = CookieSessions()
    csrf.init_app(app)
    hsts = secure and settings.hsts
    sessions = session_factory or wiring.session_factory(wiring.engine(settings.database_url))
    app.extensions[EXTENSION] = WebContext(
        settings=settings,
        vocabulary=vocabulary or wiring.vocabulary(settings),
        session_factory=sessions,
        reader=wiring.reader(sessions.kw["bind"]),
        transport=transport or wiring.transport(settings),
        clock=clock or SystemClock(),
        signer=wiring.signer(settings),
    )
    set_up_languages(app)
    prepare_login_timing()
    _register_blueprints(app)
    _register_error_pages(app)

    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        # Links carry signed tokens in their path: never leak them to another site.
        # (Same-origin, not no-referrer: Flask-WTF's CSRF check over HTTPS needs a Referer.)
        ("Referrer-Policy", "same-origin"),
    ]
    if hsts:
        defaults.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    framing = ("X-Frame-Options", "SAMEORIGIN")

    @app.after_request
    def security_headers(response: Response) -> Response:
        # Each header unless the view set its own; the names read once, not per header.
        present = {name.lower() for name, _value in response.headers}
        wanted = defaults if framed_by_others() else [*defaults, framing]  # sign-up embeds
        response.headers.extend([pair for pair in wanted if pair[0].lower() not in present])
        return response

    return app


def _register_blueprints(app: Flask) -> None:
    # Each part of the site is one blueprint, registered here (one line each).
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(editor_blueprint)
    app.register_blueprint(public_blueprint)
    app.register_blueprint(operations.bp)


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return (
            render_template(
                "error.html",
                title=_("Formuläret har gått ut"),
                message=_(
                    "Sidan var öppen för länge eller skickades två gånger. "
                    "Gå tillbaka, ladda om sidan och försök igen."
                ),
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        titles = {
            400: _("Något blev fel i förfrågan"),
            403: _("Du har inte behörighet"),
            404: _("Sidan finns inte"),
            405: _("Det går inte att göra så här"),
            413: _("Filen är för stor"),
            429: _("För många försök"),
        }
        return (
            render_template(
                "error.html",
                title=titles.get(code, _("Något gick fel")),
                message=_("Kontrollera adressen eller försök igen om en stund."),
            ),
            code,
        )
