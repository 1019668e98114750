"""RSA-PSS and RSA-PKCS#1 v1.5: Wycheproof ``rsa_pss_2048_sha256_mgf1_32_test.json`` and policy.

The Wycheproof file must pass in full (every "invalid" case rejected). PKCS#1 v1.5 has no
file in the shared vectors; its encoding is checked independently here by recomputing
EMSA-PKCS1-v1_5 (RFC 8017 section 9.2) from the raw RSA value ``s^e mod n``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature as LibInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ledger.crypto._rsa_common import max_pkcs8_size, spki_size
from ledger.crypto.rsa_pss import RsaPssScheme
from ledger.crypto.schemes import get_scheme
from ledger.errors import CryptoError, InvalidInput, InvalidSignature
from tests.crypto._keys import KeyCache
from tests.vectors import wycheproof_cases

PSS = wycheproof_cases("wycheproof/rsa_pss_2048_sha256_mgf1_32_test.json")
# DigestInfo prefix for SHA-256 (RFC 8017 section 9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def test_wycheproof_file_is_what_we_expect() -> None:
    assert len(PSS) == 108
    assert {case["result"] for _, case in PSS} == {"valid", "invalid"}
    for group, _ in PSS:
        assert (group["sha"], group["mgfSha"], group["sLen"], group["keySize"]) == (
            "SHA-256",
            "SHA-256",
            32,
            2048,
        )


@pytest.mark.parametrize(("group", "case"), PSS, ids=[str(c["tcId"]) for _, c in PSS])
def test_wycheproof_rsa_pss_2048(group: dict[str, Any], case: dict[str, Any]) -> None:
    scheme = get_scheme("rsa-pss-2048")
    public_key = bytes.fromhex(group["publicKeyDer"])
    message = bytes.fromhex(case["msg"])
    signature = bytes.fromhex(case["sig"])
    if case["result"] == "valid":
        scheme.verify(public_key, message, signature)
    else:
        with pytest.raises(InvalidSignature):
            scheme.verify(public_key, message, signature)


@pytest.mark.parametrize("bits", [2048, 3072, 4096])
def test_size_formulas_match_real_keys(bits: int, keys: KeyCache) -> None:
    private_key, public_key = keys.keypair(f"rsa-pss-{bits}")
    assert len(public_key) == spki_size(bits)
    assert len(private_key) <= max_pkcs8_size(bits)


@pytest.mark.parametrize("bits", [2048, 3072, 4096])
def test_pkcs1v15_encoding_is_rfc8017(bits: int, keys: KeyCache) -> None:
    scheme = get_scheme(f"rsa-pkcs1v15-{bits}")
    private_key, public_key = keys.keypair(scheme.scheme_id)
    message = b"deterministic padding"
    signature = scheme.sign(private_key, message)
    assert signature == scheme.sign(private_key, message)
    key = serialization.load_der_public_key(public_key)
    assert isinstance(key, rsa.RSAPublicKey)
    numbers = key.public_numbers()
    k = bits // 8
    encoded = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n).to_bytes(k, "big")
    t = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    assert encoded == b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


def test_pss_uses_salt_length_32_and_is_randomised(keys: KeyCache) -> None:
    scheme = get_scheme("rsa-pss-2048")
    private_key, public_key = keys.keypair("rsa-pss-2048")
    first, second = scheme.sign(private_key, b"m"), scheme.sign(private_key, b"m")
    assert first != second
    key = serialization.load_der_public_key(public_key)
    assert isinstance(key, rsa.RSAPublicKey)
    mgf = padding.MGF1(hashes.SHA256())
    key.verify(first, b"m", padding.PSS(mgf=mgf, salt_length=32), hashes.SHA256())
    for other in (0, 20, 64):
        with pytest.raises(LibInvalidSignature):
            key.verify(first, b"m", padding.PSS(mgf=mgf, salt_length=other), hashes.SHA256())


def test_padding_confusion_is_rejected(keys: KeyCache) -> None:
    pss, pkcs1 = get_scheme("rsa-pss-2048"), get_scheme("rsa-pkcs1v15-2048")
    private_key, public_key = keys.keypair("rsa-pss-2048")
    with pytest.raises(InvalidSignature):
        pss.verify(public_key, b"m", pkcs1.sign(private_key, b"m"))
    with pytest.raises(InvalidSignature):
        pkcs1.verify(public_key, b"m", pss.sign(private_key, b"m"))


def test_keys_of_another_size_or_encoding_are_refused(keys: KeyCache) -> None:
    scheme = get_scheme("rsa-pss-3072")
    private_2048, public_2048 = keys.keypair("rsa-pss-2048")
    with pytest.raises(InvalidInput):
        scheme.verify(public_2048, b"m", bytes(384))
    with pytest.raises(InvalidInput):
        scheme.sign(private_2048, b"m")
    pss = get_scheme("rsa-pss-2048")
    key = serialization.load_der_public_key(public_2048)
    pkcs1_der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    with pytest.raises(InvalidInput):  # RSAPublicKey without the SPKI wrapper
        pss.verify(pkcs1_der, b"m", bytes(256))
    ec_spki = get_scheme("ecdsa-p256").public_key_pem(keys.keypair("ecdsa-p256")[1])
    ec_der = serialization.load_pem_public_key(ec_spki.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(InvalidInput):  # a valid SPKI of another key type
        pss.verify(ec_der, b"m", bytes(256))


def test_corrupt_private_key_never_releases_a_bad_signature(keys: KeyCache) -> None:
    """A damaged CRT value could leak a factor of n: sign refuses, or repairs, never leaks.

    OpenSSL itself checks CRT results and recomputes without CRT on a mismatch; our
    verify-after-sign is the second guard (exercised directly in the next test).
    """
    scheme = get_scheme("rsa-pss-2048")
    private_key, public_key = keys.keypair("rsa-pss-2048")
    for position in (-5, -70, -200, len(private_key) // 2):
        corrupt = bytearray(private_key)
        corrupt[position] ^= 0x01
        try:
            signature = scheme.sign(corrupt, b"m")
        except (CryptoError, InvalidInput):
            continue
        scheme.verify(public_key, b"m", signature)
        with pytest.raises(InvalidInput):  # the full key check refuses the damaged key
            scheme.public_key(corrupt)
    with pytest.raises(InvalidInput):
        scheme.sign(bytearray(b"\x30\x82" + bytes(1200)), b"m")


class _FaultyPss(RsaPssScheme):
    """Signs with one salt length and checks with another: a stand-in for a faulty signer."""

    def __init__(self) -> None:
        super().__init__(2048)
        self._calls = 0

    def _padding(self) -> padding.AsymmetricPadding:
        self._calls += 1
        salt = 32 if self._calls % 2 else 20
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt)


def test_verify_after_sign_catches_a_bad_signature(keys: KeyCache) -> None:
    private_key, _ = keys.keypair("rsa-pss-2048")
    with pytest.raises(CryptoError) as info:
        _FaultyPss().sign(private_key, b"m")
    assert "does not verify" in info.value.message
