"""A trusted dealer's shares on the wire: split once, sealed to each seat's transport key.

Why a module of its own: :mod:`.dealer` is RFC 9591 appendix C as arithmetic (one process
holds every share). Between ledgers the dealer must hand each participant its share
without any relay reading it, and each participant must check its share against public
commitments before it accepts the key, so:

1. The dealer reads every participant's round 1 message (:class:`.rounds.Round1Message`,
   what ``StartThresholdDkg`` returns: it carries the seat's identifier and its X25519
   transport key), draws a transport key of its own for this deal only, splits the secret
   (:func:`.dealer.trusted_dealer_keygen`, which wipes the polynomial), and seals
   ``f(i)`` to seat ``i`` with :func:`.transport.seal_scalar`, the DKG's construction
   (the header's type tag ``threshold-dealt-share`` keeps a dealt share from being taken
   for a DKG share and back). Its transport key is wiped before it returns.
2. The :class:`DealMessage` holds public values only: the Feldman commitments
   ``C_j = a_j·B`` (``C_0`` the group key), the dealer's transport public key and the
   sealed shares.
3. A seat opens its own share (:func:`open_dealt_share`) and checks it with RFC
   ``vss_verify`` (:func:`.dealer.verify_dealer_share`) before sealing it: a share that
   does not open, or does not match the commitments, is the dealer's fault.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.crypto.memory import zeroize
from ledger.crypto.threshold.ciphersuite import KeyGenSuite
from ledger.crypto.threshold.dealer import DealerSplit, trusted_dealer_keygen, verify_dealer_share
from ledger.crypto.threshold.encoding import FORMAT_VERSION, check_shape, parse_hex, parse_int
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.polynomial import commitment_evaluate
from ledger.crypto.threshold.rounds import Round1Message, check_group_id
from ledger.crypto.threshold.suites import suite_by_name
from ledger.crypto.threshold.transport import (
    TRANSPORT_KEY_SIZE,
    open_scalar,
    seal_scalar,
    transport_key_pair,
)
from ledger.errors import CryptoError, InvalidInput

__all__ = ["KEY_ALGORITHMS", "DealMessage", "DealtShare", "deal", "ledger_key_scalar",
           "open_dealt_share", "package_of"]

_DEAL = "threshold-deal"
_DEALT = "threshold-dealt-share"
MAX_PARTICIPANTS = 255
KEY_ALGORITHMS = {"frost-ed25519": "ed25519", "frost-secp256k1": "ecdsa-secp256k1"}
"""The ledger key algorithm whose secret each FROST suite can split (same curve, and the
group key is that key's public key, so its signatures verify under the old key)."""


def ledger_key_scalar(suite: KeyGenSuite, secret: bytes | bytearray) -> bytearray:
    """The signing scalar of a ledger key's secret, as the suite's group uses it.

    Ed25519 keys are RFC 8032 seeds: the scalar is ``SHA-512(seed)[0:32]`` pruned as RFC
    8032 5.1.5 says, reduced mod L (the same point ``s·B`` as the key's public key).
    secp256k1 keys are the scalar itself. The caller checks ``C_0`` against the key's
    public key, so a mismatch cannot go unnoticed. (The hash output is a ``bytes`` object
    that cannot be wiped: the limit docs/threshold.md states.)
    """
    scalars = suite.group.scalars
    if suite.name == "frost-ed25519":
        digest = bytearray(hashlib.sha512(bytes(secret)).digest()[:32])
        digest[0] &= 248
        digest[31] &= 127
        digest[31] |= 64
        try:
            return bytearray(scalars.reduce_wide(bytes(digest) + bytes(32)))
        finally:
            zeroize(digest)
    return bytearray(scalars.deserialize(bytes(secret), "key_id"))


def _header(suite: KeyGenSuite, group_id: str, recipient: int) -> bytes:
    return json.dumps({"type": _DEALT, "version": FORMAT_VERSION, "suite": suite.name,
                       "group_id": group_id, "recipient": recipient},
                      sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class DealtShare:
    """One seat's share sealed to its transport key by the dealer (a public value)."""

    recipient: int
    ephemeral_key: bytes
    ciphertext: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"type": _DEALT, "version": FORMAT_VERSION, "recipient": self.recipient,
                "ephemeral_key": self.ephemeral_key.hex(), "ciphertext": self.ciphertext.hex()}

    @classmethod
    def from_dict(cls, data: object) -> DealtShare:
        fields = check_shape(data, _DEALT, frozenset({"recipient", "ephemeral_key",
                                                      "ciphertext"}))
        return cls(parse_int(fields["recipient"], f"{_DEALT}.recipient", 1, MAX_PARTICIPANTS),
                   parse_hex(fields["ephemeral_key"], f"{_DEALT}.ephemeral_key",
                             TRANSPORT_KEY_SIZE),
                   parse_hex(fields["ciphertext"], f"{_DEALT}.ciphertext"))


@dataclass(frozen=True, slots=True)
class DealMessage:
    """What the dealer sends every seat: commitments, its transport key, sealed shares."""

    group_id: str
    suite: KeyGenSuite
    participants: int
    commitments: tuple[bytes, ...]
    dealer_transport_public_key: bytes
    # Sealed to each seat, yet kept out of repr like every share-named field (secret-flow lint).
    shares: tuple[DealtShare, ...] = field(repr=False)

    @property
    def threshold(self) -> int:
        return len(self.commitments)

    def share_for(self, identifier: int) -> DealtShare:
        for share in self.shares:
            if share.recipient == identifier:
                return share
        raise InvalidInput(f"the deal holds no share for participant {identifier}",
                           field="deal")

    def to_dict(self) -> dict[str, Any]:
        group = self.suite.group
        return {"type": _DEAL, "version": FORMAT_VERSION, "group_id": self.group_id,
                "suite": self.suite.name, "participants": self.participants,
                "commitments": [group.serialize_element(c).hex() for c in self.commitments],
                "dealer_transport_public_key": self.dealer_transport_public_key.hex(),
                "shares": [s.to_dict() for s in self.shares]}

    @classmethod
    def from_dict(cls, data: object) -> DealMessage:
        fields = check_shape(data, _DEAL, frozenset({
            "group_id", "suite", "participants", "commitments", "dealer_transport_public_key",
            "shares"}))
        suite = suite_by_name(fields["suite"], f"{_DEAL}.suite")
        participants = parse_int(fields["participants"], f"{_DEAL}.participants", 2,
                                 MAX_PARTICIPANTS)
        raw = fields["commitments"]
        if not isinstance(raw, list) or not 2 <= len(raw) <= participants:
            raise InvalidInput("need 2..participants commitments", field=f"{_DEAL}.commitments")
        group = suite.group
        commitments = tuple(group.deserialize_element(
            parse_hex(c, f"{_DEAL}.commitments", group.element_size), f"{_DEAL}.commitments")
            for c in raw)
        shares = fields["shares"]
        if not isinstance(shares, list) or len(shares) != participants:
            raise InvalidInput("need one sealed share per participant",
                               field=f"{_DEAL}.shares")
        parsed = tuple(DealtShare.from_dict(s) for s in shares)
        if sorted(s.recipient for s in parsed) != list(range(1, participants + 1)):
            raise InvalidInput("the shares must go to participants 1..n, once each",
                               field=f"{_DEAL}.shares")
        return cls(check_group_id(fields["group_id"], f"{_DEAL}.group_id"), suite,
                   participants, commitments,
                   parse_hex(fields["dealer_transport_public_key"],
                             f"{_DEAL}.dealer_transport_public_key", TRANSPORT_KEY_SIZE),
                   parsed)


def package_of(message: DealMessage) -> PublicKeyPackage:
    """The public key package the commitments determine (``PK = C_0``,
    ``PK_i = Σ C_j·i^j``): every seat derives the same one from the same deal."""
    group = message.suite.group
    verifying = {i: commitment_evaluate(group, list(message.commitments), i)
                 for i in range(1, message.participants + 1)}
    return PublicKeyPackage(message.suite, message.commitments[0], verifying,
                            message.threshold)


def _transport_keys(group_id: str, suite: KeyGenSuite, threshold: int, participants: int,
                    seats: Sequence[Round1Message]) -> dict[int, bytes]:
    keys: dict[int, bytes] = {}
    for index, seat in enumerate(seats):
        where = f"participant_messages[{index}]"
        if seat.group_id != group_id:
            raise InvalidInput(f"a seat of group {seat.group_id}, not {group_id}", field=where)
        if seat.package.suite is not suite or len(seat.package.commitments) != threshold:
            raise InvalidInput(f"participant {seat.sender} took a seat of another suite or "
                               "threshold", field=where)
        if seat.sender in keys:
            raise InvalidInput(f"participant {seat.sender} appears twice", field=where)
        keys[seat.sender] = seat.transport_public_key
    if sorted(keys) != list(range(1, participants + 1)):
        raise InvalidInput(f"need the seats of participants 1..{participants}, got "
                           f"{sorted(keys)}", field="participant_messages")
    return keys


def deal(suite: KeyGenSuite, group_id: str, threshold: int, participants: int,
         seats: Sequence[Round1Message], *,
         secret_key: bytes | bytearray | None = None) -> DealMessage:
    """Split ``secret_key`` (or a fresh secret) ``threshold``-of-``participants`` and seal
    each share to its seat (requirement 1 of the module doc)."""
    keys = _transport_keys(group_id, suite, threshold, participants, seats)
    split: DealerSplit = trusted_dealer_keygen(suite, threshold, participants,
                                               secret_key=secret_key)
    transport, transport_public = transport_key_pair()
    try:
        sealed = []
        for share in split.shares:
            ephemeral, blob = seal_scalar(share.signing_share,
                                          _header(suite, group_id, share.identifier),
                                          transport, keys[share.identifier])
            sealed.append(DealtShare(share.identifier, ephemeral, blob))
    finally:
        zeroize(transport)
        for share in split.shares:
            share.zeroize()
    return DealMessage(group_id, suite, participants, tuple(split.commitments),
                       transport_public, tuple(sealed))


def open_dealt_share(message: DealMessage, identifier: int,
                     transport_secret: bytes | bytearray) -> KeyShare:
    """This seat's share, opened and checked against the commitments.

    Raises :class:`~ledger.crypto.threshold.errors.CheatingParticipant` (participant 0,
    the dealer) when the share does not match, ``CryptoError`` when it does not open.
    """
    suite, group = message.suite, message.suite.group
    sealed = message.share_for(identifier)
    value = open_scalar(_header(suite, message.group_id, identifier), sealed.ephemeral_key,
                        sealed.ciphertext, transport_secret,
                        message.dealer_transport_public_key, group.scalars.size, "the dealer")
    try:
        group.scalars.deserialize(bytes(value), "deal")
    except InvalidInput:
        zeroize(value)
        raise CryptoError("the dealer's share is not a scalar") from None
    verifying = commitment_evaluate(group, list(message.commitments), identifier)
    share = KeyShare(suite, identifier, value, verifying, message.commitments[0],
                     message.threshold)
    try:
        verify_dealer_share(share, message.commitments)
    except BaseException:
        share.zeroize()
        raise
    return share
