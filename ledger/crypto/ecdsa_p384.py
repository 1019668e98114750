"""ECDSA on NIST P-384 over SHA-384, via pyca/cryptography (OpenSSL): id ``ecdsa-p384``.

Why: P-384 with SHA-384 is the CNSA 1.0 / FIPS 186-5 choice for 192-bit security, widely
supported by HSMs and X.509 tooling. The policy is the one every SKMS ECDSA scheme shares
(:mod:`ledger.crypto._ecdsa_common`, sized by :mod:`ledger.crypto._ecdsa_wide`): RFC 6979
nonces, low-``s`` DER output, standard verification (high ``s`` accepted, as Wycheproof's
``ecdsa_secp384r1_sha384_test.json`` requires), strict DER, compressed SEC1 public keys
(49 bytes). The private key is the 48-byte big-endian scalar.

Secret handling: ``cryptography`` builds its key from a Python ``int`` that cannot be wiped;
it lives only for one call, while the caller's ``bytearray`` can and must be zeroed.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ledger.crypto._ecdsa_wide import WideEcdsaScheme
from ledger.crypto.scheme import SchemeInfo, register

__all__ = ["P384_ORDER", "SCHEME", "P384Ecdsa"]

P384_ORDER = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
    "C7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
    16,
)


class P384Ecdsa(WideEcdsaScheme):
    """ECDSA/P-384/SHA-384 with DER signatures and compressed SEC1 public keys."""

    info = SchemeInfo(
        scheme_id="ecdsa-p384",
        family="ecdsa",
        security_bits=192,
        private_key_size=48,
        public_key_size=49,
        signature_size=None,  # DER: 8 to 104 bytes
        fips_approved=True,
        message_handling="ECDSA over SHA-384(message), RFC 6979 nonce, low-S DER",
    )
    order = P384_ORDER
    curve_label = b"secp384r1"
    pem_curve = ec.SECP384R1()
    hash_algorithm = hashes.SHA384()


SCHEME = register(P384Ecdsa())
