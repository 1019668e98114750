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

from ledger.crypto._rsa_common import RsaScheme, max_pkcs8_size, spki_size
from ledger.crypto.scheme import SchemeInfo, register

__all__ = ["SCHEMES", "RsaPkcs1v15Scheme"]

# SP 800-57 Part 1 / SP 800-56B Rev. 2: 2048 -> 112, 3072 -> 128, 4096 -> about 152 bits.
_SECURITY_BITS = {2048: 112, 3072: 128, 4096: 152}


class RsaPkcs1v15Scheme(RsaScheme):
    """RSASSA-PKCS1-v1_5-SHA256 with one modulus size."""

    label = "RSA-PKCS1v15"

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.info = SchemeInfo(
            scheme_id=f"rsa-pkcs1v15-{bits}",
            family="rsa",
            security_bits=_SECURITY_BITS[bits],
            private_key_size=max_pkcs8_size(bits),  # upper bound, see _rsa_common
            public_key_size=spki_size(bits),
            signature_size=bits // 8,
            fips_approved=True,  # FIPS 186-5 section 5.4
            message_handling="RSASSA-PKCS1-v1_5 over SHA-256(message), deterministic",
        )

    def _padding(self) -> padding.AsymmetricPadding:
        return padding.PKCS1v15()


SCHEMES = tuple(register(RsaPkcs1v15Scheme(bits)) for bits in (2048, 3072, 4096))
