"""Does the DKIM key we sign with match the public key receivers will look up?

A mismatch is the quiet failure of DKIM: every message is signed, every receiver
finds the signature invalid, and mail lands in spam with nobody told. The keys are
loaded by the same code the transport signs with (``transports.dkim``); the public
key to compare with comes from DNS (``<selector>._domainkey.<domain>`` TXT, through
dnspython, which email-validator already brings) or, where the machine has no DNS
to ask (a staging network, before the record is published), from a file holding the
record as it is or will be published.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.resolver
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from tryggnews.errors import ConfigError
from tryggnews.operations.readiness import Check
from tryggnews.transports.dkim import DkimSigner, load_ed25519_key, load_rsa_key

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
DNS_TIMEOUT = 5.0


@dataclass(frozen=True)
class DkimKey:
    """One signing key: its algorithm (k= tag: rsa or ed25519), selector and the
    p= value its DNS record must carry."""

    kind: str
    selector: str
    public: bytes  # the raw p= value, decoded

    def record(self, domain: str) -> str:
        p = base64.b64encode(self.public).decode("ascii")
        return f'{self.selector}._domainkey.{domain} TXT "v=DKIM1; k={self.kind}; p={p}"'


def public_value(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    """The p= value of a DKIM record for ``key``, decoded: SubjectPublicKeyInfo DER for
    RSA (RFC 6376), the raw 32 bytes for Ed25519 (RFC 8463)."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_keys(
    *,
    domain: str,
    selector: str,
    key_file: str,
    ed25519_selector: str = "",
    ed25519_key_file: str = "",
) -> list[DkimKey]:
    """The signing keys as the transport loads them; ``ConfigError`` names the setting."""
    DkimSigner.from_file(
        domain=domain,
        selector=selector,
        key_file=key_file,
        ed25519_selector=ed25519_selector,
        ed25519_key_file=ed25519_key_file,
    ).close()
    # The signer accepted them: reading them again cannot fail in a new way.
    keys = [DkimKey("rsa", selector, public_value(load_rsa_key(Path(key_file).read_bytes())))]
    if ed25519_key_file:
        ed_key = load_ed25519_key(Path(ed25519_key_file).read_bytes())
        keys.append(DkimKey("ed25519", ed25519_selector, public_value(ed_key)))
    return keys


def parse_record(text: str) -> tuple[str, bytes]:
    """``(k, p)`` of a DKIM TXT record, given as published: the bare value, or a zone
    file line whose value is split into quoted strings. ``ValueError`` says why not."""
    quoted = _QUOTED.findall(text)
    value = "".join(quoted) if quoted else text
    tags: dict[str, str] = {}
    for part in value.split(";"):
        name, sep, tag_value = part.partition("=")
        if sep:
            tags[name.strip().split()[-1] if name.strip() else ""] = "".join(tag_value.split())
    if "p" not in tags:
        raise ValueError("no p= tag: not a DKIM key record")
    if not tags["p"]:
        raise ValueError("p= is empty: the key is revoked")
    try:
        public = base64.b64decode(tags["p"], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("p= is not base64") from None
    return tags.get("k", "rsa").lower(), public


def same_key(kind: str, published: bytes, ours: bytes) -> bool:
    """Whether a published p= names our key. For RSA, receivers accept
    SubjectPublicKeyInfo and the bare PKCS#1 key alike, so both are compared by value."""
    if kind == "ed25519" or published == ours:
        return published == ours
    try:
        theirs = serialization.load_der_public_key(published)
    except ValueError:
        try:
            theirs = serialization.load_pem_public_key(
                b"-----BEGIN RSA PUBLIC KEY-----\n"
                + base64.encodebytes(published)
                + b"-----END RSA PUBLIC KEY-----\n"
            )
        except ValueError:
            return False
    mine = serialization.load_der_public_key(ours)
    return (
        isinstance(theirs, rsa.RSAPublicKey)
        and isinstance(mine, rsa.RSAPublicKey)
        and theirs.public_numbers() == mine.public_numbers()
    )


def lookup(selector: str, domain: str) -> str:
    """The TXT record at ``<selector>._domainkey.<domain>``, its strings joined."""
    answer = dns.resolver.resolve(f"{selector}._domainkey.{domain}", "TXT", lifetime=DNS_TIMEOUT)
    return "".join(b"".join(rdata.strings).decode("ascii", "replace") for rdata in answer)


def check_dkim(
    *,
    domain: str,
    selector: str,
    key_file: str,
    ed25519_selector: str,
    ed25519_key_file: str,
    record_files: tuple[Path, ...],
    use_dns: bool,
) -> list[Check]:
    """One check for the keys, then one per key for its public record."""
    if not domain:
        return [Check("dkim", True, "not signing (TRYGGNEWS_DKIM_DOMAIN is empty)")]
    try:
        keys = load_keys(
            domain=domain,
            selector=selector,
            key_file=key_file,
            ed25519_selector=ed25519_selector,
            ed25519_key_file=ed25519_key_file,
        )
    except ConfigError as exc:
        return [Check("dkim", False, str(exc))]
    checks = [Check("dkim", True, f"{', '.join(k.kind for k in keys)} key(s) can sign")]
    given: dict[str, tuple[Path, bytes]] = {}
    for path in record_files:
        try:
            kind, public = parse_record(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            checks.append(Check("dkim record", False, f"{path}: {reason}"))
            continue
        given[kind] = (path, public)
    for key in keys:
        checks.append(_compare(key, domain, given.get(key.kind), use_dns))
    return checks


def _compare(key: DkimKey, domain: str, given: tuple[Path, bytes] | None, use_dns: bool) -> Check:
    name = f"dkim {key.kind} record"
    where = f"{key.selector}._domainkey.{domain}"
    if given is not None:
        path, public = given
        if same_key(key.kind, public, key.public):
            return Check(name, True, f"{path} matches the {key.kind} private key")
        return Check(
            name,
            False,
            f"{path} holds another key than the private key; publish {key.record(domain)}",
        )
    if not use_dns:
        return Check(name, True, f"not looked up (--no-dns); publish {key.record(domain)}")
    try:
        published = lookup(key.selector, domain)
    except (dns.exception.DNSException, OSError) as exc:
        return Check(
            name,
            False,
            f"cannot look up {where} ({type(exc).__name__}); give the record with "
            f"--dkim-record FILE, or publish {key.record(domain)}",
        )
    try:
        kind, public = parse_record(published)
    except ValueError as exc:
        return Check(name, False, f"{where}: {exc}")
    if kind == key.kind and same_key(kind, public, key.public):
        return Check(name, True, f"{where} matches the {key.kind} private key")
    return Check(name, False, f"{where} publishes another key; publish {key.record(domain)}")
