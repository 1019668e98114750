"""RFC 9474 with fresh issuer keys: round trips, unlinkability, refusals, fault check."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ledger.crypto.privacy import blind_rsa
from ledger.errors import CryptoError, InvalidInput, InvalidSignature

MESSAGE = b"one voting token for election 2026-04"


@pytest.fixture(scope="module")
def issuer() -> tuple[bytearray, bytes]:
    private = blind_rsa.generate_issuer_key(2048)
    return private, blind_rsa.issuer_public_key(private)


def run(variant: blind_rsa.BlindRsaVariant, issuer: tuple[bytearray, bytes],
        message: bytes = MESSAGE) -> tuple[bytes, bytes, blind_rsa.BlindingResult, bytes]:
    private, public = issuer
    prepared = blind_rsa.prepare(variant, message)
    blinding = blind_rsa.blind(variant, public, prepared)
    blind_signature = blind_rsa.blind_sign(private, blinding.blinded_message)
    signature = blind_rsa.finalize(variant, public, prepared, blind_signature, blinding.inverse)
    return prepared, signature, blinding, blind_signature


@pytest.mark.parametrize("name", sorted(blind_rsa.VARIANTS))
def test_round_trip_is_a_standard_rsa_pss_signature(name: str,
                                                    issuer: tuple[bytearray, bytes]) -> None:
    variant = blind_rsa.VARIANTS[name]
    prepared, signature, _, _ = run(variant, issuer)
    blind_rsa.verify(variant, issuer[1], prepared, signature)
    verifier = serialization.load_der_public_key(issuer[1])
    assert isinstance(verifier, rsa.RSAPublicKey)
    verifier.verify(signature, prepared,
                    padding.PSS(mgf=padding.MGF1(hashes.SHA384()),
                                salt_length=variant.salt_length),
                    hashes.SHA384())
    assert prepared.endswith(MESSAGE) and len(prepared) == len(MESSAGE) + (
        32 if variant.randomized else 0)


def test_issuer_sees_nothing_linkable(issuer: tuple[bytearray, bytes]) -> None:
    """Two sessions for the same message: different blinded messages and blind signatures,
    and neither equals the final signature (what the issuer later sees redeemed)."""
    variant = blind_rsa.VARIANTS["RSABSSA-SHA384-PSS-Deterministic"]
    first = run(variant, issuer)
    second = run(variant, issuer)
    assert first[2].blinded_message != second[2].blinded_message
    assert first[3] != second[3]
    assert first[1] not in (first[3], second[3])


def test_deterministic_pss_zero_gives_one_signature_per_message(
        issuer: tuple[bytearray, bytes]) -> None:
    variant = blind_rsa.VARIANTS["RSABSSA-SHA384-PSSZERO-Deterministic"]
    assert run(variant, issuer)[1] == run(variant, issuer)[1]


def test_wrong_message_variant_or_key_fails(issuer: tuple[bytearray, bytes]) -> None:
    randomized = blind_rsa.VARIANTS["RSABSSA-SHA384-PSS-Randomized"]
    prepared, signature, _, _ = run(randomized, issuer)
    with pytest.raises(InvalidSignature):
        blind_rsa.verify(randomized, issuer[1], MESSAGE, signature)  # prefix dropped
    with pytest.raises(InvalidSignature):
        blind_rsa.verify(blind_rsa.VARIANTS["RSABSSA-SHA384-PSSZERO-Randomized"], issuer[1],
                         prepared, signature)
    other = blind_rsa.issuer_public_key(blind_rsa.generate_issuer_key(2048))
    with pytest.raises(InvalidSignature):
        blind_rsa.verify(randomized, other, prepared, signature)
    tampered = bytearray(signature)
    tampered[-1] ^= 1
    with pytest.raises(InvalidSignature):
        blind_rsa.verify(randomized, issuer[1], prepared, bytes(tampered))


def test_finalize_refuses_a_bad_blind_signature_or_inverse(
        issuer: tuple[bytearray, bytes]) -> None:
    variant = blind_rsa.VARIANTS["RSABSSA-SHA384-PSS-Randomized"]
    private, public = issuer
    prepared = blind_rsa.prepare(variant, MESSAGE)
    blinding = blind_rsa.blind(variant, public, prepared)
    blind_signature = blind_rsa.blind_sign(private, blinding.blinded_message)
    other = blind_rsa.blind(variant, public, prepared)
    with pytest.raises(InvalidSignature):
        blind_rsa.finalize(variant, public, prepared, blind_signature, other.inverse)
    tampered = bytearray(blind_signature)
    tampered[5] ^= 1
    with pytest.raises(InvalidSignature):
        blind_rsa.finalize(variant, public, prepared, bytes(tampered), blinding.inverse)
    with pytest.raises(InvalidInput, match="256 bytes"):
        blind_rsa.finalize(variant, public, prepared, blind_signature[1:], blinding.inverse)
    with pytest.raises(InvalidInput, match="inverse"):
        blind_rsa.finalize(variant, public, prepared, blind_signature, bytearray(255))


def test_blind_sign_refuses_out_of_range_input(issuer: tuple[bytearray, bytes]) -> None:
    private, public = issuer
    n = blind_rsa.BlindRsaPublicKey.from_spki(public).n
    with pytest.raises(InvalidInput, match="out of range"):
        blind_rsa.blind_sign(private, n.to_bytes(256, "big"))
    with pytest.raises(InvalidInput, match="256 bytes"):
        blind_rsa.blind_sign(private, b"\x01" * 255)
    with pytest.raises(InvalidInput, match="PKCS#8"):
        blind_rsa.blind_sign(bytearray(b"not a key"), b"\x01" * 256)


def test_blind_sign_catches_a_faulty_key() -> None:
    """A wrong CRT exponent (a fault) must not leave blind_sign: s^e != m is caught.

    Returning such a value would hand the client gcd(s^e - m, n), a factor of n.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good = key.private_numbers()
    faulty = rsa.RSAPrivateNumbers(good.p, good.q, good.d, good.dmp1 ^ 2, good.dmq1,
                                   good.iqmp, good.public_numbers)
    der = faulty.private_key(unsafe_skip_rsa_key_validation=True).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    with pytest.raises(CryptoError, match="signing failure"):
        blind_rsa.blind_sign(bytearray(der), (12345).to_bytes(256, "big"))


def test_public_key_rules() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    spki = small.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(InvalidInput, match="2048 to 8192"):
        blind_rsa.BlindRsaPublicKey.from_spki(spki)
    with pytest.raises(InvalidInput, match="SubjectPublicKeyInfo"):
        blind_rsa.BlindRsaPublicKey.from_spki(b"\x30\x00")
    with pytest.raises(InvalidInput):
        blind_rsa.BlindRsaPublicKey.from_spki(spki + b"\x00")
    with pytest.raises(InvalidInput, match="variant"):
        blind_rsa.variant_named("RSABSSA-SHA256-PSS-Randomized")
    with pytest.raises(InvalidInput, match="2048, 3072 or 4096"):
        blind_rsa.generate_issuer_key(1024)


def test_secrets_stay_out_of_reprs(issuer: tuple[bytearray, bytes]) -> None:
    variant = blind_rsa.VARIANTS["RSABSSA-SHA384-PSS-Randomized"]
    blinding = blind_rsa.blind(variant, issuer[1], blind_rsa.prepare(variant, MESSAGE))
    assert bytes(blinding.inverse).hex() not in repr(blinding)
    assert "<secret>" in repr(blinding)
    assert len(blind_rsa.blinded_message_digest(blinding.blinded_message)) == 64
