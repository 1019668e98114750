"""The Actor aggregate: an identity (Ed25519 public key) with roles and key domains."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ledger.domain.aggregate import Aggregate, Created, Event
from ledger.domain.registry import register_event
from ledger.errors import IllegalTransition, InvalidInput

ROLES = ("admin", "key-manager", "signer", "approver", "auditor", "analyst")


NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
RESERVED_NAMES = frozenset({"ledger", "system", "scheduler", "root", "anonymous", "unknown",
                            "everyone", "nobody-else", "skms"})
UUID_LIKE = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}",
                       re.IGNORECASE)


def check_actor_name(name: str, taken: Iterable[str] = ()) -> str:
    """The name policy for new actors (penetration test F11).

    Why so strict: an actor name is shown to people who decide by it (approvers, auditors,
    the CLI's ``--as``) and names a file in the home. So a name is 1-64 ASCII letters,
    digits, '.', '_' or '-', starting with a letter or digit (no confusable scripts, no
    invisible or control characters, no bidirectional overrides, no path tricks); it is
    unique without regard to case among ``taken`` (every name ever registered, revoked
    actors included); it is none of the reserved names (``ledger`` is the ledger's own
    identity); and it does not look like an actor id (a UUID).
    """
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise InvalidInput("use 1-64 ASCII letters, digits, '.', '_' or '-', starting with a "
                           "letter or digit", field="name")
    folded = name.casefold()
    if folded in RESERVED_NAMES:
        raise InvalidInput(f"{name!r} is a reserved name", field="name")
    if UUID_LIKE.fullmatch(name):
        raise InvalidInput("must not look like an actor id (a UUID)", field="name")
    if any(folded == other.casefold() for other in taken):
        raise InvalidInput(f"an actor named {name!r} already exists (names are compared "
                           "without regard to case)", field="name")
    return name


def check_roles(roles: list[str]) -> list[str]:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise InvalidInput(f"unknown role(s) {', '.join(unknown)}; known: {', '.join(ROLES)}",
                           field="roles")
    return sorted(set(roles))


class Actor(Aggregate):
    """Someone (a person or a service) whose signed commands the ledger accepts."""

    name: str
    public_key: bytes
    roles: list[str]
    domains: list[str]
    revoked: bool
    registered_at: int

    class Registered(Created):
        event_type = "ActorRegistered"
        actor_id: str
        name: str
        public_key: bytes
        roles: list[str]
        domains: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.public_key = self.public_key
            aggregate.roles = list(self.roles)
            aggregate.domains = list(self.domains)
            aggregate.revoked = False
            aggregate.registered_at = self.recorded_at

    class RolesChanged(Event):
        event_type = "ActorRolesChanged"
        actor_id: str
        roles: list[str]
        previous_roles: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.roles = list(self.roles)

    class Revoked(Event):
        event_type = "ActorRevoked"
        actor_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.revoked = True

    @property
    def actor_id(self) -> str:
        return str(self.id)

    def change_roles(self, roles: list[str], *, at: int) -> None:
        if self.revoked:
            raise IllegalTransition(f"actor {self.name} is revoked", reason_code="revoked")
        self.trigger_event(Actor.RolesChanged, at=at, actor_id=self.actor_id,
                           roles=check_roles(roles), previous_roles=list(self.roles))

    def revoke(self, reason: str, *, at: int) -> None:
        if self.revoked:
            raise IllegalTransition(f"actor {self.name} is already revoked",
                                    reason_code="revoked")
        self.trigger_event(Actor.Revoked, at=at, actor_id=self.actor_id, reason=reason)


for _event in (Actor.Registered, Actor.RolesChanged, Actor.Revoked):
    register_event(_event)
