"""DKIM at volume: a DKIM-signed send against the same send unsigned, in the same run.

    python benchmarks/dkim_signing.py [--subscribers 4000] [--connections 1]
                                      [--sink raw|aiosmtpd] [--rounds 3] [--messages 200]

Part 1, the send: N subscribers, the sample issue, ``Publisher.send`` with the SMTP
transport into a sink in its own process (as ``send_throughput.py``), three ways:

(a) unsigned (the baseline);
(b) signed: ``TRYGGNEWS_DKIM_*`` set, rsa-sha256 with a fresh 2048-bit key;
(c) signed twice: also the Ed25519 signature (``TRYGGNEWS_DKIM_ED25519_*``).

Each round sends all three (a fresh database each, made before the clock starts)
in a rotating order; each rate is the median of its rounds.

Part 2, per message: build N personalised messages, then sign them with
``DkimSigner`` (RSA; RSA + Ed25519) and, for comparison, with dkimpy's own
``dkim.sign`` (pure-Python RSA), which is what ``DkimSigner`` used before.

The last line is machine-readable; ``ratio=`` is the signed send's rate over the
unsigned send's rate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from send_throughput import (
    bench_settings,
    build_messages,
    make_database,
    pipeline,
    sample_template,
    smtp_overrides,
    start_sink,
)

DOMAIN = "trygg.example.se"


def write_keys(folder: str) -> tuple[str, str]:
    """A fresh RSA-2048 and Ed25519 key as PEM files; their paths."""
    none = serialization.NoEncryption()
    rsa_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, none
    )
    ed_pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, none
    )
    Path(f"{folder}/rsa.pem").write_bytes(rsa_pem)
    Path(f"{folder}/ed25519.pem").write_bytes(ed_pem)
    return f"{folder}/rsa.pem", f"{folder}/ed25519.pem"


def per_message(messages: list[bytes], sign: object) -> float:
    """Mean milliseconds per message of ``sign``."""
    started = time.perf_counter()
    for message in messages:
        signed = sign(message)  # type: ignore[operator]
    assert signed.startswith(b"DKIM-Signature:")
    return (time.perf_counter() - started) / len(messages) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=4000, help="recipients (4000)")
    parser.add_argument("--connections", type=int, default=1, help="parallel SMTP connections")
    parser.add_argument("--sink", choices=("aiosmtpd", "raw"), default="raw")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--messages", type=int, default=200, help="messages to sign (200)")
    args = parser.parse_args()

    import tryggnews.cli  # noqa: F401  (loaded, as in a running worker)
    from tryggnews.transports.dkim import DkimSigner

    total = args.subscribers
    ways = {
        "unsigned": {},
        "rsa": {"dkim_domain": DOMAIN, "dkim_selector": "nyhetsbrev"},
        "rsa+ed25519": {
            "dkim_domain": DOMAIN,
            "dkim_selector": "nyhetsbrev",
            "dkim_ed25519_selector": "nyhetsbrev-ed",
        },
    }
    times: dict[str, list[float]] = {way: [] for way in ways}
    sink, port = start_sink(args.sink)
    try:
        with tempfile.TemporaryDirectory(prefix="tryggnews-bench-") as folder:
            rsa_file, ed_file = write_keys(folder)
            keys = {"dkim_private_key_file": rsa_file}
            runs = []
            for n in range(args.rounds):
                for way, overrides in ways.items():
                    extra = dict(overrides, **keys) if overrides else {}
                    if "dkim_ed25519_selector" in extra:
                        extra["dkim_ed25519_private_key_file"] = ed_file
                    settings = bench_settings(
                        f"sqlite:///{folder}/{way}{n}.db",
                        f"{folder}/{way}{n}",
                        **smtp_overrides(port, args.connections),
                        **extra,
                    )
                    make_database(settings.database_url, total)
                    runs.append((n, way, settings))
            template = sample_template(runs[0][2])
            names = list(ways)
            for n in range(args.rounds):
                turn = names[n % 3 :] + names[: n % 3]
                for way in turn:
                    settings = next(s for m, w, s in runs if m == n and w == way)
                    seconds, delivered = pipeline(settings)
                    if delivered != total:
                        sys.exit(f"{way}: delivered {delivered} of {total}: not a valid run")
                    times[way].append(seconds)

            messages = build_messages(template, args.messages)
            rsa_pem = Path(rsa_file).read_bytes()
            rsa_only = DkimSigner(domain=DOMAIN, selector="nyhetsbrev", private_key=rsa_pem)
            both = DkimSigner(
                domain=DOMAIN,
                selector="nyhetsbrev",
                private_key=rsa_pem,
                ed25519_selector="nyhetsbrev-ed",
                ed25519_key=Path(ed_file).read_bytes(),
            )
            rsa_ms = per_message(messages, rsa_only.sign)
            both_ms = per_message(messages, both.sign)
            some = messages[: max(1, args.messages // 10)]
            dkimpy_ms = per_message(
                some,
                lambda m: dkim.sign(
                    m,
                    b"nyhetsbrev",
                    DOMAIN.encode(),
                    rsa_pem,
                    canonicalize=(b"relaxed", b"relaxed"),
                    length=False,
                ),
            )
    finally:
        sink.kill()
        sink.wait()

    rate = {way: total / statistics.median(each) for way, each in times.items()}
    ratio = rate["rsa"] / rate["unsigned"]
    ratio_dual = rate["rsa+ed25519"] / rate["unsigned"]
    size_kb = len(messages[0]) / 1024
    print(
        f"subscribers {total}, connections {args.connections}, sink {args.sink}, "
        f"message {size_kb:.1f} KB, {args.rounds} interleaved rounds (median)"
    )
    for way in ways:
        each = ", ".join(f"{total / s:.0f}" for s in times[way])
        print(f"send {way + ':':13} {rate[way]:8.0f} msg/s  (rounds: {each})")
    print(
        f"per message: DkimSigner RSA {rsa_ms:.3f} ms, RSA + Ed25519 {both_ms:.3f} ms; "
        f"dkimpy's dkim.sign {dkimpy_ms:.3f} ms"
    )
    print(
        f"ratio={ratio:.3f} ratio_dual={ratio_dual:.3f} signed_msgs_per_s={rate['rsa']:.0f} "
        f"unsigned_msgs_per_s={rate['unsigned']:.0f} sign_ms={rsa_ms:.3f} "
        f"dual_sign_ms={both_ms:.3f} dkimpy_sign_ms={dkimpy_ms:.3f} message_kb={size_kb:.1f}"
    )


if __name__ == "__main__":
    main()
