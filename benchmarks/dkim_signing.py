"""DKIM signing cost: tryggnews' DkimSigner against building the same messages unsigned.

    python benchmarks/dkim_signing.py [--messages 300]

Renders the sample issue once (a fresh SQLite database, as ``send_throughput.py``
does), then in the same run:

(a) baseline: personalise and encode N messages from the template (what a send
    does per recipient without DKIM);
(b) the same N messages signed by ``DkimSigner`` (dkimpy, rsa-sha256 with a fresh
    2048-bit key, relaxed/relaxed, our header list).

Prints the time per message for both and what it means for one sending process;
the last line is machine-readable.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from send_throughput import bench_settings, build_messages, make_database, sample_template


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="messages to sign (300)")
    args = parser.parse_args()

    import tryggnews.cli  # noqa: F401  (loaded, as in a running worker)
    from tryggnews.transports.dkim import DkimSigner

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    signer = DkimSigner(domain="trygg.example.se", selector="nyhetsbrev", private_key=pem)
    with tempfile.TemporaryDirectory(prefix="tryggnews-bench-") as folder:
        url = f"sqlite:///{folder}/bench.db"
        make_database(url, 1)
        settings = bench_settings(url, folder)
        template = sample_template(settings)

    started = time.perf_counter()
    messages = build_messages(template, args.messages)
    build_s = time.perf_counter() - started

    each: list[float] = []
    for message in messages:
        began = time.perf_counter()
        signed = signer.sign(message)
        each.append(time.perf_counter() - began)
    assert signed.startswith(b"DKIM-Signature:")

    size_kb = len(messages[0]) / 1024
    build_ms = build_s / args.messages * 1000
    sign_ms = statistics.fmean(each) * 1000
    p50_ms, p95_ms = (q * 1000 for q in statistics.quantiles(each, n=20)[9::9])
    print(f"messages {args.messages}, message {size_kb:.1f} KB, RSA-2048")
    print(f"baseline (build unsigned): {build_ms:8.3f} ms/msg")
    print(f"DKIM signing:              {sign_ms:8.3f} ms/msg  (p50 {p50_ms:.2f}, p95 {p95_ms:.2f})")
    print(
        f"one process: about {1000 / (build_ms + sign_ms):.0f} signed msg/s "
        f"against {1000 / build_ms:.0f} unsigned (before the wire)"
    )
    print(
        f"sign_ms={sign_ms:.3f} build_ms={build_ms:.3f} "
        f"signed_msgs_per_s={1000 / (build_ms + sign_ms):.0f} message_kb={size_kb:.1f}"
    )


if __name__ == "__main__":
    main()
