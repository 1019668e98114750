"""No secret of the privacy modules appears in an exception we raise or in a repr."""

from __future__ import annotations

import base64

import pytest

from ledger.crypto.privacy import blind_rsa, paillier, pok, ring
from ledger.errors import CryptoError, SkmsError
from tests.privacy.conftest import identity


def forms(secret: bytes) -> list[str]:
    return [secret.hex(), secret.hex().upper(), base64.b64encode(secret).decode(),
            repr(secret)[2:-1], str(int.from_bytes(secret, "big")),
            str(int.from_bytes(secret, "little"))]


def renderings(error: BaseException) -> str:
    parts = [str(error), repr(error), repr(error.args)]
    if isinstance(error, SkmsError):
        parts += [error.message, error.hint, str(error.field)]
    for linked in (error.__cause__, error.__context__):
        if linked is not None:
            parts += [str(linked), repr(linked)]
    return "\n".join(parts)


def assert_clean(text: str, secret: bytes) -> None:
    for form in forms(secret):
        assert form not in text


def test_ring_and_pok_errors_do_not_carry_the_seed() -> None:
    seed, _ = identity("hygiene")
    ring_keys = [identity("m0")[1], identity("m1")[1]]
    with pytest.raises(SkmsError) as caught:
        ring.sign(ring_keys, 0, seed, b"m", scope=b"s")  # seed is not ring member 0
    assert_clean(renderings(caught.value), bytes(seed))
    ch = pok.PoKChallenge("svc", "p", bytes(32))
    with pytest.raises(SkmsError) as caught:
        pok.prove("ed25519", seed + b"\x00", user_id="u", challenge=ch)
    assert_clean(renderings(caught.value), bytes(seed))


def test_paillier_private_values_stay_out_of_errors_and_reprs() -> None:
    key = paillier.generate_keypair(2048)
    sealed = bytes(key.to_bytes())
    p_length = int.from_bytes(sealed[1:3], "big")
    p = sealed[3:3 + p_length]
    q = sealed[5 + p_length:]
    assert_clean(repr(key), p)
    assert_clean(repr(key), q)
    with pytest.raises(SkmsError) as caught:
        paillier.PaillierPrivateKey(int.from_bytes(q, "big"), int.from_bytes(p, "big"))
    assert_clean(renderings(caught.value), p)
    assert_clean(renderings(caught.value), q)
    ciphertext = key.public_key.encrypt(31337)
    assert "31337" not in repr(ciphertext)


def test_blinding_inverse_stays_out_of_reprs() -> None:
    private = blind_rsa.generate_issuer_key(2048)
    public = blind_rsa.issuer_public_key(private)
    variant = blind_rsa.VARIANTS["RSABSSA-SHA384-PSS-Deterministic"]
    blinding = blind_rsa.blind(variant, public, b"secret ballot")
    assert_clean(repr(blinding), bytes(blinding.inverse))
    with pytest.raises(SkmsError) as caught:
        blind_rsa.blind_sign(private, b"\xff" * 256)  # >= n: out of range
    assert_clean(renderings(caught.value), bytes(private[-64:]))


def test_a_stuck_random_source_fails_closed() -> None:
    """All-zero randomness never yields a proof, signature or ciphertext; it raises."""
    def zeros(size: int) -> bytes:
        return bytes(size)

    seed, public = identity("stuck")
    keys = [public, identity("other")[1]]
    ch = pok.PoKChallenge("svc", "p", bytes(32))
    with pytest.raises(CryptoError):
        pok.prove("ed25519", seed, user_id="u", challenge=ch, rng=zeros)
    with pytest.raises(CryptoError):
        pok.prove("secp256k1", bytearray(31) + b"\x05", user_id="u", challenge=ch, rng=zeros)
    with pytest.raises(CryptoError):
        ring.sign(keys, 0, seed, b"m", scope=b"s", rng=zeros)
    with pytest.raises(CryptoError):
        paillier.PaillierPublicKey(2**2047 + 1).encrypt(1, rng=zeros)
    private = blind_rsa.generate_issuer_key(2048)
    variant = blind_rsa.VARIANTS["RSABSSA-SHA384-PSSZERO-Deterministic"]
    with pytest.raises(CryptoError):
        blind_rsa.blind(variant, blind_rsa.issuer_public_key(private), b"m", rng=zeros)
