"""Falcon-512 against the round-3 NIST KAT ``falcon/falcon512-KAT.rsp`` (100 cases).

What passes, exactly: for all 100 cases the KAT signature, converted from the KAT's
``sm = siglen (2) || nonce (40) || msg || esig`` (``esig[0] = 0x20 + logn``) into PQClean's
detached format ``0x30 + logn || nonce || esig[1:]``, verifies against the KAT public key
for the KAT message, and fails for a changed message. For the first 10 cases the KAT
secret key, stored in our format (secret key || public key), signs fresh messages that
verify against the KAT public key. What cannot pass: regenerating the KAT key pairs or
signatures. They come from NIST's AES-CTR DRBG seeded with ``seed``; PQClean (via pypqc)
draws its own OS randomness and has no seeded entry point.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.crypto.falcon import FalconScheme
from ledger.crypto.schemes import get_scheme
from ledger.errors import CryptoError, InvalidInput, InvalidSignature
from tests.crypto._keys import KeyCache
from tests.vectors import load_vectors

SCHEME = get_scheme("falcon-512")
LOGN = 9


def _read_rsp(path: Path) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    for line in path.read_text().splitlines():
        if " = " not in line:
            continue
        key, value = (part.strip() for part in line.split(" = ", 1))
        if key == "count":
            records.append({})
        records[-1][key] = value
    return records


KAT = load_vectors("falcon/falcon512-KAT.rsp", _read_rsp)


def _detached_signature(record: dict[str, str]) -> tuple[bytes, bytes]:
    """(message, PQClean detached signature) from a KAT record's ``sm``."""
    sm = bytes.fromhex(record["sm"])
    mlen = int(record["mlen"])
    assert len(sm) == int(record["smlen"])
    siglen = int.from_bytes(sm[:2], "big")
    nonce, message, esig = sm[2:42], sm[42 : 42 + mlen], sm[42 + mlen :]
    assert message == bytes.fromhex(record["msg"])
    assert len(esig) == siglen and esig[0] == 0x20 + LOGN
    return message, bytes([0x30 + LOGN]) + nonce + esig[1:]


def test_kat_file_is_what_we_expect() -> None:
    assert len(KAT) == 100
    assert [int(r["count"]) for r in KAT] == list(range(100))


@pytest.mark.parametrize("record", KAT, ids=[r["count"] for r in KAT])
def test_kat_signature_verifies(record: dict[str, str]) -> None:
    public_key = bytes.fromhex(record["pk"])
    message, signature = _detached_signature(record)
    assert isinstance(SCHEME, FalconScheme)
    assert len(signature) <= SCHEME.max_signature_size
    SCHEME.verify(public_key, message, signature)
    with pytest.raises(InvalidSignature):
        SCHEME.verify(public_key, message + b"\x00", signature)


@pytest.mark.parametrize("record", KAT[:10], ids=[r["count"] for r in KAT[:10]])
def test_kat_secret_key_signs_for_the_kat_public_key(record: dict[str, str]) -> None:
    public_key = bytes.fromhex(record["pk"])
    private_key = bytearray(bytes.fromhex(record["sk"]) + public_key)
    assert SCHEME.public_key(private_key) == public_key
    message = bytes.fromhex(record["msg"])
    signature = SCHEME.sign(private_key, message)
    SCHEME.verify(public_key, message, signature)


@pytest.mark.parametrize("scheme_id", ["falcon-512", "falcon-1024"])
def test_mismatched_private_key_halves_never_sign(scheme_id: str, keys: KeyCache) -> None:
    scheme = get_scheme(scheme_id)
    assert isinstance(scheme, FalconScheme)
    private_key, _ = keys.keypair(scheme_id)
    _, other_public = keys.keypair(scheme_id, 1)
    secret_size = len(private_key) - len(other_public)
    mixed = bytearray(private_key[:secret_size] + other_public)
    with pytest.raises(CryptoError):
        scheme.sign(mixed, b"m")
    bad_header = bytearray(private_key)
    bad_header[0] ^= 0x01
    with pytest.raises(InvalidInput):
        scheme.sign(bad_header, b"m")


@pytest.mark.parametrize("scheme_id", ["falcon-512", "falcon-1024"])
def test_signatures_are_randomised_and_bounded(scheme_id: str, keys: KeyCache) -> None:
    scheme = get_scheme(scheme_id)
    assert isinstance(scheme, FalconScheme)
    private_key, public_key = keys.keypair(scheme_id)
    signatures = {scheme.sign(private_key, b"m") for _ in range(5)}
    assert len(signatures) == 5
    for signature in signatures:
        assert 41 < len(signature) <= scheme.max_signature_size
        scheme.verify(public_key, b"m", signature)
    # Falcon-512 keys do not verify Falcon-1024 signatures and vice versa (sizes differ).
    other = "falcon-1024" if scheme_id == "falcon-512" else "falcon-512"
    with pytest.raises(InvalidInput):
        get_scheme(other).verify(public_key, b"m", next(iter(signatures)))
