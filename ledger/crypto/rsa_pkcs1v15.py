"""RSASSA-PKCS1-v1_5 (RFC 8017) with SHA-256, via pyca/cryptography.

Ids ``rsa-pkcs1v15-2048``, ``rsa-pkcs1v15-3072``, ``rsa-pkcs1v15-4096``. Why keep the old
padding next to PSS: it is deterministic and it is what much deployed software (JWT
``RS256``, older HSM firmware, code signing) still verifies. FIPS 186-5 still approves it.
Prefer ``rsa-pss-*`` where the verifier allows it. OpenSSL's verifier re-encodes the
``DigestInfo`` and compares it with the whole encoded message, so the loose-parsing
forgeries of Bleichenbacher's e = 3 attack do not apply.

Formats, key generation and the seed (not reproducible: OpenSSL draws its own randomness)
are described in :mod:`ledger.crypto._rsa_common`.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import padding

from ledger.crypto._rsa_common import RsaScheme, rsa_info
from ledger.crypto.scheme import register

__all__ = ["SCHEMES", "RsaPkcs1v15Scheme"]


class RsaPkcs1v15Scheme(RsaScheme):
    """RSASSA-PKCS1-v1_5-SHA256 with one modulus size."""

    label = "RSA-PKCS1v15"

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.info = rsa_info(f"rsa-pkcs1v15-{bits}", bits,
                             "RSASSA-PKCS1-v1_5 over SHA-256(message), deterministic")

    def _padding(self) -> padding.AsymmetricPadding:
        return padding.PKCS1v15()


SCHEMES = tuple(register(RsaPkcs1v15Scheme(bits)) for bits in (2048, 3072, 4096))
