"""/metrics: the database's figures at scrape time, who may read them, and a worker's own.

Parsed with prometheus_client's own text parser, after a real send into the outbox
and a real sign-up through the form, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from public_site import Site, confirmed, open_site, site_fixture  # noqa: F401
from sends import send_sample_issue
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.delivery.options import DeliveryOptions
from tryggnews.operations.metrics import WorkerMetrics
from tryggnews.scheduler.lease import SCHEDULER_LEASE, acquire_lease
from tryggnews.web import create_app

OUTSIDE = {"REMOTE_ADDR": "203.0.113.5"}
TOKEN = "metrics-token-for-the-test-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as {(name, sorted labels): value}."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(site: Site, **kwargs: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = site.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return samples(response.get_data(as_text=True))


def test_the_ledger_issues_and_sign_ups_are_read_from_the_database(
    site: Site, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    before = scrape(site)
    assert before[("tryggnews_database_up", ())] == 1
    assert before[("tryggnews_deliveries", (("status", "sent"),))] == 0
    assert ("tryggnews_last_issue_sent_timestamp_seconds", ()) not in before

    worker = WorkerMetrics()
    summary = send_sample_issue(
        settings, session_factory, 7, batch_size=3, options=DeliveryOptions(on_batch=worker.observe)
    )
    assert summary.complete and summary.sent == 7
    confirmed(site, "anna@example.org")
    site.sign_up("bo@example.org")

    after = scrape(site)
    assert after[("tryggnews_info", (("transport", "outbox"),))] == 1
    assert after[("tryggnews_deliveries", (("status", "sent"),))] == 7
    for status in ("pending", "claimed", "retry", "failed", "bounced", "skipped"):
        assert after[("tryggnews_deliveries", (("status", status),))] == 0
    assert after[("tryggnews_issues", (("status", "sent"),))] == 1
    assert after[("tryggnews_subscribers", (("status", "active"),))] == 8
    assert after[("tryggnews_subscribers", (("status", "pending"),))] == 1
    assert after[("tryggnews_consent_events", (("kind", "subscribed"),))] == 2
    assert after[("tryggnews_consent_events", (("kind", "confirmed"),))] == 1
    assert after[("tryggnews_last_issue_sent_timestamp_seconds", ())] > 0
    # No scheduler ever ran: the lease is reported as not fresh, with no holder.
    assert after[("tryggnews_scheduler_lease_fresh", ())] == 0

    # The worker's own figures: three batches (3 + 3 + 1), seven accepted.
    mine = samples(generate_latest(worker.registry).decode())
    assert mine[("tryggnews_batch_seconds_count", (("transport", "outbox"),))] == 3
    assert (
        mine[("tryggnews_messages_total", (("status", "accepted"), ("transport", "outbox")))] == 7
    )


def test_the_scheduler_lease_holder_and_expiry(
    site: Site, session_factory: sessionmaker[Session]
) -> None:
    engine = session_factory.kw["bind"]
    now = site.clock.now()
    assert acquire_lease(engine, SCHEDULER_LEASE, "host-a:42", now=now, ttl=timedelta(seconds=60))
    figures = scrape(site)
    assert figures[("tryggnews_scheduler_lease_fresh", ())] == 1
    expires = figures[
        ("tryggnews_scheduler_lease_expires_timestamp_seconds", (("holder", "host-a:42"),))
    ]
    assert expires == (now + timedelta(seconds=60)).timestamp()
    acquired = figures[
        ("tryggnews_scheduler_lease_acquired_timestamp_seconds", (("holder", "host-a:42"),))
    ]
    assert acquired == now.timestamp()
    site.clock.advance(timedelta(seconds=61))
    assert scrape(site)[("tryggnews_scheduler_lease_fresh", ())] == 0


def test_only_loopback_without_a_token(site: Site) -> None:
    assert site.get("/metrics").status_code == 200
    assert site.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert site.get("/metrics", environ_base={"REMOTE_ADDR": "::ffff:127.0.0.1"}).status_code == 200
    outside = site.get("/metrics", environ_base=OUTSIDE)
    assert outside.status_code == 404
    assert "tryggnews_" not in outside.get_data(as_text=True)
    # A token presented where none is configured opens nothing.
    wrong = site.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert wrong.status_code == 404
    # A proxy on this machine that the app was not told of (PROXY_COUNT=0) forwards
    # outside clients from 127.0.0.1: its X-Forwarded-For gives it away.
    proxied = site.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"})
    assert proxied.status_code == 404


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_token_opens_it_from_outside(
    settings: Settings, session_factory: sessionmaker[Session], proxies: int
) -> None:
    changed = dataclasses.replace(settings, metrics_token=TOKEN, proxy_count=proxies)
    with open_site(changed, session_factory) as site:
        check_token(site, proxies)


def check_token(site: Site, proxies: int) -> None:
    forwarded = {"X-Forwarded-For": "203.0.113.5"} if proxies else {}
    kwargs: dict[str, object] = {} if proxies else {"environ_base": OUTSIDE}
    missing = site.get("/metrics", headers=forwarded, **kwargs)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    wrong = site.get("/metrics", headers={**forwarded, "Authorization": "Bearer nope"}, **kwargs)
    assert wrong.status_code == 401
    basic = site.get("/metrics", headers={**forwarded, "Authorization": f"Basic {TOKEN}"}, **kwargs)
    assert basic.status_code == 401
    right = site.get(
        "/metrics", headers={**forwarded, "Authorization": f"Bearer {TOKEN}"}, **kwargs
    )
    assert right.status_code == 200
    assert samples(right.get_data(as_text=True))[("tryggnews_database_up", ())] == 1
    # Loopback needs no token even when one is configured.
    assert site.get("/metrics").status_code == 200


def test_a_database_that_is_down_is_a_figure_not_an_error(
    settings: Settings,
) -> None:
    down = dataclasses.replace(settings, database_url="postgresql://postgres@127.0.0.1:1/test")
    app = create_app(down)
    response = app.test_client().get("/metrics", buffered=True)
    assert response.status_code == 200
    figures = samples(response.get_data(as_text=True))
    assert figures[("tryggnews_database_up", ())] == 0
    assert not any(name == "tryggnews_deliveries" for name, _ in figures)
    app.extensions["tryggnews"].session_factory.kw["bind"].dispose()
