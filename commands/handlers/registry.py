"""The handler registry: one function per catalogue command, one signature for all.

A handler receives the :class:`~ledger.application.Decision` (the command, its arguments
and inputs already checked against the catalogue, the ledger's clock reading), loads the
aggregate the command names, checks what needs the aggregate (domain, state, policy), lets
the aggregate decide, and returns the command's result as a dict of the catalogue's result
shape. Raising a :class:`~ledger.errors.CommandRejected` refuses the command (and the
ledger records the refusal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.application import Decision
from ledger.catalogue import CATALOGUE

Handler = Callable[[Decision], dict[str, Any]]

HANDLERS: dict[str, Handler] = {}


def handles(command_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of a catalogue command."""
    spec = CATALOGUE.command(command_type)  # KeyError: not a catalogue command

    def register(function: Handler) -> Handler:
        if spec.name in HANDLERS:
            raise RuntimeError(f"{spec.name} has two handlers")
        HANDLERS[spec.name] = function
        return function

    return register


LEDGER_INTERNAL = frozenset({"PublishCheckpoint", "RecordRejection"})
"""Commands only the ledger itself builds (no handler: the ledger writes their events)."""


def check_complete() -> None:
    """Every catalogue command has exactly one handler (checked once, at import)."""
    wanted = {spec.name for spec in CATALOGUE.commands} - LEDGER_INTERNAL
    missing, extra = sorted(wanted - set(HANDLERS)), sorted(set(HANDLERS) - wanted)
    if missing or extra:
        raise RuntimeError(f"handlers missing for {missing}, unknown to the catalogue: {extra}")
