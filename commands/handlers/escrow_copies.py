"""Escrow copies of key versions, made when a key is created or rotated with an agent.

Shared by the key handlers (CreateKey --escrow, RotateKey) and the custody handlers
(ReleaseEscrow); it registers no handler of its own.
"""

from __future__ import annotations

from ledger.application import Decision
from ledger.domain.custody import EscrowAgent
from ledger.domain.key import Key
from ledger.recipes import custody_keys, escrow


def agent_key(agent: EscrowAgent) -> custody_keys.CustodyKey:
    return custody_keys.CustodyKey(agent.name, agent.kem, agent.public_key)


def escrow_version(decision: Decision, key: Key, version: int, agent: EscrowAgent) -> None:
    """Seal one version of ``key`` for ``agent`` and record it (CreateKey, RotateKey)."""
    copy = escrow.escrow_copy(decision.ledger.material, key_id=key.key_id, version=version,
                              record=key.versions[version], agent_id=agent.agent_id,
                              agent=agent_key(agent))
    key.record_escrow(version=version, agent_id=agent.agent_id,
                      sealed_escrow=copy.sealed_escrow, escrow_ref=copy.escrow_ref,
                      escrow_digest=copy.escrow_digest, at=decision.now)
