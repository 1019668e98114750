"""BLS signatures on BLS12-381, proof-of-possession ciphersuite, via blspy: id ``bls12381-pop``.

Ciphersuite ``BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`` of the IETF BLS draft
(draft-irtf-cfrg-bls-signature), "minimal-pubkey-size" variant: public keys are compressed G1
points (48 bytes), signatures compressed G2 points (96 bytes), messages are hashed to G2 with
that DST. This is the suite Ethereum's consensus layer uses, and the one its
``consensus-spec-tests`` BLS vectors pin.

Why BLS: signatures aggregate. Many signers' signatures on one or many messages combine into
one 96-byte signature, checked with one pairing product (:func:`aggregate`,
:func:`aggregate_verify`, :func:`fast_aggregate_verify`). The ABC covers single signatures;
the aggregate operations are module functions because no other scheme has them.

Rogue keys: :func:`fast_aggregate_verify` (many signers, one message) is only sound when
every public key came with a verified proof of possession (:func:`prove_possession`,
:func:`verify_possession`); otherwise a signer can pick its key to cancel the others'. The
ledger must record a verified proof before a key may take part in a fast aggregate.

Checks made here rather than trusted to the library (blspy returns ``True`` for an
aggregate verification over no keys, and accepts the zero private key):

* private keys are 32-byte big-endian scalars in ``[1, r-1]``;
* a public key must decode to a G1 point in the prime-order subgroup (blspy's
  ``from_bytes`` checks the curve and subgroup; failures are :class:`InvalidInput`) and must
  not be the identity (KeyValidate; an identity key makes verification fail:
  :class:`InvalidSignature`);
* a signature must decode to a G2 subgroup point, else :class:`InvalidSignature`;
* aggregate verification needs at least one key, and as many messages as keys.

Key generation: ``KeyGen`` of the IETF draft (versions 04 and later, section 2.3; the same
function EIP-2333 builds on), written here with pyca/cryptography's HMAC and HKDF-Expand,
so the key is a pure function of the 32-byte seed. blspy's own ``key_gen`` implements an
earlier draft (unhashed salt, no retry loop) and gives different keys, so we do not use it.
py_ecc's ``KeyGen`` is the independent cross-check (``tests/crypto_suite/test_bls.py``).

Not FIPS: pairing-based signatures are not in FIPS 186-5. Security: BLS12-381 targeted 128
bits; the 2016 NFS improvements put it at about 117 to 120 bits, so we declare 117.

PEM: there is no standard SubjectPublicKeyInfo for BLS keys; :meth:`public_key_pem` raises
:class:`UnsupportedAlgorithm`. Export the raw 48 bytes instead.

Secret handling: blspy copies the scalar into its own ``PrivateKey`` object for one call;
that copy cannot be wiped, the caller's ``bytearray`` can.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from blspy import (  # type: ignore[import-not-found]
    G1Element,
    G2Element,
    PopSchemeMPL,
    PrivateKey,
)
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from ledger.crypto.scheme import SchemeInfo, SignatureScheme, register
from ledger.errors import InvalidInput, InvalidSignature, UnsupportedAlgorithm

__all__ = [
    "BLS12381_ORDER",
    "CIPHERSUITE",
    "SCHEME",
    "Bls12381PopScheme",
    "aggregate",
    "aggregate_verify",
    "fast_aggregate_verify",
    "keygen",
    "prove_possession",
    "verify_possession",
]

CIPHERSUITE = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
BLS12381_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

_PRIVATE_SIZE = 32
_PUBLIC_SIZE = 48
_SIGNATURE_SIZE = 96
_SEED_SIZE = 32


_KEYGEN_SALT = b"BLS-SIG-KEYGEN-SALT-"
_KEYGEN_OKM_SIZE = 48  # L = ceil(3 * ceil(log2(r)) / 16)
_MAX_KEYGEN_ROUNDS = 1000  # a round yields 0 with probability about 2**-255; never reached


def keygen(ikm: bytes | bytearray, key_info: bytes = b"") -> bytearray:
    """IETF BLS ``KeyGen(IKM, key_info)`` (draft 04+): a scalar in ``[1, r-1]``, 32 bytes.

    ``salt = H(salt)`` each round; ``PRK = HKDF-Extract(salt, IKM || I2OSP(0, 1))``;
    ``OKM = HKDF-Expand(PRK, key_info || I2OSP(L, 2), L)``; ``SK = OS2IP(OKM) mod r``,
    repeated while ``SK == 0``. The draft requires at least 32 bytes of IKM.
    """
    if not isinstance(ikm, bytes | bytearray) or len(ikm) < _SEED_SIZE:
        raise InvalidInput(f"BLS KeyGen needs at least {_SEED_SIZE} bytes of seed", field="seed")
    salt = _KEYGEN_SALT
    for _ in range(_MAX_KEYGEN_ROUNDS):
        salt = hashlib.sha256(salt).digest()
        extract = hmac.HMAC(salt, hashes.SHA256())  # HKDF-Extract(salt, IKM') = HMAC(salt, IKM')
        extract.update(bytes(ikm))
        extract.update(b"\x00")
        prk = extract.finalize()
        info = key_info + _KEYGEN_OKM_SIZE.to_bytes(2, "big")
        okm = HKDFExpand(hashes.SHA256(), _KEYGEN_OKM_SIZE, info).derive(prk)
        scalar = int.from_bytes(okm, "big") % BLS12381_ORDER
        if scalar:
            return bytearray(scalar.to_bytes(_PRIVATE_SIZE, "big"))
    raise InvalidInput(  # pragma: no cover - needs 1000 zero scalars in a row
        "could not derive a BLS key from this seed", field="seed"
    )


def _private(private_key: bytes | bytearray) -> PrivateKey:
    if not isinstance(private_key, bytes | bytearray) or len(private_key) != _PRIVATE_SIZE:
        raise InvalidInput(f"BLS private key must be {_PRIVATE_SIZE} bytes", field="private_key")
    if not 0 < int.from_bytes(private_key, "big") < BLS12381_ORDER:
        raise InvalidInput("BLS private key is out of range [1, r-1]", field="private_key")
    return PrivateKey.from_bytes(bytes(private_key))


def _public(public_key: bytes) -> G1Element:
    """Decode and KeyValidate a public key (see the module docstring for which error)."""
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != _PUBLIC_SIZE:
        raise InvalidInput(f"BLS public key must be {_PUBLIC_SIZE} bytes", field="public_key")
    try:
        point = G1Element.from_bytes(bytes(public_key))
    except (ValueError, RuntimeError):
        raise InvalidInput(
            "BLS public key is not a point of the G1 subgroup", field="public_key"
        ) from None
    if point == G1Element():
        raise InvalidSignature("BLS public key is the identity point (fails KeyValidate)")
    return point


def _signature(signature: bytes) -> G2Element:
    if not isinstance(signature, bytes | bytearray) or len(signature) != _SIGNATURE_SIZE:
        raise InvalidSignature(f"BLS signature must be {_SIGNATURE_SIZE} bytes")
    try:
        return G2Element.from_bytes(bytes(signature))
    except (ValueError, RuntimeError):
        raise InvalidSignature("BLS signature is not a point of the G2 subgroup") from None


def _message(message: bytes) -> bytes:
    if not isinstance(message, bytes | bytearray):
        raise InvalidInput("message must be bytes", field="message")
    return bytes(message)


def aggregate(signatures: Sequence[bytes]) -> bytes:
    """Combine signatures (any keys, any messages) into one 96-byte signature."""
    if not signatures:
        raise InvalidInput("nothing to aggregate: no signatures", field="signatures")
    points = []
    for signature in signatures:
        try:
            points.append(_signature(signature))
        except InvalidSignature as error:
            raise InvalidInput(error.message, field="signatures") from None
    return bytes(PopSchemeMPL.aggregate(points))


def aggregate_verify(
    public_keys: Sequence[bytes], messages: Sequence[bytes], signature: bytes
) -> None:
    """Check an aggregate of one signature per (key, message) pair; raise unless valid.

    The proof-of-possession suite allows repeated messages here (no distinctness check).
    """
    if not public_keys:
        raise InvalidSignature("aggregate verification needs at least one public key")
    if len(messages) != len(public_keys):
        raise InvalidInput("need exactly one message per public key", field="messages")
    points = [_public(key) for key in public_keys]
    data = [_message(message) for message in messages]
    if not PopSchemeMPL.aggregate_verify(points, data, _signature(signature)):
        raise InvalidSignature("aggregate signature does not verify")


def fast_aggregate_verify(public_keys: Sequence[bytes], message: bytes, signature: bytes) -> None:
    """Check an aggregate of signatures by all ``public_keys`` on one message.

    Sound only for keys whose proof of possession was verified (module docstring).
    """
    if not public_keys:
        raise InvalidSignature("fast aggregate verification needs at least one public key")
    points = [_public(key) for key in public_keys]
    if not PopSchemeMPL.fast_aggregate_verify(points, _message(message), _signature(signature)):
        raise InvalidSignature("aggregate signature does not verify")


def prove_possession(private_key: bytes | bytearray) -> bytes:
    """The proof of possession (PopProve) of a private key: 96 bytes."""
    return bytes(PopSchemeMPL.pop_prove(_private(private_key)))


def verify_possession(public_key: bytes, proof: bytes) -> None:
    """Raise :class:`InvalidSignature` unless ``proof`` is a valid PopProve for the key."""
    if not PopSchemeMPL.pop_verify(_public(public_key), _signature(proof)):
        raise InvalidSignature("proof of possession does not verify")


class Bls12381PopScheme(SignatureScheme):
    """Single BLS signatures; aggregation lives in the module functions."""

    info = SchemeInfo(
        scheme_id="bls12381-pop",
        family="bls",
        security_bits=117,
        private_key_size=_PRIVATE_SIZE,
        public_key_size=_PUBLIC_SIZE,
        signature_size=_SIGNATURE_SIZE,
        fips_approved=False,  # pairing-based signatures are not in FIPS 186-5
        message_handling="BLS over the raw message, hash-to-G2 with DST "
        "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_",
    )

    @property
    def seed_size(self) -> int:
        return _SEED_SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """IETF ``KeyGen(seed)`` (:func:`keygen`); deterministic in the seed."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != _SEED_SIZE:
            raise InvalidInput(f"BLS key generation needs a {_SEED_SIZE}-byte seed", field="seed")
        return keygen(seed)

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        """Compressed G1 point, 48 bytes."""
        return bytes(_private(private_key).get_g1())

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        return bytes(PopSchemeMPL.sign(_private(private_key), _message(message)))

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        point = _public(public_key)
        if not PopSchemeMPL.verify(point, _message(message), _signature(signature)):
            raise InvalidSignature("signature does not verify")

    def public_key_pem(self, public_key: bytes) -> str:
        raise UnsupportedAlgorithm(
            "BLS12-381 public keys have no standard SubjectPublicKeyInfo (PEM) form",
            field="format",
            hint="export the raw 48-byte public key (hex) instead",
        )

    def __repr__(self) -> str:
        return "Bls12381PopScheme('bls12381-pop')"


SCHEME = register(Bls12381PopScheme())
