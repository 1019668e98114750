"""SLH-DSA (pqcrypto): key layout, contexts, fault guard, SPKI writer, library sanity.

The shared vectors hold no SLH-DSA files and no second FIPS 205 implementation is installed,
so nothing here proves pqcrypto's SLH-DSA byte-compatible with FIPS 205 KATs. What is
checked: the FIPS 205 key layout (public key = second half of the private key), context
separation, rejection of tampering (``test_suite_properties.py``), the guard that refuses to
release a signature from a corrupt key, the RFC 9909 SPKI (its writer is checked byte for
byte against pyca/cryptography on ML-DSA, which has the same shape), and that pqcrypto's
ML-DSA interoperates with pyca/cryptography in both directions, evidence that the package
implements the final FIPS 204/205 generation of the standards.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa
from pqcrypto.sign import ml_dsa_44, slh_dsa_sha2_128f, slh_dsa_sha2_128s, slh_dsa_sha2_256s

from ledger.crypto._spki import pem_public_key, spki_der
from ledger.crypto.schemes import get_scheme
from ledger.crypto.slh_dsa import SLHDSAScheme
from ledger.errors import CryptoError, InvalidInput, InvalidSignature
from tests.crypto._keys import KeyCache

LIBRARY = {
    "slh-dsa-sha2-128s": (slh_dsa_sha2_128s, 16),
    "slh-dsa-sha2-128f": (slh_dsa_sha2_128f, 16),
    "slh-dsa-sha2-256s": (slh_dsa_sha2_256s, 32),
}


def _scheme(scheme_id: str) -> SLHDSAScheme:
    scheme = get_scheme(scheme_id)
    assert isinstance(scheme, SLHDSAScheme)
    return scheme


@pytest.mark.parametrize("scheme_id", sorted(LIBRARY))
def test_key_layout_is_fips205(scheme_id: str) -> None:
    library, n = LIBRARY[scheme_id]
    public_key, secret_key = library.keygen()
    assert (len(public_key), len(secret_key)) == (2 * n, 4 * n)
    assert secret_key[2 * n :] == public_key  # SK.seed || SK.prf || PK.seed || PK.root
    assert _scheme(scheme_id).public_key(bytearray(secret_key)) == public_key
    assert _scheme(scheme_id).seed_size == 3 * n


def test_context_separates_and_is_bounded(keys: KeyCache) -> None:
    scheme = _scheme("slh-dsa-sha2-128f")
    private_key, public_key = keys.keypair(scheme.scheme_id)
    signature = scheme.sign_with_context(private_key, b"m", b"skms")
    scheme.verify_with_context(public_key, b"m", signature, b"skms")
    with pytest.raises(InvalidSignature):
        scheme.verify(public_key, b"m", signature)
    with pytest.raises(InvalidSignature):
        scheme.verify_with_context(public_key, b"m", signature, b"skmt")
    with pytest.raises(InvalidInput):
        scheme.sign_with_context(private_key, b"m", bytes(256))
    with pytest.raises(InvalidInput):
        scheme.verify_with_context(public_key, b"m", signature, bytes(256))
    assert scheme.sign(private_key, b"m") != scheme.sign(private_key, b"m")  # hedged


def test_corrupt_private_key_never_releases_a_signature(keys: KeyCache) -> None:
    scheme = _scheme("slh-dsa-sha2-128f")
    private_key, _ = keys.keypair(scheme.scheme_id)
    corrupt = bytearray(private_key)
    corrupt[-1] ^= 0x01  # PK.root no longer matches SK.seed
    with pytest.raises(CryptoError):
        scheme.sign(corrupt, b"m")


@pytest.mark.parametrize(
    ("oid", "private_class"),
    [
        ("2.16.840.1.101.3.4.3.17", mldsa.MLDSA44PrivateKey),
        ("2.16.840.1.101.3.4.3.18", mldsa.MLDSA65PrivateKey),
        ("2.16.840.1.101.3.4.3.19", mldsa.MLDSA87PrivateKey),
    ],
)
def test_spki_writer_matches_cryptography(oid: str, private_class: type) -> None:
    public = private_class.from_seed_bytes(bytes(range(32))).public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    assert spki_der(oid, public.public_bytes_raw()) == der
    assert pem_public_key(der) == pem


def test_pqcrypto_ml_dsa_interoperates_with_cryptography() -> None:
    private = mldsa.MLDSA44PrivateKey.from_seed_bytes(bytes(range(32)))
    public = private.public_key().public_bytes_raw()
    ml_dsa_44.verify(public, b"m", private.sign(b"m", b"ctx"), context=b"ctx")
    pq_public, pq_secret = ml_dsa_44.keygen()
    signature = ml_dsa_44.sign(pq_secret, b"m", context=b"ctx")
    mldsa.MLDSA44PublicKey.from_public_bytes(pq_public).verify(signature, b"m", b"ctx")
