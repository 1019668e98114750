"""The command catalogue: every command and read, defined once (see :mod:`.model`).

Everything else is derived from :data:`CATALOGUE`: the authorization tables
(:data:`PERMISSIONS`, :data:`SYSTEM_COMMANDS`, :data:`SYSTEM_CHAIN_COMMANDS`), which
events a command may cause (:data:`EVENTS_OF_COMMAND`, re-checked by the auditor), the
read permissions (:data:`READ_PERMISSIONS`), argument validation
(:mod:`ledger.catalogue.validation`), and, outside ``ledger/``, the handlers' registry
check, the REST routes, the gRPC proto, the SDK, the CLI and the API docs.

Adding a command is one entry in one of the modules below plus one handler in
``commands/handlers/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ledger.catalogue import actors, data, keys, privacy, reads, system, wallets
from ledger.catalogue.model import (
    ChainRule,
    CommandSpec,
    Field,
    Kind,
    ReadSpec,
    Shape,
    Spec,
    snake,
)
from ledger.catalogue.shapes import SHAPES
from ledger.domain.actor import ROLES

__all__ = [
    "CATALOGUE",
    "EVENTS_OF_COMMAND",
    "PERMISSIONS",
    "READ_PERMISSIONS",
    "SHAPES",
    "SYSTEM_CHAIN_COMMANDS",
    "SYSTEM_COMMANDS",
    "Catalogue",
    "ChainRule",
    "CommandSpec",
    "Field",
    "Kind",
    "ReadSpec",
    "Shape",
    "Spec",
]

OPERATIONS: dict[str, frozenset[str]] = {
    "feed": frozenset({"admin", "auditor"}),
    "metrics": frozenset({"admin", "auditor", "analyst"}),
}
"""Capabilities of the service's operational endpoints (the live feed, Prometheus
metrics), which are not catalogue reads: a stream, and an operator's scrape."""


@dataclass(frozen=True)
class Catalogue:
    """Every command and read by name, in a stable order (the order docs list them)."""

    commands: tuple[CommandSpec, ...]
    reads: tuple[ReadSpec, ...]

    def __post_init__(self) -> None:
        names = [s.name for s in self.entries()]
        duplicated = {n for n in names if names.count(n) > 1}
        if duplicated:
            raise RuntimeError(f"catalogue names used twice: {sorted(duplicated)}")
        for spec in self.entries():
            for role in spec.roles or ():
                if role not in ROLES:
                    raise RuntimeError(f"{spec.name} names an unknown role {role!r}")

    def entries(self) -> Iterator[Spec]:
        yield from self.commands
        yield from self.reads

    def command(self, name: str) -> CommandSpec:
        for spec in self.commands:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def read(self, name: str) -> ReadSpec:
        for spec in self.reads:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def find(self, name: str) -> Spec | None:
        return next((s for s in self.entries() if s.name == name), None)

    def client_commands(self) -> tuple[CommandSpec, ...]:
        """Commands actors send (not the ledger's own)."""
        return tuple(s for s in self.commands if not s.system)


CATALOGUE = Catalogue(
    commands=(*system.COMMANDS, *actors.COMMANDS, *keys.COMMANDS, *data.COMMANDS,
              *wallets.COMMANDS,
              *privacy.COMMANDS),
    reads=(*reads.READS,
           *privacy.READS),
)

PERMISSIONS: dict[str, frozenset[str]] = {
    s.name: s.roles for s in CATALOGUE.commands if not s.system}
"""Command type -> roles that may issue it (the ledger's own commands are not here)."""

SYSTEM_COMMANDS: frozenset[str] = frozenset(
    s.name for s in CATALOGUE.commands if s.system or s.bootstrap
    or s.name == "RequestCheckpoint")
"""Commands the ledger's own key may sign (RegisterActor only to bootstrap the first admin;
RequestCheckpoint when it checkpoints on its own)."""

SYSTEM_CHAIN_COMMANDS: frozenset[str] = frozenset(
    s.name for s in CATALOGUE.commands if s.chain is ChainRule.SYSTEM and not s.system)
"""Commands whose events belong on the system chain (the actors' commands)."""

EVENTS_OF_COMMAND: dict[str, frozenset[str]] = {s.name: s.events for s in CATALOGUE.commands}
"""Which events each command may cause: a signed 'Sign' can never justify 'KeyDestroyed'."""

READ_PERMISSIONS: dict[str, frozenset[str] | None] = {
    **{s.capability: s.roles for s in CATALOGUE.reads},
    **{s.self_capability: None for s in CATALOGUE.reads if s.self_capability},
    **OPERATIONS,
}
"""Read capability -> roles allowing it (None: any actor, whatever its roles)."""


def sdk_name(spec: Spec) -> str:
    """The SDK method name of an entry (its own ``sdk``, else the snake_case of its name)."""
    return spec.sdk or snake(spec.name)
