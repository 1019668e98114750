"""The prime-order groups and big-integer helpers: identities, broken sources, bad scalars.

Each operation that would produce the identity, or a zero response, must raise
:class:`CryptoError` rather than return a value a proof could be built on; each malformed
argument is :class:`InvalidInput` naming its field. Checked on the real libsodium and
libsecp256k1 arithmetic, with the identities made on purpose (``P + (-P)``, ``0 * P``).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.privacy import bigint, blind_rsa, paillier
from ledger.crypto.privacy import ed25519_group as ed
from ledger.crypto.privacy.kinds import BLIND_KINDS, PAILLIER_KINDS
from ledger.crypto.privacy.secp256k1_group import SECP256K1
from ledger.crypto.privacy.wire import require_text
from ledger.errors import CryptoError, InvalidInput

ED_MINUS_ONE = (ed.ORDER - 1).to_bytes(32, "little")
K1_MINUS_ONE = (SECP256K1_ORDER - 1).to_bytes(32, "big")


def test_secret_exponentiation_needs_positive_arguments() -> None:
    assert bigint.powmod_secret_exponent(3, 5, 7, 6) == pow(3, 5, 7)
    for exponent, modulus, order in ((0, 7, 6), (5, 7, 0), (5, 2, 1), (-1, 7, 6)):
        with pytest.raises(CryptoError, match="needs a positive exponent and order"):
            bigint.powmod_secret_exponent(3, exponent, modulus, order)


def test_invert_without_an_inverse() -> None:
    assert bigint.invert(3, 7) == 5
    with pytest.raises(CryptoError, match="no inverse modulo the modulus"):
        bigint.invert(6, 9)


@pytest.mark.parametrize("data", [bytes(31), bytes(33), "00" * 32, None])
def test_ed25519_scalar_must_be_32_bytes(data: object) -> None:
    with pytest.raises(InvalidInput, match="c0 must be a 32-byte scalar") as caught:
        ed.parse_scalar(data, "c0")
    assert caught.value.field == "c0"


def test_ed25519_scalar_edges() -> None:
    assert ed.parse_scalar(ED_MINUS_ONE, "s") == ED_MINUS_ONE
    for bad in (bytes(32), ed.ORDER.to_bytes(32, "little")):
        with pytest.raises(InvalidInput, match="not a canonical non-zero scalar"):
            ed.parse_scalar(bad, "s")


def test_ed25519_random_scalar_needs_64_bytes() -> None:
    with pytest.raises(CryptoError, match="wrong number of bytes"):
        ed.ED25519.random_scalar(lambda size: bytes(size - 1))
    with pytest.raises(CryptoError, match="keeps giving zero scalars"):
        ed.ED25519.random_scalar(bytes)
    # L itself reduces to zero: refused and drawn again.
    draws = [ed.ORDER.to_bytes(64, "little"), (5).to_bytes(64, "little")]
    assert ed.random_scalar(lambda size: draws.pop(0)) == bytearray((5).to_bytes(32, "little"))


def test_ed25519_identities_are_crypto_errors() -> None:
    minus_base = ed.base_mul(ED_MINUS_ONE)
    assert ed.add(ed.base_mul((2).to_bytes(32, "little")), minus_base) == ed.BASE_POINT
    with pytest.raises(CryptoError, match="point sum is the identity"):
        ed.ED25519.add(ed.BASE_POINT, minus_base)
    with pytest.raises(CryptoError, match="base multiplication gave the identity"):
        ed.ED25519.base_mul(bytes(32))
    with pytest.raises(CryptoError, match="scalar multiplication failed"):
        ed.ED25519.mul(bytes(32), ed.BASE_POINT)
    assert ed.ED25519.mul(ED_MINUS_ONE, ed.BASE_POINT) == minus_base


def test_secp256k1_random_scalar_needs_32_bytes() -> None:
    with pytest.raises(CryptoError, match="wrong number of bytes"):
        SECP256K1.random_scalar(lambda size: bytes(size + 1))
    with pytest.raises(CryptoError, match="keeps giving out-of-range scalars"):
        SECP256K1.random_scalar(lambda size: b"\xff" * size)


def test_secp256k1_identities_and_zero_responses_are_crypto_errors() -> None:
    g = SECP256K1.generator
    minus_g = SECP256K1.base_mul(K1_MINUS_ONE)
    with pytest.raises(CryptoError, match="point sum is the identity"):
        SECP256K1.add(g, minus_g)
    for scalar in (bytes(32), SECP256K1_ORDER.to_bytes(32, "big")):
        with pytest.raises(CryptoError, match="needs 0 < scalar < n"):
            SECP256K1.base_mul(scalar)
        with pytest.raises(CryptoError, match="scalar multiplication failed"):
            SECP256K1.mul(scalar, g)
    assert SECP256K1.mul(K1_MINUS_ONE, g) == minus_g
    # nonce = secret * challenge makes the response nonce - secret * c zero.
    secret, challenge = (7).to_bytes(32, "big"), (3).to_bytes(32, "big")
    with pytest.raises(CryptoError, match="response is zero; draw a new nonce"):
        SECP256K1.schnorr_response((21).to_bytes(32, "big"), secret, challenge)
    assert SECP256K1.schnorr_response((22).to_bytes(32, "big"), secret, challenge) == \
        bytearray((1).to_bytes(32, "big"))


@pytest.mark.parametrize("key", [bytes(31), bytes(33), "00" * 32, None])
def test_secp256k1_private_key_must_be_32_bytes(key: object) -> None:
    with pytest.raises(InvalidInput, match="private key must be 32 bytes") as caught:
        SECP256K1.private_scalar(key)  # type: ignore[arg-type]
    assert caught.value.field == "private_key"


def test_text_fields_must_be_encodable_and_bounded() -> None:
    assert require_text("é" * 512, "purpose") == "é" * 512
    with pytest.raises(InvalidInput, match="purpose is longer than 1024 bytes") as caught:
        require_text("é" * 513, "purpose")
    assert caught.value.field == "purpose"
    with pytest.raises(InvalidInput, match="service is not valid Unicode text") as caught:
        require_text("lone \udc80 surrogate", "service")
    assert caught.value.field == "service"


def test_blind_kind_gives_the_issuer_key_as_pem() -> None:
    private = blind_rsa.generate_issuer_key(2048)
    spki = blind_rsa.issuer_public_key(private)
    blind_kind = next(k for k in BLIND_KINDS
                      if k.info.kind_id == "rsabssa-sha384-pss-randomized-3072")
    pem = blind_kind.public_key_pem(spki)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert serialization.load_pem_public_key(pem.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == spki


def test_paillier_kind_refuses_a_public_key_of_another_size() -> None:
    public = paillier.generate_keypair(2048).public_key.to_bytes()
    paillier_kind = next(k for k in PAILLIER_KINDS if k.info.kind_id == "paillier-3072")
    with pytest.raises(InvalidInput, match="paillier-3072 public key has a 3072-bit modulus") \
            as caught:
        paillier_kind.public(public)
    assert caught.value.field == "public_key"
