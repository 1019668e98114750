"""The Key aggregate: one managed key with its versions, state and policy.

States follow NIST SP 800-57 Part 1 §7: pre-activation, active, suspended, deactivated,
compromised, destroyed. Every method either emits exactly the events that record its
decision or raises :class:`~ledger.errors.IllegalTransition` and changes nothing.
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

from ledger.domain.aggregate import Aggregate, Created, Event
from ledger.domain.registry import register_event
from ledger.domain.threshold_group import group_key_id
from ledger.errors import (
    CommandRejected,
    IllegalTransition,
    KeyMaterialDestroyed,
    NotFound,
    Unauthorized,
)

DAY_MICROS = 86_400_000_000
TOKEN_KEY_PROOF = {"extractable": False, "sensitive": True, "never_extractable": True,
                   "always_sensitive": True, "local": True, "token": True}
"""The recorded PKCS#11 attributes (``KeyHeldOnToken.attributes``) that, together, say a
key was generated on the token and can never leave it."""


class KeyState(enum.StrEnum):
    PRE_ACTIVATION = "pre-activation"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DEACTIVATED = "deactivated"
    COMPROMISED = "compromised"
    DESTROYED = "destroyed"


USAGES = frozenset({"sign", "verify", "encrypt", "decrypt", "mac", "derive", "wrap", "commit",
                    "prove"})
"""Every usage a key may list; which ones fit an algorithm is in its profile
(``ledger.crypto.algorithms``): sign/verify for signature schemes, encrypt/decrypt/wrap for
AES-256-GCM and ML-KEM-768+X25519, mac for HMAC, derive for X25519 and P-256 ECDH, commit
for Pedersen commitment keys (commitments, openings, range proofs), prove/verify for
Groth16 circuit keys."""

PROCESSING_STATES = frozenset({"active", "deactivated"})
"""States in which a key may still *process* protected data (decrypt, verify a MAC), per
NIST SP 800-57 Part 1 §7: a deactivated key no longer protects anything new but must open
what it protected. Suspended (a hold) and compromised keys process nothing."""

DEFAULT_POLICY: dict[str, Any] = {
    "rotation_period_days": 90,
    "destruction_wait_days": 30,
    "allowed_signers": [],
    "max_signatures_per_day": None,
}


def _refuse(key: Key, action: str, allowed: str) -> IllegalTransition:
    return IllegalTransition(
        f"cannot {action} key {key.id} in state {key.state.value}",
        hint=f"allowed only while the key is {allowed}",
        reason_code="illegal-transition")



FINDING_NAMESPACE = uuid.UUID("3b0f9a4e-7f0c-4c2a-9a59-2d6b1f0d8e17")
HOUR_MICROS = 3_600_000_000


def threat_finding_id(key_id: str, window_start: int) -> str:
    """A finding's stable id: one per key and scored hour, so a re-scan names the same one."""
    return str(uuid.uuid5(FINDING_NAMESPACE, f"{key_id}/{window_start}"))


def threat_reason(finding_id: str, score: int, threshold: int) -> str:
    """The reason of a threat suspension: it cites the finding (the auditor checks it)."""
    return f"threat finding {finding_id}: score {score} >= threshold {threshold}"


def count_signatures(key: Any, recorded_at: int, count: int) -> None:
    """Every signing event counts toward the key's daily limit and total (one rule for
    Sign, SignBatch, chain and blind signatures)."""
    day = recorded_at // DAY_MICROS
    key.signatures_by_day[day] = key.signatures_by_day.get(day, 0) + count
    key.signature_count += count

def refuse_threshold_key(key_id: str, version: dict[str, Any]) -> None:
    """A threshold group key's version has no secret to open: signing by key id (or any
    use of its material) is a recorded refusal that names the way it does sign."""
    seat = version.get("threshold")
    if seat is None:
        return
    group = seat["group_id"]
    raise CommandRejected(
        f"key {key_id} is a {seat['suite']} threshold group key ({seat['threshold']}-of-"
        f"{seat['participants']}, group {group}): no ledger holds its secret, so it signs "
        "only in a threshold session", field="key_id", reason_code="threshold-key",
        hint=f"skms threshold sign commit|share|aggregate {group} (on {seat['threshold']} "
             "of the group's seats)")


class Key(Aggregate):
    """A managed key: signing, encryption, MAC or key agreement (its usage list says which)."""

    state: KeyState
    domain: str
    label: str | None
    algorithm: str
    usage: list[str]
    versions: dict[int, dict[str, Any]]
    current_version: int
    policy: dict[str, Any]
    created_at: int
    activated_at: int | None
    rotated_at: int | None
    destroy_after: int | None
    destroyed_at: int | None
    signatures_by_day: dict[int, int]
    signature_count: int
    commitments: dict[str, dict[str, Any]]
    setups: dict[int, dict[str, Any]]
    origin: str
    exportable: bool
    import_token_id: str | None
    escrow: dict[int, dict[str, Any]]
    escrow_releases: int
    exports: int
    chain_policy: dict[str, list[str]]
    threat_hold: dict[str, Any] | None
    threat_windows: set[int]

    class Generated(Created):
        event_type = "KeyGenerated"
        key_id: str
        domain: str
        label: str | None
        algorithm: str
        usage: list[str]
        version: int
        public_key: bytes
        sealed_material: bytes
        data_key_ref: str
        policy: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            key: Key = aggregate
            key.state = KeyState.PRE_ACTIVATION
            key.domain = self.domain
            key.label = self.label
            key.algorithm = self.algorithm
            key.usage = list(self.usage)
            key.current_version = self.version
            key.versions = {self.version: {
                "public_key": self.public_key, "sealed_material": self.sealed_material,
                "data_key_ref": self.data_key_ref, "created_at": self.recorded_at}}
            key.policy = dict(self.policy)
            key.created_at = self.recorded_at
            key.activated_at = None
            key.rotated_at = None
            key.destroy_after = None
            key.destroyed_at = None
            key.signatures_by_day = {}
            key.signature_count = 0
            key.commitments = {}
            key.setups = {}
            key.origin = "generated"  # until a KeyProvenanceRecorded says otherwise
            key.exportable = False
            key.import_token_id = None
            key.escrow = {}
            key.escrow_releases = 0
            key.exports = 0
            key.chain_policy = {"allowed_networks": [], "allowed_recipients": [],
                                "allowed_sighash": []}
            key.threat_hold = None
            key.threat_windows = set()

    class Activated(Event):
        event_type = "KeyActivated"
        key_id: str
        version: int

        def apply(self, aggregate: Any) -> None:
            aggregate.state = KeyState.ACTIVE
            aggregate.activated_at = self.recorded_at

    class Rotated(Event):
        event_type = "KeyRotated"
        key_id: str
        previous_version: int
        version: int
        public_key: bytes
        sealed_material: bytes
        data_key_ref: str

        def apply(self, aggregate: Any) -> None:
            at = self.recorded_at
            aggregate.versions[self.version] = {
                "public_key": self.public_key, "sealed_material": self.sealed_material,
                "data_key_ref": self.data_key_ref, "created_at": at}
            aggregate.current_version = self.version
            aggregate.rotated_at = at

    class Suspended(Event):
        event_type = "KeySuspended"
        key_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = KeyState.SUSPENDED

    class Reactivated(Event):
        event_type = "KeyReactivated"
        key_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = KeyState.ACTIVE
            aggregate.threat_hold = None  # a threat hold ends with its (quorum) lift

    class ThreatDetected(Event):
        """The scheduler's scan scored the key's activity in one window (counts and ids
        only, docs/threat-detection.md); ``suspends`` says the policy in force suspends the
        key for it, which then stays held until a quorum of ``lift_approvals`` lifts it."""

        event_type = "ThreatDetected"
        key_id: str
        finding_id: str
        window_start: int
        window_end: int
        score: int
        threshold: int
        action: str
        lift_approvals: int
        suspends: bool
        actors: list[str]
        features: list[dict[str, Any]]

        def apply(self, aggregate: Any) -> None:
            aggregate.threat_windows.add(self.window_start)
            if self.suspends:
                aggregate.threat_hold = {"finding_id": self.finding_id,
                                         "lift_approvals": self.lift_approvals}

    class Compromised(Event):
        event_type = "KeyCompromised"
        key_id: str
        reason: str
        compromise_time: int

        def apply(self, aggregate: Any) -> None:
            aggregate.state = KeyState.COMPROMISED

    class Deactivated(Event):
        event_type = "KeyDeactivated"
        key_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = KeyState.DEACTIVATED

    class DestructionScheduled(Event):
        event_type = "KeyDestructionScheduled"
        key_id: str
        destroy_after: int
        waiting_period_days: int

        def apply(self, aggregate: Any) -> None:
            aggregate.destroy_after = self.destroy_after

    class DestructionCancelled(Event):
        event_type = "KeyDestructionCancelled"
        key_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.destroy_after = None

    class Destroyed(Event):
        event_type = "KeyDestroyed"
        key_id: str
        shredded_refs: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.state = KeyState.DESTROYED
            aggregate.destroyed_at = self.recorded_at
            aggregate.destroy_after = None

    class PolicyChanged(Event):
        event_type = "KeyPolicyChanged"
        key_id: str
        policy: dict[str, Any]
        previous_policy: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.policy = dict(self.policy)

    class SignatureIssued(Event):
        event_type = "SignatureIssued"
        key_id: str
        key_version: int
        algorithm: str
        message_digest: bytes
        signature_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            count_signatures(aggregate, self.recorded_at, 1)

    class SignatureBatchIssued(Event):
        event_type = "SignatureBatchIssued"
        key_id: str
        key_version: int
        algorithm: str
        message_digests: list[bytes]
        signature_digests: list[bytes]
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            count_signatures(aggregate, self.recorded_at, len(self.message_digests))

    # Using a key for data changes none of its state: these events are the audit record.
    # They carry digests and sizes only, never plaintext, keys or derived secrets.

    class DataEncrypted(Event):
        event_type = "DataEncrypted"
        key_id: str
        key_version: int
        algorithm: str
        aad_digest: bytes
        ciphertext_digest: bytes
        plaintext_size: int
        ciphertext_size: int
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class DataDecrypted(Event):
        event_type = "DataDecrypted"
        key_id: str
        key_version: int
        algorithm: str
        aad_digest: bytes
        ciphertext_digest: bytes
        plaintext_size: int
        ciphertext_size: int
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class DataKeyGenerated(Event):
        event_type = "DataKeyGenerated"
        key_id: str
        key_version: int
        algorithm: str
        aad_digest: bytes
        wrapped_key_digest: bytes
        data_key_size: int
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class MacGenerated(Event):
        event_type = "MacGenerated"
        key_id: str
        key_version: int
        algorithm: str
        message_digest: bytes
        mac_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class MacVerified(Event):
        event_type = "MacVerified"
        key_id: str
        key_version: int
        algorithm: str
        message_digest: bytes
        mac_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class SharedSecretDerived(Event):
        event_type = "SharedSecretDerived"
        key_id: str
        key_version: int
        algorithm: str
        peer_public_key_digest: bytes
        salt_digest: bytes
        info_digest: bytes
        output_size: int
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class ChainPolicySet(Event):
        event_type = "KeyChainPolicySet"
        key_id: str
        allowed_networks: list[str]
        allowed_recipients: list[str]
        previous_networks: list[str]
        previous_recipients: list[str]
        actor_id: str
        allowed_sighash: list[str]  # v2 (v1 events read with [] for both)
        previous_sighash: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.chain_policy = {"allowed_networks": list(self.allowed_networks),
                                      "allowed_recipients": list(self.allowed_recipients),
                                      "allowed_sighash": list(self.allowed_sighash)}

    class ChainSignatureIssued(Event):
        """A blockchain transaction or message signed (public facts only); it counts as one
        signature towards the key's daily limit."""

        event_type = "ChainSignatureIssued"
        key_id: str
        key_version: int
        algorithm: str
        actor_id: str
        family: str
        network: str
        chain_id: str | None
        kind: str
        signer: str
        tx_hash: str | None
        input_digest: bytes
        digests: list[bytes]
        signature_digests: list[bytes]
        recipients: list[str]
        amounts: list[str]
        asset: str | None
        value: str
        fee: str | None

        def apply(self, aggregate: Any) -> None:
            count_signatures(aggregate, self.recorded_at, 1)

    # Privacy services (docs/privacy.md): public values only, never the message a blind
    # signature hides, a plaintext a Paillier ciphertext hides, or a secret scalar.

    class BlindSignatureIssued(Event):
        event_type = "BlindSignatureIssued"
        key_id: str
        key_version: int
        algorithm: str
        variant: str
        blinded_message_digest: bytes
        blind_signature_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            count_signatures(aggregate, self.recorded_at, 1)
    # Zero-knowledge uses of a key: commitment keys (pedersen-ristretto255) and circuit keys
    # (groth16-bn254). Public values only: commitments, public signals, digests; never a
    # committed value, a blinding or a witness.

    class CommitmentCreated(Event):
        event_type = "CommitmentCreated"
        key_id: str
        key_version: int
        commitment_id: str
        commitment: bytes
        parts: list[str]
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.commitments[self.commitment_id] = {
                "version": self.key_version, "point": self.commitment,
                "parts": list(self.parts)}

    class RangeProofIssued(Event):
        event_type = "RangeProofIssued"
        key_id: str
        commitment_ids: list[str]
        commitments: list[bytes]
        bits: int
        context_digest: bytes
        proof_digest: bytes
        proof_size: int
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class SnarkSetupRecorded(Event):
        event_type = "SnarkSetupRecorded"
        key_id: str
        version: int
        circuit: str
        transcript_digest: bytes
        zkey_digest: bytes
        wasm_digest: bytes
        vkey_digest: bytes
        n_public: int
        power: int
        tools: list[str]
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.setups[self.version] = {
                "circuit": self.circuit, "transcript_digest": self.transcript_digest,
                "vkey_digest": self.vkey_digest, "n_public": self.n_public,
                "power": self.power, "tools": list(self.tools)}

    class SnarkProofIssued(Event):
        event_type = "SnarkProofIssued"
        key_id: str
        key_version: int
        circuit: str
        vkey_digest: bytes
        proof_digest: bytes
        public_signals: list[str]
        public_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class HeldOnToken(Event):
        """The version lives on a PKCS#11 token; its Generated/Rotated event sealed nothing."""

        event_type = "KeyHeldOnToken"
        key_id: str
        version: int
        backend: str
        token_label: str
        token_serial: str
        token_manufacturer: str
        token_model: str
        object_id: bytes
        object_label: str
        mechanism: str
        attributes: dict[str, bool]

        def apply(self, aggregate: Any) -> None:
            # The auditor's fold runs this too: a token key whose recorded attributes do not
            # prove it never leaves the token, or a version that sealed material after all,
            # is refused at its seq.
            wrong = [name for name, wanted in TOKEN_KEY_PROOF.items()
                     if self.attributes.get(name) is not wanted]
            if wrong:
                raise IllegalTransition(f"key {aggregate.id} v{self.version}: the token's "
                                        f"attributes do not prove non-extractability "
                                        f"({', '.join(wrong)})", reason_code="hsm-attributes")
            held = aggregate.versions.get(self.version)
            if held is None or held["sealed_material"] or held["data_key_ref"]:
                raise IllegalTransition(f"key {aggregate.id} v{self.version} is sealed by the "
                                        "ledger, not held on a token",
                                        reason_code="illegal-transition")
            aggregate.versions[self.version]["hsm"] = {
                "backend": self.backend, "token_label": self.token_label,
                "token_serial": self.token_serial,
                "token_manufacturer": self.token_manufacturer, "token_model": self.token_model,
                "object_id": self.object_id, "object_label": self.object_label,
                "mechanism": self.mechanism, "attributes": dict(self.attributes)}

    class HeldByThresholdGroup(Event):
        """The version is a threshold group key (issue 17): its Generated event carries the
        group public key and no sealed material (empty) nor data key (empty reference);
        the secret exists nowhere, each of ``participants`` seats holds a share and any
        ``threshold`` of them sign together (``skms threshold sign``). This ledger's seat
        is ``identifier`` of group ``group_id`` (the ThresholdGroup aggregate)."""

        event_type = "KeyHeldByThresholdGroup"
        key_id: str
        version: int
        group_id: str
        suite: str
        threshold: int
        participants: int
        identifier: int
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            # As for a token key, the auditor's fold refuses a version that sealed material.
            held = aggregate.versions.get(self.version)
            if held is None or held["sealed_material"] or held["data_key_ref"] or \
                    aggregate.algorithm != self.suite or \
                    str(aggregate.id) != group_key_id(self.group_id):
                raise IllegalTransition(f"key {aggregate.id} v{self.version} is not a "
                                        f"{self.suite} key without material named after "
                                        f"group {self.group_id}: it cannot be its group key",
                                        reason_code="illegal-transition")
            aggregate.versions[self.version]["threshold"] = {
                "group_id": self.group_id, "suite": self.suite, "threshold": self.threshold,
                "participants": self.participants, "identifier": self.identifier}

    # Custody: provenance, escrow copies, their release, and wrapped export (digests only,
    # never material; the escrow copy itself lives in the key-ring, so destruction shreds
    # it).

    class ProvenanceRecorded(Event):
        event_type = "KeyProvenanceRecorded"
        key_id: str
        origin: str
        exportable: bool
        import_token_id: str | None

        def apply(self, aggregate: Any) -> None:
            key: Key = aggregate
            if key.version != 1 or key.origin != "generated" or key.exportable:
                raise IllegalTransition(  # the auditor's fold refuses a late provenance
                    f"key {key.id}: provenance is recorded once, at creation",
                    reason_code="provenance-late")
            key.origin = self.origin
            key.exportable = self.exportable
            key.import_token_id = self.import_token_id

    class Escrowed(Event):
        event_type = "KeyEscrowed"
        key_id: str
        version: int
        agent_id: str
        sealed_escrow: bytes
        escrow_ref: str
        escrow_digest: bytes

        def apply(self, aggregate: Any) -> None:
            aggregate.escrow[self.version] = {"agent_id": self.agent_id,
                                              "sealed_escrow": self.sealed_escrow,
                                              "escrow_ref": self.escrow_ref,
                                              "escrow_digest": self.escrow_digest}

    class EscrowReleased(Event):
        event_type = "EscrowReleased"
        key_id: str
        agent_id: str
        versions: list[int]
        package_digest: bytes
        reason: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            # The auditor's fold runs this too: a release of versions with no escrow copy to
            # that agent, or of a destroyed key (whose copy was shredded), is refused.
            if aggregate.state is KeyState.DESTROYED:
                raise IllegalTransition(f"key {aggregate.id} was destroyed: its escrow copy "
                                        "is gone", reason_code="key-destroyed")
            missing = [v for v in self.versions
                       if aggregate.escrow.get(v, {}).get("agent_id") != self.agent_id]
            if not self.versions or missing:
                raise IllegalTransition(f"key {aggregate.id} holds no escrow copy for agent "
                                        f"{self.agent_id} of versions {missing}",
                                        reason_code="illegal-transition")
            aggregate.escrow_releases += 1

    class Exported(Event):
        event_type = "KeyExported"
        key_id: str
        key_version: int
        algorithm: str
        material_format: str
        wrapping_key_digest: bytes
        wrapped_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            # The auditor's fold runs this too: exporting a key not created exportable, a
            # version it does not have, or a destroyed key is refused at its seq.
            if not aggregate.exportable:
                raise IllegalTransition(f"key {aggregate.id} is not exportable",
                                        reason_code="not-exportable")
            if aggregate.state is KeyState.DESTROYED or \
                    self.key_version not in aggregate.versions:
                raise IllegalTransition(f"key {aggregate.id} has no live version "
                                        f"{self.key_version} to export",
                                        reason_code="illegal-transition")
            aggregate.exports += 1


    class PossessionProven(Event):
        event_type = "KeyPossessionProven"
        key_id: str
        key_version: int
        algorithm: str
        suite: str
        public_key: bytes
        challenge_digest: bytes
        proof_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class HomomorphicCombined(Event):
        event_type = "HomomorphicCombined"
        key_id: str
        key_version: int
        algorithm: str
        ciphertext_digests: list[bytes]
        multiplier: str | None
        offset: str | None
        result_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class HomomorphicDecrypted(Event):
        event_type = "HomomorphicDecrypted"
        key_id: str
        key_version: int
        algorithm: str
        ciphertext_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    # --- helpers -------------------------------------------------------------------------

    @property
    def key_id(self) -> str:
        return str(self.id)

    def _require(self, action: str, *allowed: KeyState) -> None:
        if self.state not in allowed:
            names = [s.value for s in allowed]
            spoken = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
            raise _refuse(self, action, spoken)

    # --- decisions -----------------------------------------------------------------------

    def activate(self, *, at: int) -> None:
        self._require("activate", KeyState.PRE_ACTIVATION)
        self.trigger_event(Key.Activated, at=at, key_id=self.key_id, version=self.current_version)

    def check_can_rotate(self) -> None:
        """Refuse before a new version's material is made."""
        self._require("rotate", KeyState.ACTIVE)
        seat = self.threshold_seat()
        if seat is not None:
            raise IllegalTransition(
                f"key {self.id} is a {self.algorithm} threshold group key: no ledger makes "
                "its material; it rotates by a new DKG on every seat", reason_code="threshold-key",
                hint=f"skms threshold dkg start --replaces {seat['group_id']} (on every seat)")

    def rotate(self, *, public_key: bytes, sealed_material: bytes, data_key_ref: str,
               at: int) -> int:
        self._require("rotate", KeyState.ACTIVE)
        new_version = self.current_version + 1
        self.trigger_event(Key.Rotated, at=at, key_id=self.key_id,
                           previous_version=self.current_version, version=new_version,
                           public_key=public_key, sealed_material=sealed_material,
                           data_key_ref=data_key_ref)
        return new_version

    def hold_on_token(self, version: int, token: dict[str, Any], *, at: int) -> None:
        """Record that ``version`` was generated on a token (``token``: the event's fields;
        refused by the event itself unless its attributes prove non-extractability)."""
        self.trigger_event(Key.HeldOnToken, at=at, key_id=self.key_id, version=version,
                           **token)

    def hold_by_threshold_group(self, *, group_id: str, suite: str, threshold: int,
                                participants: int, identifier: int, actor_id: str,
                                at: int) -> None:
        """Record that the current version is the group key of ``group_id``."""
        self.trigger_event(Key.HeldByThresholdGroup, at=at, key_id=self.key_id,
                           version=self.current_version, group_id=group_id, suite=suite,
                           threshold=threshold, participants=participants,
                           identifier=identifier, actor_id=actor_id)

    def threshold_seat(self) -> dict[str, Any] | None:
        """The threshold group the current version is the key of (None: an ordinary key)."""
        seat: dict[str, Any] | None = self.versions[self.current_version].get("threshold")
        return seat

    def held_on_token(self) -> bool:
        """Whether the current version lives on an HSM (signs there, holds no sealed copy)."""
        return "hsm" in self.versions[self.current_version]

    def record_threat(self, finding: dict[str, Any], *, at: int) -> None:
        """Record one scored window (at most one per window: a re-scan is not a new
        finding); ``finding``: the event's fields but the key id."""
        if finding["window_start"] in self.threat_windows:
            raise IllegalTransition(f"key {self.key_id} already has a finding for this "
                                    "window", reason_code="already-recorded")
        self.trigger_event(Key.ThreatDetected, at=at, key_id=self.key_id, **finding)

    def suspend(self, reason: str, *, at: int) -> None:
        self._require("suspend", KeyState.ACTIVE)
        self.trigger_event(Key.Suspended, at=at, key_id=self.key_id, reason=reason)

    def reactivate(self, reason: str, *, at: int) -> None:
        self._require("reactivate", KeyState.SUSPENDED)
        self.trigger_event(Key.Reactivated, at=at, key_id=self.key_id, reason=reason)

    def compromise(self, reason: str, compromise_time: int, *, at: int) -> None:
        self._require("mark compromised", KeyState.PRE_ACTIVATION, KeyState.ACTIVE,
                      KeyState.SUSPENDED, KeyState.DEACTIVATED)
        self.trigger_event(Key.Compromised, at=at, key_id=self.key_id, reason=reason,
                           compromise_time=compromise_time)

    def deactivate(self, reason: str, *, at: int) -> None:
        self._require("revoke", KeyState.ACTIVE, KeyState.SUSPENDED)
        self.trigger_event(Key.Deactivated, at=at, key_id=self.key_id, reason=reason)

    def schedule_destruction(self, now: int) -> int:
        self._require("destroy", KeyState.PRE_ACTIVATION, KeyState.DEACTIVATED,
                      KeyState.COMPROMISED)
        if self.destroy_after is not None:
            raise IllegalTransition(f"destruction of key {self.id} is already scheduled",
                                    reason_code="illegal-transition")
        wait_days = int(self.policy["destruction_wait_days"])
        destroy_after = now + wait_days * DAY_MICROS
        self.trigger_event(Key.DestructionScheduled, at=now, key_id=self.key_id,
                           destroy_after=destroy_after, waiting_period_days=wait_days)
        return destroy_after

    def cancel_destruction(self, reason: str, *, at: int) -> None:
        if self.state is KeyState.DESTROYED or self.destroy_after is None:
            raise IllegalTransition(f"no destruction of key {self.id} is pending",
                                    reason_code="illegal-transition")
        self.trigger_event(Key.DestructionCancelled, at=at, key_id=self.key_id, reason=reason)

    def destroy(self, now: int) -> list[str]:
        """Record destruction; the caller shreds the returned data-key references."""
        if self.state is KeyState.DESTROYED:
            raise _refuse(self, "destroy", "not yet destroyed")
        if self.destroy_after is None:
            raise IllegalTransition(f"destruction of key {self.id} was not scheduled",
                                    hint="schedule it first (skms key destroy)",
                                    reason_code="illegal-transition")
        if now < self.destroy_after:
            raise IllegalTransition(
                f"key {self.id} may not be destroyed before its waiting period ends",
                reason_code="waiting-period")
        refs = sorted(r for r in self.shreddable_refs() if r)  # token versions have none
        self.trigger_event(Key.Destroyed, at=now, key_id=self.key_id, shredded_refs=refs)
        return refs

    def shreddable_refs(self) -> list[str]:
        """Every key-ring entry destruction shreds: each version's data key and each
        escrow copy (so crypto-shredding also covers what an agent could be released)."""
        refs = {v["data_key_ref"] for v in self.versions.values()}
        refs |= {e["escrow_ref"] for e in self.escrow.values()}
        return sorted(refs)

    # --- custody -------------------------------------------------------------------------

    def record_provenance(self, *, origin: str, exportable: bool,
                          import_token_id: str | None, at: int) -> None:
        """Where the material came from and whether it may leave (creation only)."""
        self.trigger_event(Key.ProvenanceRecorded, at=at, key_id=self.key_id, origin=origin,
                           exportable=exportable, import_token_id=import_token_id)

    def escrow_agents(self) -> list[str]:
        """The agents this key's versions are escrowed with (a new version goes to them)."""
        return sorted({e["agent_id"] for e in self.escrow.values()})

    def record_escrow(self, *, version: int, agent_id: str, sealed_escrow: bytes,
                      escrow_ref: str, escrow_digest: bytes, at: int) -> None:
        if self.state is KeyState.DESTROYED:
            raise _refuse(self, "escrow", "not destroyed")
        self.trigger_event(Key.Escrowed, at=at, key_id=self.key_id, version=version,
                           agent_id=agent_id, sealed_escrow=sealed_escrow,
                           escrow_ref=escrow_ref, escrow_digest=escrow_digest)

    def check_can_release_escrow(self, agent_id: str | None) -> tuple[str, list[int]]:
        """The agent and the escrowed versions a release would hand out; refused for a
        destroyed key (its escrow copies were shredded with it) or one never escrowed."""
        if self.state is KeyState.DESTROYED:
            raise KeyMaterialDestroyed(
                f"key {self.id} was destroyed; its escrow copies were shredded with it",
                reason_code="material-destroyed")
        agents = sorted({e["agent_id"] for e in self.escrow.values()})
        if not agents:
            raise IllegalTransition(f"key {self.id} has no escrow copy",
                                    hint="create keys with --escrow AGENT",
                                    reason_code="not-escrowed")
        chosen = agent_id or (agents[0] if len(agents) == 1 else None)
        if chosen is None or chosen not in agents:
            raise IllegalTransition(f"key {self.id} is escrowed with {', '.join(agents)}",
                                    reason_code="wrong-agent")
        versions = sorted(v for v, e in self.escrow.items() if e["agent_id"] == chosen)
        return chosen, versions

    def record_escrow_release(self, *, agent_id: str, versions: list[int],
                              package_digest: bytes, reason: str, actor_id: str,
                              at: int) -> None:
        self.trigger_event(Key.EscrowReleased, at=at, key_id=self.key_id, agent_id=agent_id,
                           versions=versions, package_digest=package_digest, reason=reason,
                           actor_id=actor_id)

    def check_can_export(self, version: int | None) -> int:
        """The version to export; refused unless the key was created exportable."""
        if self.state is KeyState.DESTROYED:
            raise KeyMaterialDestroyed(f"key {self.id} was destroyed; nothing to export",
                                       reason_code="material-destroyed")
        if not self.exportable:
            raise IllegalTransition(f"key {self.id} is not exportable",
                                    hint="exportability is chosen once, at creation "
                                         "(--exportable)", reason_code="not-exportable")
        chosen = self.current_version if version is None else version
        if chosen not in self.versions:
            raise IllegalTransition(f"key {self.id} has no version {chosen}",
                                    reason_code="unknown-version")
        return chosen

    def record_export(self, *, key_version: int, material_format: str,
                      wrapping_key_digest: bytes, wrapped_digest: bytes, actor_id: str,
                      at: int) -> None:
        self.trigger_event(Key.Exported, at=at, key_id=self.key_id, key_version=key_version,
                           algorithm=self.algorithm, material_format=material_format,
                           wrapping_key_digest=wrapping_key_digest,
                           wrapped_digest=wrapped_digest, actor_id=actor_id)

    def change_policy(self, policy: dict[str, Any], *, at: int) -> None:
        if self.state is KeyState.DESTROYED:
            raise _refuse(self, "change the policy of", "not destroyed")
        self.trigger_event(Key.PolicyChanged, at=at, key_id=self.key_id, policy=policy,
                           previous_policy=dict(self.policy))

    def check_can_sign(self, actor_id: str, now: int, count: int = 1) -> None:
        """Refuse before any private material is touched."""
        self._require("sign with", KeyState.ACTIVE)
        refuse_threshold_key(self.key_id, self.versions[self.current_version])
        if "sign" not in self.usage:
            raise IllegalTransition(f"key {self.id} is not for signing",
                                    reason_code="usage")
        allowed = self.policy.get("allowed_signers") or []
        if allowed and actor_id not in allowed:
            raise Unauthorized(f"actor {actor_id} is not an allowed signer of key {self.id}",
                               reason_code="policy")
        limit = self.policy.get("max_signatures_per_day")
        if limit is not None and self.signatures_by_day.get(now // DAY_MICROS, 0) + count > limit:
            raise IllegalTransition(f"key {self.id} reached its limit of {limit} signatures "
                                    "per day", reason_code="policy-limit")

    def record_signature(self, *, actor_id: str, message_digest: bytes,
                         signature_digest: bytes, at: int) -> None:
        self.trigger_event(Key.SignatureIssued, at=at, key_id=self.key_id,
                           key_version=self.current_version, algorithm=self.algorithm,
                           message_digest=message_digest, signature_digest=signature_digest,
                           actor_id=actor_id)

    def record_signature_batch(self, *, actor_id: str, message_digests: list[bytes],
                               signature_digests: list[bytes], at: int) -> None:
        self.trigger_event(Key.SignatureBatchIssued, at=at, key_id=self.key_id,
                           key_version=self.current_version, algorithm=self.algorithm,
                           message_digests=message_digests, signature_digests=signature_digests,
                           actor_id=actor_id)

    def set_chain_policy(self, *, actor_id: str, allowed_networks: list[str],
                         allowed_recipients: list[str], allowed_sighash: list[str],
                         at: int) -> None:
        if self.state is KeyState.DESTROYED:
            raise _refuse(self, "set the chain policy of", "not destroyed")
        self.trigger_event(Key.ChainPolicySet, at=at, key_id=self.key_id,
                           allowed_networks=allowed_networks,
                           allowed_recipients=allowed_recipients,
                           previous_networks=list(self.chain_policy["allowed_networks"]),
                           previous_recipients=list(self.chain_policy["allowed_recipients"]),
                           allowed_sighash=allowed_sighash,
                           previous_sighash=list(self.chain_policy["allowed_sighash"]),
                           actor_id=actor_id)

    def record_chain_signature(self, *, actor_id: str, key_version: int,
                               facts: dict[str, Any], at: int) -> None:
        """``facts``: the event's chain fields (see ``ChainSignatureIssued``)."""
        self.trigger_event(Key.ChainSignatureIssued, at=at, key_id=self.key_id,
                           key_version=key_version, algorithm=self.algorithm,
                           actor_id=actor_id, **facts)

    # --- data operations (encrypt, decrypt, data keys, MACs, key agreement) -----------------

    def check_can_use(self, usage: str, actor_id: str, *, processing: bool = False,
                      version: int | None = None) -> int:
        """Refuse before any material is touched; return the key version to use.

        ``processing`` marks operations that open or check existing data (decrypt, verify a
        MAC), allowed in :data:`PROCESSING_STATES`; everything else needs an active key. A
        destroyed key is refused with :class:`KeyMaterialDestroyed`: its material is gone.
        ``allowed_signers`` in the policy names the actors allowed to use the key at all.
        """
        if self.state is KeyState.DESTROYED:
            raise KeyMaterialDestroyed(
                f"key {self.id} was destroyed; its material is unrecoverable",
                hint="data protected only by this key is lost by design (crypto-shredding)",
                reason_code="material-destroyed")
        if processing:
            if self.state.value not in PROCESSING_STATES:
                raise _refuse(self, f"{usage} with", "active or deactivated")
        else:
            self._require(f"{usage} with", KeyState.ACTIVE)
        if usage not in self.usage:
            raise IllegalTransition(f"key {self.id} is not for {usage}",
                                    hint=f"its usages are {', '.join(self.usage)}",
                                    reason_code="usage")
        allowed = self.policy.get("allowed_signers") or []
        if allowed and actor_id not in allowed:
            raise Unauthorized(f"actor {actor_id} is not allowed to use key {self.id}",
                               reason_code="policy")
        chosen = self.current_version if version is None else version
        if chosen not in self.versions:
            raise IllegalTransition(f"key {self.id} has no version {chosen}",
                                    hint=f"its versions are {sorted(self.versions)}",
                                    reason_code="unknown-version")
        return chosen

    def record_encryption(self, *, actor_id: str, key_version: int, aad_digest: bytes,
                          ciphertext_digest: bytes, plaintext_size: int,
                          ciphertext_size: int, at: int) -> None:
        self.trigger_event(Key.DataEncrypted, at=at, key_id=self.key_id, key_version=key_version,
                           algorithm=self.algorithm, aad_digest=aad_digest,
                           ciphertext_digest=ciphertext_digest, plaintext_size=plaintext_size,
                           ciphertext_size=ciphertext_size, actor_id=actor_id)

    def record_decryption(self, *, actor_id: str, key_version: int, aad_digest: bytes,
                          ciphertext_digest: bytes, plaintext_size: int,
                          ciphertext_size: int, at: int) -> None:
        self.trigger_event(Key.DataDecrypted, at=at, key_id=self.key_id, key_version=key_version,
                           algorithm=self.algorithm, aad_digest=aad_digest,
                           ciphertext_digest=ciphertext_digest, plaintext_size=plaintext_size,
                           ciphertext_size=ciphertext_size, actor_id=actor_id)

    def record_data_key(self, *, actor_id: str, key_version: int, aad_digest: bytes,
                        wrapped_key_digest: bytes, data_key_size: int, at: int) -> None:
        self.trigger_event(Key.DataKeyGenerated, at=at, key_id=self.key_id, key_version=key_version,
                           algorithm=self.algorithm, aad_digest=aad_digest,
                           wrapped_key_digest=wrapped_key_digest, data_key_size=data_key_size,
                           actor_id=actor_id)

    def record_mac(self, *, actor_id: str, key_version: int, message_digest: bytes,
                   mac_digest: bytes, verified: bool = False, at: int) -> None:
        """``MacGenerated``, or ``MacVerified`` when an existing tag was checked."""
        event = Key.MacVerified if verified else Key.MacGenerated
        self.trigger_event(event, at=at, key_id=self.key_id, key_version=key_version,
                           algorithm=self.algorithm, message_digest=message_digest,
                           mac_digest=mac_digest, actor_id=actor_id)

    def record_derivation(self, *, actor_id: str, key_version: int,
                          peer_public_key_digest: bytes, salt_digest: bytes,
                          info_digest: bytes, output_size: int, at: int) -> None:
        self.trigger_event(Key.SharedSecretDerived, at=at, key_id=self.key_id,
                           key_version=key_version, algorithm=self.algorithm,
                           peer_public_key_digest=peer_public_key_digest,
                           salt_digest=salt_digest, info_digest=info_digest,
                           output_size=output_size, actor_id=actor_id)

    # --- privacy services (blind signatures, proofs of possession, Paillier) ----------------

    def record_blind_signature(self, *, actor_id: str, variant: str,
                               blinded_message_digest: bytes, blind_signature_digest: bytes,
                               at: int) -> None:
        """Counted as a signature: the daily limit caps token issuance."""
        self.trigger_event(Key.BlindSignatureIssued, at=at, key_id=self.key_id,
                           key_version=self.current_version, algorithm=self.algorithm,
                           variant=variant, blinded_message_digest=blinded_message_digest,
                           blind_signature_digest=blind_signature_digest, actor_id=actor_id)

    def record_possession_proof(self, *, actor_id: str, key_version: int, suite: str,
                                public_key: bytes, challenge_digest: bytes,
                                proof_digest: bytes, at: int) -> None:
        self.trigger_event(Key.PossessionProven, at=at, key_id=self.key_id,
                           key_version=key_version, algorithm=self.algorithm, suite=suite,
                           public_key=public_key, challenge_digest=challenge_digest,
                           proof_digest=proof_digest, actor_id=actor_id)

    def record_homomorphic_combination(self, *, actor_id: str, key_version: int,
                                       ciphertext_digests: list[bytes], multiplier: str | None,
                                       offset: str | None, result_digest: bytes,
                                       at: int) -> None:
        self.trigger_event(Key.HomomorphicCombined, at=at, key_id=self.key_id,
                           key_version=key_version, algorithm=self.algorithm,
                           ciphertext_digests=ciphertext_digests, multiplier=multiplier,
                           offset=offset, result_digest=result_digest, actor_id=actor_id)

    def record_homomorphic_decryption(self, *, actor_id: str, key_version: int,
                                      ciphertext_digest: bytes, at: int) -> None:
        self.trigger_event(Key.HomomorphicDecrypted, at=at, key_id=self.key_id,
                           key_version=key_version, algorithm=self.algorithm,
                           ciphertext_digest=ciphertext_digest, actor_id=actor_id)
    # --- version floors (issue 15 section 6): the oldest version that may still decrypt, and
    # the oldest whose signatures and MACs still verify (class defaults: every version) -------

    min_decrypt_version: int = 1
    min_verify_version: int = 1

    class VersionFloorsSet(Event):
        event_type = "KeyVersionFloorsSet"
        key_id: str
        min_decrypt_version: int
        min_verify_version: int
        previous_min_decrypt_version: int
        previous_min_verify_version: int

        def apply(self, aggregate: Any) -> None:
            aggregate.min_decrypt_version = self.min_decrypt_version
            aggregate.min_verify_version = self.min_verify_version

    def set_version_floors(self, min_decrypt_version: int | None,
                           min_verify_version: int | None, *, at: int) -> None:
        """Retire old versions for decrypting or verifying (None: keep that floor)."""
        if self.state is KeyState.DESTROYED:
            raise _refuse(self, "change the policy of", "not destroyed")
        decrypt = self.min_decrypt_version if min_decrypt_version is None \
            else min_decrypt_version
        verify = self.min_verify_version if min_verify_version is None else min_verify_version
        for name, floor in (("min_decrypt_version", decrypt), ("min_verify_version", verify)):
            if not 1 <= floor <= self.current_version:
                raise IllegalTransition(f"key {self.id} has versions 1 to "
                                        f"{self.current_version}; {name} {floor} is outside",
                                        field=name, reason_code="unknown-version")
        if (decrypt, verify) == (self.min_decrypt_version, self.min_verify_version):
            return
        self.trigger_event(Key.VersionFloorsSet, at=at, key_id=self.key_id,
                           min_decrypt_version=decrypt, min_verify_version=verify,
                           previous_min_decrypt_version=self.min_decrypt_version,
                           previous_min_verify_version=self.min_verify_version)

    def check_version_floor(self, usage: str, version: int) -> None:
        """Refuse a version the policy retired for ``usage`` (``decrypt`` or ``verify``)."""
        floor = self.min_decrypt_version if usage == "decrypt" else self.min_verify_version
        if version < floor:
            raise IllegalTransition(f"version {version} of key {self.id} may no longer "
                                    f"{usage}: the policy's minimum is version {floor}",
                                    hint="re-encrypt or re-sign under a newer version",
                                    reason_code="version-retired")

    def rotation_due_at(self) -> int | None:
        """When the current version is due for rotation by the policy's period (None: no
        period, or a key that no longer rotates)."""
        days = int(self.policy.get("rotation_period_days") or 0)
        if days <= 0 or self.state is not KeyState.ACTIVE:
            return None
        last = self.rotated_at if self.rotated_at is not None else self.created_at
        return last + days * DAY_MICROS

    def verifiable_versions(self) -> list[int]:
        """Versions whose signatures and MACs still verify, newest first."""
        return sorted((v for v in self.versions if v >= self.min_verify_version),
                      reverse=True)

    # --- zero-knowledge uses --------------------------------------------------------------

    def commitment(self, commitment_id: str) -> dict[str, Any]:
        """One of the key's commitments (its version, point, parts, context digest)."""
        found = self.commitments.get(commitment_id)
        if found is None:
            raise NotFound(f"key {self.id} made no commitment {commitment_id!r}",
                           field="commitment_id")
        return found

    def record_commitment(self, *, actor_id: str, key_version: int, commitment_id: str,
                          commitment: bytes, parts: list[str], at: int) -> None:
        if commitment_id in self.commitments:
            raise IllegalTransition(f"commitment {commitment_id} exists already",
                                    reason_code="exists")
        for part in parts:
            self.commitment(part)
        self.trigger_event(Key.CommitmentCreated, at=at, key_id=self.key_id,
                           key_version=key_version, commitment_id=commitment_id,
                           commitment=commitment, parts=parts, actor_id=actor_id)

    def record_range_proof(self, *, actor_id: str, commitment_ids: list[str], bits: int,
                           context_digest: bytes, proof_digest: bytes, proof_size: int,
                           at: int) -> None:
        points = [self.commitment(c)["point"] for c in commitment_ids]
        self.trigger_event(Key.RangeProofIssued, at=at, key_id=self.key_id,
                           commitment_ids=commitment_ids, commitments=points, bits=bits,
                           context_digest=context_digest, proof_digest=proof_digest,
                           proof_size=proof_size, actor_id=actor_id)


    def record_snark_setup(self, *, actor_id: str, circuit: str, transcript_digest: bytes,
                           zkey_digest: bytes, wasm_digest: bytes, vkey_digest: bytes,
                           n_public: int, power: int, tools: list[str], at: int) -> None:
        """The ceremony behind the current version (right after its KeyGenerated or
        KeyRotated, in the same command)."""
        if self.current_version in self.setups:
            raise IllegalTransition(f"version {self.current_version} of key {self.id} has "
                                    "its ceremony already", reason_code="exists")
        self.trigger_event(Key.SnarkSetupRecorded, at=at, key_id=self.key_id,
                           version=self.current_version, circuit=circuit,
                           transcript_digest=transcript_digest, zkey_digest=zkey_digest,
                           wasm_digest=wasm_digest, vkey_digest=vkey_digest,
                           n_public=n_public, power=power, tools=tools, actor_id=actor_id)

    def setup(self, version: int) -> dict[str, Any]:
        """The ceremony a circuit key's version came from."""
        found = self.setups.get(version)
        if found is None:
            raise NotFound(f"key {self.id} version {version} has no recorded ceremony",
                           field="key_id")
        return found

    def record_snark_proof(self, *, actor_id: str, key_version: int, proof_digest: bytes,
                           public_signals: list[str], public_digest: bytes, at: int) -> None:
        made = self.setup(key_version)
        self.trigger_event(Key.SnarkProofIssued, at=at, key_id=self.key_id,
                           key_version=key_version, circuit=made["circuit"],
                           vkey_digest=made["vkey_digest"], proof_digest=proof_digest,
                           public_signals=public_signals, public_digest=public_digest,
                           actor_id=actor_id)


for _zk_event in (Key.CommitmentCreated, Key.RangeProofIssued, Key.SnarkSetupRecorded,
                  Key.SnarkProofIssued):
    register_event(_zk_event)
register_event(Key.ChainSignatureIssued)
register_event(Key.ChainPolicySet)
for _use_event in (Key.DataEncrypted, Key.DataDecrypted, Key.DataKeyGenerated,
                   Key.MacGenerated, Key.MacVerified, Key.SharedSecretDerived,
                   Key.BlindSignatureIssued, Key.PossessionProven,
                   Key.HomomorphicCombined, Key.HomomorphicDecrypted):
    register_event(_use_event)
for _custody_event in (Key.ProvenanceRecorded, Key.Exported, Key.Escrowed,
                      Key.EscrowReleased):
    register_event(_custody_event)
for _event in (Key.SignatureBatchIssued, Key.Generated, Key.Activated, Key.Rotated,
               Key.Suspended, Key.Reactivated, Key.ThreatDetected,
               Key.Compromised, Key.Deactivated, Key.DestructionScheduled,
               Key.DestructionCancelled, Key.Destroyed, Key.PolicyChanged, Key.SignatureIssued,
               Key.HeldOnToken, Key.HeldByThresholdGroup):
    register_event(_event)
register_event(Key.VersionFloorsSet)
