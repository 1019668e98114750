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
from functools import cached_property

from ledger.catalogue import (
    actors,
    approvals,
    chains,
    data,
    kek,
    keys,
    privacy,
    reads,
    system,
    threats,
    threshold,
    wallets,
    zk,
)
from ledger.catalogue import custody as custody_entries
from ledger.catalogue.model import (
    ChainRule,
    CommandSpec,
    Field,
    Hooks,
    Kind,
    ReadSpec,
    Shape,
    Spec,
    snake,
)
from ledger.catalogue.shapes import SHAPES
from ledger.domain.actor import ROLES

__all__ = [
    "APPROVAL_HOOKS",
    "APPROVAL_REQUEST_EVENTS",
    "CATALOGUE",
    "EVENTS_OF_COMMAND",
    "PERMISSIONS",
    "READ_PERMISSIONS",
    "SCHEDULER_COMMANDS",
    "SHAPES",
    "SYSTEM_CHAIN_COMMANDS",
    "SYSTEM_COMMANDS",
    "Catalogue",
    "ChainRule",
    "CommandSpec",
    "Field",
    "Hooks",
    "Kind",
    "ReadSpec",
    "Shape",
    "Spec",
    "may_cause",
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
        for command in self.commands:
            value_field = command.hooks.value_field
            if value_field is None:
                continue
            if command.hooks.approval is None:
                raise RuntimeError(f"{command.name} names a value_field but no approval hook")
            field = next((f for f in command.args if f.name == value_field), None)
            if field is None or field.kind not in (Kind.INTEGER, Kind.TEXT):
                raise RuntimeError(f"{command.name}: value_field {value_field!r} is not an "
                                   "integer or text argument")

    def entries(self) -> Iterator[Spec]:
        yield from self.commands
        yield from self.reads

    @cached_property
    def by_name(self) -> dict[str, Spec]:
        """Every entry by its name: the ledger looks its command up two or three times per
        command, and a scan of the whole catalogue cost more than the lookups' callers."""
        return {spec.name: spec for spec in self.entries()}

    def command(self, name: str) -> CommandSpec:
        spec = self.by_name.get(name)
        if not isinstance(spec, CommandSpec):
            raise KeyError(name)
        return spec

    def read(self, name: str) -> ReadSpec:
        spec = self.by_name.get(name)
        if not isinstance(spec, ReadSpec):
            raise KeyError(name)
        return spec

    def find(self, name: str) -> Spec | None:
        return self.by_name.get(name)

    def client_commands(self) -> tuple[CommandSpec, ...]:
        """Commands actors send (not the ledger's own)."""
        return tuple(s for s in self.commands if not s.system)


CATALOGUE = Catalogue(
    commands=(*system.COMMANDS, *actors.COMMANDS, *keys.COMMANDS, *data.COMMANDS,
              *wallets.COMMANDS, *approvals.COMMANDS, *chains.COMMANDS,
              *threshold.COMMANDS, *zk.COMMANDS, *kek.COMMANDS,
              *custody_entries.COMMANDS, *privacy.COMMANDS, *threats.COMMANDS),
    reads=(*reads.READS, *approvals.READS, *chains.READS, *threshold.READS, *zk.READS,
           *privacy.READS),
)

PERMISSIONS: dict[str, frozenset[str]] = {
    s.name: s.roles for s in CATALOGUE.commands if not s.system}
"""Command type -> roles that may issue it (the ledger's own commands are not here)."""

SYSTEM_COMMANDS: frozenset[str] = frozenset(
    s.name for s in CATALOGUE.commands if (s.system and not s.scheduled) or s.bootstrap
    or s.name == "RequestCheckpoint")
"""Commands the ledger's own key may sign (RegisterActor only to bootstrap the first admin;
RequestCheckpoint when it checkpoints on its own)."""

SCHEDULER_COMMANDS: frozenset[str] = frozenset(
    s.name for s in CATALOGUE.commands if s.scheduled)
"""Commands the ledger's scheduler issues (signed by the ledger key as actor
``scheduler``): rotating due keys, closing expired approval requests."""

APPROVAL_REQUEST_EVENTS = frozenset({"ApprovalRequested", "ApprovalExecuted"})
"""What a gated command causes besides its own events: its request, and the record of its
execution under the approvals (see :mod:`ledger.approvals.gate`)."""

APPROVAL_HOOKS: dict[str, Hooks] = {
    s.name: s.hooks for s in CATALOGUE.commands if s.hooks.approval and not s.system}
"""Command type -> its approval hook: the commands an approval policy may gate. One table
for the gate, the policy command's checks and the auditor."""

SYSTEM_CHAIN_COMMANDS: frozenset[str] = frozenset(
    s.name for s in CATALOGUE.commands if s.chain is ChainRule.SYSTEM and not s.system)
"""Commands whose events belong on the system chain (the actors' commands)."""

EVENTS_OF_COMMAND: dict[str, frozenset[str]] = {
    s.name: s.events | (APPROVAL_REQUEST_EVENTS if s.name in APPROVAL_HOOKS else frozenset())
    for s in CATALOGUE.commands}
"""Which events each command may cause: a signed 'Sign' can never justify 'KeyDestroyed'."""


def may_cause(command_type: str, event_type: str) -> bool:
    """Whether a command of this type may justify this event (the auditor's check)."""
    if event_type in EVENTS_OF_COMMAND.get(command_type, ()):
        return True
    return command_type in APPROVAL_HOOKS and event_type in APPROVAL_REQUEST_EVENTS

READ_PERMISSIONS: dict[str, frozenset[str] | None] = {
    **{s.capability: s.roles for s in CATALOGUE.reads},
    **{s.self_capability: None for s in CATALOGUE.reads if s.self_capability},
    **OPERATIONS,
}
"""Read capability -> roles allowing it (None: any actor, whatever its roles)."""


def sdk_name(spec: Spec) -> str:
    """The SDK method name of an entry (its own ``sdk``, else the snake_case of its name)."""
    return spec.sdk or snake(spec.name)
