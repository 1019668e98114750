"""Properties every registered scheme must have, reached only through the registry.

For each scheme: metadata as reviewed below, generate -> sign -> verify, sizes as declared,
wrong message / wrong key / tampered signature rejected with ``InvalidSignature``, bad input
sizes rejected with ``InvalidInput``, and a PEM that standard tooling loads where a
SubjectPublicKeyInfo exists (or ``UnsupportedAlgorithm`` where none is standardised).
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, padding, rsa

from ledger.crypto.memory import zeroize
from ledger.crypto.schemes import all_schemes, get_scheme
from ledger.errors import InvalidInput, InvalidSignature, UnsupportedAlgorithm
from tests.crypto._keys import KeyCache

# Reviewed metadata: (family, security bits, FIPS-approved). A new scheme must be added here.
EXPECTED = {
    "bls12381-pop": ("bls", 117, False),
    "ecdsa-p256": ("ecdsa", 128, True),
    "ecdsa-p384": ("ecdsa", 192, True),
    "ecdsa-p521": ("ecdsa", 256, True),
    "ecdsa-secp256k1": ("ecdsa", 128, False),
    "ed25519": ("eddsa", 128, True),
    "falcon-1024": ("falcon", 256, False),
    "falcon-512": ("falcon", 128, False),
    "hybrid-mldsa65-ed25519": ("hybrid", 192, True),
    "ml-dsa-44": ("ml-dsa", 128, True),
    "ml-dsa-65": ("ml-dsa", 192, True),
    "ml-dsa-87": ("ml-dsa", 256, True),
    "rsa-pkcs1v15-2048": ("rsa", 112, True),
    "rsa-pkcs1v15-3072": ("rsa", 128, True),
    "rsa-pkcs1v15-4096": ("rsa", 152, True),
    "rsa-pss-2048": ("rsa", 112, True),
    "rsa-pss-3072": ("rsa", 128, True),
    "rsa-pss-4096": ("rsa", 152, True),
    "schnorr-bip340": ("schnorr", 128, False),
    "slh-dsa-sha2-128f": ("slh-dsa", 128, True),
    "slh-dsa-sha2-128s": ("slh-dsa", 128, True),
    "slh-dsa-sha2-256s": ("slh-dsa", 256, True),
}
ALL_IDS = sorted(EXPECTED)

# Libraries that cannot derive a key from our seed draw their own randomness (documented in
# each module); every other scheme's key is a pure function of the seed.
NOT_REPRODUCIBLE = {
    "falcon-512",
    "falcon-1024",
    "rsa-pkcs1v15-2048",
    "rsa-pkcs1v15-3072",
    "rsa-pkcs1v15-4096",
    "rsa-pss-2048",
    "rsa-pss-3072",
    "rsa-pss-4096",
    "slh-dsa-sha2-128f",
    "slh-dsa-sha2-128s",
    "slh-dsa-sha2-256s",
}
# Private key sizes that are upper bounds (DER PKCS#8 drops leading zeros).
VARIABLE_PRIVATE_SIZE = {s for s in ALL_IDS if s.startswith("rsa-")}
# No standard SubjectPublicKeyInfo: public_key_pem raises UnsupportedAlgorithm.
NO_SPKI = {"bls12381-pop", "falcon-512", "falcon-1024", "hybrid-mldsa65-ed25519"}
# RFC 9909 AlgorithmIdentifier DER (OID 2.16.840.1.101.3.4.3.x, parameters absent).
SLH_DSA_ALGORITHM_IDENTIFIERS = {
    "slh-dsa-sha2-128s": "300b0609608648016503040314",
    "slh-dsa-sha2-128f": "300b0609608648016503040315",
    "slh-dsa-sha2-256s": "300b0609608648016503040318",
}


def test_registry_holds_exactly_the_reviewed_schemes() -> None:
    assert [s.scheme_id for s in all_schemes()] == ALL_IDS
    for scheme_id in ALL_IDS:
        assert get_scheme(scheme_id).scheme_id == scheme_id


@pytest.mark.parametrize("scheme_id", ALL_IDS)
def test_metadata(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    info = scheme.info
    family, security_bits, fips = EXPECTED[scheme_id]
    assert (info.family, info.security_bits, info.fips_approved) == (family, security_bits, fips)
    assert info.scheme_id == scheme_id == scheme_id.lower()
    assert info.private_key_size > 0 and info.public_key_size > 0
    assert info.signature_size is None or info.signature_size > 0
    assert info.message_handling.strip()
    assert scheme.seed_size >= 32  # at least 256 bits of fresh entropy per key
    assert scheme_id in repr(scheme)


@pytest.mark.parametrize("scheme_id", ALL_IDS)
def test_round_trip_and_sizes(scheme_id: str, keys: KeyCache) -> None:
    signed = keys.signed(scheme_id)
    info = signed.scheme.info
    assert isinstance(signed.private_key, bytearray)
    if scheme_id in VARIABLE_PRIVATE_SIZE:
        assert info.private_key_size - 8 <= len(signed.private_key) <= info.private_key_size
    else:
        assert len(signed.private_key) == info.private_key_size
    assert isinstance(signed.public_key, bytes)
    assert len(signed.public_key) == info.public_key_size
    if info.signature_size is not None:
        assert len(signed.signature) == info.signature_size
    signed.scheme.verify(signed.public_key, signed.message, signed.signature)
    assert signed.scheme.public_key(bytes(signed.private_key)) == signed.public_key
    # A second signature also verifies (randomised schemes give a different one).
    again = signed.scheme.sign(signed.private_key, b"")
    signed.scheme.verify(signed.public_key, b"", again)


@pytest.mark.parametrize("scheme_id", ALL_IDS)
def test_wrong_message_key_and_tampering_are_rejected(scheme_id: str, keys: KeyCache) -> None:
    signed = keys.signed(scheme_id)
    scheme, public_key, signature = signed.scheme, signed.public_key, signed.signature
    with pytest.raises(InvalidSignature):
        scheme.verify(public_key, signed.message + b"\x00", signature)
    with pytest.raises(InvalidSignature):
        scheme.verify(public_key, b"", signature)
    with pytest.raises(InvalidSignature):
        scheme.verify(signed.other_public_key, signed.message, signature)
    for index in (0, 1, len(signature) // 2, len(signature) - 1):
        for bit in (0x01, 0x80):
            tampered = bytearray(signature)
            tampered[index] ^= bit
            with pytest.raises(InvalidSignature):
                scheme.verify(public_key, signed.message, bytes(tampered))
    for mangled in (signature + b"\x00", signature[:-1], b"", bytes(len(signature))):
        with pytest.raises(InvalidSignature):
            scheme.verify(public_key, signed.message, mangled)


@pytest.mark.parametrize("scheme_id", ALL_IDS)
def test_bad_sizes_are_invalid_input(scheme_id: str, keys: KeyCache) -> None:
    scheme = get_scheme(scheme_id)
    signed = keys.signed(scheme_id)
    for size in (0, scheme.seed_size - 1, scheme.seed_size + 1):
        with pytest.raises(InvalidInput) as info:
            scheme.generate(bytes(size))
        assert info.value.field == "seed"
    for bad_private in (bytearray(), bytearray(scheme.info.private_key_size + 1)):
        with pytest.raises(InvalidInput):
            scheme.sign(bad_private, b"m")
        with pytest.raises(InvalidInput):
            scheme.public_key(bad_private)
    for bad_public in (b"", signed.public_key + b"\x00", signed.public_key[:-1]):
        with pytest.raises(InvalidInput):
            scheme.verify(bad_public, signed.message, signed.signature)


@pytest.mark.parametrize("scheme_id", sorted(set(ALL_IDS) - NOT_REPRODUCIBLE))
def test_generate_is_deterministic_in_the_seed(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    seed = bytes(range(1, scheme.seed_size + 1))
    first = scheme.generate(seed)
    assert first == scheme.generate(bytearray(seed))
    assert scheme.generate(bytes(reversed(seed))) != first
    zeroize(first)


# RSA key generation is slow; the 2048-bit schemes cover the code all RSA sizes share.
FRESH_KEYGEN_IDS = sorted(
    s for s in NOT_REPRODUCIBLE if not s.startswith("rsa-") or s.endswith("-2048")
)


@pytest.mark.parametrize("scheme_id", FRESH_KEYGEN_IDS)
def test_generate_takes_fresh_randomness_when_the_library_cannot_use_the_seed(
    scheme_id: str,
) -> None:
    """Documented behaviour: the seed is checked but the library draws its own randomness."""
    scheme = get_scheme(scheme_id)
    seed = bytes(scheme.seed_size)
    first, second = scheme.generate(seed), scheme.generate(seed)
    assert first != second
    zeroize(first)
    zeroize(second)


@pytest.mark.parametrize("scheme_id", sorted(set(ALL_IDS) - NO_SPKI))
def test_pem_loads_and_names_the_same_key(scheme_id: str, keys: KeyCache) -> None:
    """The PEM is an SPKI; where cryptography knows the type it verifies our signature."""
    signed = keys.signed(scheme_id)
    pem = signed.scheme.public_key_pem(signed.public_key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert pem.endswith("-----END PUBLIC KEY-----\n")
    message, signature = signed.message, signed.signature
    if scheme_id.startswith("slh-dsa-"):
        # cryptography has no SLH-DSA; check the RFC 9909 structure byte for byte.
        der = base64.b64decode("".join(pem.strip().splitlines()[1:-1]))
        algorithm = bytes.fromhex(SLH_DSA_ALGORITHM_IDENTIFIERS[scheme_id])
        bit_string = bytes([0x03, len(signed.public_key) + 1, 0]) + signed.public_key
        body = algorithm + bit_string
        assert der == bytes([0x30, len(body)]) + body
        return
    loaded = serialization.load_pem_public_key(pem.encode())
    if scheme_id == "ed25519":
        assert isinstance(loaded, ed25519.Ed25519PublicKey)
        loaded.verify(signature, message)
    elif scheme_id == "schnorr-bip340":
        assert isinstance(loaded, ec.EllipticCurvePublicKey)
        point = loaded.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        assert point == b"\x02" + signed.public_key  # the even-y point BIP-340 means
    elif scheme_id.startswith("ecdsa-"):
        assert isinstance(loaded, ec.EllipticCurvePublicKey)
        point = loaded.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        assert point == signed.public_key
        digest = {
            "ecdsa-p256": hashes.SHA256(),
            "ecdsa-secp256k1": hashes.SHA256(),
            "ecdsa-p384": hashes.SHA384(),
            "ecdsa-p521": hashes.SHA512(),
        }[scheme_id]
        loaded.verify(signature, message, ec.ECDSA(digest))
    elif scheme_id.startswith("rsa-"):
        assert isinstance(loaded, rsa.RSAPublicKey)
        assert (
            loaded.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            == signed.public_key
        )
        pad: padding.AsymmetricPadding = (
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            if scheme_id.startswith("rsa-pss-")
            else padding.PKCS1v15()
        )
        loaded.verify(signature, message, pad, hashes.SHA256())
    elif scheme_id.startswith("ml-dsa-"):
        assert isinstance(
            loaded, mldsa.MLDSA44PublicKey | mldsa.MLDSA65PublicKey | mldsa.MLDSA87PublicKey
        )
        assert loaded.public_bytes_raw() == signed.public_key
        loaded.verify(signature, message)
    else:  # pragma: no cover - a new SPKI scheme must say how it is checked
        pytest.fail(f"no PEM check for {scheme_id}")


@pytest.mark.parametrize("scheme_id", sorted(NO_SPKI))
def test_schemes_without_spki_refuse_pem(scheme_id: str, keys: KeyCache) -> None:
    signed = keys.signed(scheme_id)
    with pytest.raises(UnsupportedAlgorithm) as info:
        signed.scheme.public_key_pem(signed.public_key)
    assert info.value.hint
