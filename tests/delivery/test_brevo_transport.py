"""The Brevo transport against a local Brevo stub: one version per message with its own
List-Unsubscribe, calls split by batch size, 429 waited out, 5xx and timeouts retried with
the same idempotency key (never delivered twice), refusals stopping the send with Brevo's
words, and one address Brevo rejects failing alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from brevo_stub import Answer, BrevoStub
from delivery_factories import BASE_URL, SUBJECT, T0, rendered_variant, template_for

from tryggnews.errors import ConfigError, TransportError
from tryggnews.transports.base import OutgoingMessage, SendResult, SendStatus
from tryggnews.transports.brevo import BrevoTransport
from tryggnews.transports.errors import TransportStoppedError


@pytest.fixture
def stub() -> Iterator[BrevoStub]:
    with BrevoStub() as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


def transport(stub: BrevoStub, sleeps: list[float], **options: object) -> BrevoTransport:
    return BrevoTransport(stub.api_key, stub.url, sleep=sleeps.append, **options)  # type: ignore[arg-type]


def outgoing(count: int, *, variant: str = "v1") -> list[OutgoingMessage]:
    template = template_for(rendered_variant(variant))
    messages = []
    for n in range(1, count + 1):
        address = f"person{n}@example.org"
        message_id = f"<2027-1.{n}.c0ffee{n:02d}@trygg.example.se>"
        raw = template.build(
            to_address=address,
            to_name=f"Pärson {n}",
            manage_token=f"manage{n}",
            unsubscribe_token=f"unsub{n}",
            message_id=message_id,
            date=T0,
        )
        messages.append(OutgoingMessage(n, address, message_id, raw))
    return messages


def send(brevo: BrevoTransport, messages: list[OutgoingMessage]) -> dict[int, SendResult]:
    try:
        results = brevo.send(messages)
    finally:
        brevo.close()
    assert sorted(r.delivery_id for r in results) == [m.delivery_id for m in messages]
    return {r.delivery_id: r for r in results}


def statuses(results: dict[int, SendResult]) -> dict[int, SendStatus]:
    return {key: result.status for key, result in results.items()}


def test_one_call_carries_one_version_per_recipient_with_its_own_unsubscribe(
    stub: BrevoStub, sleeps: list[float]
) -> None:
    results = send(transport(stub, sleeps), outgoing(3))

    assert set(statuses(results).values()) == {SendStatus.ACCEPTED}
    [call] = stub.sends
    assert call.status == 201
    assert call.headers["api-key"] == stub.api_key
    assert call.headers["accept"] == "application/json"
    body = call.body
    assert body["sender"] == {"email": "nyhetsbrev@trygg.example.se", "name": "Trygg i Österåker"}
    # Shared headers once at the top; the per-recipient ones only in each version.
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert body["headers"]["List-Id"].endswith("<trygg.example.se>")
    assert "List-Unsubscribe" not in body["headers"]
    assert all("List-Unsubscribe" in v["headers"] for v in body["messageVersions"])

    assert [d.email for d in stub.delivered] == [f"person{n}@example.org" for n in (1, 2, 3)]
    ids = [d.brevo_id for d in stub.delivered]
    assert [results[n].detail for n in (1, 2, 3)] == [f"brevo {i}" for i in ids]
    for n, delivered in enumerate(stub.delivered, start=1):
        assert delivered.name == f"Pärson {n}"
        assert delivered.subject == SUBJECT
        assert delivered.headers["List-Unsubscribe"] == (
            f"<{BASE_URL}/u/unsub{n}>, <mailto:avregistrera@trygg.example.se?subject=unsub{n}>"
        )
        assert (
            delivered.headers["X-Mailin-custom"] == f"<2027-1.{n}.c0ffee{n:02d}@trygg.example.se>"
        )
        assert delivered.headers["Feedback-ID"] == "2027-1:trygg:1"
        assert f"{BASE_URL}/u/unsub{n}" in delivered.html
        assert f"{BASE_URL}/p/manage{n}" in delivered.text
        assert "åäö ÅÄÖ" in delivered.text and "”citat”" in delivered.html
        others = {f"/u/unsub{m}" for m in (1, 2, 3)} - {f"/u/unsub{n}"}
        assert not any(other in delivered.html for other in others)
    assert sleeps == []


def test_batch_is_split_into_calls_of_batch_size_each_with_its_own_key(
    stub: BrevoStub, sleeps: list[float]
) -> None:
    results = send(transport(stub, sleeps, batch_size=2), outgoing(5))

    assert set(statuses(results).values()) == {SendStatus.ACCEPTED}
    assert [len(c.body["messageVersions"]) for c in stub.sends] == [2, 2, 1]
    keys = [c.body["headers"]["idempotencyKey"] for c in stub.sends]
    assert len(set(keys)) == 3
    assert [d.email for d in stub.delivered] == [f"person{n}@example.org" for n in range(1, 6)]


def test_parallel_calls_deliver_everyone_once(stub: BrevoStub, sleeps: list[float]) -> None:
    results = send(transport(stub, sleeps, batch_size=2, connections=3), outgoing(7))

    assert set(statuses(results).values()) == {SendStatus.ACCEPTED}
    assert len(stub.sends) == 4
    assert sorted(d.email for d in stub.delivered) == sorted(
        f"person{n}@example.org" for n in range(1, 8)
    )


def test_rate_limit_is_waited_out_as_brevo_says_capped_then_same_call_retried(
    stub: BrevoStub, sleeps: list[float]
) -> None:
    limited = {"code": "too_many_requests", "message": "Too many requests"}
    stub.script.extend(
        [
            Answer(429, limited, {"x-sib-ratelimit-reset": "7"}),
            Answer(429, limited, {"x-sib-ratelimit-reset": "3600"}),
        ]
    )
    results = send(transport(stub, sleeps, max_wait=60.0), outgoing(2))

    assert set(statuses(results).values()) == {SendStatus.ACCEPTED}
    assert sleeps == [7.0, 60.0]
    assert len({c.body["headers"]["idempotencyKey"] for c in stub.sends}) == 1
    assert [c.status for c in stub.sends] == [429, 429, 201]
    assert len(stub.delivered) == 2


def test_server_errors_are_retried_with_the_same_key_and_nothing_goes_twice(
    stub: BrevoStub, sleeps: list[float]
) -> None:
    # First a 500 before any work; then Brevo does the work but answers 502.
    stub.script.extend([Answer(500), Answer(502, deliver=True)])
    results = send(transport(stub, sleeps), outgoing(3))

    assert set(statuses(results).values()) == {SendStatus.ACCEPTED}
    assert [c.status for c in stub.sends] == [500, 502, 201]
    assert len({c.body["headers"]["idempotencyKey"] for c in stub.sends}) == 1
    assert sorted(d.email for d in stub.delivered) == [f"person{n}@example.org" for n in (1, 2, 3)]
    assert len(sleeps) == 2


def test_timeout_is_retried_with_the_same_key_and_not_delivered_twice(
    stub: BrevoStub, sleeps: list[float]
) -> None:
    # Brevo takes the call but answers after the client stopped waiting.
    stub.script.append(Answer(201, deliver=True, delay=10))
    results = send(transport(stub, sleeps, timeout=0.3), outgoing(2))

    assert set(statuses(results).values()) == {SendStatus.ACCEPTED}
    assert len(stub.sends) == 2
    assert len({c.body["headers"]["idempotencyKey"] for c in stub.sends}) == 1
    assert len(stub.delivered) == 2


def test_brevo_unavailable_leaves_the_batch_for_a_retry_and_spares_later_calls(
    stub: BrevoStub, sleeps: list[float]
) -> None:
    stub.script.extend(Answer(503, {"code": "unavailable", "message": "Down"}) for _ in range(3))
    results = send(transport(stub, sleeps, batch_size=2, max_attempts=3), outgoing(4))

    assert set(statuses(results).values()) == {SendStatus.RETRY}
    assert "503" in results[1].detail and "Down" in results[1].detail
    assert "not attempted" in results[3].detail
    assert len(stub.sends) == 3  # the second call was never made
    assert stub.delivered == []
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("status", "code", "words", "advice"),
    [
        (402, "not_enough_credits", "Not enough credits", "credits"),
        (401, "unauthorized", "Key not found", "TRYGGNEWS_BREVO_API_KEY"),
        (403, "permission_denied", "Unrecognised IP address", "authorised IP"),
    ],
)
def test_refusal_stops_the_send_with_brevos_words(
    stub: BrevoStub, sleeps: list[float], status: int, code: str, words: str, advice: str
) -> None:
    stub.script.append(Answer(status, {"code": code, "message": words}))
    brevo = transport(stub, sleeps)
    with pytest.raises(TransportError) as caught:
        send(brevo, outgoing(2))
    assert words in str(caught.value) and advice in str(caught.value)
    assert stub.delivered == []
    assert len(stub.sends) == 1  # never retried


def test_refusal_mid_batch_reports_what_was_already_accepted(
    stub: BrevoStub, sleeps: list[float]
) -> None:
    stub.script.extend(
        [Answer(201, deliver=True), Answer(402, {"code": "c", "message": "Not enough credits"})]
    )
    brevo = transport(stub, sleeps, batch_size=2)
    with pytest.raises(TransportStoppedError) as caught:
        brevo.send(outgoing(4))
    brevo.close()
    # The sender records these as sent instead of handing them back to be sent again.
    assert {r.delivery_id: r.status for r in caught.value.results} == {
        1: SendStatus.ACCEPTED,
        2: SendStatus.ACCEPTED,
    }
    assert [d.email for d in stub.delivered] == ["person1@example.org", "person2@example.org"]


def test_an_address_brevo_rejects_fails_alone_and_the_rest_go_out(
    stub: BrevoStub, sleeps: list[float]
) -> None:
    stub.reject = {"person3@example.org"}
    results = send(transport(stub, sleeps), outgoing(6))

    assert statuses(results) == {
        n: SendStatus.FAILED if n == 3 else SendStatus.ACCEPTED for n in range(1, 7)
    }
    assert "email is not valid in to: person3@example.org" in results[3].detail
    assert sorted(d.email for d in stub.delivered) == [
        f"person{n}@example.org" for n in (1, 2, 4, 5, 6)
    ]


def test_a_request_refused_as_a_whole_stops_after_one_split(
    stub: BrevoStub, sleeps: list[float]
) -> None:
    stub.reject = {f"person{n}@example.org" for n in range(1, 7)}
    with pytest.raises(TransportError, match="TRYGGNEWS_SENDER_ADDRESS"):
        send(transport(stub, sleeps), outgoing(6))
    assert len(stub.sends) == 3  # the call and its two halves, no more
    assert stub.delivered == []


def test_a_message_that_cannot_be_parsed_fails_alone(stub: BrevoStub, sleeps: list[float]) -> None:
    broken = OutgoingMessage(99, "x@example.org", "<x.99@trygg.example.se>", b"Subject: x\n\nhi\n")
    results = send(transport(stub, sleeps), [*outgoing(1), broken])

    assert statuses(results) == {1: SendStatus.ACCEPTED, 99: SendStatus.FAILED}
    assert "From" in results[99].detail
    assert len(stub.delivered) == 1


def test_check_refuses_a_wrong_key_and_an_unreachable_api(stub: BrevoStub) -> None:
    right = BrevoTransport(stub.api_key, stub.url)
    right.check()
    right.close()

    wrong = BrevoTransport("not-the-key", stub.url)
    with pytest.raises(TransportError, match=r"Key not found.*TRYGGNEWS_BREVO_API_KEY"):
        wrong.check()
    wrong.close()

    nowhere = BrevoTransport(stub.api_key, "http://127.0.0.1:9", timeout=2)
    with pytest.raises(TransportError, match="TRYGGNEWS_BREVO_BASE_URL"):
        nowhere.check()
    nowhere.close()
    assert stub.sends == []


@pytest.mark.parametrize(
    ("options", "setting"),
    [
        ({"api_key": ""}, "TRYGGNEWS_BREVO_API_KEY"),
        ({"api_key": "key", "batch_size": 1001}, "TRYGGNEWS_BREVO_BATCH_SIZE"),
        ({"api_key": "key", "batch_size": 0}, "TRYGGNEWS_BREVO_BATCH_SIZE"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(
    options: dict[str, object], setting: str
) -> None:
    with pytest.raises(ConfigError, match=setting):
        BrevoTransport(**options)  # type: ignore[arg-type]
