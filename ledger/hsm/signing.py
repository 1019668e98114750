"""Signing keys that live on a PKCS#11 token: P-256, P-384 and (where offered) Ed25519.

Requirements this module meets:

1. **Born on the token, never out of it.** :func:`generate_signing_key` runs
   ``C_GenerateKeyPair`` with the private half ``CKA_TOKEN``, ``CKA_PRIVATE``,
   ``CKA_SENSITIVE`` true and ``CKA_EXTRACTABLE``, ``CKA_MODIFIABLE``, ``CKA_DECRYPT``,
   ``CKA_UNWRAP``, ``CKA_DERIVE`` false: it can sign and nothing else. Each pair gets a fresh
   random 16-byte ``CKA_ID`` and a label naming the algorithm and id.
2. **The record says where the key is and proves what the token says about it**:
   :class:`HsmKeyRecord` holds the algorithm, the public key in the project's canonical
   encoding (SEC1 compressed for ECDSA, raw 32 bytes for Ed25519), the token's label,
   serial, manufacturer and model, the object id and label, the mechanism, and the
   attributes read back after generation (``CKA_EXTRACTABLE`` false, ``CKA_SENSITIVE``,
   ``CKA_NEVER_EXTRACTABLE``, ``CKA_ALWAYS_SENSITIVE``, ``CKA_LOCAL`` true). A key for which
   the token reports anything else is destroyed and refused, and so is one found so on open.
3. **Signatures are the software schemes' own bytes.** SoftHSM has no ``CKM_ECDSA_SHA256``,
   and a hash on the host is what every HSM accepts, so ECDSA hashes outside (SHA-256 for
   P-256, SHA-384 for P-384), signs the digest with raw ``CKM_ECDSA`` on the token, and turns
   the token's ``r || s`` into canonical low-``s`` DER with
   :func:`ledger.crypto._ecdsa_common.der_from_raw_signature`, exactly the form
   ``ecdsa-p256``/``ecdsa-p384`` emit and ``verify_low_s`` accepts. Ed25519 uses
   ``CKM_EDDSA`` with no parameters, i.e. PureEdDSA over the raw message as ``ed25519`` does.
   Nonces are the token's (not RFC 6979), so ECDSA signatures are valid, not reproducible.
4. **Every signature is checked before it leaves**: the project's scheme verifies it against
   the recorded public key, so a faulty or substituted token object cannot hand out a bad or
   foreign signature (a fault-attack guard, at the cost of one software verification).
5. **Points are parsed strictly.** PKCS#11 wraps ``CKA_EC_POINT`` in a DER OCTET STRING;
   some tokens return it bare. Both are accepted only at the exact lengths of the curve, and
   the point is loaded by ``cryptography`` (on-curve check) before it is recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pkcs11
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.util.ec import encode_named_curve_parameters

from ledger.crypto._ecdsa_common import der_from_raw_signature
from ledger.crypto.ecdsa_p256 import P256_ORDER
from ledger.crypto.ecdsa_p256 import SCHEME as P256_SCHEME
from ledger.crypto.ecdsa_p384 import P384_ORDER
from ledger.crypto.ecdsa_p384 import SCHEME as P384_SCHEME
from ledger.crypto.ed25519 import SCHEME as ED25519_SCHEME
from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.scheme import SignatureScheme
from ledger.errors import CryptoError, InvalidInput, InvalidSignature, UnsupportedAlgorithm
from ledger.hsm.token import KeyAttributes, KeyObject, TokenInfo, TokenSession

__all__ = [
    "BACKEND",
    "RECORD_VERSION",
    "HsmKeyRecord",
    "HsmSigningKey",
    "destroy_signing_key",
    "generate_signing_key",
    "supported_algorithms",
]

BACKEND = "pkcs11"
RECORD_VERSION = 1
OBJECT_ID_SIZE = 16
MAX_MESSAGE = 1 << 20  # CKM_EDDSA signs in one call; keep what crosses to the token bounded

Rng = Callable[[int], bytearray]

_ED25519_OID_DER = bytes.fromhex("06032b6570")  # id-Ed25519, 1.3.101.112 (RFC 8410)


@dataclass(frozen=True, slots=True)
class _Algorithm:
    scheme: SignatureScheme
    key_type: KeyType
    ec_params: bytes
    generate_mechanism: Mechanism
    sign_mechanism: Mechanism
    mechanism_name: str
    point_size: int  # bytes of the bare point as the token reports it
    order: int | None  # ECDSA group order; None for EdDSA
    digest: Callable[[bytes], bytes] | None
    curve: ec.EllipticCurve | None


def _sha256(message: bytes) -> bytes:
    return hashlib.sha256(message).digest()


def _sha384(message: bytes) -> bytes:
    return hashlib.sha384(message).digest()


_ALGORITHMS: Mapping[str, _Algorithm] = {
    "ecdsa-p256": _Algorithm(P256_SCHEME, KeyType.EC, encode_named_curve_parameters("secp256r1"),
                             Mechanism.EC_KEY_PAIR_GEN, Mechanism.ECDSA, "CKM_ECDSA", 65,
                             P256_ORDER, _sha256, ec.SECP256R1()),
    "ecdsa-p384": _Algorithm(P384_SCHEME, KeyType.EC, encode_named_curve_parameters("secp384r1"),
                             Mechanism.EC_KEY_PAIR_GEN, Mechanism.ECDSA, "CKM_ECDSA", 97,
                             P384_ORDER, _sha384, ec.SECP384R1()),
    "ed25519": _Algorithm(ED25519_SCHEME, KeyType.EC_EDWARDS, _ED25519_OID_DER,
                          Mechanism.EC_EDWARDS_KEY_PAIR_GEN, Mechanism.EDDSA, "CKM_EDDSA", 32,
                          None, None, None),
}


def _algorithm(algorithm: str) -> _Algorithm:
    found = _ALGORITHMS.get(algorithm)
    if found is None:
        raise UnsupportedAlgorithm(f"no HSM-resident keys for {algorithm!r}", field="algorithm",
                                   hint="choose one of: " + ", ".join(_ALGORITHMS))
    return found


def supported_algorithms(token: TokenSession) -> list[str]:
    """The algorithms whose key generation and signing mechanisms the token offers."""
    return [name for name, spec in _ALGORITHMS.items()
            if int(spec.generate_mechanism) in token.mechanisms
            and int(spec.sign_mechanism) in token.mechanisms]


def _bare_point(ec_point: bytes, size: int) -> bytes:
    """The point inside ``CKA_EC_POINT``: DER OCTET STRING (short form) or bare, exact sizes."""
    if len(ec_point) == size + 2 and ec_point[0] == 0x04 and ec_point[1] == size:
        return ec_point[2:]
    if len(ec_point) == size:
        return ec_point
    raise CryptoError(f"the token returned a {len(ec_point)}-byte CKA_EC_POINT, not a point "
                      "of this curve")


def _canonical_public_key(spec: _Algorithm, ec_point: bytes) -> bytes:
    point = _bare_point(ec_point, spec.point_size)
    try:
        if spec.curve is None:
            raw: bytes = Ed25519PublicKey.from_public_bytes(point).public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return raw
        if point[0] != 0x04:
            raise ValueError("not an uncompressed point")
        key = ec.EllipticCurvePublicKey.from_encoded_point(spec.curve, point)
    except ValueError:
        raise CryptoError("the token returned a public key that is not on the curve") from None
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.CompressedPoint)


@dataclass(frozen=True, slots=True)
class HsmKeyRecord:
    """Where an HSM-resident key lives and what the token says about it (public data only)."""

    algorithm: str
    public_key: bytes
    token: TokenInfo
    object_id: bytes
    label: str
    mechanism: str
    attributes: KeyAttributes

    def to_dict(self) -> dict[str, object]:
        return {
            "version": RECORD_VERSION,
            "backend": BACKEND,
            "algorithm": self.algorithm,
            "public_key": self.public_key.hex(),
            "token": self.token.to_dict(),
            "object_id": self.object_id.hex(),
            "label": self.label,
            "mechanism": self.mechanism,
            "attributes": self.attributes.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HsmKeyRecord:
        """Strict parse: exact keys, known algorithm, canonical hex, sizes and attributes."""
        names = {"version", "backend", "algorithm", "public_key", "token", "object_id",
                 "label", "mechanism", "attributes"}
        if not isinstance(data, Mapping) or set(data) != names:
            raise InvalidInput("an HSM key record needs exactly " + ", ".join(sorted(names)),
                               field="hsm_key")
        if data["version"] != RECORD_VERSION or data["backend"] != BACKEND:
            raise InvalidInput("unsupported HSM key record version or backend",
                               field="hsm_key.version")
        algorithm = data["algorithm"]
        if not isinstance(algorithm, str) or algorithm not in _ALGORITHMS:
            raise InvalidInput(f"unknown HSM key algorithm {algorithm!r}",
                               field="hsm_key.algorithm")
        spec = _ALGORITHMS[algorithm]
        public_key = _strict_hex(data["public_key"], "public_key",
                                 spec.scheme.info.public_key_size)
        object_id = _strict_hex(data["object_id"], "object_id", OBJECT_ID_SIZE)
        label = data["label"]
        if not isinstance(label, str) or not 0 < len(label) <= 64:
            raise InvalidInput("the key label must be 1 to 64 characters", field="hsm_key.label")
        if data["mechanism"] != spec.mechanism_name:
            raise InvalidInput(f"{algorithm} keys sign with {spec.mechanism_name}",
                               field="hsm_key.mechanism")
        try:
            spec.scheme.public_key_pem(public_key)  # parses the point (on-curve check)
        except InvalidInput:
            raise InvalidInput("the recorded public key is not a valid point",
                               field="hsm_key.public_key") from None
        attributes = KeyAttributes.from_dict(data["attributes"])
        if attributes.violations():
            raise InvalidInput("the recorded attributes do not prove non-extractability: "
                               + ", ".join(attributes.violations()), field="hsm_key.attributes")
        return cls(algorithm, public_key, TokenInfo.from_dict(data["token"]), object_id, label,
                   spec.mechanism_name, attributes)


def _strict_hex(value: object, name: str, size: int) -> bytes:
    try:
        if not isinstance(value, str):
            raise ValueError(name)
        decoded = bytes.fromhex(value)
    except ValueError:
        raise InvalidInput(f"{name} must be hex", field=f"hsm_key.{name}") from None
    if len(decoded) != size or decoded.hex() != value:
        raise InvalidInput(f"{name} must be {size} bytes of lowercase hex",
                           field=f"hsm_key.{name}")
    return decoded


def _private_template() -> dict[Attribute, Any]:
    return {
        Attribute.TOKEN: True,
        Attribute.PRIVATE: True,
        Attribute.SENSITIVE: True,
        Attribute.EXTRACTABLE: False,
        Attribute.MODIFIABLE: False,
        Attribute.SIGN: True,
        Attribute.DECRYPT: False,
        Attribute.UNWRAP: False,
        Attribute.DERIVE: False,
    }


def _public_template() -> dict[Attribute, Any]:
    return {
        Attribute.TOKEN: True,
        Attribute.PRIVATE: False,
        Attribute.MODIFIABLE: False,
        Attribute.VERIFY: True,
        Attribute.ENCRYPT: False,
        Attribute.WRAP: False,
        Attribute.DERIVE: False,
    }


def generate_signing_key(token: TokenSession, algorithm: str, *, label: str | None = None,
                         rng: Rng = random_bytes) -> HsmKeyRecord:
    """Generate a key pair for ``algorithm`` on the token and return its record.

    ``UnsupportedAlgorithm`` when the token lacks the mechanisms (e.g. no EdDSA); the new
    pair is destroyed and ``CryptoError`` raised when the token does not report it as
    provably non-extractable.
    """
    spec = _algorithm(algorithm)
    if algorithm not in supported_algorithms(token):
        raise UnsupportedAlgorithm(f"token {token.info.label!r} cannot generate and sign with "
                                   f"{algorithm} keys", field="algorithm")
    id_buffer = rng(OBJECT_ID_SIZE)
    object_id = bytes(id_buffer)  # an identifier, not a secret
    zeroize(id_buffer)
    key_label = label if label is not None else f"skms-{algorithm}-{object_id.hex()[:12]}"
    if not isinstance(key_label, str) or not 0 < len(key_label) <= 64:
        raise InvalidInput("a key label is 1 to 64 characters", field="label")

    def generate(session: pkcs11.Session) -> tuple[KeyObject, KeyObject]:
        parameters = session.create_domain_parameters(
            spec.key_type, {Attribute.EC_PARAMS: spec.ec_params}, local=True)
        pair: tuple[KeyObject, KeyObject] = parameters.generate_keypair(
            mechanism=spec.generate_mechanism, store=True, id=object_id, label=key_label,
            public_template=_public_template(), private_template=_private_template())
        return pair

    public, private = token.call(f"generating an {algorithm} key", generate)
    try:
        attributes = token.call("reading the key's attributes",
                                lambda session: KeyAttributes.read(private))
        attributes.require_non_extractable(f"the new {algorithm} key")
        ec_point = token.call("reading the public key",
                              lambda session: bytes(public[Attribute.EC_POINT]))
        public_key = _canonical_public_key(spec, ec_point)
    except BaseException:
        def discard(session: pkcs11.Session) -> None:
            private.destroy()
            public.destroy()

        token.call("discarding the key pair", discard)
        raise
    return HsmKeyRecord(algorithm, public_key, token.info, object_id, key_label,
                        spec.mechanism_name, attributes)


def _find_pair(session: pkcs11.Session, spec: _Algorithm, record: HsmKeyRecord
               ) -> tuple[KeyObject, KeyObject]:
    try:
        private: KeyObject = session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, key_type=spec.key_type, id=record.object_id,
            label=record.label)
        public: KeyObject = session.get_key(
            object_class=ObjectClass.PUBLIC_KEY, key_type=spec.key_type, id=record.object_id,
            label=record.label)
    except p11.NoSuchKey:
        raise CryptoError(f"token {record.token.label!r} holds no key {record.label!r} with "
                          "the recorded id", hint="was it destroyed or the token "
                                                  "re-initialised?") from None
    except p11.MultipleObjectsReturned:
        raise CryptoError(f"several objects match key {record.label!r}",
                          hint="remove the duplicate from the token") from None
    return public, private


class HsmSigningKey:
    """An open handle on a token-resident private key; signs as the software scheme does."""

    def __init__(self, token: TokenSession, record: HsmKeyRecord,
                 private: KeyObject) -> None:
        """Prefer :meth:`open`, which checks the object before trusting it."""
        self._token = token
        self._spec = _algorithm(record.algorithm)
        self._private = private
        self.record = record

    @classmethod
    def open(cls, token: TokenSession, record: HsmKeyRecord) -> HsmSigningKey:
        """Find the recorded key on ``token`` and check it is still the one recorded.

        Refused: another token (serial), no or several matching objects, attributes that no
        longer prove non-extractability, or a public key that differs from the record's.
        ``token`` stays the caller's to release.
        """
        if token.info.serial != record.token.serial:
            raise InvalidInput(f"key {record.label!r} lives on token {record.token.serial}, "
                               f"not {token.info.serial}", field="token")
        spec = _algorithm(record.algorithm)
        public, private = token.call("finding the key",
                                     lambda session: _find_pair(session, spec, record))
        attributes = token.call("reading the key's attributes",
                                lambda session: KeyAttributes.read(private))
        attributes.require_non_extractable(f"key {record.label!r}")
        ec_point = token.call("reading the public key",
                              lambda session: bytes(public[Attribute.EC_POINT]))
        if _canonical_public_key(spec, ec_point) != record.public_key:
            raise CryptoError(f"the token's public key for {record.label!r} differs from the "
                              "recorded one", hint="the object on the token was replaced")
        return cls(token, record, private)

    def sign(self, message: bytes) -> bytes:
        """Sign as the software scheme would (module docstring, 3) and verify (4)."""
        if not isinstance(message, bytes | bytearray):
            raise InvalidInput("message must be bytes", field="message")
        data = bytes(message)
        spec = self._spec
        if spec.digest is None:
            if len(data) > MAX_MESSAGE:
                raise InvalidInput(f"an Ed25519 message on the token is at most {MAX_MESSAGE} "
                                   "bytes", field="message")
            to_sign = data
        else:
            to_sign = spec.digest(data)
        raw = self._token.call(f"signing with {self.record.label!r}", lambda session: bytes(
            self._private.sign(to_sign, mechanism=spec.sign_mechanism)))
        if spec.order is None:
            signature = raw
        else:
            try:
                signature = der_from_raw_signature(raw, spec.order)
            except InvalidSignature as exc:
                raise CryptoError(f"the token returned a malformed signature ({exc.message})"
                                  ) from None
        try:
            spec.scheme.verify(self.record.public_key, data, signature)
        except InvalidSignature:
            raise CryptoError("the token's signature does not verify under the recorded key",
                              hint="the token or its key object is faulty") from None
        return signature

    def __repr__(self) -> str:
        return (f"HsmSigningKey({self.record.algorithm}, label={self.record.label!r}, "
                f"token={self.record.token.label!r})")


def destroy_signing_key(token: TokenSession, record: HsmKeyRecord) -> None:
    """Destroy both halves of the recorded pair on the token (for a ``DestroyKey``)."""
    if token.info.serial != record.token.serial:
        raise InvalidInput(f"key {record.label!r} lives on token {record.token.serial}",
                           field="token")
    spec = _algorithm(record.algorithm)

    def destroy(session: pkcs11.Session) -> None:
        public, private = _find_pair(session, spec, record)
        private.destroy()
        public.destroy()

    token.call(f"destroying key {record.label!r}", destroy)
