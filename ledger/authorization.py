"""Who may issue which command, decided from the catalogue's tables.

Why here (in the ledger, not in ``commands``): the auditor re-checks every envelope's
command against the actor's roles *as they were at that point of the chain*, so the rules
must be part of the verifiable ledger, versioned with it. The tables themselves are
derived from :mod:`ledger.catalogue` (each command's roles and chain rule).
"""

from __future__ import annotations

from collections.abc import Collection

from ledger.catalogue import (
    PERMISSIONS,
    SCHEDULER_COMMANDS,
    SYSTEM_CHAIN_COMMANDS,
    SYSTEM_COMMANDS,
)
from ledger.command import SCHEDULER_ACTOR, SYSTEM_ACTOR
from ledger.errors import Unauthorized

SYSTEM_CHAIN = "system"
"""Holds the ledger's genesis and every actor event; key domains have chains of their own."""


def authorize(*, actor_id: str, roles: Collection[str], domains: Collection[str],
              revoked: bool, command_type: str, chain_id: str) -> None:
    """Raise ``Unauthorized`` unless this actor may issue this command on this chain."""
    if actor_id == SYSTEM_ACTOR:
        if command_type not in SYSTEM_COMMANDS:
            raise Unauthorized(f"the ledger identity may not issue {command_type}",
                               reason_code="unauthorized")
        return
    if actor_id == SCHEDULER_ACTOR:
        if command_type not in SCHEDULER_COMMANDS:
            raise Unauthorized(f"the scheduler may not issue {command_type}",
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
    if command_type in SYSTEM_CHAIN_COMMANDS:
        if chain_id != SYSTEM_CHAIN:
            raise Unauthorized(f"{command_type} belongs on the {SYSTEM_CHAIN} chain",
                               field="command.chain_id", reason_code="wrong-chain")
        return
    if chain_id != SYSTEM_CHAIN and "*" not in domains and chain_id not in domains:
        raise Unauthorized(f"actor {actor_id} may not act in key domain {chain_id!r}",
                           reason_code="domain")
