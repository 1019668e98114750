"""RSA blind signatures, RFC 9474: RSABSSA-SHA384-{PSS,PSSZERO}-{Randomized,Deterministic}.

What it gives: a client gets the issuer's RSA-PSS signature on a message the issuer never
sees; the finished ``(message, signature)`` pair is an ordinary RSASSA-PSS-SHA384
signature that anyone verifies with the issuer's public key, and the issuer cannot link
it to the signing session that produced it (perfect blindness: the blinded message is
uniformly distributed whatever the message). One-more unforgeability rests on the RSA
one-more-inversion assumption (RFC 9474 section 7).

Protocol (RFC 9474 section 4), one function each:

1. :func:`prepare`: the Randomized variants prefix 32 random bytes to the message (so the
   signed value is unpredictable even to the client); Deterministic variants use it as is.
2. :func:`blind` (client): ``m = EMSA-PSS-ENCODE(msg)`` (salt 48 bytes for PSS, none for
   PSSZERO, SHA-384 and MGF1-SHA-384), refuse ``m`` not coprime to ``n``, draw
   ``r`` uniform in ``[1, n)``, ``blinded = m * r^e mod n``; keep ``inv = r^-1 mod n``.
3. :func:`blind_sign` (issuer): ``s = blinded^d mod n``, then check ``s^e = blinded``
   (the RFC's step 3-4; it also stops a faulty CRT result from leaking a factor of ``n``).
4. :func:`finalize` (client): ``sig = s * inv mod n``, then RSASSA-PSS-VERIFY it.
5. :func:`verify` (anyone): RSASSA-PSS-VERIFY with SHA-384, MGF1-SHA-384 and the variant's
   salt length, done by pyca/cryptography (OpenSSL), not by our code.

How the signing exponentiation is protected (Python's ``pow`` is not constant time):

* RSA base blinding inside :func:`blind_sign`: a fresh uniform ``r'`` per call, sign
  ``blinded * r'^e`` and multiply by ``r'^-1`` afterwards. The value exponentiated with the
  secret exponent is then uniformly random and unknown to the client, so the client's
  chosen input cannot steer the exponentiation (the classic chosen-ciphertext timing
  attack needs that control).
* Exponent blinding: the CRT exponentiations with ``d mod p-1`` and ``d mod q-1`` get a
  fresh random multiple of ``p - 1`` (``q - 1``) added per call
  (:func:`~ledger.crypto.privacy.bigint.powmod_secret_exponent`), so the exponent bits
  Python's ``pow`` walks differ every time.
* Not constant time: Python's ``pow`` itself, the CRT recombination and reductions modulo
  ``p`` and ``q`` (Python ints on the blinded values), the inversion of ``r'``, and
  loading the key through cryptography (which holds ``d``, ``p``, ``q`` as Python ints for
  the call; they cannot be wiped). Blinding makes the values those steps see random and
  independent of the client's input; it does not make them constant time.
* An HSM with ``CKM_RSA_X_509`` (raw RSA) can replace :func:`blind_sign` unchanged: the
  step is one raw RSA private operation plus the public check.

Keys: an issuer key must be used for blind signing only, with one variant only (a
blind-signing oracle signs any value; RFC 9474 section 7.3): a dedicated key kind. Private
keys are DER PKCS#8 (``bytearray``, as every SKMS RSA key), public keys canonical DER
SubjectPublicKeyInfo with ``rsaEncryption`` (we do not accept the ``id-RSASSA-PSS`` OID
form RFC 9474 section 6.4 also allows), modulus 2048 to 8192 bits, ``e = 65537`` for keys we
generate (:func:`generate_issuer_key`, OpenSSL's key generation through cryptography).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature as LibraryInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as LibraryUnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.privacy import bigint
from ledger.crypto.privacy.emsa_pss import emsa_pss_encode
from ledger.crypto.privacy.wire import MAX_RETRIES, Rng, require_bytes
from ledger.errors import CryptoError, InvalidInput, InvalidSignature

__all__ = [
    "MAX_MODULUS_BITS",
    "MIN_MODULUS_BITS",
    "PREFIX_SIZE",
    "VARIANTS",
    "BlindRsaPublicKey",
    "BlindRsaVariant",
    "BlindingResult",
    "blind",
    "blind_sign",
    "blinded_message_digest",
    "finalize",
    "generate_issuer_key",
    "issuer_public_key",
    "prepare",
    "variant_named",
    "verify",
]

MIN_MODULUS_BITS = 2048
MAX_MODULUS_BITS = 8192
PREFIX_SIZE = 32  # RFC 9474 section 4.1: the Randomized variants' msg_prefix
_PUBLIC_EXPONENT = 65537
_HASH = "sha384"
_HASH_LENGTH = 48


@dataclass(frozen=True)
class BlindRsaVariant:
    """One of RFC 9474's named variants (section 5)."""

    name: str
    salt_length: int
    randomized: bool

    def pss_padding(self) -> padding.PSS:
        return padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=self.salt_length)


VARIANTS: dict[str, BlindRsaVariant] = {
    v.name: v
    for v in (
        BlindRsaVariant("RSABSSA-SHA384-PSS-Randomized", _HASH_LENGTH, True),
        BlindRsaVariant("RSABSSA-SHA384-PSSZERO-Randomized", 0, True),
        BlindRsaVariant("RSABSSA-SHA384-PSS-Deterministic", _HASH_LENGTH, False),
        BlindRsaVariant("RSABSSA-SHA384-PSSZERO-Deterministic", 0, False),
    )
}


def variant_named(name: object) -> BlindRsaVariant:
    if not isinstance(name, str) or name not in VARIANTS:
        raise InvalidInput(f"variant must be one of {sorted(VARIANTS)}", field="variant")
    return VARIANTS[name]


@dataclass(frozen=True)
class BlindRsaPublicKey:
    """``(n, e)`` parsed from canonical DER SubjectPublicKeyInfo."""

    n: int
    e: int

    @property
    def modulus_length(self) -> int:
        return (self.n.bit_length() + 7) // 8

    @classmethod
    def from_spki(cls, data: object) -> BlindRsaPublicKey:
        der = require_bytes(data, "public_key")
        try:
            key = serialization.load_der_public_key(der)
        except (ValueError, LibraryUnsupportedAlgorithm):
            raise InvalidInput("public key is not a DER SubjectPublicKeyInfo",
                               field="public_key") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise InvalidInput("public key is not an RSA key", field="public_key")
        canonical = key.public_bytes(serialization.Encoding.DER,
                                     serialization.PublicFormat.SubjectPublicKeyInfo)
        if canonical != der:
            raise InvalidInput("public key is not canonical DER", field="public_key")
        numbers = key.public_numbers()
        if not MIN_MODULUS_BITS <= numbers.n.bit_length() <= MAX_MODULUS_BITS:
            raise InvalidInput(
                f"issuer modulus must be {MIN_MODULUS_BITS} to {MAX_MODULUS_BITS} bits",
                field="public_key")
        if numbers.e < 3 or numbers.e % 2 == 0:
            raise InvalidInput("public exponent must be odd and at least 3", field="public_key")
        return cls(numbers.n, numbers.e)

    def to_spki(self) -> bytes:
        return rsa.RSAPublicNumbers(self.e, self.n).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    def fingerprint(self) -> str:
        """SHA-256 of the SubjectPublicKeyInfo, naming the issuer key in events."""
        return hashlib.sha256(self.to_spki()).hexdigest()


@dataclass(frozen=True)
class BlindingResult:
    """What :func:`blind` returns: send ``blinded_message``; keep ``inverse`` secret.

    ``inverse`` (``r^-1 mod n``) is what unlinks the final signature from the session:
    whoever learns it can link them. It is a ``bytearray`` so the client can wipe it
    after :func:`finalize`.
    """

    blinded_message: bytes
    inverse: bytearray

    def __repr__(self) -> str:
        shown = self.blinded_message.hex()[:16]
        return f"BlindingResult(blinded_message={shown}..., inverse=<secret>)"


def generate_issuer_key(bits: int = 3072) -> bytearray:
    """A fresh issuer key (DER PKCS#8) from OpenSSL's RSA key generation, ``e = 65537``."""
    if bits not in (2048, 3072, 4096):
        raise InvalidInput("issuer key size must be 2048, 3072 or 4096 bits", field="bits")
    key = rsa.generate_private_key(public_exponent=_PUBLIC_EXPONENT, key_size=bits)
    return bytearray(key.private_bytes(serialization.Encoding.DER,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def _load_private(private_key: bytes | bytearray, *, validate: bool) -> rsa.RSAPrivateKey:
    if not isinstance(private_key, bytes | bytearray) or not private_key:
        raise InvalidInput("issuer private key must be DER PKCS#8 bytes", field="private_key")
    try:
        key = serialization.load_der_private_key(
            bytes(private_key), password=None, unsafe_skip_rsa_key_validation=not validate)
    except (ValueError, TypeError, LibraryUnsupportedAlgorithm):
        raise InvalidInput("issuer private key is not valid DER PKCS#8",
                           field="private_key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidInput("issuer private key is not an RSA key", field="private_key")
    if not MIN_MODULUS_BITS <= key.key_size <= MAX_MODULUS_BITS:
        raise InvalidInput(f"issuer key must be {MIN_MODULUS_BITS} to {MAX_MODULUS_BITS} bits",
                           field="private_key")
    return key


def issuer_public_key(private_key: bytes | bytearray) -> bytes:
    """The SubjectPublicKeyInfo of an issuer key, after OpenSSL's full key check."""
    key = _load_private(private_key, validate=True)
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def prepare(variant: BlindRsaVariant, message: bytes, *, rng: Rng = random_bytes) -> bytes:
    """RFC 9474 section 4.1: ``msg_prefix || msg`` (Randomized) or ``msg`` (Deterministic)."""
    data = require_bytes(message, "message")
    if not variant.randomized:
        return data
    prefix = bytes(rng(PREFIX_SIZE))
    if len(prefix) != PREFIX_SIZE:
        raise CryptoError("random source returned the wrong number of bytes")
    return prefix + data


def _uniform_unit(n: int, rng: Rng) -> int:
    """``r`` uniform in ``[1, n)`` and coprime to ``n`` (rejection sampling, top bits masked)."""
    length = (n.bit_length() + 7) // 8
    excess = 8 * length - n.bit_length()
    for _ in range(MAX_RETRIES):
        raw = bytearray(rng(length))
        if len(raw) != length:
            raise CryptoError("random source returned the wrong number of bytes")
        raw[0] &= 0xFF >> excess
        r = int.from_bytes(raw, "big")
        zeroize(raw)
        if 0 < r < n and bigint.gcd(r, n) == 1:
            return r
    raise CryptoError("could not draw a blinding factor (random source looks broken)")


def blind(variant: BlindRsaVariant, public_key: bytes, prepared_message: bytes, *,
          rng: Rng = random_bytes) -> BlindingResult:
    """RFC 9474 section 4.2 Blind: ``(blinded_msg, inv)``; draws the salt, then ``r``."""
    key = BlindRsaPublicKey.from_spki(public_key)
    message = require_bytes(prepared_message, "prepared_message")
    salt = bytes(rng(variant.salt_length)) if variant.salt_length else b""
    if len(salt) != variant.salt_length:
        raise CryptoError("random source returned the wrong number of bytes")
    encoded = emsa_pss_encode(message, key.n.bit_length() - 1, salt, _HASH)
    m = int.from_bytes(encoded, "big")
    if bigint.gcd(m, key.n) != 1:
        raise InvalidInput("encoded message is not coprime to the modulus",
                           field="prepared_message")
    r = _uniform_unit(key.n, rng)
    inverse = bigint.invert(r, key.n)
    blinded = m * bigint.powmod(r, key.e, key.n) % key.n
    length = key.modulus_length
    return BlindingResult(blinded.to_bytes(length, "big"),
                          bytearray(inverse.to_bytes(length, "big")))


def blind_sign(private_key: bytes | bytearray, blinded_message: bytes, *,
               rng: Rng = random_bytes) -> bytes:
    """RFC 9474 section 4.3 BlindSign, with RSA blinding and a constant-time exponent.

    ``blinded_message`` must be exactly ``modulus_length`` bytes and below ``n`` (RSASP1's
    "message representative out of range"); the result is checked with ``s^e = m`` and a
    mismatch is :class:`CryptoError` ("signing failure"), never a returned value.
    """
    key = _load_private(private_key, validate=False)
    numbers = key.private_numbers()
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    length = (n.bit_length() + 7) // 8
    data = require_bytes(blinded_message, "blinded_message")
    if len(data) != length:
        raise InvalidInput(f"blinded message must be {length} bytes", field="blinded_message")
    m = int.from_bytes(data, "big")
    if m >= n:
        raise InvalidInput("message representative out of range", field="blinded_message")
    r = _uniform_unit(n, rng)
    base = m * bigint.powmod(r, e, n) % n
    p, q = numbers.p, numbers.q
    s_p = bigint.powmod_secret_exponent(base % p, numbers.dmp1, p, p - 1)
    s_q = bigint.powmod_secret_exponent(base % q, numbers.dmq1, q, q - 1)
    blinded_signature = s_q + q * (numbers.iqmp * (s_p - s_q) % p)
    s = blinded_signature * bigint.invert(r, n) % n
    if bigint.powmod(s, e, n) != m:
        raise CryptoError("signing failure: the blind signature does not verify")
    return s.to_bytes(length, "big")


def finalize(variant: BlindRsaVariant, public_key: bytes, prepared_message: bytes,
             blind_signature: bytes, inverse: bytes | bytearray) -> bytes:
    """RFC 9474 section 4.4 Finalize: unblind, then verify (raises InvalidSignature)."""
    key = BlindRsaPublicKey.from_spki(public_key)
    length = key.modulus_length
    blinded = require_bytes(blind_signature, "blind_signature")
    if len(blinded) != length:
        raise InvalidInput(f"blind signature must be {length} bytes", field="blind_signature")
    if not isinstance(inverse, bytes | bytearray) or len(inverse) != length:
        raise InvalidInput(f"inverse must be {length} bytes", field="inverse")
    z = int.from_bytes(blinded, "big")
    inv = int.from_bytes(inverse, "big")
    if z >= key.n or not 0 < inv < key.n:
        raise InvalidInput("blind signature or inverse is out of range", field="blind_signature")
    signature = (z * inv % key.n).to_bytes(length, "big")
    verify(variant, public_key, prepared_message, signature)
    return signature


def verify(variant: BlindRsaVariant, public_key: bytes, prepared_message: bytes,
           signature: bytes) -> None:
    """RSASSA-PSS-VERIFY (SHA-384, MGF1-SHA-384, the variant's salt length), by cryptography."""
    BlindRsaPublicKey.from_spki(public_key)  # our size and canonical-encoding rules
    verifier = serialization.load_der_public_key(bytes(public_key))
    if not isinstance(verifier, rsa.RSAPublicKey):  # from_spki has refused anything else
        raise InvalidInput("public key is not an RSA key", field="public_key")
    try:
        verifier.verify(require_bytes(signature, "signature"),
                        require_bytes(prepared_message, "prepared_message"),
                        variant.pss_padding(), hashes.SHA384())
    except LibraryInvalidSignature:
        raise InvalidSignature("blind RSA signature does not verify") from None


def blinded_message_digest(blinded_message: bytes) -> str:
    """SHA-256 of the blinded message: all a ledger event records of a blind-sign request."""
    return hashlib.sha256(require_bytes(blinded_message, "blinded_message")).hexdigest()
