"""Recording a refused read: a read changes nothing, so the ledger never sees it, yet a
refusal of it (a role it lacks, a domain it may not see, a key version the policy retired)
is as much a security event as a refused command and belongs on the audit chain.

The refused request is described by a command that is never executed: its type
(``Read:<capability>``), the actor, the target and a nonce; the ledger signs the
``CommandRejected`` fact with its own key, exactly as for refused commands. The service and
the CLI both record through here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from ledger.application import Ledger
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import Command, SignedCommand
from ledger.errors import CommandRejected


def read_target(params: Mapping[str, Any]) -> str | None:
    """What a read is about, as its refusal names it: the key, actor or wallet it names."""
    return next((str(params[name]) for name in ("key_id", "actor_id", "wallet_id")
                 if params.get(name)), None)


def record_read_refusal(ledger: Ledger, actor_id: str, command_type: str,
                        refusal: CommandRejected, *, target: str | None = None,
                        what: str = "", nonce: str | None = None) -> CommandRejected:
    """Record ``refusal`` of a read by ``actor_id``; returns it with its seq, to raise."""
    args: dict[str, str] = {"request": what[:200]}
    if target:
        args["key_id"] = target[:200]
    command = Command(command_type=command_type[:100], actor_id=actor_id,
                      chain_id=SYSTEM_CHAIN, args=args, issued_at=time.time_ns() // 1000,
                      command_id=str(uuid.uuid4()), nonce=nonce or uuid.uuid4().hex)
    return ledger.record_refusal(SignedCommand(command, command.canonical(), b""), refusal)
