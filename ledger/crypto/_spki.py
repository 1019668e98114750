"""A minimal DER writer for SubjectPublicKeyInfo, for key types our libraries cannot encode.

Why: pqcrypto hands us SLH-DSA keys as raw bytes and has no SPKI or PEM support, while
RFC 9909 defines the SPKI for SLH-DSA as the simplest possible one: an AlgorithmIdentifier
holding only the OID (parameters absent) and the raw key as the BIT STRING. Writing that
needs four DER rules (tag-length-value, definite lengths, OID arcs in base 128, a zero
"unused bits" byte), nothing else; no parsing happens here. ML-DSA keys have the same
shape, so ``tests/crypto_suite/test_slh_dsa.py`` checks this writer byte for byte against
pyca/cryptography's ML-DSA SPKI.
"""

from __future__ import annotations

import base64

__all__ = ["pem_public_key", "spki_der"]


def _length(size: int) -> bytes:
    """DER definite length: short form below 128, else 0x80|n followed by n bytes."""
    if size < 0x80:
        return bytes([size])
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _oid(dotted: str) -> bytes:
    """DER OBJECT IDENTIFIER: first two arcs as 40*a+b, each arc base 128, high bit = more."""
    arcs = [int(part) for part in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise ValueError(f"not an OID: {dotted}")
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def spki_der(oid: str, public_key: bytes) -> bytes:
    """``SEQUENCE { SEQUENCE { oid }, BIT STRING { 0x00 || public_key } }``."""
    algorithm = _tlv(0x30, _oid(oid))
    return _tlv(0x30, algorithm + _tlv(0x03, b"\x00" + public_key))


def pem_public_key(der: bytes) -> str:
    """PEM with the ``PUBLIC KEY`` label (RFC 7468), 64 base64 characters a line."""
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"
