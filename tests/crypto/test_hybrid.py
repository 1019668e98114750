"""The ML-DSA-65 + Ed25519 hybrid: both halves must verify, and neither can be reused alone."""

from __future__ import annotations

import pytest

from ledger.crypto.hybrid_mldsa65_ed25519 import DOMAIN, split_signature
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidSignature
from tests.crypto._keys import KeyCache

HYBRID = get_scheme("hybrid-mldsa65-ed25519")
ML_DSA = get_scheme("ml-dsa-65")
ED25519 = get_scheme("ed25519")


def _halves(public_key: bytes) -> tuple[bytes, bytes]:
    return public_key[:1952], public_key[1952:]


def test_keys_are_the_two_component_keys() -> None:
    seed = bytes(range(64))
    private_key = HYBRID.generate(seed)
    assert private_key == ML_DSA.generate(seed[:32]) + ED25519.generate(seed[32:])
    assert HYBRID.public_key(private_key) == (
        ML_DSA.public_key(seed[:32]) + ED25519.public_key(seed[32:])
    )


def test_both_halves_sign_the_domain_separated_message(keys: KeyCache) -> None:
    signed = keys.signed("hybrid-mldsa65-ed25519")
    pq_key, classic_key = _halves(signed.public_key)
    pq_signature, classic_signature = split_signature(signed.signature)
    ML_DSA.verify(pq_key, DOMAIN + signed.message, pq_signature)
    ED25519.verify(classic_key, DOMAIN + signed.message, classic_signature)
    # Stripped off, neither half is a plain signature over the message.
    with pytest.raises(InvalidSignature):
        ML_DSA.verify(pq_key, signed.message, pq_signature)
    with pytest.raises(InvalidSignature):
        ED25519.verify(classic_key, signed.message, classic_signature)


@pytest.mark.parametrize("broken", ["ML-DSA-65", "Ed25519", "both"])
def test_breaking_either_half_fails(broken: str, keys: KeyCache) -> None:
    signed = keys.signed("hybrid-mldsa65-ed25519")
    pq_signature, classic_signature = split_signature(signed.signature)
    if broken in ("ML-DSA-65", "both"):
        pq_signature = pq_signature[:100] + bytes([pq_signature[100] ^ 1]) + pq_signature[101:]
    if broken in ("Ed25519", "both"):
        classic_signature = classic_signature[:-1] + bytes([classic_signature[-1] ^ 1])
    with pytest.raises(InvalidSignature) as info:
        HYBRID.verify(signed.public_key, signed.message, pq_signature + classic_signature)
    expected = ["ML-DSA-65", "Ed25519"] if broken == "both" else [broken]
    for name in expected:
        assert name in info.value.message


def test_plain_signatures_cannot_be_glued_into_a_hybrid(keys: KeyCache) -> None:
    signed = keys.signed("hybrid-mldsa65-ed25519")
    private_key = signed.private_key
    pq_plain = ML_DSA.sign(private_key[:32], signed.message)
    classic_plain = ED25519.sign(private_key[32:], signed.message)
    with pytest.raises(InvalidSignature):
        HYBRID.verify(signed.public_key, signed.message, pq_plain + classic_plain)


def test_halves_from_another_key_are_rejected(keys: KeyCache) -> None:
    """A valid ML-DSA half from another hybrid key pair does not combine with ours."""
    signed = keys.signed("hybrid-mldsa65-ed25519")
    other_private, _ = keys.keypair("hybrid-mldsa65-ed25519", 1)
    other_signature = HYBRID.sign(other_private, signed.message)
    own_pq, own_classic = split_signature(signed.signature)
    other_pq, other_classic = split_signature(other_signature)
    for mixed in (other_pq + own_classic, own_pq + other_classic):
        with pytest.raises(InvalidSignature):
            HYBRID.verify(signed.public_key, signed.message, mixed)
