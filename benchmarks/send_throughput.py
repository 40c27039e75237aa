"""Send throughput: tryggnews end to end against raw smtplib, into the same loopback SMTP sink.

    python benchmarks/send_throughput.py [--subscribers 20000] [--connections 1]
                                         [--sink aiosmtpd|raw|raw-plain] [--rounds 3]

Creates N subscribers in a fresh SQLite database and starts a sink SMTP server
on 127.0.0.1 in a separate process (so it does not share the sender's GIL):
``aiosmtpd`` (a Python SMTP server, the slower sink) or ``raw`` (a minimal
asyncio socket sink that answers 250 to everything and, like Postfix and the
large relays, offers PIPELINING in its EHLO answer; ``raw-plain`` is the same sink
without it). Then, in the same run:

(a) baseline: raw ``smtplib`` sends N pre-built messages of the same size as the
    newsletter over the same number of connections (one thread each, one
    connection per thread reused throughout, ``sendmail`` per recipient);
(f) fair baseline: the same, with an smtplib client that differs from stock only
    in its dot-stuffing, which is the pipeline's ``bytes.replace`` instead of
    smtplib's regular expression (``FairSMTP``);
(b) tryggnews: ``Publisher.send`` with the SMTP transport — lint, snapshot,
    claim, personalise, build, transmit, record — for the whole issue (a fresh
    database each round, made before the clock starts).

PIPELINING (RFC 2920): smtplib has none, so both baselines wait for each reply
before the next command — four round trips a message — whatever the sink offers.
The pipeline sends MAIL FROM, RCPT TO and DATA in one write when the server offers
it (the raw sink; aiosmtpd does not), two round trips a message; into aiosmtpd it
too sends one command at a time.

The three run interleaved, ``--rounds`` times, in a rotating order, and each
rate is the median of its rounds, so a change of load on the machine does not
decide the ratio. Prints messages/second for all three, the ratios (b)/(a) and
(b)/(f), total time and peak RSS; the last line is machine-readable.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import secrets
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tryggnews.config import Settings
    from tryggnews.delivery.message import MessageTemplate

REPO = Path(__file__).resolve().parent.parent
SENDER = "nyhetsbrev@trygg.example.se"
SECRET = "benchmark-secret-key-0123456789-abcdefghij"

# --- the sinks (run in their own process) -----------------------------------------------


class RawSink(asyncio.Protocol):
    """Just enough SMTP to take messages: 250 to every command, 354 to DATA.

    Commands that arrive together (PIPELINING, which its EHLO offers) are answered
    in order, in one write."""

    EHLO = b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = bytearray()
        self.in_data = False
        self.scan_from = 0
        transport.write(b"220 sink ESMTP\r\n")  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        out = []
        while True:
            if self.in_data:
                end = buffer.find(b"\r\n.\r\n", max(0, self.scan_from - 4))
                if end < 0:
                    self.scan_from = len(buffer)
                    break
                del buffer[: end + 5]
                self.in_data, self.scan_from = False, 0
                out.append(b"250 2.0.0 queued\r\n")
                continue
            end = buffer.find(b"\r\n")
            if end < 0:
                break
            line = bytes(buffer[:end])
            command = line[:4].upper()
            del buffer[: end + 2]
            if command == b"DATA":
                self.in_data = True
                out.append(b"354 go ahead\r\n")
            elif command == b"QUIT":
                out.append(b"221 bye\r\n")
                self.transport.write(b"".join(out))  # type: ignore[attr-defined]
                self.transport.close()
                return
            elif command == b"EHLO":
                out.append(self.EHLO)
            else:
                out.append(self.answer(line))
        if out:
            self.transport.write(b"".join(out))  # type: ignore[attr-defined]

    def answer(self, line: bytes) -> bytes:
        """The reply to any other command (a subclass may look at it, e.g. count RCPTs)."""
        return b"250 OK\r\n"


class PlainRawSink(RawSink):
    """The raw sink without PIPELINING in its EHLO: every client, the pipeline included,
    waits for each answer (``--sink raw-plain``)."""

    EHLO = b"250-sink\r\n250 8BITMIME\r\n"


class _AcceptAll:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK queued"


def run_sink(kind: str) -> None:
    """Serve on a free loopback port; print the port; run until killed."""
    loop = asyncio.new_event_loop()
    if kind == "raw":
        factory: object = RawSink
    elif kind == "raw-plain":
        factory = PlainRawSink
    else:
        from aiosmtpd.smtp import SMTP

        def factory() -> SMTP:
            return SMTP(_AcceptAll(), hostname="sink", data_size_limit=0)

    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0))  # type: ignore[arg-type]
    print(server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


# --- setup --------------------------------------------------------------------------------


def make_database(url: str, subscribers: int) -> None:
    from sqlalchemy import insert

    from tryggnews.content.issues import add_block, create_issue
    from tryggnews.content.vocabulary import load_vocabulary
    from tryggnews.db.engine import make_engine, make_session_factory
    from tryggnews.db.migrate import upgrade
    from tryggnews.db.models import Subscriber, SubscriberStatus
    from tryggnews.sample.loader import load_sample_blocks

    vocabulary = load_vocabulary(REPO / "audiences.toml")
    engine = make_engine(url)
    upgrade(engine)
    session_factory = make_session_factory(engine)
    with session_factory.begin() as session:
        blocks = load_sample_blocks(session, author="benchmark", vocabulary=vocabulary)
        issue = create_issue(
            session,
            key="2027-1",
            year=2027,
            number=1,
            title="Trygg i Österåker nummer 1",
            subject="Trygg i Österåker: påsklov, båtar och grannsamverkan",
            preheader="Påsklov, båtar och grannsamverkan.",
            intro_md="Hej! Här kommer vårens nyhetsbrev från kommunen och polisen.",
        )
        for block in blocks:
            add_block(session, issue, block)
    now = datetime.now(UTC)
    chunk = 5000  # inserted a chunk at a time: the setup's memory stays flat too
    for start in range(0, subscribers, chunk):
        rows = [
            {
                "email": f"person{n:07d}@example.org",
                "email_key": f"person{n:07d}@example.org",
                "name": f"Person {n}",
                "language": "sv",
                "audiences": [],
                "topics": [],
                "status": SubscriberStatus.ACTIVE,
                "token_salt": secrets.token_hex(8),
                "source": "benchmark",
                "legal_basis": "public-task",
                "soft_bounces": 0,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(start, min(subscribers, start + chunk))
        ]
        with session_factory.begin() as session:
            session.execute(insert(Subscriber), rows)
    engine.dispose()


def bench_settings(url: str, folder: str, **overrides: str) -> Settings:
    """Settings on the benchmark's own database and outbox, with the repository's files."""
    from tryggnews.config import load_settings

    return load_settings(
        environ={},
        dotenv_path=None,
        database_url=url,
        secret_key=SECRET,
        sender_address=SENDER,
        templates_dir=str(REPO / "templates"),
        schedule=str(REPO / "schedule.toml"),
        audiences=str(REPO / "audiences.toml"),
        outbox_dir=f"{folder}/outbox",
        **overrides,
    )


def sample_template(settings: object) -> MessageTemplate:
    """The sample issue's everyone-variant, rendered and encoded once, as a send does."""
    from tryggnews import wiring
    from tryggnews.content.issues import get_issue
    from tryggnews.content.views import issue_view
    from tryggnews.db.engine import make_engine, make_session_factory
    from tryggnews.delivery.message import MessageTemplate

    publisher = wiring.publisher(settings)  # type: ignore[arg-type]
    engine = make_engine(settings.database_url)  # type: ignore[attr-defined]
    with make_session_factory(engine)() as session:
        issue = get_issue(session, "2027-1")
        blocks = publisher.blocks_of(issue)
        spec = publisher.planner(blocks).variant_for([], [])
        variant = publisher.render(issue_view(issue), [spec]).variants[spec.key]
    engine.dispose()
    return MessageTemplate.from_variant(
        variant,
        sender_name="Trygg i Österåker",
        sender_address=SENDER,
        list_id_domain="trygg.example.se",
        unsubscribe_address="avregistrera@trygg.example.se",
        base_url="https://trygg.example.se",
    )


def build_messages(template: MessageTemplate, count: int) -> list[bytes]:
    """``count`` finished, personalised messages (CRLF), as the sender builds them."""
    messages = []
    for n in range(count):
        raw = template.build(
            to_address=f"person{n:07d}@example.org",
            to_name=f"Person {n}",
            manage_token=secrets.token_urlsafe(60),
            unsubscribe_token=secrets.token_urlsafe(60),
            message_id=f"<bench.{n}.{secrets.token_hex(6)}@trygg.example.se>",
            date=datetime.now(UTC),
        )
        messages.append(raw.replace(b"\n", b"\r\n"))
    return messages


def sample_messages(settings: object, count: int) -> list[bytes]:
    """``count`` finished newsletter messages (CRLF), as the pipeline builds them."""
    return build_messages(sample_template(settings), count)


# --- the measurements ---------------------------------------------------------------------


class FairSMTP(smtplib.SMTP):
    """Stock smtplib but for ``data``'s dot-stuffing: ``bytes.replace``, as the pipeline's
    ``protocol.to_wire`` does, instead of ``smtplib._quote_periods``' regular expression.
    Everything else (commands, replies, ``sendmail``) is stock."""

    def data(self, msg: bytes | str) -> tuple[int, bytes]:  # type: ignore[override]
        assert isinstance(msg, bytes)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        stuffed = msg.replace(b"\r\n.", b"\r\n..")
        if stuffed.startswith(b"."):
            stuffed = b"." + stuffed
        if not stuffed.endswith(b"\r\n"):
            stuffed += b"\r\n"
        self.send(stuffed + b".\r\n")
        return self.getreply()


def baseline(
    port: int,
    total: int,
    connections: int,
    messages: list[bytes],
    client: type[smtplib.SMTP] = smtplib.SMTP,
) -> float:
    """Seconds for ``client`` (smtplib) to send ``total`` messages over ``connections``."""
    counter = iter(range(total))
    lock = threading.Lock()

    def work() -> None:
        smtp = client("127.0.0.1", port, timeout=30)
        smtp.ehlo()
        try:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    break
                smtp.sendmail(SENDER, [f"person{n:07d}@example.org"], messages[n % len(messages)])
        finally:
            smtp.quit()

    threads = [threading.Thread(target=work) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


class RssSampler:
    """The highest resident set size seen while it runs (``ru_maxrss`` covers the whole
    process, setup included; this isolates one phase). Linux ``/proc`` only."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            if self._done.wait(0.05):
                return

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def pipeline(settings: object) -> tuple[float, int]:
    """Seconds for tryggnews to send the whole issue, and how many it delivered."""
    from tryggnews import wiring
    from tryggnews.clock import SystemClock
    from tryggnews.db.engine import make_engine, make_session_factory
    from tryggnews.delivery.options import DeliveryOptions

    engine = make_engine(settings.database_url)  # type: ignore[attr-defined]
    transport = wiring.transport(settings)  # type: ignore[arg-type]
    publisher = wiring.publisher(settings)  # type: ignore[arg-type]
    started = time.perf_counter()
    try:
        summary = publisher.send(
            make_session_factory(engine),
            "2027-1",
            transport=transport,
            signer=wiring.signer(settings),  # type: ignore[arg-type]
            clock=SystemClock(),
            worker_id="benchmark",
            batch_size=settings.send_batch_size,  # type: ignore[attr-defined]
            options=DeliveryOptions(suppression_key=SECRET),
            require_approval=False,  # the benchmark issue has no editors to approve it
        )
    finally:
        transport.close()
        engine.dispose()
    return time.perf_counter() - started, summary.accepted_now


def start_sink(kind: str) -> tuple[subprocess.Popen[str], int]:
    """The sink in its own process, and its port."""
    sink = subprocess.Popen(
        [sys.executable, __file__, "--run-sink", kind], stdout=subprocess.PIPE, text=True
    )
    assert sink.stdout is not None
    return sink, int(sink.stdout.readline())


def smtp_overrides(port: int, connections: int) -> dict[str, str]:
    return {
        "transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(port),
        "smtp_security": "none",
        "send_connections": str(connections),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=20_000, help="recipients (20000)")
    parser.add_argument("--connections", type=int, default=1, help="parallel SMTP connections")
    parser.add_argument("--sink", choices=("aiosmtpd", "raw", "raw-plain"), default="aiosmtpd")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument(
        "--run-sink", choices=("aiosmtpd", "raw", "raw-plain"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.run_sink:
        run_sink(args.run_sink)
        return

    # Everything a running worker has loaded; Python's imports are not the send's cost.
    import tryggnews.cli  # noqa: F401

    began = time.perf_counter()
    total = args.subscribers
    times: dict[str, list[float]] = {"stock": [], "fair": [], "pipeline": []}
    sink, port = start_sink(args.sink)
    try:
        with tempfile.TemporaryDirectory(prefix="tryggnews-bench-") as folder, RssSampler() as rss:
            settings = [
                bench_settings(
                    f"sqlite:///{folder}/bench{n}.db",
                    f"{folder}/{n}",
                    **smtp_overrides(port, args.connections),
                )
                for n in range(args.rounds)
            ]
            for each in settings:
                make_database(each.database_url, total)
            messages = sample_messages(settings[0], 64)
            size_kb = len(messages[0]) / 1024
            rss.peak_kb = 0  # from here on: the sends
            order = ["stock", "fair", "pipeline"]
            for n in range(args.rounds):
                for name in order[n % 3 :] + order[: n % 3]:
                    if name == "pipeline":
                        seconds, delivered = pipeline(settings[n])
                        if delivered != total:
                            sys.exit(f"tryggnews delivered {delivered} of {total}: not a valid run")
                    else:
                        client = FairSMTP if name == "fair" else smtplib.SMTP
                        seconds = baseline(port, total, args.connections, messages, client)
                    times[name].append(seconds)
    finally:
        sink.kill()
        sink.wait()
    rate = {name: total / statistics.median(runs) for name, runs in times.items()}
    ratio, ratio_fair = rate["pipeline"] / rate["stock"], rate["pipeline"] / rate["fair"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"subscribers {total}, connections {args.connections}, sink {args.sink}, "
        f"message {size_kb:.1f} KB, {args.rounds} interleaved rounds (median)"
    )
    for name, label in (
        ("stock", "baseline (raw smtplib):"),
        ("fair", "fair (smtplib, replace):"),
        ("pipeline", "tryggnews end to end:"),
    ):
        runs = ", ".join(f"{total / s:.0f}" for s in times[name])
        print(f"{label:25} {rate[name]:8.0f} msg/s  (rounds: {runs})")
    print(f"ratio {ratio:.3f}, fair {ratio_fair:.3f}; total {time.perf_counter() - began:.1f} s")
    print(f"peak RSS {peak_mb:.1f} MB (process); {rss.peak_kb / 1024:.1f} MB during the sends")
    print(
        f"ratio={ratio:.3f} ratio_fair={ratio_fair:.3f} "
        f"pipeline_msgs_per_s={rate['pipeline']:.0f} baseline_msgs_per_s={rate['stock']:.0f} "
        f"fair_msgs_per_s={rate['fair']:.0f} peak_rss_mb={peak_mb:.1f}"
    )


if __name__ == "__main__":
    main()
