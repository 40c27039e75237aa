"""For the machines that watch the app: ``/healthz``, ``/readyz`` and ``/metrics``.

``/healthz`` says the process answers (a liveness probe: restart it if not);
``/readyz`` runs the readiness checks (``operations.readiness``) and answers 503
naming the failing check (a load balancer's "send no traffic yet"); ``/metrics`` is
the Prometheus exposition of what the database knows (``operations.metrics``).

``/metrics`` shows figures about the list and who holds the scheduler, so it is
served only to a client on this machine (a Prometheus agent or node exporter
beside it) or to one that presents ``TRYGGNEWS_METRICS_TOKEN`` as a bearer token.
Anyone else gets the same 404 as for a page that does not exist — or, when a token
is configured, 401, so a scraper with a wrong token can tell why.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import Engine
from werkzeug.exceptions import NotFound

from tryggnews import wiring
from tryggnews.web.context import web_context

bp = Blueprint("operations", __name__)

_REGISTRY = "tryggnews.metrics"


def _engine() -> Engine:
    engine: Engine = web_context().session_factory.kw["bind"]
    return engine


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive and answers; nothing else is looked at."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Every readiness check as JSON: 200 when all pass, else 503."""
    context = web_context()
    report = wiring.readiness(context.settings, _engine(), context.clock).run()
    return _no_store(jsonify(report.as_dict())), 200 if report.ready else 503


@bp.get("/metrics")
def metrics() -> Response | tuple[Response, int]:
    token = web_context().settings.metrics_token
    if not _from_loopback():
        if not token:
            raise NotFound()
        if not _bearer_matches(token):
            answer = Response("a valid bearer token is required\n", mimetype="text/plain")
            answer.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return _no_store(answer), 401
    answer = Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)
    # generate_latest's content type carries its own version and charset.
    answer.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return _no_store(answer)


def _registry() -> CollectorRegistry:
    """One registry per app, made at the first scrape (its collector reads at each)."""
    registry: CollectorRegistry | None = current_app.extensions.get(_REGISTRY)
    if registry is None:
        context = web_context()
        registry = wiring.metrics_registry(context.settings, _engine(), context.clock)
        current_app.extensions[_REGISTRY] = registry
    return registry


def _from_loopback() -> bool:
    """The client is on this machine. ``remote_addr`` is the client's address after the
    trusted proxies (``TRYGGNEWS_PROXY_COUNT``) are taken off; a request that still
    carries X-Forwarded-For came through a proxy this app was not told of, so the
    loopback address it shows is the proxy's, not the client's."""
    if request.headers.get("X-Forwarded-For") and not web_context().settings.proxy_count:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _bearer_matches(token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def _no_store(response: Response) -> Response:
    # A cached probe answer would report a state that is gone.
    response.headers["Cache-Control"] = "no-store"
    return response
