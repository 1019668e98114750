"""ECDH on P-256 (SP 800-56A Rev. 3 ECC CDH) with HKDF-SHA256 output: kind id ``ecdh-p256``.

Why P-256 beside X25519: it is the approved curve where FIPS matters, and what HSMs,
TLS stacks and smart cards speak. As with X25519 the caller only ever gets
``HKDF-SHA256(Z, salt, info, L)`` (SP 800-56C Rev. 2 two-step derivation, with the caller's
salt and info), never the shared x-coordinate ``Z``.

Keys: the private key is a 32-byte scalar in ``[1, n-1]`` derived from the seed by the
same rejection sampling as the ECDSA keys (:func:`ledger.crypto._ecdsa_common.scalar_from_seed`);
the public key is the SEC1 compressed point (33 bytes). Peer keys may be SEC1 compressed or
uncompressed; the library checks the point is on the curve (full public-key validation,
SP 800-56A §5.6.2.3.3, since P-256 has cofactor 1), which defeats invalid-curve attacks.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ledger.crypto._ecdsa_common import (
    check_private_scalar,
    check_sec1_public_key,
    scalar_from_seed,
)
from ledger.crypto.ecdsa_p256 import P256_ORDER
from ledger.crypto.hkdf import hkdf_sha256
from ledger.crypto.kinds import AgreementKind, KindInfo, register_kind
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidInput

__all__ = ["KIND", "EcdhP256Kind"]

_SCALAR_SIZE = 32
_COMPRESSED_SIZE = 33


def _private(secret: bytes | bytearray) -> ec.EllipticCurvePrivateKey:
    try:
        scalar = check_private_scalar(secret, P256_ORDER)
    except InvalidInput:
        raise InvalidInput("P-256 private key must be a 32-byte scalar in [1, n-1]",
                           field="private_key") from None
    return ec.derive_private_key(scalar, ec.SECP256R1())


class EcdhP256Kind(AgreementKind):
    """Static ECDH on NIST P-256, output through HKDF-SHA256."""

    info = KindInfo(
        kind_id="ecdh-p256",
        family="key-agreement",
        security_bits=128,
        secret_size=_SCALAR_SIZE,
        public_key_size=_COMPRESSED_SIZE,
        output_size=32,
        fips_approved=True,  # SP 800-56A Rev. 3 ECC CDH + SP 800-56C Rev. 2 (HKDF)
        usages=frozenset({"derive"}),
        default_usage=("derive",),
        operation="derive a shared key with a peer's P-256 public key (HKDF-SHA256)",
    )

    @property
    def seed_size(self) -> int:
        return _SCALAR_SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        return scalar_from_seed(seed, P256_ORDER, b"secp256r1")

    def public_key(self, secret: bytes | bytearray) -> bytes:
        return _private(secret).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)

    def check_peer_public_key(self, peer_public_key: bytes) -> bytes:
        try:
            encoded = check_sec1_public_key(peer_public_key)
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), encoded)
        except (InvalidInput, ValueError):
            raise InvalidInput("peer public key is not a valid SEC1 point on P-256",
                               field="peer_public_key") from None
        return point.public_bytes(serialization.Encoding.X962,
                                  serialization.PublicFormat.CompressedPoint)

    def public_key_pem(self, public_key: bytes) -> str:
        point = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), self.check_peer_public_key(public_key))
        return point.public_bytes(serialization.Encoding.PEM,
                                  serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")

    def derive(self, secret: bytes | bytearray, peer_public_key: bytes, *, salt: bytes,
               info: bytes, length: int) -> bytearray:
        peer = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), self.check_peer_public_key(peer_public_key))
        shared = bytearray(_private(secret).exchange(ec.ECDH(), peer))
        try:
            return hkdf_sha256(shared, salt=salt, info=info, length=length)
        finally:
            zeroize(shared)


KIND = register_kind(EcdhP256Kind())
