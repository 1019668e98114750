"""The digest-signing additions to ledger/crypto/ecdsa_secp256k1.py that chains need."""

from __future__ import annotations

import hashlib

import coincurve
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ledger.crypto.ecdsa_secp256k1 import (
    SECP256K1_ORDER,
    sign_digest_der,
    sign_digest_recoverable,
    verify_digest_der,
)
from ledger.errors import InvalidInput, InvalidSignature

KEY = bytearray(hashlib.sha256(b"chains").digest())
PUBLIC = coincurve.PrivateKey(bytes(KEY)).public_key.format()


@pytest.mark.parametrize("n", range(20))
def test_recoverable_signatures_recover_the_key_and_are_low_s(n: int) -> None:
    digest = hashlib.sha256(bytes([n])).digest()
    signature, recovery_id = sign_digest_recoverable(KEY, digest)
    assert recovery_id in (0, 1)
    assert int.from_bytes(signature[32:], "big") <= SECP256K1_ORDER // 2
    recovered = coincurve.PublicKey.from_signature_and_message(
        signature + bytes([recovery_id]), digest, hasher=None)
    assert recovered.format() == PUBLIC
    assert sign_digest_recoverable(KEY, digest) == (signature, recovery_id)  # RFC 6979


def test_der_signatures_verify_and_refuse_tampering() -> None:
    digest = hashlib.sha256(b"m").digest()
    der = sign_digest_der(KEY, digest)
    verify_digest_der(PUBLIC, digest, der)
    r, s = decode_dss_signature(der)
    with pytest.raises(InvalidSignature, match="high s"):
        verify_digest_der(PUBLIC, digest, encode_dss_signature(r, SECP256K1_ORDER - s))
    with pytest.raises(InvalidSignature):
        verify_digest_der(PUBLIC, hashlib.sha256(b"n").digest(), der)
    with pytest.raises(InvalidSignature):
        verify_digest_der(PUBLIC, digest, der + b"\x00")
    with pytest.raises(InvalidInput) as caught:
        sign_digest_der(KEY, b"short")
    assert caught.value.field == "digest"
    with pytest.raises(InvalidInput) as caught:
        sign_digest_recoverable(bytearray(32), digest)
    assert caught.value.field == "private_key"
    assert KEY.hex() not in str(caught.value)
