"""ECDSA on NIST P-521 over SHA-512, via pyca/cryptography (OpenSSL): id ``ecdsa-p521``.

Why: the largest FIPS 186-5 prime curve, 256-bit security, paired with SHA-512 as SP 800-57
recommends. Same policy as every SKMS ECDSA scheme (:mod:`ledger.crypto._ecdsa_common`,
sized by :mod:`ledger.crypto._ecdsa_wide`): RFC 6979 nonces, low-``s`` DER output, standard
verification, strict DER, compressed SEC1 public keys (67 bytes). The private key is the
66-byte big-endian scalar (521 bits; the seed's top 7 bits are ignored).

Secret handling: as for P-384, the library's ``int`` copy of the scalar cannot be wiped.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ledger.crypto._ecdsa_wide import WideEcdsaScheme
from ledger.crypto.scheme import SchemeInfo, register

__all__ = ["P521_ORDER", "SCHEME", "P521Ecdsa"]

P521_ORDER = int(
    "01FF" + "FFFFFFFF" * 7 + "FFFFFFFA"
    "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
    16,
)


class P521Ecdsa(WideEcdsaScheme):
    """ECDSA/P-521/SHA-512 with DER signatures and compressed SEC1 public keys."""

    info = SchemeInfo(
        scheme_id="ecdsa-p521",
        family="ecdsa",
        security_bits=256,
        private_key_size=66,
        public_key_size=67,
        signature_size=None,  # DER: 8 to 139 bytes
        fips_approved=True,
        message_handling="ECDSA over SHA-512(message), RFC 6979 nonce, low-S DER",
    )
    order = P521_ORDER
    curve_label = b"secp521r1"
    pem_curve = ec.SECP521R1()
    hash_algorithm = hashes.SHA512()


SCHEME = register(P521Ecdsa())
