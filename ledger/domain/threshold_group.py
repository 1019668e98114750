"""The ThresholdGroup aggregate: this ledger's seat in one threshold group key.

A group key (FROST Ed25519 / secp256k1, or threshold BLS12-381) is made by a distributed
key generation among ``participants`` separate ledgers, each holding one seat. This
aggregate is one seat: its identifier, its sealed secret state, every round message it
sent and received, and every signing session it took part in.

Requirements:

1. No event carries a secret: polynomial coefficients, transport keys, the signing share
   and nonces are in the log only sealed (AES-256-GCM under a data key kept in the
   key-ring, shredded as soon as a step consumes it); round messages, commitments,
   signature shares and signatures are public values and recorded in full, so the
   auditor can replay every DKG and signing session.
2. The DKG moves forward only: ``round1`` (started) -> ``round2`` (shares sent) ->
   ``active`` (key created); a step out of order is refused and changes nothing.
3. Nonces are single use: a session's nonces are committed once and consumed by exactly
   one ``ThresholdShareIssued``; a second share in the same session is refused (a reused
   Schnorr nonce reveals the signing share).
4. A group that a new DKG replaces is ``retired``: it signs no more.
5. A MuSig2 seat (suite ``musig2-secp256k1``, n-of-n, BIP-327) has no DKG: it is created
   ``active`` by ``MusigKeyAggregated`` from the participants' public keys, and its secret
   is the ledger key it names (``key_id``/``key_version``), never copied into the seat.
   Its sessions follow requirement 3 exactly like FROST's.
6. A trusted dealer (RFC 9591 appendix C) records ``ThresholdKeyDealt`` on a record of its
   own (identifier 0, stage ``dealt``, never signs): the seats' round 1 messages it dealt
   to, the Feldman commitments and the sealed shares. A seat started by
   ``StartThresholdDkg`` may instead of running the DKG accept a dealt share
   (``ThresholdDealAccepted``: ``round1`` -> ``active``) once it matches the commitments.
7. A seat that becomes ``active`` by a DKG or a deal (FROST and threshold BLS) also records
   the group key as a ledger ``Key`` (id :func:`group_key_id`, algorithm = the suite, the
   group public key, no material; ``KeyHeldByThresholdGroup`` names the group, threshold
   and participants). That key's state governs the seat's signing; the seat's retirement
   deactivates it.
"""

from __future__ import annotations

import uuid
from typing import Any

from ledger.domain.aggregate import Aggregate, Event
from ledger.domain.aggregate import Created as AggregateCreated
from ledger.domain.registry import register_event
from ledger.errors import IllegalTransition, InvalidInput

GROUP_KEY_NAMESPACE = uuid.UUID("5d8e0c2a-6a53-4c1e-9b7f-0e3c1a9d7b44")
"""The namespace of :func:`group_key_id`."""
STAGES = ("round1", "round2", "active", "retired", "dealt")
FROST_SUITES = ("frost-ed25519", "frost-secp256k1")
SUITES = (*FROST_SUITES, "bls12381-min-pk")
MUSIG_SUITE = "musig2-secp256k1"
NONCE_SUITES = (*FROST_SUITES, MUSIG_SUITE)
"""Suites whose signing sessions commit to single-use nonces first."""


def group_key_id(group_id: str) -> str:
    """The ledger key that is a group's key (``KeyHeldByThresholdGroup``): a name-based
    UUID of the group id, so every seat's ledger names the group key alike."""
    return str(uuid.uuid5(GROUP_KEY_NAMESPACE, group_id))


class ThresholdGroup(Aggregate):
    """One participant's seat in a threshold group key (see the module doc)."""

    domain: str
    suite: str
    label: str | None
    threshold: int
    participants: int
    identifier: int
    replaces: str | None
    stage: str
    round1_package: str
    transport_public_key: bytes
    sealed_state: bytes
    state_ref: str
    peer_packages: str
    transcript_digest: bytes
    encrypted_shares: str
    group_public_key: bytes
    public_key_package: str
    sealed_share: bytes
    share_ref: str
    sessions: dict[str, dict[str, Any]]
    signatures: int
    created_at: int
    retired_by: str | None
    key_id: str | None
    key_version: int
    deal: str

    class DkgStarted(AggregateCreated):
        event_type = "ThresholdDkgStarted"
        group_id: str
        domain: str
        suite: str
        label: str | None
        threshold: int
        participants: int
        identifier: int
        replaces: str | None
        round1_package: str
        transport_public_key: bytes
        sealed_state: bytes
        data_key_ref: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            group: ThresholdGroup = aggregate
            group.domain = self.domain
            group.suite = self.suite
            group.label = self.label
            group.threshold = self.threshold
            group.participants = self.participants
            group.identifier = self.identifier
            group.replaces = self.replaces
            group.stage = "round1"
            group.round1_package = self.round1_package
            group.transport_public_key = self.transport_public_key
            group.sealed_state = self.sealed_state
            group.state_ref = self.data_key_ref
            group.peer_packages = ""
            group.transcript_digest = b""
            group.encrypted_shares = ""
            group.group_public_key = b""
            group.public_key_package = ""
            group.sealed_share = b""
            group.share_ref = ""
            group.sessions = {}
            group.signatures = 0
            group.created_at = self.recorded_at
            group.retired_by = None
            group.key_id = None
            group.key_version = 0
            group.deal = ""

    class MusigKeyAggregated(AggregateCreated):
        """A MuSig2 seat: the aggregate of the participants' keys, this ledger's key one
        of them (requirement 5)."""

        event_type = "MusigKeyAggregated"
        group_id: str
        domain: str
        suite: str
        label: str | None
        threshold: int
        participants: int
        identifier: int
        key_id: str
        key_version: int
        public_key: bytes
        public_keys: list[bytes]
        internal_key: bytes
        tweaks: list[bytes]
        group_public_key: bytes
        public_key_package: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            group: ThresholdGroup = aggregate
            group.domain = self.domain
            group.suite = self.suite
            group.label = self.label
            group.threshold = self.threshold
            group.participants = self.participants
            group.identifier = self.identifier
            group.replaces = None
            group.stage = "active"
            group.round1_package = ""
            group.transport_public_key = b""
            group.sealed_state = b""
            group.state_ref = ""
            group.peer_packages = ""
            group.transcript_digest = b""
            group.encrypted_shares = ""
            group.group_public_key = self.group_public_key
            group.public_key_package = self.public_key_package
            group.sealed_share = b""
            group.share_ref = ""
            group.sessions = {}
            group.signatures = 0
            group.created_at = self.recorded_at
            group.retired_by = None
            group.key_id = self.key_id
            group.key_version = self.key_version
            group.deal = ""

    class KeyDealt(AggregateCreated):
        """The dealer's record of a deal (requirement 6): public values only."""

        event_type = "ThresholdKeyDealt"
        group_id: str
        domain: str
        suite: str
        label: str | None
        threshold: int
        participants: int
        key_id: str | None
        key_version: int
        participant_messages: str
        deal: str
        group_public_key: bytes
        public_key_package: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            group: ThresholdGroup = aggregate
            group.domain = self.domain
            group.suite = self.suite
            group.label = self.label
            group.threshold = self.threshold
            group.participants = self.participants
            group.identifier = 0
            group.replaces = None
            group.stage = "dealt"
            group.round1_package = ""
            group.transport_public_key = b""
            group.sealed_state = b""
            group.state_ref = ""
            group.peer_packages = self.participant_messages
            group.transcript_digest = b""
            group.encrypted_shares = ""
            group.group_public_key = self.group_public_key
            group.public_key_package = self.public_key_package
            group.sealed_share = b""
            group.share_ref = ""
            group.sessions = {}
            group.signatures = 0
            group.created_at = self.recorded_at
            group.retired_by = None
            group.key_id = self.key_id
            group.key_version = self.key_version
            group.deal = self.deal

    class DealAccepted(Event):
        """A seat accepted its dealt share (requirement 6); its round 1 state is shredded."""

        event_type = "ThresholdDealAccepted"
        group_id: str
        deal: str
        group_public_key: bytes
        public_key_package: str
        sealed_share: bytes
        data_key_ref: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.stage = "active"
            aggregate.deal = self.deal
            aggregate.group_public_key = self.group_public_key
            aggregate.public_key_package = self.public_key_package
            aggregate.sealed_share = self.sealed_share
            aggregate.share_ref = self.data_key_ref
            aggregate.sealed_state = b""
            aggregate.state_ref = ""

    class DkgShared(Event):
        event_type = "ThresholdDkgShared"
        group_id: str
        peer_packages: str
        transcript_digest: bytes
        encrypted_shares: str
        sealed_state: bytes
        data_key_ref: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.stage = "round2"
            aggregate.peer_packages = self.peer_packages
            aggregate.transcript_digest = self.transcript_digest
            aggregate.encrypted_shares = self.encrypted_shares
            aggregate.sealed_state = self.sealed_state
            aggregate.state_ref = self.data_key_ref

    class KeyCreated(Event):
        event_type = "ThresholdKeyCreated"
        group_id: str
        received_shares: str
        group_public_key: bytes
        public_key_package: str
        sealed_share: bytes
        data_key_ref: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.stage = "active"
            aggregate.group_public_key = self.group_public_key
            aggregate.public_key_package = self.public_key_package
            aggregate.sealed_share = self.sealed_share
            aggregate.share_ref = self.data_key_ref
            aggregate.sealed_state = b""
            aggregate.state_ref = ""

    class NoncesCommitted(Event):
        event_type = "ThresholdNoncesCommitted"
        group_id: str
        session_id: str
        commitments: str
        sealed_nonces: bytes
        data_key_ref: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.sessions[self.session_id] = {
                "session_id": self.session_id, "commitments": self.commitments,
                "sealed_nonces": self.sealed_nonces, "data_key_ref": self.data_key_ref,
                "used": False, "message_digest": None, "signature": None,
                "committed_at": self.recorded_at}

    class ShareIssued(Event):
        event_type = "ThresholdShareIssued"
        group_id: str
        session_id: str
        message_digest: bytes
        signers: list[int]
        signing_package: str
        signature_share: str
        actor_id: str
        message_hash: bytes  # v2 (v1 events read with b""): FROST H4(message)
        challenge: bytes  # v2 (v1 events read with b""): FROST c

        def apply(self, aggregate: Any) -> None:
            session = aggregate.sessions.setdefault(self.session_id, {
                "session_id": self.session_id, "commitments": "", "sealed_nonces": b"",
                "data_key_ref": "", "signature": None, "committed_at": self.recorded_at})
            session["used"] = True
            session["sealed_nonces"] = b""
            session["message_digest"] = self.message_digest
            session["signers"] = list(self.signers)

    class SignatureAggregated(Event):
        event_type = "ThresholdSignatureAggregated"
        group_id: str
        session_id: str
        message_digest: bytes
        signers: list[int]
        signature_shares: str
        signature: bytes
        actor_id: str
        signing_package: str  # v2 (v1 events read with ""): the FROST commitments
        message_hash: bytes  # v2 (v1 events read with b"")
        challenge: bytes  # v2 (v1 events read with b"")

        def apply(self, aggregate: Any) -> None:
            aggregate.signatures += 1
            session = aggregate.sessions.get(self.session_id)
            if session is not None:
                session["signature"] = self.signature

    class Retired(Event):
        event_type = "ThresholdGroupRetired"
        group_id: str
        replaced_by: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.stage = "retired"
            aggregate.retired_by = self.replaced_by

    # --- decisions -----------------------------------------------------------------------

    @property
    def group_id(self) -> str:
        return str(self.id)

    def require_stage(self, stage: str, doing: str) -> None:
        if self.stage != stage:
            raise IllegalTransition(f"group {self.group_id} is {self.stage}: cannot {doing} "
                                    f"(needs {stage})")

    def record_shared(self, *, actor_id: str, peer_packages: str, transcript_digest: bytes,
                      encrypted_shares: str, sealed_state: bytes, data_key_ref: str,
                      at: int) -> None:
        self.require_stage("round1", "send round 2 shares")
        self.trigger_event(self.DkgShared, at=at, group_id=self.group_id,
                           peer_packages=peer_packages, transcript_digest=transcript_digest,
                           encrypted_shares=encrypted_shares, sealed_state=sealed_state,
                           data_key_ref=data_key_ref, actor_id=actor_id)

    def record_key(self, *, actor_id: str, received_shares: str, group_public_key: bytes,
                   public_key_package: str, sealed_share: bytes, data_key_ref: str,
                   at: int) -> None:
        self.require_stage("round2", "finish the key generation")
        self.trigger_event(self.KeyCreated, at=at, group_id=self.group_id,
                           received_shares=received_shares,
                           group_public_key=group_public_key,
                           public_key_package=public_key_package, sealed_share=sealed_share,
                           data_key_ref=data_key_ref, actor_id=actor_id)

    def record_deal_accepted(self, *, actor_id: str, deal: str, group_public_key: bytes,
                             public_key_package: str, sealed_share: bytes,
                             data_key_ref: str, at: int) -> None:
        self.require_stage("round1", "accept a dealt share")
        self.trigger_event(self.DealAccepted, at=at, group_id=self.group_id, deal=deal,
                           group_public_key=group_public_key,
                           public_key_package=public_key_package, sealed_share=sealed_share,
                           data_key_ref=data_key_ref, actor_id=actor_id)

    def check_can_sign(self) -> None:
        self.require_stage("active", "sign")

    def record_commitment(self, *, actor_id: str, session_id: str, commitments: str,
                          sealed_nonces: bytes, data_key_ref: str, at: int) -> None:
        self.check_can_sign()
        if self.suite not in NONCE_SUITES:
            raise InvalidInput(f"{self.suite} signs without round 1 commitments",
                               field="group_id")
        if session_id in self.sessions:
            raise IllegalTransition(f"this participant already committed in session "
                                    f"{session_id}: start a new session")
        self.trigger_event(self.NoncesCommitted, at=at, group_id=self.group_id,
                           session_id=session_id, commitments=commitments,
                           sealed_nonces=sealed_nonces, data_key_ref=data_key_ref,
                           actor_id=actor_id)

    def unused_session(self, session_id: str) -> dict[str, Any]:
        """The session's committed, unused nonces (refused when absent or consumed)."""
        session = self.sessions.get(session_id)
        if session is None or not session["commitments"]:
            raise InvalidInput(f"this participant has no commitment in session {session_id}",
                               field="session_id")
        if session["used"]:
            raise IllegalTransition(f"the nonces of session {session_id} were already used: "
                                    "a second share is refused (nonce reuse)")
        return session

    def record_share(self, *, actor_id: str, session_id: str, message_digest: bytes,
                     signers: list[int], signing_package: str, signature_share: str,
                     at: int, message_hash: bytes = b"", challenge: bytes = b"") -> None:
        self.check_can_sign()
        if self.suite in NONCE_SUITES:
            self.unused_session(session_id)
        elif session_id in self.sessions:
            raise IllegalTransition(f"this participant already signed in session {session_id}")
        self.trigger_event(self.ShareIssued, at=at, group_id=self.group_id,
                           session_id=session_id, message_digest=message_digest,
                           signers=signers, signing_package=signing_package,
                           signature_share=signature_share, actor_id=actor_id,
                           message_hash=message_hash, challenge=challenge)

    def record_signature(self, *, actor_id: str, session_id: str, message_digest: bytes,
                         signers: list[int], signature_shares: str, signature: bytes,
                         at: int, signing_package: str = "", message_hash: bytes = b"",
                         challenge: bytes = b"") -> None:
        self.check_can_sign()
        self.trigger_event(self.SignatureAggregated, at=at, group_id=self.group_id,
                           session_id=session_id, message_digest=message_digest,
                           signers=signers, signature_shares=signature_shares,
                           signature=signature, actor_id=actor_id,
                           signing_package=signing_package, message_hash=message_hash,
                           challenge=challenge)

    def retire(self, *, actor_id: str, replaced_by: str, at: int) -> None:
        self.require_stage("active", "be replaced")
        self.trigger_event(self.Retired, at=at, group_id=self.group_id,
                           replaced_by=replaced_by, actor_id=actor_id)


for _event in (ThresholdGroup.DkgStarted, ThresholdGroup.MusigKeyAggregated,
               ThresholdGroup.DkgShared, ThresholdGroup.KeyCreated,
               ThresholdGroup.NoncesCommitted, ThresholdGroup.ShareIssued,
               ThresholdGroup.SignatureAggregated, ThresholdGroup.Retired,
               ThresholdGroup.KeyDealt, ThresholdGroup.DealAccepted):
    register_event(_event)
