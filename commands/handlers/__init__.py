"""Handlers: one per catalogue command, one signature, one registry, one way to run them.

The ledger (:meth:`ledger.application.Ledger.submit`) admits a command (signature,
freshness, nonce, role) and checks its arguments and inputs against the catalogue before
its handler runs; a handler adds the checks that need the aggregate and lets the aggregate
decide (see :mod:`commands.handlers.registry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commands.handlers import (
    actors,
    approvals,
    chains,
    data,
    kek,
    keys,
    ledger_handlers,
    musig,
    privacy,
    scheduled,
    signing,
    threats,
    threshold,
    threshold_deal,
    wallets,
    zk,
    zk_circuits,
)
from commands.handlers import backups as backup_handlers
from commands.handlers import custody as custody_handlers
from commands.handlers.registry import HANDLERS, Handler, check_complete
from ledger.application import Decision, Ledger, Outcome, Pending
from ledger.command import SignedCommand
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidInput

__all__ = ["HANDLERS", "Handler", "begin", "decide_for", "execute"]

_MODULES = (actors, data, keys, ledger_handlers, signing, wallets,  # each registers its own
            approvals, scheduled, chains, threshold, threshold_deal, musig, zk, zk_circuits,
            kek, privacy, threats)
_CUSTODY_MODULES = (custody_handlers, backup_handlers)
check_complete()


def decide_for(signed: SignedCommand) -> Any:
    """The decision function of ``signed``'s command type (its handler)."""
    handler = HANDLERS.get(signed.command.command_type)
    if handler is None:
        raise InvalidInput(f"unknown command type {signed.command.command_type!r}",
                           field="command.type")
    return handler


def execute(ledger: Ledger, signed: SignedCommand,
            inputs: Mapping[str, Any] | None = None) -> Outcome[dict[str, Any]]:
    """Run one signed command through its handler and the ledger; secrets in its result
    are wiped unless its events committed (nothing secret without its record)."""
    produced: list[dict[str, Any]] = []
    handler = decide_for(signed)

    def decide(decision: Decision) -> dict[str, Any]:
        result: dict[str, Any] = handler(decision)
        produced.append(result)
        return result

    try:
        return ledger.submit(signed, decide, inputs)
    except BaseException:
        for result in produced:
            wipe(result)
        raise


def begin(ledger: Ledger, signed: SignedCommand, inputs: Mapping[str, Any] | None = None,
          *, lock_wait_s: float = 0.002) -> Pending[dict[str, Any]] | None:
    """Decide now, commit later (see :meth:`ledger.application.Ledger.begin`)."""
    return ledger.begin(signed, decide_for(signed), inputs, lock_wait_s=lock_wait_s)


def wipe(result: Any) -> None:
    """Zero every ``bytearray`` in a handler's result (its secrets)."""
    if isinstance(result, dict):
        for value in result.values():
            if isinstance(value, bytearray):
                zeroize(value)
