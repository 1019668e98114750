"""The Actor aggregate: an identity (Ed25519 public key) with roles and key domains."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ledger.domain.aggregate import Aggregate, Created, Event
from ledger.domain.registry import register_event
from ledger.errors import IllegalTransition, InvalidInput

MAX_OPEN_CHALLENGES = 8
"""Proof-of-possession challenges an actor may have open at once (expired ones drop out)."""

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
    challenges: dict[str, dict[str, Any]]

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
            aggregate.challenges = {}

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

    class ChallengeIssued(Event):
        event_type = "PossessionChallengeIssued"
        actor_id: str
        challenge_id: str
        service: str
        purpose: str
        nonce: bytes
        expires_at: int
        issued_by: str

        def apply(self, aggregate: Any) -> None:
            open_ = {k: v for k, v in aggregate.challenges.items()
                     if v["expires_at"] > self.recorded_at}
            open_[self.challenge_id] = {"service": self.service, "purpose": self.purpose,
                                        "nonce": bytes(self.nonce),
                                        "expires_at": self.expires_at}
            aggregate.challenges = open_

    class PossessionProven(Event):
        event_type = "PossessionProven"
        actor_id: str
        challenge_id: str
        suite: str
        proof: bytes
        proof_digest: bytes
        submitted_by: str

        def apply(self, aggregate: Any) -> None:
            aggregate.challenges.pop(self.challenge_id, None)

    @property
    def actor_id(self) -> str:
        return str(self.id)

    def issue_challenge(self, *, challenge_id: str, service: str, purpose: str, nonce: bytes,
                        expires_at: int, issued_by: str, at: int) -> None:
        """A one-time proof-of-possession challenge for this actor's identity key."""
        if self.revoked:
            raise IllegalTransition(f"actor {self.name} is revoked", reason_code="revoked")
        still_open = [c for c in self.challenges.values() if c["expires_at"] > at]
        if len(still_open) >= MAX_OPEN_CHALLENGES:
            raise IllegalTransition(f"actor {self.name} has {len(still_open)} open challenges",
                                    hint="answer or let them expire first",
                                    reason_code="too-many-challenges")
        self.trigger_event(Actor.ChallengeIssued, at=at, actor_id=self.actor_id,
                           challenge_id=challenge_id, service=service, purpose=purpose,
                           nonce=nonce, expires_at=expires_at, issued_by=issued_by)

    def open_challenge(self, challenge_id: str, *, at: int) -> dict[str, Any]:
        """The challenge if it is open (issued, not answered, not expired), else a refusal;
        a revoked actor's key proves nothing any more."""
        if self.revoked:
            raise IllegalTransition(f"actor {self.name} is revoked", reason_code="revoked")
        challenge = self.challenges.get(challenge_id)
        if challenge is None:
            raise IllegalTransition(f"actor {self.name} has no open challenge {challenge_id}",
                                    hint="it was never issued, or was answered already",
                                    reason_code="unknown-challenge")
        if at >= challenge["expires_at"]:
            raise IllegalTransition(f"challenge {challenge_id} expired",
                                    hint="ask for a new challenge",
                                    reason_code="challenge-expired")
        return dict(challenge)

    def prove_possession(self, *, challenge_id: str, suite: str, proof: bytes,
                         proof_digest: bytes, submitted_by: str, at: int) -> None:
        self.open_challenge(challenge_id, at=at)
        self.trigger_event(Actor.PossessionProven, at=at, actor_id=self.actor_id,
                           challenge_id=challenge_id, suite=suite, proof=proof,
                           proof_digest=proof_digest, submitted_by=submitted_by)

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


for _event in (Actor.Registered, Actor.RolesChanged, Actor.Revoked, Actor.ChallengeIssued,
               Actor.PossessionProven):
    register_event(_event)
