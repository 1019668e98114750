"""X25519 key agreement (RFC 7748) with HKDF-SHA256 output: kind id ``x25519``.

Why: a ledger-held X25519 key lets a peer establish a shared key with the ledger's key
(e.g. to derive a transport or session key) while the private half never leaves, and each
derivation is recorded. The caller gets ``HKDF-SHA256(X25519(sk, peer), salt, info, L)``,
never the raw X25519 output. The peer computes the same value with standard HKDF and the
same ``salt``/``info``, so no SKMS-specific label is mixed in (it would break that).

Peer keys: 32 bytes, decoded as RFC 7748 §5 says (the top bit is ignored, non-canonical
values are reduced), as Wycheproof recommends. A peer key that makes the shared secret all
zero (the low-order points) is rejected, as RFC 7748 §6.1 allows and HKDF-ing a constant
would otherwise silently produce a public "secret". The library performs that check.

Key format: the private key is 32 random bytes (clamped by X25519 itself), the public key
the 32-byte u-coordinate. FIPS: X25519 is not an approved key-agreement scheme in
SP 800-56A Rev. 3, so the kind is not FIPS-approved.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from ledger.crypto.hkdf import hkdf_sha256
from ledger.crypto.kinds import AgreementKind, KindInfo, register_kind
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidInput

__all__ = ["KEY_SIZE", "KIND", "X25519Kind"]

KEY_SIZE = 32


def _private(secret: bytes | bytearray) -> X25519PrivateKey:
    if not isinstance(secret, bytes | bytearray) or len(secret) != KEY_SIZE:
        raise InvalidInput(f"X25519 private keys are {KEY_SIZE} bytes", field="private_key")
    return X25519PrivateKey.from_private_bytes(bytes(secret))


class X25519Kind(AgreementKind):
    """X25519 Diffie-Hellman, output through HKDF-SHA256."""

    info = KindInfo(
        kind_id="x25519",
        family="key-agreement",
        security_bits=128,
        secret_size=KEY_SIZE,
        public_key_size=KEY_SIZE,
        output_size=32,
        fips_approved=False,  # not in SP 800-56A Rev. 3
        usages=frozenset({"derive"}),
        default_usage=("derive",),
        operation="derive a shared key with a peer's X25519 public key (HKDF-SHA256)",
    )

    @property
    def seed_size(self) -> int:
        return KEY_SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """The private key is the seed: RFC 7748 keys are any 32 random bytes."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != KEY_SIZE:
            raise InvalidInput(f"X25519 key generation needs a {KEY_SIZE}-byte seed",
                               field="seed")
        return bytearray(seed)

    def public_key(self, secret: bytes | bytearray) -> bytes:
        return _private(secret).public_key().public_bytes_raw()

    def check_peer_public_key(self, peer_public_key: bytes) -> bytes:
        if not isinstance(peer_public_key, bytes | bytearray) or len(peer_public_key) != KEY_SIZE:
            raise InvalidInput(f"an X25519 public key is {KEY_SIZE} bytes",
                               field="peer_public_key")
        return bytes(peer_public_key)

    def public_key_pem(self, public_key: bytes) -> str:
        key = X25519PublicKey.from_public_bytes(self.check_peer_public_key(public_key))
        return key.public_bytes(serialization.Encoding.PEM,
                                serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")

    def derive(self, secret: bytes | bytearray, peer_public_key: bytes, *, salt: bytes,
               info: bytes, length: int) -> bytearray:
        peer = X25519PublicKey.from_public_bytes(self.check_peer_public_key(peer_public_key))
        try:
            shared = bytearray(_private(secret).exchange(peer))
        except ValueError:
            # The library's only failure here is an all-zero result: a low-order peer key.
            raise InvalidInput("peer public key is a low-order point (the shared secret "
                               "would be all zero)", field="peer_public_key") from None
        try:
            return hkdf_sha256(shared, salt=salt, info=info, length=length)
        finally:
            zeroize(shared)


KIND = register_kind(X25519Kind())
