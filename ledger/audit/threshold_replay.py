"""The auditor's replay of a threshold seat's key generation from the public values logged.

Why: a threshold seat's events record every round 1 message it received and the group key
it ended with. From those alone the auditor can redo the DKG's public half, so a ledger
cannot record a group key (or verifying shares) other than the one the broadcasts
determine, nor accept a round 1 message whose proof of knowledge fails:

1. ``ThresholdDkgShared``: every recorded peer message parses strictly, belongs to the
   group, comes from a distinct other participant with ``threshold`` commitments and a
   valid proof of knowledge; the recorded transcript digest is the digest of the seat's
   own message and those.
2. ``ThresholdKeyCreated``: the public key package parses (its verifying shares lie on one
   polynomial of degree ``t - 1``), the recorded group key is the package's, equals the sum
   of every participant's constant commitment, and each verifying share is the summed
   commitments evaluated at its identifier.
3. ``ThresholdShareIssued`` / ``ThresholdSignatureAggregated``: the signing set lies within
   the group and has at least ``threshold`` members (one for a BLS partial signature).
   For FROST, from the v2 events' public values (the commitments signed over, ``H4(msg)``
   and the challenge ``c``) and the group's package: the binding factors and the group
   commitment ``R`` are recomputed and each recorded signature share is checked against
   its signer's verifying share (RFC 9591 section 5.4, ``z_i·B == D_i + rho_i·E_i +
   (c·lambda_i)·PK_i``); a seat's own share must answer the commitments it recorded for the
   session; an aggregated signature must be ``R || Σ z_i`` and satisfy ``z·B == R + c·PK``
   under the group key. A share that does not verify is named (participant, and the
   event's seq in the auditor's finding).

4. ``ThresholdKeyDealt`` (the dealer's record) and ``ThresholdDealAccepted`` (a seat's):
   the deal parses, is of the group's suite, threshold and size, its constant commitment
   ``C_0`` is the recorded group key and the recorded package is exactly the one the
   commitments determine (``PK_i = Σ C_j·i^j``); the dealer's record also names the seats
   1..n it sealed to.

5. A MuSig2 seat (``MusigKeyAggregated`` and its sessions) is replayed by
   :mod:`ledger.audit.musig_replay`.

What stays out of reach: the log keeps the message's SHA-256 and ``H4``, not the message, so
that ``c = H2(R || PK || msg)`` is the one value taken as recorded (whoever holds the message
verifies the signature as a plain Ed25519 / RFC 9591 one); v1 signing events (before the
transcript was recorded) get the signing-set checks only, and so do threshold BLS partial
signatures (verifying one needs the message hashed to G2). The replay returns a problem as
text (the auditor raises it under the ``threshold`` check) or ``None``.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from ledger.audit.musig_replay import musig_problem
from ledger.crypto.threshold.deal import DealMessage, package_of
from ledger.crypto.threshold.dkg import verify_proof_of_knowledge
from ledger.crypto.threshold.errors import CheatingParticipant, InvalidSignatureShare
from ledger.crypto.threshold.frost import SessionTranscript, verify_transcript
from ledger.crypto.threshold.keys import PublicKeyPackage
from ledger.crypto.threshold.messages import SignatureShare, SigningCommitments
from ledger.crypto.threshold.polynomial import commitment_evaluate
from ledger.crypto.threshold.rounds import (
    CommitmentMessage,
    Round1Message,
    ShareMessage,
    canonical_text,
    transcript_digest,
)
from ledger.domain.threshold_group import FROST_SUITES, MUSIG_SUITE, ThresholdGroup
from ledger.errors import InvalidSignature, SkmsError

__all__ = ["REPLAYED_EVENTS", "replay_problem"]

REPLAYED_EVENTS = frozenset({"MusigKeyAggregated", "ThresholdDkgShared", "ThresholdKeyCreated",
                             "ThresholdShareIssued", "ThresholdSignatureAggregated",
                             "ThresholdKeyDealt", "ThresholdDealAccepted"})


def _messages(group: ThresholdGroup) -> list[Round1Message]:
    own = Round1Message.from_dict(json.loads(group.round1_package))
    peers = [Round1Message.from_dict(m) for m in json.loads(group.peer_packages)]
    return [own, *peers]


def _shared(group: ThresholdGroup) -> str | None:
    messages = _messages(group)
    senders = sorted(m.sender for m in messages)
    if senders != list(range(1, group.participants + 1)):
        return f"the round 1 messages come from {senders}, not 1..{group.participants}"
    for message in messages:
        if message.group_id != group.group_id or message.package.suite.name != group.suite:
            return f"participant {message.sender}'s round 1 message is of another group"
        if len(message.package.commitments) != group.threshold:
            return f"participant {message.sender} committed to the wrong degree"
        try:
            verify_proof_of_knowledge(message.package)
        except CheatingParticipant:
            return f"participant {message.sender}'s proof of knowledge does not verify"
    if not hmac.compare_digest(transcript_digest(messages), group.transcript_digest):
        return "the transcript digest is not the digest of the recorded round 1 messages"
    return None


def _created(group: ThresholdGroup) -> str | None:
    package = PublicKeyPackage.from_dict(json.loads(group.public_key_package))
    messages = _messages(group)
    suite = messages[0].package.suite
    grp = suite.group
    if package.suite is not suite or package.min_signers != group.threshold:
        return "the public key package is of another suite or threshold"
    if package.participants != list(range(1, group.participants + 1)):
        return "the public key package names other participants"
    if not grp.equal(package.group_public_key, group.group_public_key):
        return "the recorded group key differs from the package's"
    summed = [grp.sum(m.package.commitments[k] for m in messages)
              for k in range(group.threshold)]
    if not grp.equal(summed[0], group.group_public_key):
        return "the group key is not the sum of the participants' constant commitments"
    for identifier in package.participants:
        if not grp.equal(commitment_evaluate(grp, summed, identifier),
                         package.verifying_share(identifier)):
            return f"the verifying share of {identifier} does not follow from the commitments"
    return None


def _dealt(group: ThresholdGroup, dealer: bool) -> str | None:
    message = DealMessage.from_dict(json.loads(group.deal))
    if (message.group_id, message.suite.name, message.threshold, message.participants) != (
            group.group_id, group.suite, group.threshold, group.participants):
        return "the deal is of another group, suite, threshold or size"
    grp = message.suite.group
    if not grp.equal(message.commitments[0], group.group_public_key):
        return "the group key is not the dealer's constant commitment"
    expected = package_of(message)
    recorded = PublicKeyPackage.from_dict(json.loads(group.public_key_package))
    if recorded != expected:
        return "the public key package does not follow from the dealer's commitments"
    if dealer:
        seats = sorted(Round1Message.from_dict(m).sender for m in json.loads(
            group.peer_packages))
        if seats != list(range(1, group.participants + 1)):
            return f"the deal was sealed to seats {seats}, not 1..{group.participants}"
    return None


def _signing(group: ThresholdGroup, record: dict[str, Any]) -> str | None:
    signers = list(record["signers"])
    if signers != sorted(set(signers)) or not all(1 <= s <= group.participants
                                                  for s in signers):
        return f"the signing set {signers} is not within the group"
    least = group.threshold if (group.suite in FROST_SUITES or record.get("signature")) else 1
    if len(signers) < least:
        return f"{len(signers)} signer(s), the group needs {least}"
    return None


def _shares(group: ThresholdGroup, record: dict[str, Any],
            documents: list[Any]) -> list[SignatureShare] | str:
    shares = []
    for document in documents:
        message = ShareMessage.from_dict(document)
        if (message.group_id, message.session_id) != (group.group_id, record["session_id"]):
            return (f"participant {message.identifier}'s recorded share is of another group "
                    "or session")
        if not isinstance(message.share, SignatureShare):
            return f"participant {message.identifier}'s recorded share is not a FROST share"
        shares.append(message.share)
    return shares


def _own_commitment(group: ThresholdGroup, record: dict[str, Any],
                    commitments: list[SigningCommitments]) -> str | None:
    """A seat's share answers the commitments it recorded for the session (the nonces it
    sealed): the signing package's entry in its name is exactly that."""
    session = group.sessions.get(record["session_id"]) or {}
    if not session.get("commitments"):
        return f"the seat shared in session {record['session_id']} without committing first"
    committed = CommitmentMessage.from_dict(json.loads(session["commitments"])).commitments
    mine = [c for c in commitments if c.identifier == group.identifier]
    if len(mine) != 1 or not hmac.compare_digest(canonical_text(mine[0].to_dict()),
                                                 canonical_text(committed.to_dict())):
        return (f"the share of participant {group.identifier} answers commitments other than "
                "the ones it committed in the session")
    return None


def _frost_session(event_type: str, record: dict[str, Any],
                   group: ThresholdGroup) -> str | None:
    """The cryptography of a FROST signing event, from its public values (point 3)."""
    if group.suite not in FROST_SUITES or not record.get("challenge"):
        return None  # BLS, or a v1 event: the signing-set checks are all there is
    package = PublicKeyPackage.from_dict(json.loads(group.public_key_package))
    commitments = [SigningCommitments.from_dict(c) for c in json.loads(
        record["signing_package"])]
    if [c.identifier for c in commitments] != list(record["signers"]):
        return "the recorded commitments are not the signing set's"
    transcript = SessionTranscript(bytes(record["message_hash"]), bytes(record["challenge"]))
    aggregated = event_type == "ThresholdSignatureAggregated"
    shares = _shares(group, record, json.loads(record["signature_shares"]) if aggregated
                     else [json.loads(record["signature_share"])])
    if isinstance(shares, str):
        return shares
    if not aggregated:
        if [s.identifier for s in shares] != [group.identifier]:
            return f"the recorded share is participant {shares[0].identifier}'s, not this seat's"
        wrong = _own_commitment(group, record, commitments)
        if wrong is not None:
            return wrong
    try:
        verify_transcript(package, commitments, transcript, shares,
                          bytes(record["signature"]) if aggregated else None)
    except InvalidSignatureShare as bad:
        who = (f"participant {bad.identifiers[0]}" if len(bad.identifiers) == 1 else
               f"participants {', '.join(map(str, bad.identifiers))}")
        return (f"the signature share of {who} does not verify against its verifying "
                "share (RFC 9591 verify_signature_share)")
    except InvalidSignature as bad:
        return f"the group signature does not verify: {bad.message}"
    return None


def replay_problem(event_type: str, record: dict[str, Any],
                   group: ThresholdGroup) -> str | None:
    """What is wrong with a threshold event, given its seat as folded through it."""
    try:
        if group.suite == MUSIG_SUITE:
            return musig_problem(event_type, record, group)
        if event_type == "ThresholdDkgShared":
            return _shared(group)
        if event_type == "ThresholdKeyCreated":
            return _created(group)
        if event_type in ("ThresholdKeyDealt", "ThresholdDealAccepted"):
            return _dealt(group, event_type == "ThresholdKeyDealt")
        if event_type in ("ThresholdShareIssued", "ThresholdSignatureAggregated"):
            return _signing(group, record) or _frost_session(event_type, record, group)
    except SkmsError as bad:
        return f"a recorded round message does not parse: {bad.message}"
    return None
