"""RFC 9474 blind RSA: the refusals the round-trip tests do not reach.

Keys of other algorithms, non-canonical and crafted encodings, short random sources, an
encoded message that shares a factor with the modulus, and out-of-range finalize inputs:
each must be refused with the field and the reason named.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ledger.crypto.privacy import blind_rsa
from ledger.crypto.privacy.emsa_pss import emsa_pss_encode
from ledger.errors import CryptoError, InvalidInput

MESSAGE = b"one voting token for election 2026-04"
DETERMINISTIC = blind_rsa.VARIANTS["RSABSSA-SHA384-PSSZERO-Deterministic"]
RANDOMIZED = blind_rsa.VARIANTS["RSABSSA-SHA384-PSS-Randomized"]


@pytest.fixture(scope="module")
def issuer() -> tuple[bytearray, bytes]:
    private = blind_rsa.generate_issuer_key(2048)
    return private, blind_rsa.issuer_public_key(private)


def _tlv(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _der_integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def rsa_spki(n: int, e: int) -> bytes:
    """A SubjectPublicKeyInfo for any ``(n, e)``, DER written out by hand (RFC 3279 2.3.1)."""
    algorithm = _tlv(0x30, _tlv(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
    key = _tlv(0x30, _der_integer(n) + _der_integer(e))
    return _tlv(0x30, algorithm + _tlv(0x03, b"\x00" + key))


def short_rng(size: int) -> bytes:
    """A broken random source: always one byte short."""
    return b"\x07" * max(size - 1, 0)


def test_hand_written_spki_matches_the_library_encoding(issuer: tuple[bytearray, bytes]) -> None:
    """The DER helper below is trusted only because it reproduces cryptography's bytes."""
    key = blind_rsa.BlindRsaPublicKey.from_spki(issuer[1])
    assert rsa_spki(key.n, key.e) == issuer[1] == key.to_spki()
    assert key.e == 65537 and key.modulus_length == 256


def test_public_key_of_another_algorithm_is_refused() -> None:
    spki = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(InvalidInput, match="not an RSA key") as caught:
        blind_rsa.BlindRsaPublicKey.from_spki(spki)
    assert caught.value.field == "public_key"


def test_pkcs1_public_key_is_not_canonical_spki(issuer: tuple[bytearray, bytes]) -> None:
    """cryptography also loads a bare PKCS#1 RSAPublicKey; we accept only the SPKI form."""
    pkcs1 = serialization.load_der_public_key(issuer[1]).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    with pytest.raises(InvalidInput, match="not canonical DER") as caught:
        blind_rsa.BlindRsaPublicKey.from_spki(pkcs1)
    assert caught.value.field == "public_key"
    with pytest.raises(InvalidInput, match="not canonical DER"):
        blind_rsa.verify(DETERMINISTIC, pkcs1, MESSAGE, bytes(256))


@pytest.mark.parametrize("exponent", [1, 4])
def test_bad_public_exponent_is_refused(issuer: tuple[bytearray, bytes], exponent: int) -> None:
    """cryptography's loader already refuses e < 3 and even e: never a usable key."""
    n = blind_rsa.BlindRsaPublicKey.from_spki(issuer[1]).n
    with pytest.raises(InvalidInput, match="not a DER SubjectPublicKeyInfo") as caught:
        blind_rsa.BlindRsaPublicKey.from_spki(rsa_spki(n, exponent))
    assert caught.value.field == "public_key"


def test_private_key_must_be_non_empty_rsa_pkcs8_in_range() -> None:
    for bad in (b"", "not bytes", None):
        with pytest.raises(InvalidInput, match="must be DER PKCS#8 bytes") as caught:
            blind_rsa.issuer_public_key(bad)  # type: ignore[arg-type]
        assert caught.value.field == "private_key"
    ec_der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    with pytest.raises(InvalidInput, match="not an RSA key") as caught:
        blind_rsa.issuer_public_key(ec_der)
    assert caught.value.field == "private_key"
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    with pytest.raises(InvalidInput, match="issuer key must be 2048 to 8192 bits") as caught:
        blind_rsa.blind_sign(small, bytes(128))
    assert caught.value.field == "private_key"


def test_short_random_source_is_a_crypto_error(issuer: tuple[bytearray, bytes]) -> None:
    public = issuer[1]
    with pytest.raises(CryptoError, match="wrong number of bytes"):
        blind_rsa.prepare(RANDOMIZED, MESSAGE, rng=short_rng)
    with pytest.raises(CryptoError, match="wrong number of bytes"):
        blind_rsa.blind(RANDOMIZED, public, MESSAGE, rng=short_rng)  # the salt
    with pytest.raises(CryptoError, match="wrong number of bytes"):
        blind_rsa.blind(DETERMINISTIC, public, MESSAGE, rng=short_rng)  # no salt: r
    with pytest.raises(CryptoError, match="wrong number of bytes"):
        blind_rsa.blind_sign(issuer[0], bytes(255) + b"\x05", rng=short_rng)


def test_zero_random_source_exhausts_its_retries(issuer: tuple[bytearray, bytes]) -> None:
    with pytest.raises(CryptoError, match="could not draw a blinding factor"):
        blind_rsa.blind(DETERMINISTIC, issuer[1], MESSAGE, rng=bytes)


def test_deterministic_prepare_is_the_message_itself() -> None:
    assert blind_rsa.prepare(DETERMINISTIC, MESSAGE, rng=short_rng) == MESSAGE
    with pytest.raises(InvalidInput, match="message must be bytes"):
        blind_rsa.prepare(DETERMINISTIC, "text")  # type: ignore[arg-type]


def test_encoded_message_sharing_a_factor_with_the_modulus_is_refused() -> None:
    """A (bogus) issuer modulus that is a multiple of the encoded message's odd part."""
    bits = 2048
    encoded = int.from_bytes(emsa_pss_encode(MESSAGE, bits - 1, b"", "sha384"), "big")
    odd = encoded >> (encoded & -encoded).bit_length() - 1  # EM ends in 0xbc: even
    n = next(odd * k for k in range(3, 1 << 12, 2) if (odd * k).bit_length() == bits)
    assert n.bit_length() == bits and n % 2 == 1
    with pytest.raises(InvalidInput, match="not coprime to the modulus") as caught:
        blind_rsa.blind(DETERMINISTIC, rsa_spki(n, 65537), MESSAGE)
    assert caught.value.field == "prepared_message"


def test_finalize_refuses_out_of_range_values(issuer: tuple[bytearray, bytes]) -> None:
    private, public = issuer
    n = blind_rsa.BlindRsaPublicKey.from_spki(public).n
    blinding = blind_rsa.blind(DETERMINISTIC, public, MESSAGE)
    blind_signature = blind_rsa.blind_sign(private, blinding.blinded_message)
    for signature, inverse in (
        (n.to_bytes(256, "big"), blinding.inverse),  # z = n
        (blind_signature, bytearray(256)),  # inverse 0
        (blind_signature, bytearray(n.to_bytes(256, "big"))),  # inverse = n
    ):
        with pytest.raises(InvalidInput, match="out of range") as caught:
            blind_rsa.finalize(DETERMINISTIC, public, MESSAGE, signature, inverse)
        assert caught.value.field == "blind_signature"
    with pytest.raises(InvalidInput, match="inverse must be 256 bytes") as caught:
        blind_rsa.finalize(DETERMINISTIC, public, MESSAGE, blind_signature,
                           "00" * 256)  # type: ignore[arg-type]
    assert caught.value.field == "inverse"
    assert blind_rsa.finalize(DETERMINISTIC, public, MESSAGE, blind_signature,
                              blinding.inverse) == blind_rsa.finalize(
        DETERMINISTIC, public, MESSAGE, blind_signature, bytes(blinding.inverse))


def test_pss_encoding_refuses_a_modulus_too_small_for_hash_and_salt() -> None:
    with pytest.raises(InvalidInput, match="modulus too small") as caught:
        emsa_pss_encode(MESSAGE, 8 * (48 + 48 + 1), bytes(48), "sha384")
    assert caught.value.field == "public_key"
    assert len(emsa_pss_encode(MESSAGE, 8 * (48 + 48 + 2), bytes(48), "sha384")) == 98
