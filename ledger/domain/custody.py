"""Custody aggregates: backup bundles, escrow agents and BYOK import tokens.

* :class:`Backup` (system chain): one threshold backup bundle, what it holds, to whom, and
  each restore from it. The bundle itself (sealed) goes to the caller; the log keeps its
  digest, the custodians' key digests and the split's digests, so a restore can check a
  bundle and its shares are the ones recorded.
* :class:`EscrowAgent` (system chain): a party whose public key (hybrid ML-KEM-768+X25519)
  escrowed keys' material is also sealed to; a release hands it a package to open offline.
* :class:`ImportToken` (a key domain's chain): a one-time RSA-3072 wrapping key for
  bringing one key in (BYOK); it expires, and is spent by the import that uses it.

Every method raises :class:`~ledger.errors.IllegalTransition` and changes nothing, or emits
exactly the events that record its decision; no event holds a secret.
"""

from __future__ import annotations

from typing import Any

from ledger.domain.aggregate import Aggregate, Event
from ledger.domain.aggregate import Created as AggregateCreated
from ledger.domain.registry import register_event
from ledger.errors import IllegalTransition


class Backup(Aggregate):
    """A backup bundle of key-ring entries (and, for a whole-ledger backup, home secrets)."""

    scheme: str
    threshold: int
    share_count: int
    custodians: list[str]
    custodian_key_digests: list[bytes]
    keys: list[dict[str, Any]]
    wallets: list[dict[str, Any]]
    includes_ledger_key: bool
    identities: list[str]
    threshold_groups: list[dict[str, Any]]
    bundle_digest: bytes
    commitment_digests: list[bytes]
    ciphertext_digest: bytes
    created_at: int
    created_by: str
    restores: int

    class Created(AggregateCreated):
        event_type = "BackupCreated"
        backup_id: str
        scheme: str
        threshold: int
        share_count: int
        custodians: list[str]
        custodian_kems: list[str]
        custodian_key_digests: list[bytes]
        keys: list[dict[str, Any]]
        wallets: list[dict[str, Any]]
        includes_ledger_key: bool
        identities: list[str]
        bundle_digest: bytes
        commitment_digests: list[bytes]
        ciphertext_digest: bytes
        actor_id: str
        threshold_groups: list[dict[str, Any]]  # v2 (v1 events read with [])

        def apply(self, aggregate: Any) -> None:
            backup: Backup = aggregate
            backup.scheme = self.scheme
            backup.threshold = self.threshold
            backup.share_count = self.share_count
            backup.custodians = list(self.custodians)
            backup.custodian_key_digests = list(self.custodian_key_digests)
            backup.keys = [dict(k) for k in self.keys]
            backup.wallets = [dict(w) for w in self.wallets]
            backup.includes_ledger_key = self.includes_ledger_key
            backup.identities = list(self.identities)
            backup.threshold_groups = [dict(g) for g in self.threshold_groups]
            backup.bundle_digest = self.bundle_digest
            backup.commitment_digests = list(self.commitment_digests)
            backup.ciphertext_digest = self.ciphertext_digest
            backup.created_at = self.recorded_at
            backup.created_by = self.actor_id
            backup.restores = 0

    class Restored(Event):
        event_type = "BackupRestored"
        backup_id: str
        share_indexes: list[int]
        custodians: list[str]
        restored_refs: list[str]
        skipped_refs: list[str]
        skipped_reasons: list[str]
        home_secrets: list[str]
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.restores += 1

    @property
    def backup_id(self) -> str:
        return str(self.id)

    def split_record(self) -> dict[str, Any]:
        """What a restore checks the presented shares against."""
        return {"split_id": self.backup_id, "scheme": self.scheme,
                "threshold": self.threshold, "share_count": self.share_count,
                "commitment_digests": list(self.commitment_digests),
                "ciphertext_digest": self.ciphertext_digest}

    def covers(self) -> dict[str, set[int]]:
        """Key id -> the versions this bundle holds."""
        return {k["key_id"]: set(k["versions"]) for k in self.keys}

    def restore(self, *, share_indexes: list[int], restored_refs: list[str],
                skipped: list[tuple[str, str]], home_secrets: list[str], actor_id: str,
                at: int) -> None:
        self.trigger_event(Backup.Restored, at=at, backup_id=self.backup_id,
                           share_indexes=share_indexes,
                           custodians=[self.custodians[i - 1] for i in share_indexes],
                           restored_refs=restored_refs,
                           skipped_refs=[ref for ref, _ in skipped],
                           skipped_reasons=[reason for _, reason in skipped],
                           home_secrets=home_secrets, actor_id=actor_id)


class EscrowAgent(Aggregate):
    """An escrow agent: a name and a hybrid public key; its private key never comes here."""

    name: str
    kem: str
    public_key: bytes
    registered_at: int

    class Registered(AggregateCreated):
        event_type = "EscrowAgentRegistered"
        agent_id: str
        name: str
        kem: str
        public_key: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            agent: EscrowAgent = aggregate
            agent.name = self.name
            agent.kem = self.kem
            agent.public_key = self.public_key
            agent.registered_at = self.recorded_at

    @property
    def agent_id(self) -> str:
        return str(self.id)


class ImportToken(Aggregate):
    """A one-time wrapping key for importing one key of one algorithm into one domain."""

    domain: str
    algorithm: str
    wrapping_public_key: bytes
    sealed_wrapping_key: bytes
    wrapping_key_ref: str
    expires_at: int
    issued_at: int
    redeemed_by_key: str | None

    class Issued(AggregateCreated):
        event_type = "ImportTokenIssued"
        token_id: str
        domain: str
        algorithm: str
        wrapping_public_key: bytes
        sealed_wrapping_key: bytes
        wrapping_key_ref: str
        expires_at: int
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            token: ImportToken = aggregate
            token.domain = self.domain
            token.algorithm = self.algorithm
            token.wrapping_public_key = self.wrapping_public_key
            token.sealed_wrapping_key = self.sealed_wrapping_key
            token.wrapping_key_ref = self.wrapping_key_ref
            token.expires_at = self.expires_at
            token.issued_at = self.recorded_at
            token.redeemed_by_key = None

    class Redeemed(Event):
        event_type = "ImportTokenRedeemed"
        token_id: str
        key_id: str
        shredded_ref: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            # The auditor's fold runs this too: a token is spent once, before it expires.
            if aggregate.redeemed_by_key is not None:
                raise IllegalTransition(f"import token {aggregate.id} was already used (key "
                                        f"{aggregate.redeemed_by_key})",
                                        reason_code="token-used")
            if self.recorded_at >= aggregate.expires_at:
                raise IllegalTransition(f"import token {aggregate.id} had expired",
                                        reason_code="token-expired")
            aggregate.redeemed_by_key = self.key_id

    @property
    def token_id(self) -> str:
        return str(self.id)

    def check_usable(self, algorithm: str | None, now: int) -> None:
        """Refuse a spent, expired or mismatched token before anything is unwrapped."""
        if self.redeemed_by_key is not None:
            raise IllegalTransition(f"import token {self.id} was already used (key "
                                    f"{self.redeemed_by_key})", field="token",
                                    reason_code="token-used")
        if now >= self.expires_at:
            raise IllegalTransition(f"import token {self.id} expired", field="token",
                                    hint="ask for new import parameters",
                                    reason_code="token-expired")
        if algorithm is not None and algorithm != self.algorithm:
            raise IllegalTransition(f"import token {self.id} is for {self.algorithm}",
                                    field="algorithm", reason_code="token-algorithm")

    def redeem(self, *, key_id: str, actor_id: str, at: int) -> None:
        self.check_usable(None, at)
        self.trigger_event(ImportToken.Redeemed, at=at, token_id=self.token_id, key_id=key_id,
                           shredded_ref=self.wrapping_key_ref, actor_id=actor_id)


for _event in (Backup.Created, Backup.Restored, EscrowAgent.Registered, ImportToken.Issued,
               ImportToken.Redeemed):
    register_event(_event)
