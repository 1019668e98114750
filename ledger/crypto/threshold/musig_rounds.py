"""The MuSig2 (BIP-327) messages ledgers exchange, and a group's public key package.

Why a module of its own: MuSig2 is n-of-n over ordinary secp256k1 keys, so its "group" is
nothing but the sorted list of the participants' public keys and the tweaks applied to
their aggregate; its round messages are a public nonce (66 bytes) and a partial signature
(a scalar). Each message names its group and session, so a ledger refuses one from
another run before any arithmetic, and is parsed as strictly as :mod:`.encoding` (exact
keys, type tag, version, lower-case hex of the exact size, points on the curve).

1. :class:`MusigKeyPackage`: the sorted keys, the x-only tweaks, the untweaked aggregate
   ``Q`` (the taproot internal key) and the x-only key signatures verify under. Read from
   a dict it is recomputed with :func:`~.musig2.key_agg_and_tweak` and refused if any
   value differs, so a recorded package is always self-consistent.
2. :class:`MusigNonceMessage`: a signer's ``pubnonce`` for one session, with its key.
3. :class:`MusigPartialSignature`: a signer's partial signature; it travels inside
   :class:`~.rounds.ShareMessage` like a FROST share.
4. :func:`musig_group_id`: the group id every participant derives on its own (a name-based
   UUID of the sorted keys and tweaks).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.crypto.threshold.encoding import FORMAT_VERSION, check_shape, parse_hex, parse_int
from ledger.crypto.threshold.errors import InvalidContribution
from ledger.crypto.threshold.group_secp256k1 import SECP256K1
from ledger.crypto.threshold.musig2 import N, key_agg, key_agg_and_tweak, key_sort
from ledger.errors import InvalidInput

__all__ = [
    "MUSIG_SUITE_NAME",
    "MusigKeyPackage",
    "MusigNonceMessage",
    "MusigPartialSignature",
    "musig_group_id",
]

MUSIG_SUITE_NAME = "musig2-secp256k1"
MAX_SIGNERS = 255
_PACKAGE = "musig2-key-package"
_NONCE = "musig2-pubnonce"
_PARTIAL = "musig2-partial-signature"
_GROUP_NAMESPACE = uuid.UUID("6d0b6a52-2f7e-4c55-9a1e-3b2f6a1c9d41")


def _point(value: object, field: str) -> bytes:
    raw = parse_hex(value, field, 33)
    return SECP256K1.deserialize_element(raw, field)


@dataclass(frozen=True, slots=True)
class MusigKeyPackage:
    """A MuSig2 group's public values (requirement 1)."""

    public_keys: tuple[bytes, ...]
    tweaks: tuple[bytes, ...]
    internal_key: bytes
    group_public_key: bytes

    @classmethod
    def build(cls, public_keys: Sequence[bytes], tweaks: Sequence[bytes]) -> MusigKeyPackage:
        """Sort the keys (BIP-327 KeySort), aggregate them, apply the x-only tweaks."""
        keys = key_sort(public_keys)
        if not 2 <= len(keys) <= MAX_SIGNERS:
            raise InvalidInput(f"a MuSig2 group has 2 to {MAX_SIGNERS} keys",
                               field="public_keys")
        if len(set(keys)) != len(keys):
            raise InvalidInput("a public key appears twice", field="public_keys")
        try:
            internal = key_agg(keys).plain_pubkey()
            tweaked = key_agg_and_tweak(keys, list(tweaks), [True] * len(tweaks))
        except InvalidContribution as bad:
            raise InvalidInput(f"key {bad.signer} is not a secp256k1 point",
                               field="public_keys") from None
        return cls(tuple(keys), tuple(bytes(t) for t in tweaks), internal,
                   tweaked.xonly_pubkey())

    @property
    def participants(self) -> int:
        return len(self.public_keys)

    def identifier_of(self, public_key: bytes) -> int:
        """The 1-based position of ``public_key`` in the sorted list."""
        if public_key not in self.public_keys:
            raise InvalidInput("this ledger's key is not among the public keys",
                               field="public_keys")
        return self.public_keys.index(public_key) + 1

    def to_dict(self) -> dict[str, Any]:
        return {"type": _PACKAGE, "version": FORMAT_VERSION,
                "public_keys": [k.hex() for k in self.public_keys],
                "tweaks": [t.hex() for t in self.tweaks],
                "internal_key": self.internal_key.hex(),
                "group_public_key": self.group_public_key.hex()}

    @classmethod
    def from_dict(cls, data: object) -> MusigKeyPackage:
        fields = check_shape(data, _PACKAGE, frozenset({
            "public_keys", "tweaks", "internal_key", "group_public_key"}))
        keys, tweaks = fields["public_keys"], fields["tweaks"]
        if not isinstance(keys, list) or not isinstance(tweaks, list):
            raise InvalidInput("keys and tweaks are lists", field=_PACKAGE)
        built = cls.build([_point(k, f"{_PACKAGE}.public_keys") for k in keys],
                          [parse_hex(t, f"{_PACKAGE}.tweaks", 32) for t in tweaks])
        if built.to_dict() != dict(fields):
            raise InvalidInput("the package's keys are not sorted or its aggregate keys do "
                               "not follow from them", field=_PACKAGE)
        return built


def musig_group_id(package: MusigKeyPackage) -> str:
    """The group id every participant computes alike from the package's public values."""
    name = ":".join([*(k.hex() for k in package.public_keys), "tweaks",
                     *(t.hex() for t in package.tweaks)])
    return str(uuid.uuid5(_GROUP_NAMESPACE, name))


def _session(value: object, field: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 100:
        raise InvalidInput("a session id is 1 to 100 characters", field=field)
    return value


@dataclass(frozen=True, slots=True)
class MusigNonceMessage:
    """Signer ``identifier``'s public nonce (``R1 || R2``, 66 bytes) for one session."""

    group_id: str
    session_id: str
    identifier: int
    public_key: bytes
    pubnonce: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"type": _NONCE, "version": FORMAT_VERSION, "group_id": self.group_id,
                "session_id": self.session_id, "identifier": self.identifier,
                "public_key": self.public_key.hex(), "pubnonce": self.pubnonce.hex()}

    @classmethod
    def from_dict(cls, data: object) -> MusigNonceMessage:
        fields = check_shape(data, _NONCE, frozenset({
            "group_id", "session_id", "identifier", "public_key", "pubnonce"}))
        group_id = fields["group_id"]
        if not isinstance(group_id, str) or not 1 <= len(group_id) <= 100:
            raise InvalidInput("must be a group id", field=f"{_NONCE}.group_id")
        pubnonce = parse_hex(fields["pubnonce"], f"{_NONCE}.pubnonce", 66)
        for half in (pubnonce[:33], pubnonce[33:]):
            SECP256K1.deserialize_element(half, f"{_NONCE}.pubnonce")
        return cls(group_id, _session(fields["session_id"], f"{_NONCE}.session_id"),
                   parse_int(fields["identifier"], f"{_NONCE}.identifier", 1, MAX_SIGNERS),
                   _point(fields["public_key"], f"{_NONCE}.public_key"), pubnonce)


@dataclass(frozen=True, slots=True)
class MusigPartialSignature:
    """Signer ``identifier``'s partial signature ``s_i`` (a scalar below ``n``)."""

    identifier: int
    partial_signature: bytes  # secret-ok: a partial signature is public once sent

    def to_dict(self) -> dict[str, Any]:
        return {"type": _PARTIAL, "version": FORMAT_VERSION, "suite": MUSIG_SUITE_NAME,
                "identifier": self.identifier,
                "partial_signature": self.partial_signature.hex()}

    @classmethod
    def from_dict(cls, data: object) -> MusigPartialSignature:
        fields = check_shape(data, _PARTIAL, frozenset({
            "suite", "identifier", "partial_signature"}))
        if fields["suite"] != MUSIG_SUITE_NAME:
            raise InvalidInput("not a MuSig2 partial signature", field=f"{_PARTIAL}.suite")
        value = parse_hex(fields["partial_signature"], f"{_PARTIAL}.partial_signature", 32)
        if int.from_bytes(value, "big") >= N:
            raise InvalidInput("must be below the group order",
                               field=f"{_PARTIAL}.partial_signature")
        return cls(parse_int(fields["identifier"], f"{_PARTIAL}.identifier", 1, MAX_SIGNERS),
                   value)
