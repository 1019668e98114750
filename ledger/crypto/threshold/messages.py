"""The round messages of the DKG and of FROST signing, as strict JSON-friendly dataclasses.

Every message that leaves a participant is one of these, so the next round's ledger
events record exactly these dicts (public values only) and another ledger can parse them
back. ``to_dict`` writes ``type``, ``version``, ``suite`` and lower-case hex;
``from_dict`` accepts only that exact shape and decodes every point in the suite's group
(on the curve, in the prime-order subgroup, not the identity) and every scalar below the
order (:mod:`ledger.crypto.threshold.encoding`).

1. :class:`DkgRound1Package` (broadcast): the sender's Feldman commitments to its
   polynomial and its proof of knowledge of the constant term.
2. :class:`DkgRound2Package` (public header) and :class:`DkgSecretShare` (the secret part,
   ``"secret": true``): the share ``f_i(j)`` that participant ``i`` sends to ``j`` only. The
   header may be recorded; the secret part travels encrypted to the recipient and is sealed
   by it.
3. :class:`SigningCommitments` (round 1 of signing), :class:`SigningPackage` (what the
   coordinator sends: message and the sorted commitment list) and
   :class:`SignatureShare` (round 2).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from ledger.crypto.memory import zeroize
from ledger.crypto.threshold.ciphersuite import Ciphersuite, KeyGenSuite
from ledger.crypto.threshold.encoding import (
    FORMAT_VERSION,
    check_shape,
    parse_hex,
)
from ledger.crypto.threshold.polynomial import MAX_PARTICIPANTS, check_identifier
from ledger.crypto.threshold.suites import ciphersuite_by_name, suite_by_name
from ledger.errors import InvalidInput

__all__ = [
    "MAX_MESSAGE_SIZE",
    "MAX_SESSION_ID_SIZE",
    "DkgRound1Package",
    "DkgRound2Package",
    "DkgSecretShare",
    "SignatureShare",
    "SigningCommitments",
    "SigningPackage",
    "check_session_id",
]

MAX_SESSION_ID_SIZE = 64
MAX_MESSAGE_SIZE = 1 << 20  # what a signing package may carry; bigger messages: sign a digest


def check_session_id(session_id: object, field: str = "session_id") -> bytes:
    """A DKG session id: 1..64 bytes, the same for every participant of one run."""
    if not isinstance(session_id, bytes | bytearray) or not (
            1 <= len(session_id) <= MAX_SESSION_ID_SIZE):
        raise InvalidInput(f"a session id is 1 to {MAX_SESSION_ID_SIZE} bytes", field=field)
    return bytes(session_id)


def _element(suite: KeyGenSuite, value: object, field: str) -> bytes:
    group = suite.group
    return group.deserialize_element(parse_hex(value, field, group.element_size), field)


def _scalar(suite: KeyGenSuite, value: object, field: str) -> bytes:
    scalars = suite.group.scalars
    return scalars.deserialize(parse_hex(value, field, scalars.size), field)


def _hex(suite: KeyGenSuite, element: bytes) -> str:
    return suite.group.serialize_element(element).hex()


# --- DKG -----------------------------------------------------------------------------------

_R1 = "dkg-round1-package"


@dataclass(frozen=True, slots=True)
class DkgRound1Package:
    """Round 1 broadcast: ``C_j = a_j·B`` (j < t) and the proof ``(R, mu)`` for ``a_0``."""

    suite: KeyGenSuite
    session_id: bytes
    sender: int
    commitments: tuple[bytes, ...]
    proof_commitment: bytes
    proof_response: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": _R1, "version": FORMAT_VERSION, "suite": self.suite.name,
            "session_id": self.session_id.hex(), "sender": self.sender,
            "commitments": [_hex(self.suite, c) for c in self.commitments],
            "proof_commitment": _hex(self.suite, self.proof_commitment),
            "proof_response": self.proof_response.hex(),
        }

    @classmethod
    def from_dict(cls, data: object) -> DkgRound1Package:
        fields = check_shape(data, _R1, frozenset(
            {"suite", "session_id", "sender", "commitments", "proof_commitment",
             "proof_response"}))
        suite = suite_by_name(fields["suite"], f"{_R1}.suite")
        raw = fields["commitments"]
        if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_PARTICIPANTS:
            raise InvalidInput("need 2 to 255 commitments", field=f"{_R1}.commitments")
        return cls(
            suite,
            check_session_id(parse_hex(fields["session_id"], f"{_R1}.session_id"),
                             f"{_R1}.session_id"),
            check_identifier(fields["sender"], f"{_R1}.sender"),
            tuple(_element(suite, c, f"{_R1}.commitments") for c in raw),
            _element(suite, fields["proof_commitment"], f"{_R1}.proof_commitment"),
            _scalar(suite, fields["proof_response"], f"{_R1}.proof_response"),
        )


_R2 = "dkg-round2-package"
_SHARE_TAG = "dkg-secret-share"


@dataclass(frozen=True, slots=True)
class DkgRound2Package:
    """Public header of a round 2 message: who sent a share to whom, in which session."""

    suite: KeyGenSuite
    session_id: bytes
    sender: int
    recipient: int

    def to_dict(self) -> dict[str, Any]:
        return {"type": _R2, "version": FORMAT_VERSION, "suite": self.suite.name,
                "session_id": self.session_id.hex(), "sender": self.sender,
                "recipient": self.recipient}

    @classmethod
    def from_dict(cls, data: object) -> DkgRound2Package:
        fields = check_shape(data, _R2, frozenset({"suite", "session_id", "sender",
                                                   "recipient"}))
        package = cls(suite_by_name(fields["suite"], f"{_R2}.suite"),
                      check_session_id(parse_hex(fields["session_id"], f"{_R2}.session_id"),
                                       f"{_R2}.session_id"),
                      check_identifier(fields["sender"], f"{_R2}.sender"),
                      check_identifier(fields["recipient"], f"{_R2}.recipient"))
        if package.sender == package.recipient:
            raise InvalidInput("a participant sends no share to itself", field=f"{_R2}.recipient")
        return package


@dataclass(slots=True, repr=False)
class DkgSecretShare:
    """Round 2 secret: ``f_sender(recipient)``. Encrypt it to the recipient; wipe after use."""

    suite: KeyGenSuite
    session_id: bytes
    sender: int
    recipient: int
    value: bytearray

    def header(self) -> DkgRound2Package:
        return DkgRound2Package(self.suite, self.session_id, self.sender, self.recipient)

    def zeroize(self) -> None:
        zeroize(self.value)

    def to_dict(self) -> dict[str, Any]:
        """The secret form (``"secret": true``): only for encryption to the recipient."""
        return {"type": _SHARE_TAG, "version": FORMAT_VERSION, "secret": True,
                "suite": self.suite.name, "session_id": self.session_id.hex(),
                "sender": self.sender, "recipient": self.recipient,
                "value": bytes(self.value).hex()}

    @classmethod
    def from_dict(cls, data: object) -> DkgSecretShare:
        fields = check_shape(data, _SHARE_TAG, frozenset(
            {"secret", "suite", "session_id", "sender", "recipient", "value"}))
        if fields["secret"] is not True:
            raise InvalidInput("a DKG share must be marked secret",
                               field=f"{_SHARE_TAG}.secret")
        header = DkgRound2Package.from_dict({
            "type": _R2, "version": FORMAT_VERSION,
            **{k: fields[k] for k in ("suite", "session_id", "sender", "recipient")}})
        value = _scalar(header.suite, fields["value"], f"{_SHARE_TAG}.value")
        return cls(header.suite, header.session_id, header.sender, header.recipient,
                   bytearray(value))

    def __repr__(self) -> str:
        return (f"DkgSecretShare(suite={self.suite.name!r}, sender={self.sender}, "
                f"recipient={self.recipient}, <secret>)")


# --- signing -------------------------------------------------------------------------------

_COMMITMENTS = "frost-signing-commitments"


@dataclass(frozen=True, slots=True)
class SigningCommitments:
    """Round 1 of signing: ``(D_i, E_i)``, the hiding and binding nonce commitments."""

    suite: Ciphersuite
    identifier: int
    hiding: bytes
    binding: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"type": _COMMITMENTS, "version": FORMAT_VERSION, "suite": self.suite.name,
                "identifier": self.identifier, "hiding": _hex(self.suite, self.hiding),
                "binding": _hex(self.suite, self.binding)}

    @classmethod
    def from_dict(cls, data: object) -> SigningCommitments:
        fields = check_shape(data, _COMMITMENTS,
                             frozenset({"suite", "identifier", "hiding", "binding"}))
        suite = ciphersuite_by_name(fields["suite"], f"{_COMMITMENTS}.suite")
        return cls(suite, check_identifier(fields["identifier"], f"{_COMMITMENTS}.identifier"),
                   _element(suite, fields["hiding"], f"{_COMMITMENTS}.hiding"),
                   _element(suite, fields["binding"], f"{_COMMITMENTS}.binding"))


_PACKAGE = "frost-signing-package"


@dataclass(frozen=True, slots=True)
class SigningPackage:
    """What the coordinator sends to each chosen signer: the message and all commitments.

    The commitment list is sorted by identifier with no duplicates (RFC 9591 section 5.3
    requires it), all in one suite.
    """

    suite: Ciphersuite
    message: bytes
    commitments: tuple[SigningCommitments, ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.message, bytes) or len(self.message) > MAX_MESSAGE_SIZE:
            raise InvalidInput(f"the message must be bytes, at most {MAX_MESSAGE_SIZE}",
                               field="message")
        identifiers = [c.identifier for c in self.commitments]
        if len(identifiers) < 2 or any(a >= b for a, b in itertools.pairwise(identifiers)):
            raise InvalidInput("need commitments from at least two signers, sorted by "
                               "identifier, without duplicates", field="commitments")
        if any(c.suite is not self.suite for c in self.commitments):
            raise InvalidInput("every commitment must be in the package's suite",
                               field="commitments")

    @property
    def signers(self) -> list[int]:
        return [c.identifier for c in self.commitments]

    def commitment_of(self, identifier: int) -> SigningCommitments:
        for commitment in self.commitments:
            if commitment.identifier == identifier:
                return commitment
        raise InvalidInput(f"participant {identifier} has no commitment in this session",
                           field="commitments")

    def to_dict(self) -> dict[str, Any]:
        return {"type": _PACKAGE, "version": FORMAT_VERSION, "suite": self.suite.name,
                "message": self.message.hex(),
                "commitments": [c.to_dict() for c in self.commitments]}

    @classmethod
    def from_dict(cls, data: object) -> SigningPackage:
        fields = check_shape(data, _PACKAGE, frozenset({"suite", "message", "commitments"}))
        suite = ciphersuite_by_name(fields["suite"], f"{_PACKAGE}.suite")
        raw = fields["commitments"]
        if not isinstance(raw, list) or len(raw) > MAX_PARTICIPANTS:
            raise InvalidInput("must be a list of at most 255 commitments",
                               field=f"{_PACKAGE}.commitments")
        return cls(suite, parse_hex(fields["message"], f"{_PACKAGE}.message"),
                   tuple(SigningCommitments.from_dict(c) for c in raw))


_SIG_SHARE = "frost-signature-share"


@dataclass(frozen=True, slots=True)
class SignatureShare:
    """Round 2 of signing: participant ``identifier``'s share ``z_i`` (public once sent)."""

    suite: Ciphersuite
    identifier: int
    share: bytes  # secret-ok: a signature share is public once sent

    def to_dict(self) -> dict[str, Any]:
        return {"type": _SIG_SHARE, "version": FORMAT_VERSION, "suite": self.suite.name,
                "identifier": self.identifier, "share": self.share.hex()}

    @classmethod
    def from_dict(cls, data: object) -> SignatureShare:
        fields = check_shape(data, _SIG_SHARE, frozenset({"suite", "identifier", "share"}))
        suite = ciphersuite_by_name(fields["suite"], f"{_SIG_SHARE}.suite")
        return cls(suite, check_identifier(fields["identifier"], f"{_SIG_SHARE}.identifier"),
                   _scalar(suite, fields["share"], f"{_SIG_SHARE}.share"))
