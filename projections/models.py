"""The read models: table definitions and the one mapping from logged events to rows.

Requirements (``tests/projections`` checks each):

1. Every table and column is declared once here, with its meaning; ``docs/projections.md``
   documents the same names, and a test keeps the two in step. Names are stable: reports,
   analysts' saved queries and exported Parquet files depend on them.
2. The mapping is a pure function of the events, in log order, plus the rows it already
   produced. Replaying the log in one go or in any number of batches gives the same rows,
   which is what makes ``rebuild()`` equal incremental processing.
3. Secret material never becomes a row: the fields in :data:`SECRET_FIELDS` (key material
   and wallet seeds sealed under a data key) are dropped before anything is stored,
   including inside JSON details, and the tables of data operations and wallets copy
   public fields one by one (digests, sizes, ids, paths, addresses, public keys,
   custodians, thresholds), never a whole record.
4. Every event type has a projection: :data:`EVENT_TABLES` says which tables each type
   fills, and a test walks the schema folder so a new event type cannot be forgotten.
5. Times are kept as ``int`` microseconds while mapping (as the codec returns them) and
   become DuckDB ``TIMESTAMP`` (UTC, no time zone attached) only when stored, so the hot
   path never builds ``datetime`` objects.

Two kinds of table exist. *Append-only* tables get one row per event and are never
updated. *Entity* tables (``keys``, ``key_versions``, ``actors``, ``wallets``) hold
current state: the mapper loads the rows of every entity a batch touches, applies the
batch's events to them in order, and hands back the complete new rows, which replace the
old ones.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ledger.crypto.algorithms import profile
from ledger.envelope import open_envelope
from ledger.errors import UnsupportedAlgorithm
from ledger.stores.base import StoredEnvelope

SCHEMA_VERSION = 12
"""Bumped whenever a table or column changes; a database built with another version is rebuilt.

2: tables for data operations, wallets, backups and the genesis event.
3: approval requests, decisions and policy rules.
4: chain_signatures (blockchain transactions and messages).
5: threshold_events (threshold group keys: DKG rounds, signing sessions).
6: zk_records (commitments, range proofs, SNARK set-ups and proofs).
7: key_token_objects and kek_rotations (HSM-held keys, KEK rotations).
8: custody_events (BYOK import tokens, escrow agents, key-ring backups).
9: privacy_records (blind signatures, Paillier, possession proofs, ring approvals).
10: threat_findings and threat_policy_changes (threat detection).
11: wallet_chain_addresses (chain addresses handed out by HD wallets).
12: zk_records holds StarkProofRecorded (STARKs made through the ledger)."""

SECRET_FIELDS = frozenset({"sealed_material", "sealed_seed", "sealed_state", "sealed_share",
                           "sealed_nonces", "sealed_wrapping_key", "sealed_escrow"})
"""Event fields that hold secret material and are never projected, not even as JSON:
key material (KeyGenerated, KeyRotated), wallet seeds (WalletCreated, SecretRecovered),
BYOK wrapping keys (ImportTokenIssued) and escrow copies (KeyEscrowed), each sealed under
a data key, and a threshold seat's sealed DKG state, signing share and nonces."""

TIMESTAMP = "TIMESTAMP"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its stable name, DuckDB type and meaning (the meaning goes to the docs)."""

    name: str
    sql_type: str
    doc: str


@dataclass(frozen=True, slots=True)
class Table:
    """A read-model table. ``entity_key`` is set for entity tables, ``None`` for append-only."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    entity_key: str | None = None
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        # Computed once: the mapping reads it for every entity row it emits.
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def ddl(self) -> str:
        """``CREATE TABLE IF NOT EXISTS`` text for this table."""
        parts = ", ".join(f"{column.name} {column.sql_type}" for column in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({parts})"


def _c(name: str, sql_type: str, doc: str) -> Column:
    return Column(name, sql_type, doc)


KEYS = Table("keys", "Current state of every key, one row per key.", (
    _c("key_id", "VARCHAR", "Stable key identifier (KeyGenerated.key_id)."),
    _c("domain", "VARCHAR", "Key domain; also the chain that holds the key's events."),
    _c("label", "VARCHAR", "Optional human-readable label."),
    _c("algorithm", "VARCHAR", "Scheme id, e.g. ed25519, ecdsa-p256, ecdsa-secp256k1."),
    _c("state", "VARCHAR", "pre-activation, active, suspended, deactivated, compromised or "
                           "destroyed (NIST SP 800-57 states)."),
    _c("current_version", "INTEGER", "Version that signs now (the last rotation's)."),
    _c("usage", "VARCHAR[]", "Operations the key may be used for."),
    _c("created_at", TIMESTAMP, "When KeyGenerated was recorded."),
    _c("activated_at", TIMESTAMP, "When KeyActivated was recorded; NULL if never activated."),
    _c("rotated_at", TIMESTAMP, "When the last KeyRotated was recorded; NULL if never rotated."),
    _c("destroyed_at", TIMESTAMP, "When KeyDestroyed was recorded; NULL if not destroyed."),
    _c("destroy_after", TIMESTAMP, "Pending destruction: earliest destruction time; NULL "
                                   "when none is scheduled (or after destruction)."),
    _c("rotation_period_days", "INTEGER", "Policy: days until the current version is due for "
                                          "rotation; 0 means no scheduled rotation."),
    _c("destruction_wait_days", "INTEGER", "Policy: days between scheduling and destruction."),
    _c("policy_json", "VARCHAR", "The complete current policy as JSON (sorted keys)."),
    _c("fips_approved", "BOOLEAN", "Whether the algorithm is FIPS-approved, per the scheme "
                                   "registry; NULL for an algorithm this SKMS does not know."),
    _c("signature_count", "BIGINT", "Number of signatures the key made (SignatureIssued "
                                    "events plus every message of SignatureBatchIssued)."),
    _c("last_event_seq", "BIGINT", "Seq (in the key's chain) of the last event that changed "
                                   "this row."),
    _c("compromised_at", TIMESTAMP, "KeyCompromised.compromise_time: earliest time the key "
                                    "may have been compromised; NULL if never compromised."),
    _c("deactivated_at", TIMESTAMP, "When KeyDeactivated (revocation) was recorded."),
), entity_key="key_id")

KEY_VERSIONS = Table("key_versions", "Every version of every key, with its public key.", (
    _c("key_id", "VARCHAR", "Key the version belongs to."),
    _c("version", "INTEGER", "Version number, from 1."),
    _c("chain", "VARCHAR", "Chain of the event that created the version."),
    _c("seq", "BIGINT", "Seq of the KeyGenerated or KeyRotated event that created it."),
    _c("public_key_hex", "VARCHAR", "Public key in the scheme's standard encoding, hex."),
    _c("data_key_ref", "VARCHAR", "Reference of the version's wrapped data key in the "
                                  "key-ring (a name, not key material)."),
    _c("created_at", TIMESTAMP, "When the version was created."),
    _c("shredded_at", TIMESTAMP, "When KeyDestroyed shredded its data key; NULL otherwise."),
), entity_key="key_id")

KEY_EVENTS = Table("key_events", "Timeline of key lifecycle events (all Key* events; "
                                 "signatures are in the signatures table).", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event in its chain."),
    _c("key_id", "VARCHAR", "Key the event belongs to."),
    _c("event_type", "VARCHAR", "KeyGenerated, KeyActivated, KeyRotated, ..."),
    _c("actor_id", "VARCHAR", "Actor whose signed command caused the event (envelope)."),
    _c("recorded_at", TIMESTAMP, "When the ledger recorded the event."),
    _c("details_json", "VARCHAR", "The event's other fields as JSON (bytes as hex, sorted "
                                  "keys); secret material is never included."),
))

ACTORS = Table("actors", "Current state of every actor (person or service identity).", (
    _c("actor_id", "VARCHAR", "Stable actor identifier."),
    _c("name", "VARCHAR", "Display name."),
    _c("roles", "VARCHAR[]", "Current roles."),
    _c("domains", "VARCHAR[]", "Key domains the roles apply to; '*' means all."),
    _c("revoked", "BOOLEAN", "True once ActorRevoked was recorded."),
    _c("registered_at", TIMESTAMP, "When ActorRegistered was recorded."),
    _c("public_key_hex", "VARCHAR", "Ed25519 public key that verifies the actor's commands."),
    _c("revoked_at", TIMESTAMP, "When ActorRevoked was recorded; NULL if not revoked."),
), entity_key="actor_id")

ACTOR_ROLE_HISTORY = Table("actor_role_history", "Every change of an actor's roles: "
                                                 "registration, role changes, revocation.", (
    _c("chain", "VARCHAR", "Chain holding the event (the system chain)."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("actor_id", "VARCHAR", "Actor whose roles changed."),
    _c("event_type", "VARCHAR", "ActorRegistered, ActorRolesChanged or ActorRevoked."),
    _c("roles", "VARCHAR[]", "Roles after the event (empty after revocation)."),
    _c("previous_roles", "VARCHAR[]", "Roles before the event (empty at registration)."),
    _c("changed_by", "VARCHAR", "Actor whose command caused the change (envelope actor)."),
    _c("recorded_at", TIMESTAMP, "When the event was recorded."),
))

SIGNATURES = Table("signatures", "One row per signature: per SignatureIssued event, and per "
                                 "message of a SignatureBatchIssued event.", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("key_id", "VARCHAR", "Key that signed."),
    _c("key_version", "INTEGER", "Key version that signed."),
    _c("algorithm", "VARCHAR", "Scheme id used."),
    _c("actor_id", "VARCHAR", "Actor that requested the signature."),
    _c("recorded_at", TIMESTAMP, "When the signature was recorded."),
    _c("message_digest_hex", "VARCHAR", "SHA-256 of the signed message, hex."),
    _c("signature_digest_hex", "VARCHAR", "SHA-256 of the signature, hex."),
    _c("batch_index", "INTEGER", "Position of the signature in its SignatureBatchIssued event "
                                 "(request order); 0 for SignatureIssued."),
))

KEY_OPERATIONS = Table("key_operations", "One row per use of a key on data: DataEncrypted, "
                                         "DataDecrypted, DataKeyGenerated, MacGenerated, "
                                         "MacVerified and SharedSecretDerived. Digests and "
                                         "sizes only; a column that does not apply to an "
                                         "operation is NULL.", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("key_id", "VARCHAR", "Key that was used."),
    _c("key_version", "INTEGER", "Key version that was used (for decrypt: the version the "
                                 "ciphertext's header names)."),
    _c("algorithm", "VARCHAR", "Algorithm id of the key, e.g. aes-256-gcm, hmac-sha256, "
                               "x25519."),
    _c("event_type", "VARCHAR", "DataEncrypted, DataDecrypted, DataKeyGenerated, "
                                "MacGenerated, MacVerified or SharedSecretDerived."),
    _c("operation", "VARCHAR", "Short name of the operation, as the CLI command: encrypt, "
                               "decrypt, datakey, mac, mac-verify (skms mac --verify) or "
                               "derive."),
    _c("actor_id", "VARCHAR", "Actor whose signed command used the key."),
    _c("recorded_at", TIMESTAMP, "When the operation was recorded."),
    _c("aad_digest_hex", "VARCHAR", "encrypt, decrypt, datakey: SHA-256 of the associated "
                                    "data (of the empty string when none), hex."),
    _c("ciphertext_digest_hex", "VARCHAR", "encrypt, decrypt: SHA-256 of the whole "
                                           "ciphertext, hex. datakey: SHA-256 of the wrapped "
                                           "data key, which a later decrypt of it names as "
                                           "its ciphertext."),
    _c("message_digest_hex", "VARCHAR", "mac, mac-verify: SHA-256 of the message, hex."),
    _c("mac_digest_hex", "VARCHAR", "mac, mac-verify: SHA-256 of the tag, hex."),
    _c("peer_public_key_digest_hex", "VARCHAR", "derive: SHA-256 of the peer's public key, "
                                                "hex."),
    _c("salt_digest_hex", "VARCHAR", "derive: SHA-256 of the HKDF salt, hex."),
    _c("info_digest_hex", "VARCHAR", "derive: SHA-256 of the HKDF info string, hex."),
    _c("plaintext_size", "BIGINT", "encrypt, decrypt: length of the plaintext in bytes."),
    _c("ciphertext_size", "BIGINT", "encrypt, decrypt: length of the ciphertext in bytes."),
    _c("output_size", "BIGINT", "datakey: length of the data key handed out; derive: length "
                                "of the derived key; in bytes."),
))

WALLETS = Table("wallets", "Current state of every HD wallet, one row per wallet, with "
                           "counts of its activity and backups.", (
    _c("wallet_id", "VARCHAR", "Stable wallet identifier (WalletCreated.wallet_id)."),
    _c("domain", "VARCHAR", "Key domain; also the chain that holds the wallet's events."),
    _c("label", "VARCHAR", "Optional human-readable label."),
    _c("source", "VARCHAR", "generated (entropy drawn by the ledger) or imported (a "
                            "mnemonic supplied by an actor)."),
    _c("word_count", "INTEGER", "Mnemonic length in words (12 to 24)."),
    _c("language", "VARCHAR", "BIP-39 wordlist of the mnemonic."),
    _c("has_passphrase", "BOOLEAN", "Whether a BIP-39 passphrase was mixed into the seed."),
    _c("master_fingerprint_hex", "VARCHAR", "BIP-32 master fingerprint (4 bytes), hex: the "
                                            "seed's public name."),
    _c("purposes", "VARCHAR[]", "Derivation schemes the wallet allows (44, 49, 84, 86, "
                                "slip10)."),
    _c("curves", "VARCHAR[]", "Curves the wallet may derive on."),
    _c("gap_limit", "INTEGER", "Unused addresses one chain may run past its last used one."),
    _c("seed_version", "INTEGER", "Current seed version: 1 at creation, one more per "
                                  "recovery."),
    _c("data_key_ref", "VARCHAR", "Reference of the current seed version's wrapped data key "
                                  "in the key-ring (a name, not key material)."),
    _c("created_by", "VARCHAR", "Actor whose command created or imported the wallet."),
    _c("created_at", TIMESTAMP, "When WalletCreated was recorded."),
    _c("addresses_derived", "BIGINT", "Number of WalletAddressDerived events."),
    _c("addresses_used", "BIGINT", "Number of WalletAddressUsed events."),
    _c("xpub_exports", "BIGINT", "Number of WalletXpubExported events."),
    _c("backups", "BIGINT", "Number of SecretSplit events (backups made)."),
    _c("recoveries", "BIGINT", "Number of SecretRecovered events."),
    _c("last_backup_at", TIMESTAMP, "When the last backup was recorded; NULL if never backed "
                                    "up."),
    _c("last_recovered_at", TIMESTAMP, "When the last recovery was recorded; NULL if never "
                                       "recovered."),
    _c("last_event_seq", "BIGINT", "Seq (in the wallet's chain) of the last event that "
                                   "changed this row."),
), entity_key="wallet_id")

WALLET_ADDRESSES = Table("wallet_addresses", "One row per derived address or SLIP-10 public "
                                             "key (WalletAddressDerived).", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("wallet_id", "VARCHAR", "Wallet the address belongs to."),
    _c("path", "VARCHAR", "Full derivation path, apostrophe marking hardened steps."),
    _c("purpose", "VARCHAR", "44, 49, 84, 86 or slip10."),
    _c("coin", "VARCHAR", "bitcoin, bitcoin-testnet, ethereum, or none for SLIP-10 paths."),
    _c("curve", "VARCHAR", "Curve of the derived key."),
    _c("account", "BIGINT", "Account number."),
    _c("change", "INTEGER", "0 for receiving addresses, 1 for change addresses."),
    _c("address_index", "BIGINT", "Index of the address on its chain (no gaps)."),
    _c("public_key_hex", "VARCHAR", "Public key at the path, hex."),
    _c("address", "VARCHAR", "Address in the coin's encoding; NULL for SLIP-10 paths."),
    _c("actor_id", "VARCHAR", "Actor whose command asked for the address."),
    _c("recorded_at", TIMESTAMP, "When the address was derived."),
))

WALLET_ADDRESS_USES = Table("wallet_address_uses", "One row per address marked used "
                                                   "(WalletAddressUsed); join on wallet_id, "
                                                   "path and curve.", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("wallet_id", "VARCHAR", "Wallet the address belongs to."),
    _c("path", "VARCHAR", "Derivation path of the address."),
    _c("curve", "VARCHAR", "Curve of the derivation (path and curve name the key)."),
    _c("actor_id", "VARCHAR", "Actor whose command marked it used."),
    _c("recorded_at", TIMESTAMP, "When it was marked used."),
))

WALLET_CHAIN_ADDRESSES = Table("wallet_chain_addresses", "One row per chain address an HD "
                                                         "wallet handed out through skms "
                                                         "chain eth|btc|sol address "
                                                         "(WalletChainAddressDerived).", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("wallet_id", "VARCHAR", "Wallet the address belongs to."),
    _c("seed_version", "INTEGER", "Seed version it was derived from."),
    _c("family", "VARCHAR", "evm, bitcoin or solana."),
    _c("network", "VARCHAR", "Bitcoin network; 'any' on EVM chains and Solana."),
    _c("type", "VARCHAR", "eip55, p2pkh, p2sh-p2wpkh, p2wpkh, p2tr or base58."),
    _c("path", "VARCHAR", "Derivation path of the key."),
    _c("public_key_hex", "VARCHAR", "Public key at the path, hex."),
    _c("address", "VARCHAR", "The address."),
    _c("actor_id", "VARCHAR", "Actor whose command asked for it."),
    _c("recorded_at", TIMESTAMP, "When it was handed out."),
))

WALLET_XPUB_EXPORTS = Table("wallet_xpub_exports", "One row per account-level extended "
                                                   "public key exported "
                                                   "(WalletXpubExported).", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("wallet_id", "VARCHAR", "Wallet whose account was exported."),
    _c("purpose", "VARCHAR", "BIP purpose of the account (44, 49, 84 or 86)."),
    _c("coin", "VARCHAR", "Coin of the account."),
    _c("account", "BIGINT", "Account number exported."),
    _c("account_path", "VARCHAR", "Derivation path of the exported node."),
    _c("xpub", "VARCHAR", "The extended public key as exported (public: it reveals the "
                          "account's addresses, never a private key)."),
    _c("actor_id", "VARCHAR", "Actor whose command exported it."),
    _c("recorded_at", TIMESTAMP, "When it was exported."),
))

WALLET_BACKUPS = Table("wallet_backups", "One row per threshold backup of a wallet's seed "
                                         "(SecretSplit): who holds which share, never a "
                                         "share.", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("wallet_id", "VARCHAR", "Wallet whose seed was split."),
    _c("split_id", "VARCHAR", "Identifier of the backup; every share file names it."),
    _c("scheme", "VARCHAR", "feldman-secp256k1-aes256gcm-v1 or slip39."),
    _c("seed_version", "INTEGER", "Seed version that was split."),
    _c("threshold", "INTEGER", "How many shares recover the seed."),
    _c("share_count", "INTEGER", "How many shares were made (one per custodian)."),
    _c("custodians", "VARCHAR[]", "Custodian of each share, by share index (the first holds "
                                  "share 1)."),
    _c("commitment_digests_hex", "VARCHAR[]", "Digests a recovery checks shares against "
                                              "(Feldman: of each coefficient commitment; "
                                              "SLIP-39: of each share), hex."),
    _c("ciphertext_digest_hex", "VARCHAR", "Feldman: SHA-256 of the seed's ciphertext in "
                                           "every share file, hex; SLIP-39: empty."),
    _c("actor_id", "VARCHAR", "Actor whose command made the backup."),
    _c("recorded_at", TIMESTAMP, "When the backup was recorded."),
))

WALLET_RECOVERIES = Table("wallet_recoveries", "One row per seed rebuilt from the shares of "
                                               "a backup (SecretRecovered).", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("wallet_id", "VARCHAR", "Wallet whose seed was recovered."),
    _c("split_id", "VARCHAR", "Backup the shares came from."),
    _c("share_indexes", "INTEGER[]", "Indexes (from 1) of the shares that took part, "
                                     "ascending."),
    _c("custodians", "VARCHAR[]", "Custodians of those shares, aligned with share_indexes."),
    _c("seed_version", "INTEGER", "New seed version of the wallet."),
    _c("data_key_ref", "VARCHAR", "Key-ring reference of the new wrapped data key (a name, "
                                  "not key material)."),
    _c("actor_id", "VARCHAR", "Actor whose command ran the recovery."),
    _c("recorded_at", TIMESTAMP, "When the recovery was recorded."),
))

COMMAND_REJECTIONS = Table("command_rejections", "One row per refused command "
                                                 "(CommandRejected event).", (
    _c("chain", "VARCHAR", "Chain holding the refusal."),
    _c("seq", "BIGINT", "Seq of the refusal."),
    _c("actor_id", "VARCHAR", "Actor the command claimed to come from (unverified when the "
                              "reason is a bad signature)."),
    _c("command_type", "VARCHAR", "Type of the refused command, e.g. RotateKey."),
    _c("command_id", "VARCHAR", "Id of the refused command."),
    _c("target", "VARCHAR", "Key or actor the command addressed; NULL when unknown."),
    _c("reason_code", "VARCHAR", "Stable machine-readable reason."),
    _c("reason", "VARCHAR", "Human-readable explanation."),
    _c("recorded_at", TIMESTAMP, "When the refusal was recorded."),
    _c("command_digest_hex", "VARCHAR", "SHA-256 of the canonical command bytes, hex; empty "
                                        "when the command could not be canonicalised."),
))

CHECKPOINTS = Table("checkpoints", "One row per CheckpointPublished event.", (
    _c("chain", "VARCHAR", "Chain the checkpoint covers."),
    _c("seq", "BIGINT", "Seq of the CheckpointPublished event."),
    _c("tree_size", "BIGINT", "Number of entries the checkpoint covers."),
    _c("root_hex", "VARCHAR", "RFC 6962 Merkle root of the first tree_size entries, hex."),
    _c("recorded_at", TIMESTAMP, "When the checkpoint was recorded."),
))

CUSTODY_EVENTS = Table("custody_events", "One row per custody event that is not a key's own: "
                                         "BYOK import tokens issued and redeemed, escrow "
                                         "agents registered, backups created and restored, "
                                         "KEK rotations authorized. "
                                         "Public fields only (the sealed wrapping key is "
                                         "dropped).", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("event_type", "VARCHAR", "ImportTokenIssued, ImportTokenRedeemed, "
                                "EscrowAgentRegistered, BackupCreated or BackupRestored."),
    _c("subject_id", "VARCHAR", "The import token, the escrow agent or the backup."),
    _c("actor_id", "VARCHAR", "Actor whose signed command caused it."),
    _c("recorded_at", TIMESTAMP, "When it was recorded."),
    _c("details_json", "VARCHAR", "The event's public fields as JSON (bytes as hex)."),
))

LEDGER_GENESIS = Table("ledger_genesis", "The LedgerInitialized event that opened the "
                                         "system chain: one row.", (
    _c("chain", "VARCHAR", "Chain holding the event (the system chain)."),
    _c("seq", "BIGINT", "Seq of the event (0)."),
    _c("ledger_id", "VARCHAR", "Stable identifier of the ledger."),
    _c("ledger_name", "VARCHAR", "Human-readable name chosen at initialisation."),
    _c("ledger_public_key_hex", "VARCHAR", "Ed25519 public key that signs checkpoints, hex."),
    _c("origin", "VARCHAR", "Origin line of the ledger's signed checkpoints."),
    _c("fips_mode", "BOOLEAN", "Whether the ledger refuses algorithms that are not "
                               "FIPS-approved."),
    _c("checkpoint_every_events", "INTEGER", "A checkpoint is published after at most this "
                                             "many events."),
    _c("checkpoint_every_seconds", "INTEGER", "A checkpoint is published at most this many "
                                              "seconds after the previous one."),
    _c("kek_provider", "VARCHAR", "Public description of the key-encryption-key provider."),
    _c("recorded_at", TIMESTAMP, "When the ledger was initialised."),
))

APPROVAL_EVENTS = Table("approval_events", "One row per approval request and per decision "
                                         "on it (ApprovalRequested, ApprovalGranted, "
                                         "ApprovalRejected, ApprovalExpired, "
                                         "ApprovalExecuted).", (
    _c("chain", "VARCHAR", "Chain holding the event (the chain the held command acts on)."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("approval_id", "VARCHAR", "The request."),
    _c("event_type", "VARCHAR", "Which of the five approval events."),
    _c("actor_id", "VARCHAR", "Actor whose command caused the event: the requester, an "
                              "approver, or the scheduler for an expiry."),
    _c("command_type", "VARCHAR", "The held command (ApprovalRequested only; NULL else)."),
    _c("approvals", "INTEGER", "Approvals counted after this event (ApprovalGranted), or "
                               "needed (ApprovalRequested); NULL else."),
    _c("details_json", "VARCHAR", "The event's other public fields as JSON (the held "
                                  "command's bytes are left out; they are in the log)."),
    _c("recorded_at", TIMESTAMP, "When the event was recorded."),
))

APPROVAL_POLICY_CHANGES = Table("approval_policy_changes", "One row per approval policy "
                                                           "rule set or removed "
                                                           "(ApprovalPolicySet).", (
    _c("chain", "VARCHAR", "Chain whose policy book holds the rule."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("scope", "VARCHAR", "ledger, domain or key."),
    _c("target", "VARCHAR", "The domain or key id; empty for ledger-wide rules."),
    _c("command_type", "VARCHAR", "The catalogue command the rule gates."),
    _c("approvals", "INTEGER", "Distinct approvers needed from now on (0: removed)."),
    _c("previous_approvals", "INTEGER", "What the rule required before (0: none)."),
    _c("ttl_seconds", "INTEGER", "How long a request may wait for its quorum."),
    _c("when_above", "VARCHAR", "Limit on the command's value argument (decimal); NULL: "
                                "always."),
    _c("actor_id", "VARCHAR", "Actor whose command set the rule."),
    _c("recorded_at", TIMESTAMP, "When the rule was set."),
))

CHAIN_SIGNATURES = Table("chain_signatures", "One row per ChainSignatureIssued or "
                                             "WalletChainSignatureIssued event: a blockchain "
                                             "transaction or message a key or an HD wallet "
                                             "signed (Ethereum/EVM, Bitcoin PSBT, Solana). "
                                             "Public facts only.", (
    _c("chain", "VARCHAR", "Chain (key domain) holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("key_id", "VARCHAR", "Key that signed (NULL for a wallet)."),
    _c("key_version", "INTEGER", "Key version that signed (NULL for a wallet)."),
    _c("algorithm", "VARCHAR", "The key's algorithm (ecdsa-secp256k1 or ed25519; for a "
                               "wallet, that of its derived keys)."),
    _c("actor_id", "VARCHAR", "Actor that requested the signature."),
    _c("recorded_at", TIMESTAMP, "When the signature was recorded."),
    _c("wallet_id", "VARCHAR", "Wallet whose derived keys signed (NULL for a key)."),
    _c("paths", "VARCHAR[]", "Derivation paths of the wallet keys that signed (empty for a "
                             "key)."),
    _c("family", "VARCHAR", "evm, bitcoin or solana."),
    _c("network", "VARCHAR", "EVM registry name, Bitcoin network or Solana cluster; 'any' for "
                             "messages bound to no chain."),
    _c("evm_chain_id", "VARCHAR", "EIP-155 chain id (decimal) on EVM chains, else NULL."),
    _c("kind", "VARCHAR", "transaction, personal_message, typed_data, psbt or "
                          "offchain_message."),
    _c("signer", "VARCHAR", "Signer address (EVM, Solana) or public key hex (Bitcoin)."),
    _c("tx_hash", "VARCHAR", "Transaction hash / txid / Solana transaction id; NULL for "
                             "messages (and PSBTs whose txid is not yet fixed)."),
    _c("input_digest_hex", "VARCHAR", "SHA-256 of the transaction, PSBT or message input, hex."),
    _c("digests_hex", "VARCHAR[]", "Every digest signed (EVM signing hash, each Bitcoin "
                                   "sighash, SHA-256 of Ed25519-signed bytes), hex."),
    _c("signature_digests_hex", "VARCHAR[]", "SHA-256 of each signature produced, hex."),
    _c("recipients", "VARCHAR[]", "Recipient of each native-value transfer."),
    _c("amounts", "VARCHAR[]", "Amount of each transfer in the smallest unit, decimal."),
    _c("asset", "VARCHAR", "Native asset of the amounts (ETH, POL, BTC, SOL); NULL for "
                           "messages."),
    _c("value", "VARCHAR", "What the transaction moves to others, smallest unit, exact "
                           "decimal (wei exceed BIGINT: CAST(value AS HUGEINT) to sum)."),
    _c("fee", "BIGINT", "Bitcoin fee in satoshi when every spent output is known, else NULL."),
))

THRESHOLD_EVENTS = Table("threshold_events", "One row per event of a threshold group seat "
                                             "(DKG rounds, signing sessions, retirement): "
                                             "public values only.", (
    _c("chain", "VARCHAR", "Chain holding the event (the group's key domain)."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("group_id", "VARCHAR", "Group the seat belongs to (the same on every participant's "
                              "ledger)."),
    _c("event_type", "VARCHAR", "ThresholdDkgStarted, MusigKeyAggregated, ThresholdDkgShared, "
                                "ThresholdKeyCreated, ThresholdNoncesCommitted, "
                                "ThresholdShareIssued, ThresholdSignatureAggregated, "
                                "ThresholdGroupRetired, ThresholdKeyDealt (a dealer's "
                                "record), ThresholdDealAccepted or KeyHeldByThresholdGroup "
                                "(the group key recorded as a ledger key)."),
    _c("suite", "VARCHAR", "frost-ed25519, frost-secp256k1, bls12381-min-pk or "
                           "musig2-secp256k1 (the seat's first event and "
                           "KeyHeldByThresholdGroup only; NULL otherwise)."),
    _c("threshold", "INTEGER", "Signers needed (the seat's first event only)."),
    _c("participants", "INTEGER", "Participants holding a share or key (the seat's first "
                                  "event only)."),
    _c("identifier", "INTEGER", "This seat's participant identifier (the seat's first event "
                                "only; 0 for a dealer's record)."),
    _c("session_id", "VARCHAR", "Signing session (signing events only)."),
    _c("signers", "INTEGER[]", "Identifiers of the signing set (ThresholdShareIssued, "
                               "ThresholdSignatureAggregated)."),
    _c("message_digest_hex", "VARCHAR", "SHA-256 of the message signed, hex (signing "
                                        "events)."),
    _c("public_value_hex", "VARCHAR", "The group public key (ThresholdKeyCreated, "
                                      "MusigKeyAggregated, ThresholdKeyDealt, "
                                      "ThresholdDealAccepted) or the "
                                      "group signature (ThresholdSignatureAggregated), hex."),
    _c("actor_id", "VARCHAR", "Actor whose command caused the event."),
    _c("recorded_at", TIMESTAMP, "When the event was recorded."),
    _c("details_json", "VARCHAR", "The event's other public fields as JSON (sealed state "
                                  "never included)."),
))

ZK_RECORDS = Table("zk_records", "One row per zero-knowledge record: CommitmentCreated, "
                                 "RangeProofIssued, SnarkSetupRecorded, SnarkProofIssued and "
                                 "StarkProofRecorded. "
                                 "Public values only (commitments, digests, public signals); "
                                 "a column that does not apply is NULL.", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("key_id", "VARCHAR", "Commitment key or circuit key (NULL for a STARK: no key)."),
    _c("key_version", "INTEGER", "Key version used (NULL for a range proof, whose "
                                 "commitments may span versions)."),
    _c("event_type", "VARCHAR", "CommitmentCreated, RangeProofIssued, SnarkSetupRecorded, "
                                "SnarkProofIssued or StarkProofRecorded."),
    _c("operation", "VARCHAR", "commit, range-prove, snark-setup, snark-prove or "
                               "stark-prove."),
    _c("actor_id", "VARCHAR", "Actor whose signed command caused the record."),
    _c("recorded_at", TIMESTAMP, "When the record was made."),
    _c("commitment_ids", "VARCHAR[]", "commit: the new commitment's id; range-prove: the "
                                      "commitments proved about."),
    _c("commitments_hex", "VARCHAR[]", "The commitments (32-byte ristretto255 points), hex, "
                                       "aligned with commitment_ids."),
    _c("parts", "VARCHAR[]", "commit: the commitment ids a sum adds up (empty otherwise)."),
    _c("bits", "INTEGER", "range-prove: every value is below 2^bits."),
    _c("context_digest_hex", "VARCHAR", "range-prove: SHA-256 of the proof's context, hex."),
    _c("proof_digest_hex", "VARCHAR", "range-prove, snark-prove, stark-prove: SHA-256 of the "
                                      "proof, hex."),
    _c("proof_size", "INTEGER", "range-prove, stark-prove: bytes of the serialised proof."),
    _c("circuit", "VARCHAR", "snark-setup, snark-prove: the circuit's name."),
    _c("transcript_digest_hex", "VARCHAR", "snark-setup: SHA-256 of the ceremony transcript, "
                                           "hex."),
    _c("vkey_digest_hex", "VARCHAR", "snark-setup, snark-prove: SHA-256 of the canonical "
                                     "verification key, hex."),
    _c("public_signals", "VARCHAR[]", "snark-prove: the public signals (decimal)."),
    _c("public_digest_hex", "VARCHAR", "snark-prove: SHA-256 of the public signals, hex."),
    _c("stark_start_hex", "VARCHAR", "stark-prove: the public start digest, hex."),
    _c("stark_end_hex", "VARCHAR", "stark-prove: the public end digest, hex."),
    _c("stark_steps", "BIGINT", "stark-prove: hashes in the chain."),
    _c("security_bits", "INTEGER", "stark-prove: conjectured security of the parameters."),
))

KEY_TOKEN_OBJECTS = Table("key_token_objects", "One row per key version generated on a "
                                               "PKCS#11 token (KeyHeldOnToken): where it "
                                               "lives and what the token said about it.", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("key_id", "VARCHAR", "Key the version belongs to."),
    _c("version", "INTEGER", "The key version held on the token."),
    _c("backend", "VARCHAR", "Key backend (pkcs11)."),
    _c("token_label", "VARCHAR", "Label of the token."),
    _c("token_serial", "VARCHAR", "Serial number of the token."),
    _c("token_model", "VARCHAR", "Manufacturer and model of the token."),
    _c("object_id_hex", "VARCHAR", "CKA_ID of the key objects, hex."),
    _c("object_label", "VARCHAR", "CKA_LABEL of the key objects."),
    _c("mechanism", "VARCHAR", "Signing mechanism on the token."),
    _c("non_extractable", "BOOLEAN", "Whether the recorded attributes prove the key cannot "
                                     "leave the token (extractable false; sensitive, "
                                     "never_extractable, always_sensitive, local, token true)."),
    _c("attributes_json", "VARCHAR", "The recorded attributes as JSON (sorted keys)."),
    _c("recorded_at", TIMESTAMP, "When it was recorded."),
))

KEK_ROTATIONS = Table("kek_rotations", "One row per KekRotationStarted and "
                                       "KekRotationCompleted: when the ledger's KEK moved, "
                                       "from which to which, and what was rewrapped.", (
    _c("chain", "VARCHAR", "Chain holding the event (the system chain)."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("rotation_id", "VARCHAR", "The rotation both rows share."),
    _c("phase", "VARCHAR", "started or completed."),
    _c("old_kek_id", "VARCHAR", "KEK moved from (started rows; NULL on completed)."),
    _c("new_kek_id", "VARCHAR", "KEK moved to."),
    _c("new_kek_provider", "VARCHAR", "The new KEK's provider (started rows)."),
    _c("data_keys", "INTEGER", "Data keys in the key-ring at the start (started rows)."),
    _c("rewrapped", "INTEGER", "Data keys rewrapped (completed rows)."),
    _c("already_new", "INTEGER", "Data keys moved before a crash and resumed (completed)."),
    _c("skipped", "INTEGER", "Data keys shredded while it ran (completed rows)."),
    _c("home_secrets", "INTEGER", "Home secrets rewrapped (completed rows)."),
    _c("digest_hex", "VARCHAR", "Digest of the moved data keys, hex (completed rows)."),
    _c("recorded_at", TIMESTAMP, "When it was recorded."),
))

PRIVACY_RECORDS = Table("privacy_records", "One row per privacy-service record: "
                                           "BlindSignatureIssued, HomomorphicCombined, "
                                           "HomomorphicDecrypted, KeyPossessionProven, "
                                           "PossessionChallengeIssued, PossessionProven, "
                                           "ApprovalGroupCreated and RingApprovalRecorded. "
                                           "Public values only (digests, key images); a "
                                           "column that does not apply is NULL.", (
    _c("chain", "VARCHAR", "Chain holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("event_type", "VARCHAR", "The event type."),
    _c("operation", "VARCHAR", "As the CLI command (skms zk ...): blind-sign, he-combine, "
                               "he-decrypt, key-pok, pok-challenge, pok-prove, ring-group or "
                               "ring-approve."),
    _c("actor_id", "VARCHAR", "Actor whose signed command caused the record (for "
                              "ring-approve: the relay, never the approving member)."),
    _c("recorded_at", TIMESTAMP, "When the record was made."),
    _c("key_id", "VARCHAR", "blind-sign, he-*, key-pok: the key used."),
    _c("key_version", "INTEGER", "blind-sign, he-*, key-pok: its version."),
    _c("subject_id", "VARCHAR", "pok-*: the actor whose identity key is proven; ring-*: the "
                                "approval group."),
    _c("reference", "VARCHAR", "blind-sign: the RFC 9474 variant; key-pok, pok-prove: the "
                               "group (ed25519, secp256k1); pok-*: the challenge id; "
                               "ring-approve: the proposal."),
    _c("digest_hex", "VARCHAR", "SHA-256, hex, of: the blinded message (blind-sign), the "
                                "result (he-combine), the ciphertext (he-decrypt), the proof "
                                "(key-pok, pok-prove), the ring (ring-*)."),
    _c("input_digests_hex", "VARCHAR[]", "he-combine: SHA-256 of each ciphertext combined."),
    _c("signature_digest_hex", "VARCHAR", "blind-sign: of the blind signature; ring-approve: "
                                          "of the ring signature."),
    _c("key_image_hex", "VARCHAR", "ring-approve: the key image (links one member's "
                                   "approvals of one proposal, names no member)."),
    _c("tally", "INTEGER", "ring-group: members; ring-approve: approvals counted so far."),
    _c("approved", "BOOLEAN", "ring-approve: whether the quorum is reached."),
    _c("expires_at", TIMESTAMP, "pok-challenge: when the challenge stops being accepted."),
))

THREAT_FINDINGS = Table("threat_findings", "One row per ThreatDetected event: a key's "
                                           "activity in one clock hour scored against its "
                                           "own history (docs/threat-detection.md). Counts "
                                           "and ids only.", (
    _c("chain", "VARCHAR", "Chain (key domain) holding the event."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("key_id", "VARCHAR", "The key the finding is about."),
    _c("finding_id", "VARCHAR", "Stable id of the finding (one per key and hour)."),
    _c("window_start", TIMESTAMP, "Start of the scored clock hour."),
    _c("window_end", TIMESTAMP, "End of the scored hour (exclusive)."),
    _c("score", "INTEGER", "Score, 0..100."),
    _c("threshold", "INTEGER", "Threshold of the policy in force then."),
    _c("action", "VARCHAR", "The policy's action then: none or suspend."),
    _c("suspended", "BOOLEAN", "Whether the key was suspended for it."),
    _c("actors", "VARCHAR[]", "Actors that signed with the key in the window."),
    _c("features_json", "VARCHAR", "Every feature's observed, expected and surprise "
                                   "(thousandths) and points, as JSON."),
    _c("recorded_at", TIMESTAMP, "When the finding was recorded."),
))

THREAT_POLICY_CHANGES = Table("threat_policy_changes", "One row per threat policy set "
                                                       "(ThreatPolicySet).", (
    _c("chain", "VARCHAR", "Chain whose policy book holds it."),
    _c("seq", "BIGINT", "Seq of the event."),
    _c("scope", "VARCHAR", "ledger, domain or key."),
    _c("target", "VARCHAR", "The domain or key id; empty ledger-wide."),
    _c("threshold", "INTEGER", "Score from which findings are recorded."),
    _c("action", "VARCHAR", "none or suspend."),
    _c("lift_approvals", "INTEGER", "Approvers lifting a threat suspension needs."),
    _c("actor_id", "VARCHAR", "Actor whose command set it."),
    _c("recorded_at", TIMESTAMP, "When it was set."),
))

READ_MODELS: tuple[Table, ...] = (
    KEYS, KEY_VERSIONS, KEY_EVENTS, ACTORS, ACTOR_ROLE_HISTORY, SIGNATURES, KEY_OPERATIONS,
    WALLETS, WALLET_ADDRESSES, WALLET_ADDRESS_USES, WALLET_XPUB_EXPORTS, WALLET_BACKUPS,
    WALLET_RECOVERIES, WALLET_CHAIN_ADDRESSES, COMMAND_REJECTIONS, CHECKPOINTS, LEDGER_GENESIS,
    APPROVAL_EVENTS, APPROVAL_POLICY_CHANGES, CHAIN_SIGNATURES,
    THRESHOLD_EVENTS,
    ZK_RECORDS,
    KEY_TOKEN_OBJECTS, KEK_ROTATIONS,
    CUSTODY_EVENTS,
    PRIVACY_RECORDS,
    THREAT_FINDINGS, THREAT_POLICY_CHANGES)
"""Every table the mapping fills, in the order they are written."""

POSITIONS = Table("projection_positions", "How far each chain has been projected. Written "
                                          "in the same transaction as the rows, so a "
                                          "restart resumes exactly once.", (
    _c("chain_id", "VARCHAR", "Chain id."),
    _c("last_seq", "BIGINT", "Seq of the last event whose rows are in the read models."),
))

META = Table("projection_meta", "Bookkeeping of the projection database itself.", (
    _c("schema_version", "INTEGER", "Version of these table definitions; a database with "
                                    "another version is rebuilt on open."),
))

ALL_TABLES: tuple[Table, ...] = (*READ_MODELS, POSITIONS, META)

CUSTODY_KEY_EVENTS = frozenset({"KeyProvenanceRecorded", "KeyExported", "KeyEscrowed",
                                "EscrowReleased"})
"""A key's custody events: on its timeline (``key_events``), digests only."""
CUSTODY_SUBJECTS: Mapping[str, str] = {"ImportTokenIssued": "token_id",
                                       "ImportTokenRedeemed": "token_id",
                                       "EscrowAgentRegistered": "agent_id",
                                       "BackupCreated": "backup_id",
                                       "BackupRestored": "backup_id",
                                       "KekRotationAuthorized": "authorization_id"}
"""Custody events that are not a key's own (``custody_events``) and their subject field."""
KEY_LIFECYCLE_EVENTS = frozenset({
    "KeyGenerated", "KeyActivated", "KeyRotated", "KeySuspended", "KeyReactivated",
    "KeyCompromised", "KeyDeactivated", "KeyDestructionScheduled", "KeyDestructionCancelled",
    "KeyDestroyed", "KeyPolicyChanged", "KeyVersionFloorsSet"}) | CUSTODY_KEY_EVENTS
ACTOR_EVENTS = frozenset({"ActorRegistered", "ActorRolesChanged", "ActorRevoked"})
SIGNATURE_EVENTS = frozenset({"SignatureIssued", "SignatureBatchIssued"})
KEY_OPERATION_NAMES: Mapping[str, str] = {
    "DataEncrypted": "encrypt", "DataDecrypted": "decrypt", "DataKeyGenerated": "datakey",
    "MacGenerated": "mac", "MacVerified": "mac-verify", "SharedSecretDerived": "derive"}
"""The ``operation`` of each data event in ``key_operations`` (the CLI command's name)."""
APPROVAL_EVENT_TYPES = frozenset({"ApprovalRequested", "ApprovalGranted", "ApprovalRejected",
                                  "ApprovalExpired", "ApprovalExecuted"})
WALLET_EVENTS = frozenset({"WalletCreated", "WalletAddressDerived", "WalletAddressUsed",
                           "WalletXpubExported", "SecretSplit", "SecretRecovered"})
THRESHOLD_EVENT_TYPES = frozenset({
    "ThresholdDkgStarted", "MusigKeyAggregated", "ThresholdDkgShared", "ThresholdKeyCreated",
    "ThresholdNoncesCommitted", "ThresholdShareIssued", "ThresholdSignatureAggregated",
    "ThresholdGroupRetired", "ThresholdKeyDealt", "ThresholdDealAccepted"})
ZK_OPERATION_NAMES: Mapping[str, str] = {
    "CommitmentCreated": "commit", "RangeProofIssued": "range-prove",
    "SnarkSetupRecorded": "snark-setup", "SnarkProofIssued": "snark-prove",
    "StarkProofRecorded": "stark-prove"}
"""The ``operation`` of each zero-knowledge event in ``zk_records``."""
PRIVACY_OPERATION_NAMES: Mapping[str, str] = {
    "BlindSignatureIssued": "blind-sign", "HomomorphicCombined": "he-combine",
    "HomomorphicDecrypted": "he-decrypt", "KeyPossessionProven": "key-pok",
    "PossessionChallengeIssued": "pok-challenge", "PossessionProven": "pok-prove",
    "ApprovalGroupCreated": "ring-group", "RingApprovalRecorded": "ring-approve"}
"""The ``operation`` of each privacy event in ``privacy_records`` (the CLI command's name)."""

EVENT_TABLES: Mapping[str, frozenset[str]] = {
    **{kind: frozenset({KEYS.name, KEY_EVENTS.name}) for kind in KEY_LIFECYCLE_EVENTS},
    "KeyGenerated": frozenset({KEYS.name, KEY_VERSIONS.name, KEY_EVENTS.name}),
    "KeyRotated": frozenset({KEYS.name, KEY_VERSIONS.name, KEY_EVENTS.name}),
    "KeyDestroyed": frozenset({KEYS.name, KEY_VERSIONS.name, KEY_EVENTS.name}),
    **{kind: frozenset({KEYS.name, SIGNATURES.name}) for kind in SIGNATURE_EVENTS},
    **{kind: frozenset({ACTORS.name, ACTOR_ROLE_HISTORY.name}) for kind in ACTOR_EVENTS},
    **{kind: frozenset({KEY_OPERATIONS.name}) for kind in KEY_OPERATION_NAMES},
    "WalletCreated": frozenset({WALLETS.name}),
    "WalletAddressDerived": frozenset({WALLETS.name, WALLET_ADDRESSES.name}),
    "WalletAddressUsed": frozenset({WALLETS.name, WALLET_ADDRESS_USES.name}),
    "WalletXpubExported": frozenset({WALLETS.name, WALLET_XPUB_EXPORTS.name}),
    "SecretSplit": frozenset({WALLETS.name, WALLET_BACKUPS.name}),
    "SecretRecovered": frozenset({WALLETS.name, WALLET_RECOVERIES.name}),
    "CommandRejected": frozenset({COMMAND_REJECTIONS.name}),
    "CheckpointPublished": frozenset({CHECKPOINTS.name}),
    "LedgerInitialized": frozenset({LEDGER_GENESIS.name}),
    **{kind: frozenset({APPROVAL_EVENTS.name}) for kind in APPROVAL_EVENT_TYPES},
    "ApprovalPolicySet": frozenset({APPROVAL_POLICY_CHANGES.name}),
    "ChainSignatureIssued": frozenset({KEYS.name, CHAIN_SIGNATURES.name}),
    "WalletChainSignatureIssued": frozenset({CHAIN_SIGNATURES.name}),
    "WalletChainAddressDerived": frozenset({WALLET_CHAIN_ADDRESSES.name}),
    **{kind: frozenset({THRESHOLD_EVENTS.name}) for kind in THRESHOLD_EVENT_TYPES},
    **{kind: frozenset({ZK_RECORDS.name}) for kind in ZK_OPERATION_NAMES},
    "KeyHeldOnToken": frozenset({KEY_TOKEN_OBJECTS.name}),
    "KeyHeldByThresholdGroup": frozenset({KEYS.name, KEY_EVENTS.name, THRESHOLD_EVENTS.name}),
    "KekRotationStarted": frozenset({KEK_ROTATIONS.name}),
    "KekRotationCompleted": frozenset({KEK_ROTATIONS.name}),
    **{kind: frozenset({CUSTODY_EVENTS.name}) for kind in CUSTODY_SUBJECTS},
    "KeyChainPolicySet": frozenset({KEYS.name, KEY_EVENTS.name}),
    **{kind: frozenset({PRIVACY_RECORDS.name}) for kind in PRIVACY_OPERATION_NAMES},
    "BlindSignatureIssued": frozenset({KEYS.name, PRIVACY_RECORDS.name}),  # a signature
    "ThreatDetected": frozenset({THREAT_FINDINGS.name}),
    "ThreatPolicySet": frozenset({THREAT_POLICY_CHANGES.name}),
}
"""The tables each event type writes (entity tables only when the entity is known). A test
walks the schema folder and fails for an event type missing here, and checks, event by
event on a real log, that each type changes exactly these tables."""


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as the mapping needs it: where it sits, who caused it, when, and its record.

    Kept apart from :class:`~ledger.envelope.Envelope` so that tools can feed the mapping
    without re-decoding (the benchmark measures mapping and decoding separately).
    """

    chain_id: str
    seq: int
    event_type: str
    actor_id: str
    recorded_at: int
    record: dict[str, Any]


def decode(stored: StoredEnvelope) -> LoggedEvent:
    """Open one stored envelope through the ledger's only decoder (hash and schema checked)."""
    envelope = open_envelope(stored)
    return LoggedEvent(envelope.chain_id, envelope.seq, envelope.event_type,
                       envelope.actor_id, envelope.recorded_at, envelope.event())


def decode_all(stored: Sequence[StoredEnvelope]) -> list[LoggedEvent]:
    """:func:`decode` of a batch: the unit a worker process decodes for a rebuild."""
    return [decode(envelope) for envelope in stored]


@functools.cache
def fips_approved(algorithm: str) -> bool | None:
    """FIPS status from the algorithm registries; ``None`` for an algorithm this code lacks."""
    try:
        return profile(algorithm).fips_approved
    except UnsupportedAlgorithm:
        return None


def _public(value: Any) -> Any:
    """JSON-safe copy: bytes become hex, secret fields are dropped at every depth."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def _hex(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


def details_json(record: dict[str, Any], *, omit: Collection[str] = ()) -> str:
    """Deterministic JSON of an event's fields without secrets (sorted, compact)."""
    public = _public({k: v for k, v in record.items() if k not in omit})
    return json.dumps(public, sort_keys=True, separators=(",", ":"))


def policy_json(policy: dict[str, Any]) -> str:
    return json.dumps(_public(policy), sort_keys=True, separators=(",", ":"))


class EntitySource(Protocol):
    """Where the mapping reads the current rows of the entities a batch touches."""

    def load(self, table: Table, ids: Collection[str]) -> list[dict[str, Any]]:
        """Rows of ``table`` whose ``entity_key`` is in ``ids``; times as microseconds."""


@dataclass(slots=True)
class BatchRows:
    """What one batch writes: new rows of append-only tables, full rows of touched entities."""

    appended: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    replaced: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


def map_events(events: Sequence[LoggedEvent], source: EntitySource) -> BatchRows:
    """Turn a batch of events (in log order) into rows; the one mapping rebuild also uses."""
    return _BatchMapper(source).run(events)


def _row(table: Table, values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[name] for name in table.column_names)


class _BatchMapper:
    """Applies one batch to the touched entities; append-only rows are built on the way."""

    def __init__(self, source: EntitySource) -> None:
        self._source = source
        self.keys: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, dict[int, dict[str, Any]]] = {}
        self.actors: dict[str, dict[str, Any]] = {}
        self.wallets: dict[str, dict[str, Any]] = {}
        self.dirty_keys: set[str] = set()
        self.dirty_versions: set[str] = set()
        self.dirty_actors: set[str] = set()
        self.dirty_wallets: set[str] = set()
        self.key_events: list[tuple[Any, ...]] = []
        self.signatures: list[tuple[Any, ...]] = []
        self.role_history: list[tuple[Any, ...]] = []
        self.key_operations: list[tuple[Any, ...]] = []
        self.wallet_addresses: list[tuple[Any, ...]] = []
        self.address_uses: list[tuple[Any, ...]] = []
        self.xpub_exports: list[tuple[Any, ...]] = []
        self.chain_addresses: list[tuple[Any, ...]] = []
        self.backups: list[tuple[Any, ...]] = []
        self.recoveries: list[tuple[Any, ...]] = []
        self.rejections: list[tuple[Any, ...]] = []
        self.checkpoints: list[tuple[Any, ...]] = []
        self.genesis: list[tuple[Any, ...]] = []
        self.approval_events: list[tuple[Any, ...]] = []
        self.policy_changes: list[tuple[Any, ...]] = []
        self.chain_signatures: list[tuple[Any, ...]] = []
        self.threshold_events: list[tuple[Any, ...]] = []
        self.zk_records: list[tuple[Any, ...]] = []
        self.token_objects: list[tuple[Any, ...]] = []
        self.kek_rotations: list[tuple[Any, ...]] = []
        self.custody: list[tuple[Any, ...]] = []
        self.privacy: list[tuple[Any, ...]] = []
        self.threat_findings: list[tuple[Any, ...]] = []
        self.threat_policies: list[tuple[Any, ...]] = []
        self._handlers: dict[str, Callable[[LoggedEvent], None]] = {
            "SignatureIssued": self._signature,
            "SignatureBatchIssued": self._signature_batch,
            "KeyGenerated": self._generated,
            "KeyActivated": self._activated,
            "KeyRotated": self._rotated,
            "KeySuspended": self._state("suspended"),
            "KeyReactivated": self._state("active"),
            "KeyCompromised": self._compromised,
            "KeyDeactivated": self._deactivated,
            "KeyDestructionScheduled": self._destruction_scheduled,
            "KeyDestructionCancelled": self._destruction_cancelled,
            "KeyDestroyed": self._destroyed,
            "KeyPolicyChanged": self._policy_changed,
            "KeyVersionFloorsSet": self._floors_set,
            "ActorRegistered": self._actor_registered,
            "ActorRolesChanged": self._actor_roles_changed,
            "ActorRevoked": self._actor_revoked,
            "DataEncrypted": self._data_operation,
            "DataDecrypted": self._data_operation,
            "DataKeyGenerated": self._data_key,
            "MacGenerated": self._mac,
            "MacVerified": self._mac,
            "SharedSecretDerived": self._derived,
            "WalletCreated": self._wallet_created,
            "WalletAddressDerived": self._address_derived,
            "WalletAddressUsed": self._address_used,
            "WalletXpubExported": self._xpub_exported,
            "SecretSplit": self._secret_split,
            "SecretRecovered": self._secret_recovered,
            "CommandRejected": self._rejected,
            "CheckpointPublished": self._checkpoint,
            "LedgerInitialized": self._genesis,
            **{kind: self._approval_event for kind in APPROVAL_EVENT_TYPES},
            "ApprovalPolicySet": self._policy_set,
            "ChainSignatureIssued": self._chain_signature,
            "WalletChainSignatureIssued": self._chain_signature,
            "WalletChainAddressDerived": self._chain_address,
            **{kind: self._threshold for kind in THRESHOLD_EVENT_TYPES},
            **{kind: self._zk_record for kind in ZK_OPERATION_NAMES},
            "KeyHeldOnToken": self._held_on_token,
            "KeyHeldByThresholdGroup": self._held_by_threshold_group,
            "KekRotationStarted": self._kek_rotation,
            "KekRotationCompleted": self._kek_rotation,
            **{kind: self._key_timeline for kind in CUSTODY_KEY_EVENTS},
            **{kind: self._custody for kind in CUSTODY_SUBJECTS},
            "KeyChainPolicySet": self._chain_policy_set,
            **{kind: self._privacy for kind in PRIVACY_OPERATION_NAMES},
            "ThreatDetected": self._threat_finding,
            "ThreatPolicySet": self._threat_policy,
        }

    def run(self, events: Sequence[LoggedEvent]) -> BatchRows:
        self._load(events)
        handlers = self._handlers
        for event in events:
            handler = handlers.get(event.event_type)
            if handler is not None:  # a type newer than this code adds no rows
                handler(event)
        return self._rows()

    # --- loading and output ------------------------------------------------------------

    def _load(self, events: Iterable[LoggedEvent]) -> None:
        key_ids: set[str] = set()
        version_ids: set[str] = set()
        actor_ids: set[str] = set()
        wallet_ids: set[str] = set()
        for event in events:
            kind = event.event_type
            if kind in SIGNATURE_EVENTS or kind in KEY_LIFECYCLE_EVENTS \
                    or kind in ("ChainSignatureIssued", "KeyChainPolicySet",
                                "BlindSignatureIssued", "KeyHeldByThresholdGroup"):
                key_ids.add(event.record["key_id"])
                if kind in ("KeyRotated", "KeyDestroyed"):
                    version_ids.add(event.record["key_id"])
            elif kind in ACTOR_EVENTS:
                actor_ids.add(event.record["actor_id"])
            elif kind in WALLET_EVENTS:
                wallet_ids.add(event.record["wallet_id"])
        if key_ids:
            self.keys = {r["key_id"]: r for r in self._source.load(KEYS, key_ids)}
        if version_ids:
            for row in self._source.load(KEY_VERSIONS, version_ids):
                self.versions.setdefault(row["key_id"], {})[row["version"]] = row
        if actor_ids:
            self.actors = {r["actor_id"]: r for r in self._source.load(ACTORS, actor_ids)}
        if wallet_ids:
            self.wallets = {r["wallet_id"]: r for r in self._source.load(WALLETS, wallet_ids)}

    def _rows(self) -> BatchRows:
        rows = BatchRows()
        rows.appended = {KEY_EVENTS.name: self.key_events, SIGNATURES.name: self.signatures,
                         ACTOR_ROLE_HISTORY.name: self.role_history,
                         KEY_OPERATIONS.name: self.key_operations,
                         WALLET_ADDRESSES.name: self.wallet_addresses,
                         WALLET_ADDRESS_USES.name: self.address_uses,
                         WALLET_XPUB_EXPORTS.name: self.xpub_exports,
                         WALLET_CHAIN_ADDRESSES.name: self.chain_addresses,
                         WALLET_BACKUPS.name: self.backups,
                         WALLET_RECOVERIES.name: self.recoveries,
                         COMMAND_REJECTIONS.name: self.rejections,
                         CHECKPOINTS.name: self.checkpoints,
                         LEDGER_GENESIS.name: self.genesis,
                         APPROVAL_EVENTS.name: self.approval_events,
                         APPROVAL_POLICY_CHANGES.name: self.policy_changes,
                         CHAIN_SIGNATURES.name: self.chain_signatures,
                         THRESHOLD_EVENTS.name: self.threshold_events,
                         ZK_RECORDS.name: self.zk_records,
                         KEY_TOKEN_OBJECTS.name: self.token_objects,
                         KEK_ROTATIONS.name: self.kek_rotations,
                         CUSTODY_EVENTS.name: self.custody,
                         PRIVACY_RECORDS.name: self.privacy,
                         THREAT_FINDINGS.name: self.threat_findings,
                         THREAT_POLICY_CHANGES.name: self.threat_policies}
        rows.replaced = {
            KEYS.name: [_row(KEYS, self.keys[k]) for k in sorted(self.dirty_keys)],
            KEY_VERSIONS.name: [_row(KEY_VERSIONS, v) for k in sorted(self.dirty_versions)
                                for _, v in sorted(self.versions[k].items())],
            ACTORS.name: [_row(ACTORS, self.actors[a]) for a in sorted(self.dirty_actors)],
            WALLETS.name: [_row(WALLETS, self.wallets[w]) for w in sorted(self.dirty_wallets)],
        }
        return rows

    # --- keys --------------------------------------------------------------------------

    def _key(self, event: LoggedEvent) -> dict[str, Any] | None:
        """The key's row, marked changed, with the event added to its timeline.

        ``None`` when the key's KeyGenerated was never seen (a log that starts mid-way):
        the event still reaches the timeline, but no state is invented for the key.
        """
        key_id = event.record["key_id"]
        self.key_events.append((event.chain_id, event.seq, key_id, event.event_type,
                                event.actor_id, event.recorded_at,
                                details_json(event.record, omit=("key_id",))))
        key = self.keys.get(key_id)
        if key is not None:
            key["last_event_seq"] = event.seq
            self.dirty_keys.add(key_id)
        return key

    def _signature(self, event: LoggedEvent) -> None:
        # The hot path (most events are signatures): kept free of helper calls.
        record = event.record
        key_id = record["key_id"]
        self.signatures.append((
            event.chain_id, event.seq, key_id, record["key_version"], record["algorithm"],
            record["actor_id"], event.recorded_at, record["message_digest"].hex(),
            record["signature_digest"].hex(), 0))
        key = self.keys.get(key_id)
        if key is not None:
            key["signature_count"] += 1
            key["last_event_seq"] = event.seq
            self.dirty_keys.add(key_id)

    def _signature_batch(self, event: LoggedEvent) -> None:
        record = event.record
        key_id = record["key_id"]
        pairs = list(zip(record["message_digests"], record["signature_digests"], strict=True))
        for index, (message, signature) in enumerate(pairs):
            self.signatures.append((
                event.chain_id, event.seq, key_id, record["key_version"], record["algorithm"],
                record["actor_id"], event.recorded_at, message.hex(), signature.hex(), index))
        self._count_signatures(event, key_id, len(pairs))

    def _count_signatures(self, event: LoggedEvent, key_id: str, count: int) -> None:
        key = self.keys.get(key_id)
        if key is not None:
            key["signature_count"] += count
            key["last_event_seq"] = event.seq
            self.dirty_keys.add(key_id)

    def _generated(self, event: LoggedEvent) -> None:
        record = event.record
        key_id = record["key_id"]
        policy = record["policy"]
        self.keys[key_id] = {
            "key_id": key_id, "domain": record["domain"], "label": record["label"],
            "algorithm": record["algorithm"], "state": "pre-activation",
            "current_version": record["version"], "usage": list(record["usage"]),
            "created_at": event.recorded_at, "activated_at": None, "rotated_at": None,
            "destroyed_at": None, "destroy_after": None,
            "rotation_period_days": policy["rotation_period_days"],
            "destruction_wait_days": policy["destruction_wait_days"],
            "policy_json": policy_json(policy), "fips_approved": fips_approved(
                record["algorithm"]), "signature_count": 0, "last_event_seq": event.seq,
            "compromised_at": None, "deactivated_at": None}
        self._add_version(event, record["version"])
        self._key(event)

    def _add_version(self, event: LoggedEvent, version: int) -> None:
        record = event.record
        key_id = record["key_id"]
        self.versions.setdefault(key_id, {})[version] = {
            "key_id": key_id, "version": version, "chain": event.chain_id, "seq": event.seq,
            "public_key_hex": record["public_key"].hex(),
            "data_key_ref": record["data_key_ref"], "created_at": event.recorded_at,
            "shredded_at": None}
        self.dirty_versions.add(key_id)

    def _activated(self, event: LoggedEvent) -> None:
        key = self._key(event)
        if key is not None:
            key["state"] = "active"
            key["activated_at"] = event.recorded_at

    def _rotated(self, event: LoggedEvent) -> None:
        key = self._key(event)
        self._add_version(event, event.record["version"])
        if key is not None:
            key["current_version"] = event.record["version"]
            key["rotated_at"] = event.recorded_at

    def _state(self, state: str) -> Callable[[LoggedEvent], None]:
        def apply(event: LoggedEvent) -> None:
            key = self._key(event)
            if key is not None:
                key["state"] = state
        return apply

    def _compromised(self, event: LoggedEvent) -> None:
        key = self._key(event)
        if key is not None:
            key["state"] = "compromised"
            key["compromised_at"] = event.record["compromise_time"]

    def _deactivated(self, event: LoggedEvent) -> None:
        key = self._key(event)
        if key is not None:
            key["state"] = "deactivated"
            key["deactivated_at"] = event.recorded_at

    def _destruction_scheduled(self, event: LoggedEvent) -> None:
        key = self._key(event)
        if key is not None:
            key["destroy_after"] = event.record["destroy_after"]

    def _destruction_cancelled(self, event: LoggedEvent) -> None:
        key = self._key(event)
        if key is not None:
            key["destroy_after"] = None

    def _held_on_token(self, event: LoggedEvent) -> None:
        record = event.record
        attributes = record["attributes"]
        proven = (not attributes["extractable"] and attributes["sensitive"]
                  and attributes["never_extractable"] and attributes["always_sensitive"]
                  and attributes["local"] and attributes["token"])
        self.token_objects.append((
            event.chain_id, event.seq, record["key_id"], record["version"], record["backend"],
            record["token_label"], record["token_serial"],
            f"{record['token_manufacturer']} {record['token_model']}".strip(),
            record["object_id"].hex(), record["object_label"], record["mechanism"], proven,
            json.dumps(attributes, sort_keys=True), event.recorded_at))

    def _kek_rotation(self, event: LoggedEvent) -> None:
        record = event.record
        started = event.event_type == "KekRotationStarted"
        digest = record.get("digest")
        self.kek_rotations.append((
            event.chain_id, event.seq, record["rotation_id"],
            "started" if started else "completed", record.get("old_kek_id"),
            record["new_kek_id"], record.get("new_kek_provider"), record.get("data_keys"),
            record.get("rewrapped"), record.get("already_new"), record.get("skipped"),
            record.get("home_secrets"), None if digest is None else digest.hex(),
            event.recorded_at))

    def _destroyed(self, event: LoggedEvent) -> None:
        key = self._key(event)
        if key is not None:
            key["state"] = "destroyed"
            key["destroyed_at"] = event.recorded_at
            key["destroy_after"] = None
        shredded = set(event.record["shredded_refs"])
        key_id = event.record["key_id"]
        for version in self.versions.get(key_id, {}).values():
            if version["data_key_ref"] in shredded:
                version["shredded_at"] = event.recorded_at
                self.dirty_versions.add(key_id)

    def _floors_set(self, event: LoggedEvent) -> None:
        self._key(event)  # the timeline row; the floors are in its details

    def _policy_changed(self, event: LoggedEvent) -> None:
        key = self._key(event)
        if key is not None:
            policy = event.record["policy"]
            key["rotation_period_days"] = policy["rotation_period_days"]
            key["destruction_wait_days"] = policy["destruction_wait_days"]
            key["policy_json"] = policy_json(policy)

    # --- actors ------------------------------------------------------------------------

    def _history(self, event: LoggedEvent, roles: list[str], previous: list[str]) -> None:
        self.role_history.append((event.chain_id, event.seq, event.record["actor_id"],
                                  event.event_type, roles, previous, event.actor_id,
                                  event.recorded_at))

    def _actor_registered(self, event: LoggedEvent) -> None:
        record = event.record
        actor_id = record["actor_id"]
        self.actors[actor_id] = {
            "actor_id": actor_id, "name": record["name"], "roles": list(record["roles"]),
            "domains": list(record["domains"]), "revoked": False,
            "registered_at": event.recorded_at, "public_key_hex": record["public_key"].hex(),
            "revoked_at": None}
        self.dirty_actors.add(actor_id)
        self._history(event, list(record["roles"]), [])

    def _actor_roles_changed(self, event: LoggedEvent) -> None:
        record = event.record
        actor = self.actors.get(record["actor_id"])
        if actor is not None:
            actor["roles"] = list(record["roles"])
            self.dirty_actors.add(record["actor_id"])
        self._history(event, list(record["roles"]), list(record["previous_roles"]))

    def _actor_revoked(self, event: LoggedEvent) -> None:
        actor = self.actors.get(event.record["actor_id"])
        previous: list[str] = []
        if actor is not None:
            previous = list(actor["roles"])
            actor["revoked"] = True
            actor["revoked_at"] = event.recorded_at
            self.dirty_actors.add(event.record["actor_id"])
        self._history(event, [], previous)

    # --- keys used on data ------------------------------------------------------------
    # One row layout for six event types: each handler fills its own columns, the rest
    # stay NULL. Fields are copied one by one, so nothing unlisted (and nothing secret)
    # can reach the table.

    def _operation(self, event: LoggedEvent, *, aad: bytes | None = None,
                   ciphertext: bytes | None = None, message: bytes | None = None,
                   mac: bytes | None = None, peer: bytes | None = None,
                   salt: bytes | None = None, info: bytes | None = None,
                   plaintext_size: int | None = None, ciphertext_size: int | None = None,
                   output_size: int | None = None) -> None:
        record = event.record
        self.key_operations.append((
            event.chain_id, event.seq, record["key_id"], record["key_version"],
            record["algorithm"], event.event_type, KEY_OPERATION_NAMES[event.event_type],
            record["actor_id"], event.recorded_at, _hex(aad), _hex(ciphertext),
            _hex(message), _hex(mac), _hex(peer), _hex(salt), _hex(info), plaintext_size,
            ciphertext_size, output_size))

    def _data_operation(self, event: LoggedEvent) -> None:
        record = event.record
        self._operation(event, aad=record["aad_digest"], ciphertext=record["ciphertext_digest"],
                        plaintext_size=record["plaintext_size"],
                        ciphertext_size=record["ciphertext_size"])

    def _data_key(self, event: LoggedEvent) -> None:
        record = event.record
        self._operation(event, aad=record["aad_digest"],
                        ciphertext=record["wrapped_key_digest"],
                        output_size=record["data_key_size"])

    def _mac(self, event: LoggedEvent) -> None:
        self._operation(event, message=event.record["message_digest"],
                        mac=event.record["mac_digest"])

    def _derived(self, event: LoggedEvent) -> None:
        record = event.record
        self._operation(event, peer=record["peer_public_key_digest"],
                        salt=record["salt_digest"], info=record["info_digest"],
                        output_size=record["output_size"])

    # --- wallets -----------------------------------------------------------------------

    def _wallet(self, event: LoggedEvent) -> dict[str, Any] | None:
        """The wallet's row, marked changed; ``None`` when its WalletCreated was never seen
        (a log that starts mid-way): the event's own row is still written."""
        wallet = self.wallets.get(event.record["wallet_id"])
        if wallet is not None:
            wallet["last_event_seq"] = event.seq
            self.dirty_wallets.add(event.record["wallet_id"])
        return wallet

    def _wallet_created(self, event: LoggedEvent) -> None:
        record = event.record
        wallet_id = record["wallet_id"]
        self.wallets[wallet_id] = {
            "wallet_id": wallet_id, "domain": record["domain"], "label": record["label"],
            "source": record["source"], "word_count": record["word_count"],
            "language": record["language"], "has_passphrase": record["has_passphrase"],
            "master_fingerprint_hex": record["master_fingerprint"].hex(),
            "purposes": list(record["purposes"]), "curves": list(record["curves"]),
            "gap_limit": record["gap_limit"], "seed_version": 1,
            "data_key_ref": record["data_key_ref"], "created_by": event.actor_id,
            "created_at": event.recorded_at, "addresses_derived": 0, "addresses_used": 0,
            "xpub_exports": 0, "backups": 0, "recoveries": 0, "last_backup_at": None,
            "last_recovered_at": None, "last_event_seq": event.seq}
        self.dirty_wallets.add(wallet_id)

    def _address_derived(self, event: LoggedEvent) -> None:
        record = event.record
        self.wallet_addresses.append((
            event.chain_id, event.seq, record["wallet_id"], record["path"], record["purpose"],
            record["coin"], record["curve"], record["account"], record["change"],
            record["index"], record["public_key"].hex(), record["address"],
            record["actor_id"], event.recorded_at))
        wallet = self._wallet(event)
        if wallet is not None:
            wallet["addresses_derived"] += 1

    def _address_used(self, event: LoggedEvent) -> None:
        record = event.record
        self.address_uses.append((event.chain_id, event.seq, record["wallet_id"],
                                  record["path"], record["curve"], record["actor_id"],
                                  event.recorded_at))
        wallet = self._wallet(event)
        if wallet is not None:
            wallet["addresses_used"] += 1

    def _xpub_exported(self, event: LoggedEvent) -> None:
        record = event.record
        self.xpub_exports.append((
            event.chain_id, event.seq, record["wallet_id"], record["purpose"], record["coin"],
            record["account"], record["account_path"], record["xpub"], record["actor_id"],
            event.recorded_at))
        wallet = self._wallet(event)
        if wallet is not None:
            wallet["xpub_exports"] += 1

    def _chain_address(self, event: LoggedEvent) -> None:
        record = event.record
        self.chain_addresses.append((
            event.chain_id, event.seq, record["wallet_id"], record["seed_version"],
            record["family"], record["network"], record["type"], record["path"],
            bytes(record["public_key"]).hex(), record["address"], record["actor_id"],
            event.recorded_at))

    def _secret_split(self, event: LoggedEvent) -> None:
        record = event.record
        self.backups.append((
            event.chain_id, event.seq, record["wallet_id"], record["split_id"],
            record["scheme"], record["seed_version"], record["threshold"],
            record["share_count"], list(record["custodians"]),
            [digest.hex() for digest in record["commitment_digests"]],
            record["ciphertext_digest"].hex(), record["actor_id"], event.recorded_at))
        wallet = self._wallet(event)
        if wallet is not None:
            wallet["backups"] += 1
            wallet["last_backup_at"] = event.recorded_at

    def _secret_recovered(self, event: LoggedEvent) -> None:
        record = event.record  # sealed_seed is secret: never copied
        self.recoveries.append((
            event.chain_id, event.seq, record["wallet_id"], record["split_id"],
            list(record["share_indexes"]), list(record["custodians"]), record["seed_version"],
            record["data_key_ref"], record["actor_id"], event.recorded_at))
        wallet = self._wallet(event)
        if wallet is not None:
            wallet["recoveries"] += 1
            wallet["last_recovered_at"] = event.recorded_at
            wallet["seed_version"] = record["seed_version"]
            wallet["data_key_ref"] = record["data_key_ref"]

    # --- zero-knowledge records --------------------------------------------------------

    def _zk_record(self, event: LoggedEvent) -> None:
        record, kind = event.record, event.event_type
        if kind == "CommitmentCreated":
            ids, points = [record["commitment_id"]], [record["commitment"]]
        else:
            ids, points = list(record.get("commitment_ids") or []), record.get("commitments") or []
        version = record.get("key_version", record.get("version"))
        self.zk_records.append((
            event.chain_id, event.seq, record.get("key_id"), version, kind,
            ZK_OPERATION_NAMES[kind], record["actor_id"], event.recorded_at, ids,
            [bytes(p).hex() for p in points], list(record.get("parts") or []),
            record.get("bits"), _hex(record.get("context_digest")),
            _hex(record.get("proof_digest")), record.get("proof_size"), record.get("circuit"),
            _hex(record.get("transcript_digest")), _hex(record.get("vkey_digest")),
            list(record.get("public_signals") or []), _hex(record.get("public_digest")),
            _hex(record.get("start")), _hex(record.get("end")), record.get("steps"),
            record.get("security_bits")))

    # --- refusals, checkpoints and the genesis -----------------------------------------

    def _chain_policy_set(self, event: LoggedEvent) -> None:
        """On the key's timeline (its details hold the old and new rules)."""
        self._key(event)

    def _chain_signature(self, event: LoggedEvent) -> None:
        """Keys and wallets alike; a key's signature also counts on its ``keys`` row."""
        record = event.record
        fee = record["fee"]
        key_id = record.get("key_id")
        algorithm = record.get("algorithm") or (
            "ed25519" if record["family"] == "solana" else "ecdsa-secp256k1")
        self.chain_signatures.append((
            event.chain_id, event.seq, key_id, record.get("key_version"), algorithm,
            record["actor_id"], event.recorded_at, record.get("wallet_id"),
            list(record.get("paths", ())), record["family"],
            record["network"], record["chain_id"], record["kind"], record["signer"],
            record["tx_hash"], record["input_digest"].hex(),
            [d.hex() for d in record["digests"]],
            [d.hex() for d in record["signature_digests"]], list(record["recipients"]),
            list(record["amounts"]), record["asset"], record["value"],
            None if fee is None else int(fee)))
        if key_id is not None:
            self._count_signatures(event, key_id, 1)

    # --- privacy services --------------------------------------------------------------

    def _privacy(self, event: LoggedEvent) -> None:
        r = event.record
        kind = event.event_type

        def hexed(name: str) -> str | None:
            value = r.get(name)
            return None if value is None else bytes(value).hex()

        subject = r.get("group_id") or (r.get("actor_id") if kind in (
            "PossessionChallengeIssued", "PossessionProven") else None)
        reference = {"BlindSignatureIssued": r.get("variant"),
                     "KeyPossessionProven": r.get("suite"),
                     "PossessionChallengeIssued": r.get("challenge_id"),
                     "PossessionProven": r.get("challenge_id"),
                     "RingApprovalRecorded": r.get("proposal")}.get(kind)
        digest = {"BlindSignatureIssued": "blinded_message_digest",
                  "HomomorphicCombined": "result_digest",
                  "HomomorphicDecrypted": "ciphertext_digest",
                  "KeyPossessionProven": "proof_digest", "PossessionProven": "proof_digest",
                  "ApprovalGroupCreated": "ring_digest",
                  "RingApprovalRecorded": "ring_digest"}.get(kind)
        signature = {"BlindSignatureIssued": "blind_signature_digest",
                     "RingApprovalRecorded": "signature_digest"}.get(kind)
        count = len(r["members"]) if kind == "ApprovalGroupCreated" else r.get("approvals")
        self.privacy.append((
            event.chain_id, event.seq, kind, PRIVACY_OPERATION_NAMES[kind], event.actor_id,
            event.recorded_at, r.get("key_id"), r.get("key_version"), subject, reference,
            hexed(digest) if digest else None,
            [bytes(d).hex() for d in r["ciphertext_digests"]]
            if kind == "HomomorphicCombined" else None,
            hexed(signature) if signature else None, hexed("key_image"), count,
            r.get("approved"), r.get("expires_at")))
        if kind == "BlindSignatureIssued":
            self._count_signatures(event, r["key_id"], 1)

    def _rejected(self, event: LoggedEvent) -> None:
        record = event.record
        self.rejections.append((
            event.chain_id, event.seq, record["actor_id"], record["command_type"],
            record["command_id"], record["target"], record["reason_code"], record["reason"],
            event.recorded_at, record["command_digest"].hex()))

    def _checkpoint(self, event: LoggedEvent) -> None:
        record = event.record
        self.checkpoints.append((event.chain_id, event.seq, record["tree_size"],
                                 record["root_hash"].hex(), event.recorded_at))

    def _genesis(self, event: LoggedEvent) -> None:
        record = event.record
        self.genesis.append((
            event.chain_id, event.seq, record["ledger_id"], record["ledger_name"],
            record["ledger_public_key"].hex(), record["origin"], record["fips_mode"],
            record["checkpoint_every_events"], record["checkpoint_every_seconds"],
            record["kek_provider"], event.recorded_at))

    # --- approvals ---------------------------------------------------------------------

    def _approval_event(self, event: LoggedEvent) -> None:
        record = event.record
        approvals = record.get("approvals", record.get("required"))
        self.approval_events.append((
            event.chain_id, event.seq, record["approval_id"], event.event_type,
            event.actor_id, record.get("command_type"), approvals,
            details_json(record, omit=("approval_id", "command", "command_signature",
                                       "command_type")), event.recorded_at))

    def _threat_finding(self, event: LoggedEvent) -> None:
        r = event.record
        self.threat_findings.append((
            event.chain_id, event.seq, r["key_id"], r["finding_id"], r["window_start"],
            r["window_end"], r["score"], r["threshold"], r["action"], r["suspends"],
            list(r["actors"]), json.dumps(r["features"], sort_keys=True,
                                          separators=(",", ":")), event.recorded_at))

    def _threat_policy(self, event: LoggedEvent) -> None:
        r = event.record
        self.threat_policies.append((
            event.chain_id, event.seq, r["scope"], r["target"], r["threshold"], r["action"],
            r["lift_approvals"], event.actor_id, event.recorded_at))

    def _policy_set(self, event: LoggedEvent) -> None:
        record = event.record
        self.policy_changes.append((
            event.chain_id, event.seq, record["scope"], record["target"],
            record["command_type"], record["approvals"], record["previous_approvals"],
            record["ttl_seconds"], record["when_above"], event.actor_id, event.recorded_at))

    # --- threshold group seats --------------------------------------------------------

    def _held_by_threshold_group(self, event: LoggedEvent) -> None:
        """A group key recorded as a ledger key: on the key's timeline and the seat's."""
        self._key(event)
        self._threshold(event)

    def _threshold(self, event: LoggedEvent) -> None:
        record = event.record
        started = event.event_type in ("ThresholdDkgStarted", "MusigKeyAggregated",
                                       "ThresholdKeyDealt", "KeyHeldByThresholdGroup")
        public = record.get("group_public_key") or record.get("signature")
        digest = record.get("message_digest")
        self.threshold_events.append((
            event.chain_id, event.seq, record["group_id"], event.event_type,
            record["suite"] if started else None, record["threshold"] if started else None,
            record["participants"] if started else None,
            record.get("identifier", 0) if started else None, record.get("session_id"),
            list(record["signers"]) if "signers" in record else None,
            _hex(digest), _hex(public), record["actor_id"], event.recorded_at,
            details_json(record, omit=(
                "group_id", "actor_id", "suite", "threshold", "participants", "identifier",
                "session_id", "signers", "message_digest", "group_public_key",
                "signature"))))

    # --- custody -----------------------------------------------------------------------

    def _key_timeline(self, event: LoggedEvent) -> None:
        """A custody event of a key: its timeline row (the key row's last seq moves)."""
        self._key(event)

    def _custody(self, event: LoggedEvent) -> None:
        record = event.record
        subject = CUSTODY_SUBJECTS[event.event_type]
        self.custody.append((event.chain_id, event.seq, event.event_type, record[subject],
                             event.actor_id, event.recorded_at,
                             details_json(record, omit=(subject,))))
