"""Who may issue which command: one table, used by handlers and by the offline auditor.

Why here (in the ledger, not in ``commands``): the auditor re-checks every envelope's
command against the actor's roles *as they were at that point of the chain*, so the rules
must be part of the verifiable ledger, versioned with it.
"""

from __future__ import annotations

from collections.abc import Collection

from ledger.command import SYSTEM_ACTOR
from ledger.errors import Unauthorized

SYSTEM_CHAIN = "system"
"""Holds the ledger's genesis and every actor event; key domains have chains of their own."""

PERMISSIONS: dict[str, frozenset[str]] = {
    "RegisterActor": frozenset({"admin"}),
    "ChangeActorRoles": frozenset({"admin"}),
    "RevokeActor": frozenset({"admin"}),
    "CreateKey": frozenset({"key-manager"}),
    "ActivateKey": frozenset({"key-manager"}),
    "RotateKey": frozenset({"key-manager"}),
    "SuspendKey": frozenset({"key-manager"}),
    "ReactivateKey": frozenset({"key-manager"}),
    "RevokeKey": frozenset({"key-manager"}),
    "DestroyKey": frozenset({"key-manager"}),
    "CancelDestruction": frozenset({"key-manager"}),
    "CompromiseKey": frozenset({"key-manager", "admin"}),
    "ChangeKeyPolicy": frozenset({"key-manager", "admin"}),
    "Sign": frozenset({"signer"}),
    "SignBatch": frozenset({"signer"}),
    "RequestCheckpoint": frozenset({"auditor", "admin"}),
    # HD wallets: key-managers hold the seed's lifecycle (create, import, export, backup,
    # recover); signers may hand out receiving addresses and mark them used, since that
    # reveals only public data and is part of day-to-day operations, as signing is.
    "CreateWallet": frozenset({"key-manager"}),
    "ImportWallet": frozenset({"key-manager"}),
    "DeriveAddress": frozenset({"key-manager", "signer"}),
    "MarkAddressUsed": frozenset({"key-manager", "signer"}),
    "ExportXpub": frozenset({"key-manager"}),
    "BackupWallet": frozenset({"key-manager"}),
    "RecoverWallet": frozenset({"key-manager"}),
}

# Using a key for data is key *use*, not key management: the signer role (the ledger's
# "key user") may encrypt, decrypt, mint data keys, MAC and derive, exactly as it may sign.
# Separation of duties stays where it matters: key-managers create, rotate and destroy keys
# but cannot use them; signers use keys but cannot change them; auditors do neither. What
# a given key may do is narrowed further by its usage list and its allowed_signers policy.
PERMISSIONS.update({
    "Encrypt": frozenset({"signer"}),
    "Decrypt": frozenset({"signer"}),
    "GenerateDataKey": frozenset({"signer"}),
    "GenerateMac": frozenset({"signer"}),
    "VerifyMac": frozenset({"signer"}),
    "DeriveSharedSecret": frozenset({"signer"}),
})

SYSTEM_COMMANDS = frozenset({"InitializeLedger", "PublishCheckpoint", "RecordRejection",
                             "RegisterActor", "RequestCheckpoint"})
"""Commands the ledger's own key may sign (RegisterActor only to bootstrap the first admin)."""

ACTOR_COMMANDS = frozenset({"RegisterActor", "ChangeActorRoles", "RevokeActor"})
"""Commands whose events belong on the system chain."""


def authorize(*, actor_id: str, roles: Collection[str], domains: Collection[str],
              revoked: bool, command_type: str, chain_id: str) -> None:
    """Raise ``Unauthorized`` unless this actor may issue this command on this chain."""
    if actor_id == SYSTEM_ACTOR:
        if command_type not in SYSTEM_COMMANDS:
            raise Unauthorized(f"the ledger identity may not issue {command_type}",
                               reason_code="unauthorized")
        return
    if revoked:
        raise Unauthorized(f"actor {actor_id} is revoked", reason_code="revoked-actor")
    allowed = PERMISSIONS.get(command_type)
    if allowed is None:
        raise Unauthorized(f"unknown command type {command_type!r}", field="command.type",
                           reason_code="unknown-command")
    if not allowed & set(roles):
        need = " or ".join(sorted(allowed))
        raise Unauthorized(f"actor {actor_id} lacks the role for {command_type} (needs {need})",
                           reason_code="missing-role")
    if command_type in ACTOR_COMMANDS:
        if chain_id != SYSTEM_CHAIN:
            raise Unauthorized(f"{command_type} belongs on the {SYSTEM_CHAIN} chain",
                               field="command.chain_id", reason_code="wrong-chain")
        return
    if chain_id != SYSTEM_CHAIN and "*" not in domains and chain_id not in domains:
        raise Unauthorized(f"actor {actor_id} may not act in key domain {chain_id!r}",
                           reason_code="domain")


EVENTS_OF_COMMAND: dict[str, frozenset[str]] = {
    "InitializeLedger": frozenset({"LedgerInitialized"}),
    "RegisterActor": frozenset({"ActorRegistered"}),
    "ChangeActorRoles": frozenset({"ActorRolesChanged"}),
    "RevokeActor": frozenset({"ActorRevoked"}),
    "CreateKey": frozenset({"KeyGenerated", "KeyActivated"}),
    "ActivateKey": frozenset({"KeyActivated"}),
    "RotateKey": frozenset({"KeyRotated"}),
    "SuspendKey": frozenset({"KeySuspended"}),
    "ReactivateKey": frozenset({"KeyReactivated"}),
    "CompromiseKey": frozenset({"KeyCompromised"}),
    "RevokeKey": frozenset({"KeyDeactivated"}),
    "DestroyKey": frozenset({"KeyDestructionScheduled", "KeyDestroyed"}),
    "CancelDestruction": frozenset({"KeyDestructionCancelled"}),
    "ChangeKeyPolicy": frozenset({"KeyPolicyChanged"}),
    "Sign": frozenset({"SignatureIssued"}),
    "SignBatch": frozenset({"SignatureBatchIssued"}),
    "RequestCheckpoint": frozenset({"CheckpointPublished"}),
    "PublishCheckpoint": frozenset({"CheckpointPublished"}),
    "RecordRejection": frozenset({"CommandRejected"}),
    "CreateWallet": frozenset({"WalletCreated"}),
    "ImportWallet": frozenset({"WalletCreated"}),
    "DeriveAddress": frozenset({"WalletAddressDerived"}),
    "MarkAddressUsed": frozenset({"WalletAddressUsed"}),
    "ExportXpub": frozenset({"WalletXpubExported"}),
    "BackupWallet": frozenset({"SecretSplit"}),
    "RecoverWallet": frozenset({"SecretRecovered"}),
}
"""Which events each command may cause: a signed 'Sign' can never justify 'KeyDestroyed'."""

EVENTS_OF_COMMAND.update({
    "Encrypt": frozenset({"DataEncrypted"}),
    "Decrypt": frozenset({"DataDecrypted"}),
    "GenerateDataKey": frozenset({"DataKeyGenerated"}),
    "GenerateMac": frozenset({"MacGenerated"}),
    "VerifyMac": frozenset({"MacVerified"}),
    "DeriveSharedSecret": frozenset({"SharedSecretDerived"}),
})
