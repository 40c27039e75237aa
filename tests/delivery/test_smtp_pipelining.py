"""PIPELINING (RFC 2920) against a real aiosmtpd server that offers it, on loopback.

A server that offers it gets MAIL FROM, RCPT TO and DATA in one write (seen in
what arrives per read); one that does not gets one command at a time, as before.
The messages arrive byte for byte the same either way. Refusals inside a
pipelined group mean what they mean without it: a 5.1.1 to RCPT bounces that
message and the next go out on the same connection, a 4xx to MAIL is retried, a
5.7.x stops the send, a connection cut after the group is retried on a new one,
and multi-line replies are read whole.
"""

from __future__ import annotations

import pytest
from smtp_servers import ScriptedHandler, smtp_server

from tryggnews.transports.base import OutgoingMessage, SendResult, SendStatus
from tryggnews.transports.errors import TransportStoppedError
from tryggnews.transports.smtp import SmtpTransport
from tryggnews.transports.smtp.protocol import SmtpConfig, to_crlf

FROM = "nyhetsbrev@trygg.example.se"


def message(n: int, envelope_from: str | None = None) -> OutgoingMessage:
    # Dots at line starts and a body that differs per recipient: any slip shows.
    raw = (
        f"From: {FROM}\nTo: r{n}@example.org\nSubject: Nummer {n}\n\n"
        f".en punkt först\n..två\nText {n} {'x' * (n * 97 % 900)}\n.\nslut\n"
    ).encode()
    return OutgoingMessage(n, f"r{n}@example.org", f"<{n}@x>", raw, envelope_from)


def send(port: int, batch: list[OutgoingMessage]) -> list[SendResult]:
    transport = SmtpTransport(
        SmtpConfig(host="127.0.0.1", port=port, security="none", envelope_from=FROM, timeout=2)
    )
    try:
        return sorted(transport.send(batch), key=lambda result: result.delivery_id)
    finally:
        transport.close()


def opened(handler: ScriptedHandler) -> int:
    """Connections the transport opened (the server's start made the first one)."""
    return handler.connections - 1


def groups(handler: ScriptedHandler) -> list[bytes]:
    """What arrived in the reads that began with MAIL FROM."""
    return [chunk for chunk in handler.chunks if chunk.startswith(b"MAIL FROM:")]


def statuses(results: list[SendResult]) -> list[SendStatus]:
    return [result.status for result in results]


A, RETRY = SendStatus.ACCEPTED, SendStatus.RETRY


def test_pipelined_messages_arrive_as_without_pipelining() -> None:
    batch = [message(n) for n in range(30)]
    received = {}
    for pipelining in (False, True):
        handler = ScriptedHandler(pipelining=pipelining)
        with smtp_server(handler) as server:
            assert statuses(send(server.port, batch)) == [A] * 30
        received[pipelining] = {r.recipient: r.data for r in handler.received}
        assert opened(handler) == 1
        if pipelining:
            assert len(groups(handler)) == 30
            for n, group in enumerate(groups(handler)):
                assert group.startswith(f"MAIL FROM:<{FROM}> SIZE=".encode())
                assert group.endswith(f"\r\nRCPT TO:<r{n}@example.org>\r\nDATA\r\n".encode())
        else:
            assert len(groups(handler)) == 30
            assert not any(b"RCPT" in group for group in groups(handler))
    assert received[True] == received[False] == {m.recipient: to_crlf(m.raw) for m in batch}


@pytest.mark.parametrize(
    ("step", "detail"),
    [
        ("550 5.1.1", "RCPT TO: 550 5.1.1 no such user here"),
        ("550 multi", "RCPT TO: 550 5.1.1 no such user here\n5.1.1 the mailbox was closed"),
    ],
)
@pytest.mark.parametrize("multiline", [False, True])
def test_refused_recipient_bounces_and_the_connection_goes_on(
    step: str, detail: str, multiline: bool
) -> None:
    handler = ScriptedHandler(
        pipelining=True, multiline=multiline, script={"r2@example.org": [step]}
    )
    with smtp_server(handler) as server:
        results = send(server.port, [message(n) for n in range(6)])
    assert statuses(results) == [A, A, SendStatus.BOUNCED, A, A, A]
    assert results[2].detail == detail
    assert handler.counts() == {f"r{n}@example.org": 1 for n in (0, 1, 3, 4, 5)}
    assert opened(handler) == 1  # DATA's 503 was read and the transaction RSET


def test_temporary_refusal_of_the_sender_is_retried() -> None:
    # Each message its own envelope sender (VERP), so MAIL FROM can be refused for one.
    handler = ScriptedHandler(
        pipelining=True,
        script={"bounces+1@trygg.example.se": ["451"], "bounces+3@trygg.example.se": ["421"]},
    )
    batch = [message(n, f"bounces+{n}@trygg.example.se") for n in range(5)]
    with smtp_server(handler) as server:
        results = send(server.port, batch)
    # The 451 is retried later on the same connection; the 421 closes it, and the
    # message goes out at once on a new one (nothing of it had been sent).
    assert statuses(results) == [A, RETRY, A, A, A]
    assert results[1].detail == "MAIL FROM: 451 4.3.0 try again later"
    assert handler.counts() == {f"r{n}@example.org": 1 for n in (0, 2, 3, 4)}
    assert {r.mail_from for r in handler.received} == {
        f"bounces+{n}@trygg.example.se" for n in (0, 2, 3, 4)
    }
    assert opened(handler) == 2


@pytest.mark.parametrize("where", ["RCPT TO", "MAIL FROM"])
def test_policy_refusal_in_a_group_stops_the_send(where: str) -> None:
    address = "r2@example.org" if where == "RCPT TO" else "bounces+2@trygg.example.se"
    handler = ScriptedHandler(pipelining=True, script={address: ["550 5.7.1"]})
    batch = [message(n, f"bounces+{n}@trygg.example.se") for n in range(5)]
    with smtp_server(handler) as server, pytest.raises(TransportStoppedError) as stopped:
        send(server.port, batch)
    assert "5.7.1" in str(stopped.value)
    assert sorted((r.delivery_id, r.status) for r in stopped.value.results) == [(0, A), (1, A)]
    assert handler.counts() == {"r0@example.org": 1, "r1@example.org": 1}


@pytest.mark.parametrize("pipelining", [True, False])
def test_connection_cut_after_the_group_is_retried_on_a_new_one(pipelining: bool) -> None:
    handler = ScriptedHandler(pipelining=pipelining, script={"r1@example.org": ["cut"]})
    with smtp_server(handler) as server:
        results = send(server.port, [message(n) for n in range(4)])
    assert statuses(results) == [A, RETRY, A, A]
    assert results[1].detail.startswith("connection lost before the server confirmed")
    assert handler.counts() == {f"r{n}@example.org": 1 for n in (0, 2, 3)}
    assert opened(handler) == 2
    # With pipelining the whole group had arrived before the cut.
    cut = [group for group in groups(handler) if b"RCPT TO:<r1@example.org>\r\nDATA" in group]
    assert len(cut) == (1 if pipelining else 0)
