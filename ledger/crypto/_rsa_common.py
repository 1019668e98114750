"""What the RSA schemes share: key format, key generation, key and signature checks.

Why one module: RSASSA-PSS and RSASSA-PKCS1-v1_5 differ only in the padding object handed
to pyca/cryptography; which keys and encodings we accept must be identical, so it lives here
in :class:`RsaScheme` and the two scheme modules pick the padding.

Formats:

* private key: DER PKCS#8 ``PrivateKeyInfo`` (unencrypted; the ledger seals it), in a
  ``bytearray`` so callers can wipe it. ``info.private_key_size`` is an upper bound: DER
  integers drop leading zero bytes, so a key can be a few bytes shorter.
* public key: DER ``SubjectPublicKeyInfo`` (rsaEncryption), the canonical encoding; verify
  refuses any other encoding of the same key (re-encoded and compared byte for byte).
* signature: exactly ``k = modulus bytes`` long (RFC 8017 8.1.2/8.2.2 step 1).

Key generation and the seed: OpenSSL cannot generate an RSA key from caller-supplied
randomness, and writing our own prime generation to make it so would mean maintaining
FIPS 186-5 A.1.3 ourselves. So :meth:`RsaScheme.generate` checks the seed (its size, 32 bytes,
is the entropy an RSA key of up to 4096 bits needs: SP 800-57 puts RSA-4096 below 256-bit
security) and then lets OpenSSL draw fresh randomness from its own DRBG, seeded by the OS.
The seed does not influence the key: **RSA key generation is not reproducible from the
seed**; back up the generated private key, never the seed. Public exponent 65537.

Key validation: OpenSSL's full RSA key check (primality of ``p`` and ``q``, CRT values)
costs 0.1 s (2048) to 0.6 s (4096) per load. :meth:`RsaScheme.public_key`, which the
ledger calls once when a key is born, runs it. :meth:`RsaScheme.sign` skips it: its input is
key material we generated and that reaches it only through AES-GCM-authenticated sealing.
Instead ``sign`` verifies every signature with the key's own public half before returning
it, which is what protects against the real danger of a corrupt key, a faulty CRT signature
that reveals a factor of ``n`` (Boneh-DeMillo-Lipton), at a cost of about 0.2 ms.
"""

from __future__ import annotations

import abc

from cryptography.exceptions import InvalidSignature as _LibInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as _LibUnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ledger.crypto.scheme import SchemeInfo, SignatureScheme
from ledger.errors import CryptoError, InvalidInput, InvalidSignature

__all__ = ["PUBLIC_EXPONENT", "SEED_SIZE", "RsaScheme", "max_pkcs8_size", "spki_size"]

PUBLIC_EXPONENT = 65537
SEED_SIZE = 32


def _der_length_size(length: int) -> int:
    """Bytes taken by a DER length field (short form below 128, else 0x8n + n bytes)."""
    if length < 0x80:
        return 1
    return 1 + (length.bit_length() + 7) // 8


def _tlv(content: int) -> int:
    return 1 + _der_length_size(content) + content


def _max_integer(bits: int) -> int:
    """DER INTEGER of a positive value of at most ``bits`` bits, with the sign byte."""
    return _tlv(bits // 8 + 1)


def spki_size(bits: int) -> int:
    """Size of the DER SubjectPublicKeyInfo of a ``bits``-bit modulus with e = 65537."""
    rsa_public_key = _tlv(_max_integer(bits) + _tlv(3))  # n has its top bit set: sign byte
    algorithm = _tlv(_tlv(9) + _tlv(0))  # rsaEncryption OID, NULL
    return _tlv(algorithm + _tlv(1 + rsa_public_key))  # BIT STRING: unused-bits byte


def max_pkcs8_size(bits: int) -> int:
    """Upper bound on the DER PKCS#8 size of a ``bits``-bit key with e = 65537."""
    half = bits // 2
    rsa_private_key = _tlv(
        _tlv(1)  # version
        + _max_integer(bits)  # n
        + _tlv(3)  # e
        + _max_integer(bits)  # d
        + 5 * _max_integer(half)  # p, q, dP, dQ, qInv
    )
    algorithm = _tlv(_tlv(9) + _tlv(0))
    return _tlv(_tlv(1) + algorithm + _tlv(rsa_private_key))


# SP 800-57 Part 1 / SP 800-56B Rev. 2: 2048 -> 112, 3072 -> 128, 4096 -> about 152 bits.
SECURITY_BITS = {2048: 112, 3072: 128, 4096: 152}


def rsa_info(scheme_id: str, bits: int, message_handling: str) -> SchemeInfo:
    """Metadata shared by every RSA signature scheme of one modulus size."""
    return SchemeInfo(
        scheme_id=scheme_id,
        family="rsa",
        security_bits=SECURITY_BITS[bits],
        private_key_size=max_pkcs8_size(bits),  # an upper bound: DER lengths vary slightly
        public_key_size=spki_size(bits),
        signature_size=bits // 8,
        seeded_keygen=False,  # the library draws its own randomness
        fips_approved=True,  # FIPS 186-5 section 5.4
        message_handling=message_handling,
    )


class RsaScheme(SignatureScheme):
    """RSA signatures over SHA-256 with a fixed modulus size; subclasses pick the padding."""

    bits: int
    label: str  # "RSA-PSS" or "RSA-PKCS1v15", used in messages

    @property
    def modulus_size(self) -> int:
        return self.bits // 8

    @property
    def seed_size(self) -> int:
        return SEED_SIZE

    @abc.abstractmethod
    def _padding(self) -> padding.AsymmetricPadding:
        """The signature padding (PSS or PKCS#1 v1.5), both over SHA-256."""

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """A fresh key from OpenSSL's DRBG; the seed is checked, not used (module docstring)."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != SEED_SIZE:
            raise InvalidInput(
                f"{self.label} key generation needs a {SEED_SIZE}-byte seed", field="seed"
            )
        key = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=self.bits)
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return bytearray(der)

    def _private(
        self, private_key: bytes | bytearray, *, validate: bool = True
    ) -> rsa.RSAPrivateKey:
        if not isinstance(private_key, bytes | bytearray) or not (
            64 <= len(private_key) <= self.info.private_key_size
        ):
            raise InvalidInput(
                f"{self.label} private key must be DER PKCS#8 of an RSA-{self.bits} key",
                field="private_key",
            )
        try:
            key = serialization.load_der_private_key(
                bytes(private_key), password=None, unsafe_skip_rsa_key_validation=not validate
            )
        except (ValueError, TypeError, _LibUnsupportedAlgorithm):
            raise InvalidInput(
                f"{self.label} private key is not valid DER PKCS#8", field="private_key"
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != self.bits:
            raise InvalidInput(
                f"{self.label} private key must be an RSA-{self.bits} key", field="private_key"
            )
        return key

    def _public(self, public_key: bytes) -> rsa.RSAPublicKey:
        if not isinstance(public_key, bytes | bytearray):
            raise InvalidInput("public key must be bytes", field="public_key")
        data = bytes(public_key)
        try:
            key = serialization.load_der_public_key(data)
        except (ValueError, _LibUnsupportedAlgorithm):
            raise InvalidInput(
                "public key is not a DER SubjectPublicKeyInfo", field="public_key"
            ) from None
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size != self.bits:
            raise InvalidInput(f"public key must be an RSA-{self.bits} key", field="public_key")
        canonical = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if canonical != data:
            raise InvalidInput("public key is not canonical DER", field="public_key")
        return key

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        """DER SubjectPublicKeyInfo."""
        return (
            self._private(private_key)
            .public_key()
            .public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        """Sign, then verify with the key's public half (see "Key validation" above)."""
        key = self._private(private_key, validate=False)
        data = bytes(message)
        signature = key.sign(data, self._padding(), hashes.SHA256())
        try:
            key.public_key().verify(signature, data, self._padding(), hashes.SHA256())
        except _LibInvalidSignature:
            raise CryptoError(
                f"{self.label} produced a signature that does not verify",
                hint="the private key material is corrupt; do not use it",
            ) from None
        return signature

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        key = self._public(public_key)
        if not isinstance(signature, bytes | bytearray) or len(signature) != self.modulus_size:
            raise InvalidSignature(f"{self.label} signature must be {self.modulus_size} bytes")
        try:
            key.verify(bytes(signature), bytes(message), self._padding(), hashes.SHA256())
        except _LibInvalidSignature:
            raise InvalidSignature("signature does not verify") from None

    def public_key_pem(self, public_key: bytes) -> str:
        pem = self._public(public_key).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.scheme_id!r})"
