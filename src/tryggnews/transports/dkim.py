"""DKIM signing of the exact bytes a transport sends: rsa-sha256, optionally also ed25519-sha256.

relaxed/relaxed canonicalisation and an explicit header list: dkimpy's default
leaves out ``List-Unsubscribe-Post`` and ``Feedback-ID``, and a receiver (Gmail,
Yahoo) only trusts one-click unsubscribe when both List-Unsubscribe headers are
signed. ``l=`` (body length) is never used: it lets anyone append content under
our signature. A header in the list that a message lacks (``Feedback-ID`` is
optional) is signed as absent, so nobody can add it later without breaking the
signature.

Who does what: dkimpy parses the header block, canonicalises (relaxed headers and
body), folds the DKIM-Signature header and feeds the header hash, exactly as its
own ``dkim.sign`` does (RFC 6376 §3.7); only the body's canonical form is
computed here (``relaxed_body``: the same bytes, faster). The signature over the
header hash is made by ``cryptography`` (OpenSSL): dkimpy's own RSA is pure
Python and cost about 6 of the 8 ms per message. The body is canonicalised and
hashed once for both signatures.

The SMTP transport hands over messages in the wire form (``MessageForm.WIRE``:
dot-stuffed, ending with the end-of-data line), the bytes it sends anyway, and
gets back only the DKIM-Signature header line(s) (``wire_signature``), a few
hundred bytes, which it puts in front of those bytes. The signature covers the
message as the receiver reads it, before dot-stuffing, so ``from_wire`` recovers
that exactly (drops the end-of-data line, undoes the stuffing) before signing.
Header lines start with a field name or, folded, with whitespace, never with a
dot: the signature lines followed by a message in the wire form are still the
wire form. So the sending process neither stuffs nor copies a signed message.

At volume (``wire_signatures``, a batch) the signing runs in a helper process:
the RSA step holds the GIL, and on the sending process it would take about as much
CPU as everything else a message needs. The batch's messages go to the helper in
order, and their signatures come back while the lanes send the ones before them;
two helpers (one on a single core), so signing can use the core the sender leaves.
A single message is signed the same way in the sending process. ``sign`` signs a
CRLF message and returns it signed, for callers without the wire form.

The optional second signature is Ed25519 (RFC 8463) under its own selector: it
signs the SHA-256 of the same header data. Receivers that do not know it ignore
it and use the RSA one, so RSA is always present and comes first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import dkim
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa, utils
from dkim.canonicalization import CanonicalizationPolicy

from tryggnews.errors import ConfigError

SIGNED_HEADERS: tuple[bytes, ...] = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"Feedback-ID",
    b"MIME-Version",
    b"Content-Type",
)

RSA_KEY_SETTING = "TRYGGNEWS_DKIM_PRIVATE_KEY_FILE"
ED25519_KEY_SETTING = "TRYGGNEWS_DKIM_ED25519_PRIVATE_KEY_FILE"
MIN_RSA_BITS = 1024  # receivers ignore shorter keys (RFC 8301); 2048 is what to use

_POLICY = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
_INCLUDE = tuple(name.lower() for name in SIGNED_HEADERS)
_H_TAG = b" : ".join(_INCLUDE)
_HEADER_NAME = b"DKIM-Signature"
_PKCS1 = padding.PKCS1v15()
_PREHASHED = utils.Prehashed(hashes.SHA256())
_SPACES = re.compile(rb"  +")
POOL_CHUNK = 8  # messages per hand-over to a helper process
HELPERS = max(1, min(2, os.cpu_count() or 1))  # helper processes that sign
_WORKER: dict[str, DkimSigner] = {}  # in a helper process: its signer


def load_rsa_key(pem: bytes) -> rsa.RSAPrivateKey:
    """The RSA private key in ``pem`` (PKCS#1 or PKCS#8, unencrypted)."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigError(
            f"{RSA_KEY_SETTING}: the key cannot sign ({_reason(exc)}); "
            "give an unencrypted PEM RSA private key"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(
            f"{RSA_KEY_SETTING}: the key is not an RSA key; give a PEM RSA private key "
            f"(an Ed25519 key goes in {ED25519_KEY_SETTING})"
        )
    if key.key_size < MIN_RSA_BITS:
        raise ConfigError(
            f"{RSA_KEY_SETTING}: the RSA key has {key.key_size} bits, which receivers "
            "ignore; use a 2048-bit key"
        )
    return key


def load_ed25519_key(data: bytes) -> ed25519.Ed25519PrivateKey:
    """The Ed25519 private key in ``data``: PEM (``openssl genpkey -algorithm ed25519``)
    or the base64 seed that dkimpy's ``dknewkey --ktype ed25519`` writes."""
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        try:
            seed = base64.b64decode(data.strip(), validate=True)
        except (binascii.Error, ValueError):
            seed = b""
        if len(seed) != 32:
            raise ConfigError(
                f"{ED25519_KEY_SETTING}: the key cannot sign ({_reason(exc)}); give an "
                "unencrypted PEM Ed25519 private key"
            ) from None
        return ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ConfigError(
            f"{ED25519_KEY_SETTING}: the key is not an Ed25519 key (the RSA key goes in "
            f"{RSA_KEY_SETTING})"
        )
    return key


def relaxed_body(body: bytes) -> bytes:
    """RFC 6376 §3.4.4, the same bytes as dkimpy's ``Relaxed.canonicalize_body`` (a
    property test holds the two together), with a pass only where there is work:
    dkimpy's three regular expressions over the whole body cost ~1.4 ms per 40 KB
    message, this ~0.1 ms.

    A run of WSP becomes one space (tabs become spaces, then runs of spaces one);
    the one space left before a line end goes; so do the empty lines at the end
    (all of them, and the body itself if it is only a line end)."""
    if b"\t" in body:
        body = body.replace(b"\t", b" ")
    if b"  " in body:
        body = _SPACES.sub(b" ", body)
    if b" \r\n" in body:
        body = body.replace(b" \r\n", b"\r\n")
    end = len(body)
    while body.endswith(b"\r\n", 0, end):
        end -= 2
    if end == 0:
        return b""
    return body[:end] + b"\r\n"


def from_wire(wire: bytes) -> bytes:
    """The CRLF message that SMTP's wire form (``MessageForm.WIRE``) carries, as the
    receiving server reads it: without the end-of-data line ``.\\r\\n``, and a line
    starting with ``..`` starts with ``.``. The exact inverse of the SMTP transport's
    ``to_wire`` for a message ending in CRLF (which ``to_wire`` makes it end in).

    Stuffing doubled the dot of every line that started with one, so every CRLF
    followed by a dot in ``wire`` is followed by two, and each pair loses one."""
    if not wire.endswith(b"\r\n.\r\n"):
        raise ValueError("a message in the wire form ends with CRLF . CRLF")
    crlf = wire[:-3]
    if b"\r\n." in crlf:
        crlf = crlf.replace(b"\r\n..", b"\r\n.")
    if crlf.startswith(b"."):
        crlf = crlf[1:]
    return crlf


def _reason(exc: Exception) -> str:
    return str(exc).split("\n")[0].rstrip(".") or type(exc).__name__


def _read(key_file: str, setting: str) -> bytes:
    try:
        return Path(key_file).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{setting}={key_file}: cannot read it ({exc.strerror})") from None


class DkimSigner:
    """Signs finished messages (CRLF line endings) for one domain: RSA under
    ``selector``, and Ed25519 under ``ed25519_selector`` when that key is given.

    A key that cannot sign raises ``ConfigError`` naming its setting, here, when the
    transport is made — before anything of a send is snapshotted or claimed.
    """

    def __init__(
        self,
        *,
        domain: str,
        selector: str,
        private_key: bytes,
        ed25519_selector: str = "",
        ed25519_key: bytes | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not domain or not selector:
            raise ConfigError("DKIM needs both TRYGGNEWS_DKIM_DOMAIN and TRYGGNEWS_DKIM_SELECTOR")
        if (ed25519_key is None) != (not ed25519_selector):
            raise ConfigError(
                "TRYGGNEWS_DKIM_ED25519_SELECTOR and TRYGGNEWS_DKIM_ED25519_PRIVATE_KEY_FILE "
                "go together: set both for a second (Ed25519) signature, or neither"
            )
        if ed25519_selector and ed25519_selector == selector:
            raise ConfigError(
                "TRYGGNEWS_DKIM_ED25519_SELECTOR must differ from TRYGGNEWS_DKIM_SELECTOR: "
                "each key has its own DNS record"
            )
        self.domain = domain.encode("ascii")
        self.selector = selector.encode("ascii")
        self._rsa = load_rsa_key(private_key)
        self._ed25519 = load_ed25519_key(ed25519_key) if ed25519_key is not None else None
        self.ed25519_selector = ed25519_selector.encode("ascii")
        self._now = now
        self._options: dict[str, Any] = {
            "domain": domain,
            "selector": selector,
            "private_key": private_key,
            "ed25519_selector": ed25519_selector,
            "ed25519_key": ed25519_key,
        }
        self._pool: ProcessPoolExecutor | None = None
        # Sign a tiny message now so a key OpenSSL refuses stops the send before it starts.
        self.sign(b"From: a@" + self.domain + b"\r\nSubject: test\r\n\r\ntest\r\n")

    @classmethod
    def from_file(
        cls,
        *,
        domain: str,
        selector: str,
        key_file: str,
        ed25519_selector: str = "",
        ed25519_key_file: str = "",
    ) -> DkimSigner:
        """A signer with the PEM keys in the files; ``ConfigError`` names the setting."""
        if not key_file:
            raise ConfigError(f"TRYGGNEWS_DKIM_DOMAIN is set but {RSA_KEY_SETTING} is empty")
        return cls(
            domain=domain,
            selector=selector,
            private_key=_read(key_file, RSA_KEY_SETTING),
            ed25519_selector=ed25519_selector,
            ed25519_key=_read(ed25519_key_file, ED25519_KEY_SETTING) if ed25519_key_file else None,
        )

    def sign(self, message: bytes) -> bytes:
        """``message`` with its DKIM-Signature header(s) in front: the bytes to send.
        ``ValueError`` if its lines end in a bare LF (it is signed as it is sent)."""
        return self.signature(message) + message

    def wire_signature(self, wire: bytes) -> bytes:
        """The DKIM-Signature header line(s) of a message in the SMTP wire form
        (``from_wire``): put in front of ``wire``, the signed message as sent."""
        signature = self.signature(from_wire(wire))
        # A line starting with a dot would need stuffing; header lines never do.
        assert not signature.startswith(b".") and b"\n." not in signature
        return signature

    def signature(self, message: bytes) -> bytes:
        """The DKIM-Signature header line(s) of a CRLF ``message`` (see ``sign``)."""
        first = message.find(b"\n")
        if first > 0 and message[first - 1] != 0x0D:
            raise ValueError("DKIM signs messages with CRLF line endings")
        end = message.find(b"\r\n\r\n")
        head, body = (message, b"") if end < 0 else (message[: end + 2], message[end + 4 :])
        headers, _ = dkim.rfc822_parse(head)
        canonical = _POLICY.canonicalize_headers(headers)
        body_hash = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest())
        timestamp = str(int(self._now())).encode("ascii")
        signatures = self._signature(b"rsa-sha256", self.selector, canonical, body_hash, timestamp)
        if self._ed25519 is not None:
            signatures += self._signature(
                b"ed25519-sha256", self.ed25519_selector, canonical, body_hash, timestamp
            )
        return signatures

    def wire_signatures(self, messages: Iterable[bytes]) -> Iterator[bytes]:
        """The signature lines of each of ``messages`` (wire form, as ``wire_signature``),
        in order, made by helper processes started at the first call and kept until
        ``close``. All of ``messages`` are handed over at once; each signature comes
        back as soon as it is made."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                HELPERS,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self._options,),
            )
        return self._pool.map(_wire_signature_in_worker, messages, chunksize=POOL_CHUNK)

    def close(self) -> None:
        """Stop the helper processes, if they were started."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _signature(
        self,
        algorithm: bytes,
        selector: bytes,
        canonical: list[tuple[bytes, bytes]],
        body_hash: bytes,
        timestamp: bytes,
    ) -> bytes:
        """One DKIM-Signature header line (CRLF-terminated), as dkimpy's ``gen_header``."""
        fields = [
            (b"v", b"1"),
            (b"a", algorithm),
            (b"c", b"relaxed/relaxed"),
            (b"d", self.domain),
            (b"i", b"@" + self.domain),
            (b"q", b"dns/txt"),
            (b"s", selector),
            (b"t", timestamp),
            (b"h", _H_TAG),
            (b"bh", body_hash),
            # b= folds onto its own line so that refolding with the signature leaves
            # the other tags' whitespace as it was hashed.
            (b"b", b"0" * 60),
        ]
        unsigned = dkim.fold(b"; ".join(b"=".join(f) for f in fields), namelen=len(_HEADER_NAME))
        unsigned = dkim.RE_BTAG.sub(b"\\1", unsigned)
        hasher = hashlib.sha256()
        dkim.hash_headers(
            hasher, _POLICY, canonical, _INCLUDE, (_HEADER_NAME, b" " + unsigned), None
        )
        digest = hasher.digest()
        if algorithm == b"rsa-sha256":
            signature = self._rsa.sign(digest, _PKCS1, _PREHASHED)
        else:
            assert self._ed25519 is not None
            signature = self._ed25519.sign(digest)
        fields[-1] = (b"b", base64.b64encode(signature))
        value = b"; ".join(b"=".join(f) for f in fields) + b"\r\n"
        folded: bytes = dkim.fold(value, namelen=len(_HEADER_NAME))
        return _HEADER_NAME + b": " + folded


def _start_worker(options: dict[str, Any]) -> None:
    _WORKER["signer"] = DkimSigner(**options)


def _wire_signature_in_worker(wire: bytes) -> bytes:
    return _WORKER["signer"].wire_signature(wire)
