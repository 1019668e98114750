"""RSASSA-PSS (RFC 8017) with SHA-256, MGF1-SHA-256 and a 32-byte salt, via pyca/cryptography.

Ids ``rsa-pss-2048``, ``rsa-pss-3072``, ``rsa-pss-4096``: one scheme per modulus size, so a
key's id says exactly what it is. Why PSS: it has a security proof and randomised
signatures, and it is what FIPS 186-5 and most new profiles prefer over PKCS#1 v1.5. Why
salt length 32: equal to the hash length, the common interoperable choice (and the one
Wycheproof's ``rsa_pss_2048_sha256_mgf1_32_test.json`` pins). Verification demands exactly
that salt length, not "any".

Formats, key generation and the seed (not reproducible: OpenSSL draws its own randomness)
are described in :mod:`ledger.crypto._rsa_common`.

Secret handling: cryptography parses the PKCS#8 bytes into an OpenSSL key for one call; that
copy cannot be wiped, the caller's ``bytearray`` can.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from ledger.crypto._rsa_common import RsaScheme, rsa_info
from ledger.crypto.scheme import register

__all__ = ["SALT_LENGTH", "SCHEMES", "RsaPssScheme"]

SALT_LENGTH = 32


class RsaPssScheme(RsaScheme):
    """RSASSA-PSS-SHA256 with one modulus size."""

    label = "RSA-PSS"

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.info = rsa_info(f"rsa-pss-{bits}", bits,
                             "RSASSA-PSS over SHA-256(message), MGF1-SHA-256, 32-byte salt")

    def _padding(self) -> padding.AsymmetricPadding:
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=SALT_LENGTH)


SCHEMES = tuple(register(RsaPssScheme(bits)) for bits in (2048, 3072, 4096))
