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

4. ``ThresholdKeyDealt`` (the dealer's record) and ``ThresholdDealAccepted`` (a seat's):
   the deal parses, is of the group's suite, threshold and size, its constant commitment
   ``C_0`` is the recorded group key and the recorded package is exactly the one the
   commitments determine (``PK_i = Σ C_j·i^j``); the dealer's record also names the seats
   1..n it sealed to.

5. A MuSig2 seat (``MusigKeyAggregated`` and its sessions) is replayed by
   :mod:`ledger.audit.musig_replay`.

Signature shares themselves cannot be re-verified here: FROST's challenge hashes the message,
and the log keeps only its digest. The replay returns a problem as text (the auditor raises
it under the ``threshold`` check) or ``None``.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from ledger.audit.musig_replay import musig_problem
from ledger.crypto.threshold.deal import DealMessage, package_of
from ledger.crypto.threshold.dkg import verify_proof_of_knowledge
from ledger.crypto.threshold.errors import CheatingParticipant
from ledger.crypto.threshold.keys import PublicKeyPackage
from ledger.crypto.threshold.polynomial import commitment_evaluate
from ledger.crypto.threshold.rounds import Round1Message, transcript_digest
from ledger.domain.threshold_group import FROST_SUITES, MUSIG_SUITE, ThresholdGroup
from ledger.errors import SkmsError

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
            return _signing(group, record)
    except SkmsError as bad:
        return f"a recorded round message does not parse: {bad.message}"
    return None
