"""The AES-256-GCM wrapper: blob format, fresh nonces, refusal of anything unauthentic."""

from __future__ import annotations

import pytest

from ledger.crypto import aead
from ledger.crypto.entropy import random_bytes
from ledger.errors import CryptoError, InvalidInput

KEY = bytearray(range(32))
AAD = b"key:k-1|v:1"


def test_round_trip_and_format() -> None:
    blob = aead.seal(KEY, b"secret material", AAD)
    assert blob[0] == 0x01
    assert len(blob) == 1 + 12 + len(b"secret material") + 16
    out = aead.open_(KEY, blob, AAD)
    assert isinstance(out, bytearray)
    assert out == b"secret material"


def test_empty_plaintext_and_bytearray_inputs() -> None:
    blob = aead.seal(bytes(KEY), bytearray(), b"")
    assert aead.open_(KEY, blob, b"") == bytearray()


def test_fresh_nonce_every_time() -> None:
    blobs = {aead.seal(KEY, b"same", AAD) for _ in range(50)}
    assert len(blobs) == 50
    assert len({b[1:13] for b in blobs}) == 50


@pytest.mark.parametrize("size", [0, 16, 24, 31, 33, 64])
def test_other_key_sizes_are_refused(size: int) -> None:
    with pytest.raises(InvalidInput) as info:
        aead.seal(bytes(size), b"x", AAD)
    assert info.value.field == "key"
    with pytest.raises(InvalidInput):
        aead.open_(bytes(size), b"\x01" + bytes(40), AAD)


def test_wrong_key_or_aad_fails_authentication() -> None:
    blob = aead.seal(KEY, b"payload", AAD)
    other = random_bytes(32)
    with pytest.raises(CryptoError, match="authentication failed"):
        aead.open_(other, blob, AAD)
    with pytest.raises(CryptoError, match="authentication failed"):
        aead.open_(KEY, blob, AAD + b"x")


def test_every_tampered_byte_is_detected() -> None:
    blob = aead.seal(KEY, b"payload", AAD)
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x80
        with pytest.raises(CryptoError):
            aead.open_(KEY, bytes(tampered), AAD)


def test_truncated_and_unknown_version() -> None:
    blob = aead.seal(KEY, b"payload", AAD)
    for cut in (0, 1, 13, aead.OVERHEAD - 1):
        with pytest.raises(CryptoError, match="truncated"):
            aead.open_(KEY, blob[:cut], AAD)
    with pytest.raises(CryptoError):
        aead.open_(KEY, blob[:-1], AAD)
    with pytest.raises(CryptoError, match="unknown format version"):
        aead.open_(KEY, b"\x02" + blob[1:], AAD)
