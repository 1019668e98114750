"""The round messages participants' ledgers exchange, wrapped with their group and session.

Why a wrapper around :mod:`.messages`: between ledgers a message must say which group key
(and which signing session) it belongs to, so a ledger can refuse one from another run
before any arithmetic, and the round 1 message must carry the sender's transport key
(:mod:`.transport`) next to its commitments. Round 2 messages are
:class:`~ledger.crypto.threshold.transport.EncryptedShare` documents as they are (their
header names the group through the DKG session id, which is the group id's 16 bytes).

Parsing is as strict as :mod:`.encoding`: exact keys, type tag, version, lower-case hex.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.crypto.threshold.bls import PartialSignature
from ledger.crypto.threshold.encoding import FORMAT_VERSION, check_shape, parse_hex
from ledger.crypto.threshold.messages import (
    DkgRound1Package,
    SignatureShare,
    SigningCommitments,
)
from ledger.crypto.threshold.musig_rounds import MusigPartialSignature
from ledger.crypto.threshold.transport import TRANSPORT_KEY_SIZE
from ledger.errors import InvalidInput

__all__ = [
    "CommitmentMessage",
    "Round1Message",
    "ShareMessage",
    "canonical_text",
    "check_group_id",
    "group_session_id",
    "transcript_digest",
]

_ROUND1 = "threshold-dkg-round1"
_COMMITMENT = "threshold-signing-commitment"
_SHARE = "threshold-signature-share"
MAX_SESSION_TEXT = 100


def canonical_text(value: Any) -> str:
    """One JSON text per value (sorted keys, no spaces): what events record."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def check_group_id(value: object, field: str = "group_id") -> str:
    """A group id: a UUID in its canonical lower-case text form."""
    if not isinstance(value, str):
        raise InvalidInput("must be a UUID", field=field)
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise InvalidInput("must be a UUID", field=field) from None
    if str(parsed) != value:
        raise InvalidInput("must be a UUID in lower-case canonical form", field=field)
    return value


def group_session_id(group_id: str) -> bytes:
    """The DKG session id of a group: its UUID's 16 bytes (binds the proofs to the group)."""
    return uuid.UUID(check_group_id(group_id)).bytes


def _session(value: object, field: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_SESSION_TEXT:
        raise InvalidInput(f"a session id is 1 to {MAX_SESSION_TEXT} characters", field=field)
    return value


@dataclass(frozen=True, slots=True)
class Round1Message:
    """A participant's round 1 broadcast: its DKG package and its transport public key."""

    group_id: str
    package: DkgRound1Package
    transport_public_key: bytes

    @property
    def sender(self) -> int:
        return self.package.sender

    def to_dict(self) -> dict[str, Any]:
        return {"type": _ROUND1, "version": FORMAT_VERSION, "group_id": self.group_id,
                "package": self.package.to_dict(),
                "transport_public_key": self.transport_public_key.hex()}

    @classmethod
    def from_dict(cls, data: object) -> Round1Message:
        fields = check_shape(data, _ROUND1, frozenset({"group_id", "package",
                                                       "transport_public_key"}))
        group_id = check_group_id(fields["group_id"], f"{_ROUND1}.group_id")
        package = DkgRound1Package.from_dict(fields["package"])
        if package.session_id != group_session_id(group_id):
            raise InvalidInput("the package belongs to another group",
                               field=f"{_ROUND1}.package")
        transport = parse_hex(fields["transport_public_key"],
                              f"{_ROUND1}.transport_public_key", TRANSPORT_KEY_SIZE)
        return cls(group_id, package, transport)


def transcript_digest(messages: Sequence[Round1Message]) -> bytes:
    """SHA-256 over every round 1 message in sender order: equal at every honest seat
    exactly when all saw the same broadcasts (compare it to detect a split view)."""
    digest = hashlib.sha256(b"skms-threshold-dkg-transcript-v1\0")
    for message in sorted(messages, key=lambda m: m.sender):
        encoded = canonical_text(message.to_dict()).encode()
        digest.update(len(encoded).to_bytes(4, "big") + encoded)
    return digest.digest()


@dataclass(frozen=True, slots=True)
class CommitmentMessage:
    """A signer's FROST round 1 commitments for one session of one group."""

    group_id: str
    session_id: str
    commitments: SigningCommitments

    @property
    def identifier(self) -> int:
        return self.commitments.identifier

    def to_dict(self) -> dict[str, Any]:
        return {"type": _COMMITMENT, "version": FORMAT_VERSION, "group_id": self.group_id,
                "session_id": self.session_id, "commitments": self.commitments.to_dict()}

    @classmethod
    def from_dict(cls, data: object) -> CommitmentMessage:
        fields = check_shape(data, _COMMITMENT, frozenset({"group_id", "session_id",
                                                           "commitments"}))
        return cls(check_group_id(fields["group_id"], f"{_COMMITMENT}.group_id"),
                   _session(fields["session_id"], f"{_COMMITMENT}.session_id"),
                   SigningCommitments.from_dict(fields["commitments"]))


@dataclass(frozen=True, slots=True)
class ShareMessage:
    """A signer's signature share (FROST) or partial signature (BLS, MuSig2) for one
    session."""

    group_id: str
    session_id: str
    share: SignatureShare | PartialSignature | MusigPartialSignature  # secret-ok: public once sent

    @property
    def identifier(self) -> int:
        return self.share.identifier

    def to_dict(self) -> dict[str, Any]:
        return {"type": _SHARE, "version": FORMAT_VERSION, "group_id": self.group_id,
                "session_id": self.session_id, "share": self.share.to_dict()}

    @classmethod
    def from_dict(cls, data: object) -> ShareMessage:
        fields = check_shape(data, _SHARE, frozenset({"group_id", "session_id", "share"}))
        raw = fields["share"]
        kind = raw.get("type") if isinstance(raw, dict) else None
        share: SignatureShare | PartialSignature | MusigPartialSignature
        if kind == "bls-partial-signature":
            share = PartialSignature.from_dict(raw)
        elif kind == "musig2-partial-signature":
            share = MusigPartialSignature.from_dict(raw)
        else:
            share = SignatureShare.from_dict(raw)
        return cls(check_group_id(fields["group_id"], f"{_SHARE}.group_id"),
                   _session(fields["session_id"], f"{_SHARE}.session_id"), share)
